"""Checkpoints of a company's audit-chain head, kept outside its schema: a row in the public
schema (tenants.AuditCheckpoint) and an object `<schema>/audit/checkpoints/<seq>.json`."""
from __future__ import annotations

import io
import json

from django.db import connection, transaction
from django.utils import timezone

from dangan.platform.logging import get_logger

from ..models import AuditEvent

log = get_logger(__name__)
CHECKPOINT_PREFIX = "audit/checkpoints/"


def current_tenant_id() -> int:
    """The company of the connection's schema (schema_context sets a stand-in without a pk)."""
    from dangan.tenants.models import Tenant

    tenant = getattr(connection, "tenant", None)
    if getattr(tenant, "pk", None) and getattr(tenant, "schema_name", None) == connection.schema_name:
        return tenant.pk
    return Tenant.objects.values_list("pk", flat=True).get(schema_name=connection.schema_name)


def checkpoint_key(seq: int) -> str:
    return f"{CHECKPOINT_PREFIX}{seq}.json"


def _store_object(payload: dict) -> None:
    from dangan.documents.storage import object_store

    data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    object_store().put_stream(checkpoint_key(payload["seq"]), io.BytesIO(data), content_type="application/json")


@transaction.atomic
def checkpoint_create() -> dict:
    """Copy the chain head out of the schema, after checking that the events since the last
    checkpoint still verify (a head that is already tampered with is never blessed)."""
    from dangan.tenants.models import AuditCheckpoint

    from ..verification import verify_chain

    tenant_id = current_tenant_id()
    head = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    if head is None:
        return {"checkpointed": False, "reason": "empty"}
    last = AuditCheckpoint.objects.filter(tenant_id=tenant_id).order_by("-seq").first()
    if last is not None and last.seq >= head["seq"]:
        return {"checkpointed": False, "reason": "unchanged" if last.seq == head["seq"] else "truncated"}
    report = verify_chain(since_seq=last.seq if last else None, check_storage=False)
    if not report["ok"]:
        log.error("audit_chain_broken", problems=report["problems"][:20])
        return {"checkpointed": False, "reason": "broken", "problems": report["problems"]}
    checkpoint = AuditCheckpoint.objects.create(tenant_id=tenant_id, seq=head["seq"], hash=head["hash"])
    payload = {"schema": connection.schema_name, "seq": checkpoint.seq, "hash": checkpoint.hash,
               "at": timezone.localtime(checkpoint.at).isoformat()}
    # The object after commit: a rolled-back checkpoint must not leave a head behind in storage.
    transaction.on_commit(lambda: _store_object(payload))
    return {"checkpointed": True, "seq": checkpoint.seq, "hash": checkpoint.hash}
