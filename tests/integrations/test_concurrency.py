"""ETags and conditional requests (integrations/concurrency.py), through the API key detail
and revoke endpoints, plus the versioned-update helper services use."""
import pytest
from django_tenants.utils import schema_context

from dangan.integrations.concurrency import bump_version, etag_for, etag_matches_strongly, etag_matches_weakly
from dangan.integrations.models import ApiKey

from .conftest import issue_key


def _detail(api_key) -> str:
    return f"/api/v1/api-keys/{api_key.pk}/"


def test_get_sets_an_etag_and_if_none_match_answers_304(two_tenants, admin_client):
    a, b = two_tenants
    api_key, _ = issue_key(a)
    client = admin_client(a)
    response = client.get(_detail(api_key))
    assert response.status_code == 200 and response["ETag"] == '"v1"'
    cached = client.get(_detail(api_key), HTTP_IF_NONE_MATCH=response["ETag"])
    assert cached.status_code == 304 and cached.content == b"" and cached["ETag"] == '"v1"'
    assert client.get(_detail(api_key), HTTP_IF_NONE_MATCH='W/"v1"').status_code == 304  # weak comparison
    assert client.get(_detail(api_key), HTTP_IF_NONE_MATCH='"v0", "v9"').status_code == 200
    # B's administrator learns nothing about A's key, not even through a matching ETag.
    assert admin_client(b).get(_detail(api_key), HTTP_IF_NONE_MATCH='"v1"').status_code == 404


def test_write_with_a_stale_if_match_is_refused_with_412(make_tenant, admin_client):
    tenant = make_tenant()
    api_key, _ = issue_key(tenant)
    client = admin_client(tenant)
    etag = client.get(_detail(api_key))["ETag"]
    with schema_context(tenant.schema_name):
        assert ApiKey.objects.get(pk=api_key.pk).bump_version(name="改名")  # somebody else's edit
    stale = client.post(f"{_detail(api_key)}revoke/", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "precondition_failed"
    assert set(stale.json()["error"]["message"]) == {"zh-hans", "en"}
    with schema_context(tenant.schema_name):
        assert ApiKey.objects.get(pk=api_key.pk).revoked_at is None
    fresh = client.get(_detail(api_key))
    assert fresh["ETag"] == '"v2"' and client.get(_detail(api_key), HTTP_IF_NONE_MATCH=etag).status_code == 200
    done = client.post(f"{_detail(api_key)}revoke/", HTTP_IF_MATCH=fresh["ETag"])
    assert done.status_code == 200 and done["ETag"] == '"v3"'


@pytest.mark.parametrize("if_match,status", [('W/"v1"', 412), ("*", 200), ('"v7", "v1"', 200), ("garbage", 412)])
def test_if_match_uses_strong_comparison(make_tenant, admin_client, if_match, status):
    tenant = make_tenant()
    api_key, _ = issue_key(tenant)
    response = admin_client(tenant).post(f"{_detail(api_key)}revoke/", HTTP_IF_MATCH=if_match)
    assert response.status_code == status


def test_a_retried_write_is_replayed_even_though_its_first_run_changed_the_etag(make_tenant, admin_client):
    """Idempotency is checked before the precondition: the retry of a successful If-Match write
    must get its answer back, not a 412 caused by its own first run."""
    tenant = make_tenant()
    api_key, _ = issue_key(tenant)
    client = admin_client(tenant)
    url = f"{_detail(api_key)}revoke/"
    first = client.post(url, HTTP_IF_MATCH='"v1"', HTTP_IDEMPOTENCY_KEY="revoke-1")
    retry = client.post(url, HTTP_IF_MATCH='"v1"', HTTP_IDEMPOTENCY_KEY="revoke-1")
    assert first.status_code == retry.status_code == 200
    assert retry["Idempotent-Replayed"] == "true" and retry["ETag"] == first["ETag"] == '"v2"'


def test_bump_version_detects_a_lost_update(make_tenant):
    tenant = make_tenant()
    api_key, _ = issue_key(tenant)
    with schema_context(tenant.schema_name):
        mine, theirs = ApiKey.objects.get(pk=api_key.pk), ApiKey.objects.get(pk=api_key.pk)
        assert bump_version(theirs, name="他们的")
        assert not bump_version(mine, name="我的")  # read at version 1, row is at 2 now
        assert mine.version == 1
        row = ApiKey.objects.get(pk=api_key.pk)
        assert (row.name, row.version) == ("他们的", 2)
        assert bump_version(mine, expected_version=2, name="我的") and mine.version == 3


def test_etag_for_versions_and_timestamps():
    from datetime import datetime, timezone

    class Stamped:
        updated_at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)

    assert etag_for(3) == '"v3"'
    assert etag_for(ApiKey(version=4)) == '"v4"'
    assert etag_for(Stamped()) == f'"t{int(Stamped.updated_at.timestamp() * 1_000_000)}"'
    with pytest.raises(TypeError):
        etag_for(object())
    assert etag_matches_strongly('"v3"', '"v3"') and not etag_matches_strongly('"v3"', 'W/"v3"')
    assert etag_matches_weakly('"v3"', 'W/"v3"') and not etag_matches_weakly('"v3"', '"v4"')
