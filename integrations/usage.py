"""Per-company, per-day API call counters, kept in the cache.

A counter increment per request must be cheap: a cache `incr` (atomic in Redis and in the
local-memory cache), never a database write. The cache key function (django-tenants'
`make_key`) prefixes every key with the current schema, so each company counts separately.
`tenants.record_usage` copies today's figure into `TenantUsage.api_calls_today` hourly.

The counters must live in a cache that web processes and workers share (`CACHE_URL`, e.g.
Redis) for the quota to be company-wide; the local-memory default counts per process.
"""
from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.utils import timezone

# A day's counter outlives its day, so the last flush of the day can still read it.
_COUNTER_SECONDS = 2 * 24 * 3600
# A plan change reaches the quota check within a minute; meanwhile no per-request query.
_LIMIT_CACHE_SECONDS = 60


def _counter_key(day: date | None = None) -> str:
    # The company's day ends at local midnight (settings.TIME_ZONE), like its users' day.
    return f"integrations:api-calls:{(day or timezone.localdate()).isoformat()}"


def api_call_count_increment() -> int:
    """Count one API call of the current company today; returns the new total."""
    key = _counter_key()
    cache.add(key, 0, timeout=_COUNTER_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.add(key, 0, timeout=_COUNTER_SECONDS)
        return cache.incr(key)


def api_call_count_decrement() -> None:
    try:
        cache.decr(_counter_key())
    except ValueError:
        pass


def api_calls_today() -> int:
    return int(cache.get(_counter_key(), 0))


def daily_api_call_limit(tenant) -> int:
    return cache.get_or_set("integrations:api-call-limit", lambda: tenant.plan.max_api_calls_per_day,
                            _LIMIT_CACHE_SECONDS)
