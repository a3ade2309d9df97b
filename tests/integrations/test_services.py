"""API key services: creation shows the secret once and keeps only its hash; administrators only."""
import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from dangan.integrations import services
from dangan.integrations.models import ApiKey
from dangan.platform.errors import ApplicationError

from .conftest import admin_of, issue_key


def test_create_returns_the_plaintext_once_and_stores_only_its_hash(make_tenant):
    tenant = make_tenant()
    api_key, plaintext = issue_key(tenant, scopes=["read"])
    brand, prefix, secret = plaintext.split("_", 2)
    assert brand == "dgn" and prefix == api_key.prefix and len(prefix) == 8 and len(secret) >= 40
    with schema_context(tenant.schema_name):
        stored = ApiKey.objects.get(pk=api_key.pk)
        assert stored.hashed_key == hashlib.sha256(plaintext.encode()).hexdigest()
        assert not hasattr(stored, "key")
        # The secret appears nowhere in the row.
        with connection.cursor() as cursor:
            cursor.execute("SELECT row_to_json(k)::text FROM integrations_apikey k WHERE id = %s", [api_key.pk])
            assert secret not in cursor.fetchone()[0]
    assert stored.scopes == ["read"] and stored.version == 1 and stored.status == "active"


def test_two_keys_differ_in_prefix_and_secret(make_tenant):
    tenant = make_tenant()
    (a, plain_a), (b, plain_b) = issue_key(tenant), issue_key(tenant)
    assert a.prefix != b.prefix and plain_a != plain_b


@pytest.mark.parametrize("scopes,stored", [(["write"], ["read", "write"]), (["READ", "read"], ["read"])])
def test_write_scope_implies_read(make_tenant, scopes, stored):
    api_key, _ = issue_key(make_tenant(), scopes=scopes)
    assert api_key.scopes == stored and api_key.has_scope("read")


@pytest.mark.parametrize("scopes", [[], ["admin"], ["read", "delete"]])
def test_unknown_or_missing_scopes_are_refused(make_tenant, scopes):
    with pytest.raises(ApplicationError) as caught:
        issue_key(make_tenant(), scopes=scopes)
    assert caught.value.fields["scopes"][0]["code"] == "api_key_scopes_invalid"


def test_blank_name_and_past_expiry_are_refused(make_tenant):
    tenant = make_tenant()
    with pytest.raises(ApplicationError) as caught:
        issue_key(tenant, name="  ")
    assert caught.value.code == "api_key_name_required"
    with pytest.raises(ApplicationError) as caught:
        issue_key(tenant, expires_at=timezone.now() - timedelta(seconds=1))
    assert caught.value.code == "api_key_expiry_past"


def test_only_company_administrators_may_create_or_revoke(make_tenant, member):
    tenant = make_tenant()
    clerk, _ = member(tenant)
    with pytest.raises(ApplicationError) as caught:
        issue_key(tenant, actor=clerk)
    assert caught.value.code == "permission_denied" and caught.value.status == 403
    api_key, _ = issue_key(tenant)
    with schema_context(tenant.schema_name):
        with pytest.raises(ApplicationError) as caught:
            services.api_key_revoke(actor=clerk, api_key=api_key)
        assert caught.value.code == "permission_denied"
        assert ApiKey.objects.get(pk=api_key.pk).revoked_at is None

        # Membership of the administrators' group is enough; superuser status is not required.
        from django.contrib.auth.models import Group

        clerk.groups.add(Group.objects.get(name="租户管理员"))
        services.api_key_revoke(actor=clerk, api_key=api_key)
        assert ApiKey.objects.get(pk=api_key.pk).revoked_by == clerk


def test_revoke_sets_revoked_at_bumps_the_version_and_refuses_a_second_time(make_tenant):
    tenant = make_tenant()
    api_key, _ = issue_key(tenant)
    with schema_context(tenant.schema_name):
        admin = admin_of(tenant)
        revoked = services.api_key_revoke(actor=admin, api_key=api_key)
        assert revoked.revoked_at is not None and revoked.version == 2 and revoked.status == "revoked"
        with pytest.raises(ApplicationError) as caught:
            services.api_key_revoke(actor=admin, api_key=ApiKey.objects.get(pk=api_key.pk))
        assert caught.value.code == "api_key_already_revoked"


def test_revoke_with_a_stale_copy_is_a_lost_update_not_a_silent_overwrite(make_tenant):
    tenant = make_tenant()
    api_key, _ = issue_key(tenant)
    with schema_context(tenant.schema_name):
        stale = ApiKey.objects.get(pk=api_key.pk)
        ApiKey.objects.get(pk=api_key.pk).bump_version(name="改名")  # somebody else's write
        with pytest.raises(ApplicationError) as caught:
            services.api_key_revoke(actor=admin_of(tenant), api_key=stale)
        assert caught.value.code == "precondition_failed" and caught.value.status == 412
        assert ApiKey.objects.get(pk=api_key.pk).revoked_at is None
        # A concurrent revoke that won is reported as such, not as a generic conflict.
        current = ApiKey.objects.get(pk=api_key.pk)
        services.api_key_revoke(actor=admin_of(tenant), api_key=ApiKey.objects.get(pk=api_key.pk))
        with pytest.raises(ApplicationError) as caught:
            services.api_key_revoke(actor=admin_of(tenant), api_key=current)
        assert caught.value.code == "api_key_already_revoked"
