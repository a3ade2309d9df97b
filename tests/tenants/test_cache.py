"""The default cache keeps companies apart: its key function puts the schema into every key."""
from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django_tenants.utils import schema_context, tenant_context


def test_a_value_cached_in_one_tenant_is_invisible_to_others_and_to_public(make_tenant):
    a = make_tenant(company_name="缓存甲")
    b = make_tenant(company_name="缓存乙")
    with tenant_context(a):
        cache.set("dashboard:counts", {"customers": 12}, 60)
        assert cache.get("dashboard:counts") == {"customers": 12}
    with tenant_context(b):
        assert cache.get("dashboard:counts") is None
        assert cache.get_many(["dashboard:counts"]) == {}
        cache.set("dashboard:counts", {"customers": 3}, 60)
    with schema_context("public"):
        assert cache.get("dashboard:counts") is None
        assert not cache.has_key("dashboard:counts")
    with tenant_context(a):
        assert cache.get("dashboard:counts") == {"customers": 12}
        cache.delete("dashboard:counts")
    with tenant_context(b):
        assert cache.get("dashboard:counts") == {"customers": 3}  # A's delete did not reach B
        cache.delete("dashboard:counts")


def test_cache_keys_carry_the_schema_name(make_tenant):
    a = make_tenant()
    with tenant_context(a):
        key = cache.make_key("anything")
        assert connection.schema_name == a.schema_name
    assert key.startswith(f"{a.schema_name}:")
    assert cache.make_key("anything").startswith("public:")


def test_increments_in_one_tenant_do_not_count_in_another(make_tenant):
    a = make_tenant()
    b = make_tenant()
    for tenant, hits in ((a, 3), (b, 1)):
        with tenant_context(tenant):
            cache.set("api_calls", 0, 60)
            for _ in range(hits):
                cache.incr("api_calls")
    with tenant_context(a):
        assert cache.get("api_calls") == 3
    with tenant_context(b):
        assert cache.get("api_calls") == 1
    with tenant_context(a):
        cache.delete("api_calls")
    with tenant_context(b):
        cache.delete("api_calls")
