"""Writing the audit chain (R8). Every mutating service calls `audit_record` in its own
transaction, so the event commits with the change it records or not at all."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

from django.db import connection, models, transaction
from django.utils import timezone

from dangan.accounts import roles

from ..models import AuditEvent

GENESIS_HASH = "0" * 64
# Advisory-lock namespace (first key of the two-key form): one lock per company schema, held
# until the writing transaction ends, so exactly one writer at a time extends the chain.
AUDIT_LOCK_NAMESPACE = 0x61756474  # "audt"
SYSTEM_ACTOR = {"id": None, "name": "system", "email": "", "roles": [], "departments": []}


def _default(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value, key=str)
    return str(value)


def canonical_json(payload) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the same bytes from the same content, always."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_default).encode("utf-8")


def plain_json(value):
    """`value` as it reads back from jsonb: what is hashed is exactly what is stored."""
    return json.loads(canonical_json(value))


def timestamp(at: dt.datetime) -> str:
    return at.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def event_hash(*, seq: int, at: dt.datetime, actor: dict, action: str, object_type: str, object_id: str,
               summary: dict, prev_hash: str) -> str:
    payload = {"seq": seq, "at": timestamp(at), "actor": actor, "action": action,
               "object": {"type": object_type, "id": object_id}, "summary": summary, "prev_hash": prev_hash}
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def hash_of(event: AuditEvent) -> str:
    return event_hash(seq=event.seq, at=event.at, actor=event.actor, action=event.action,
                      object_type=event.object_type, object_id=event.object_id, summary=event.summary,
                      prev_hash=event.prev_hash)


def actor_snapshot(actor) -> dict:
    """Who acted, as they were at that moment: roles and departments change, people leave."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return dict(SYSTEM_ACTOR)
    from dangan.archives.models import Department

    departments = [{"id": pk, "code": code, "name": name} for pk, code, name in
                   Department.objects.filter(members=actor).order_by("pk").values_list("pk", "code", "name")]
    return {"id": actor.pk, "name": actor.full_name, "email": actor.email,
            "roles": sorted(set(actor.groups.values_list("name", flat=True))
                            | ({roles.TENANT_ADMIN} if actor.is_superuser else set())),
            "departments": departments}


def object_ref(obj) -> tuple[str, str]:
    """("app.model", "pk") of a model instance, or a given ("type", id) pair."""
    if obj is None:
        return "", ""
    if isinstance(obj, models.Model):
        return f"{obj._meta.app_label}.{obj._meta.model_name}", str(obj.pk)
    kind, pk = obj
    return str(kind), "" if pk is None else str(pk)


def _lock_chain() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                       [AUDIT_LOCK_NAMESPACE, connection.schema_name])


@transaction.atomic
def audit_record(*, actor, action: str, obj=None, summary: dict | None = None) -> AuditEvent:
    """Append one event to the company's chain, in the caller's transaction. The chain is
    serialized per company (advisory lock until commit), so it never forks."""
    _lock_chain()
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
    object_type, object_id = object_ref(obj)
    event = AuditEvent(seq=seq, at=timezone.now(), actor=plain_json(actor_snapshot(actor)), action=action,
                       object_type=object_type, object_id=object_id, summary=plain_json(summary or {}),
                       prev_hash=prev_hash)
    event.hash = hash_of(event)
    event.save(force_insert=True)
    return event
