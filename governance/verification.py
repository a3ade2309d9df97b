"""Verifying a company's audit chain (R8): recompute every hash, follow every link, and
compare with the heads checkpointed outside the schema.

What each mutation looks like here:
- an edited row: its stored hash no longer matches its content (`hash_mismatch`);
- a deleted row: a gap in the sequence and a broken link after it (`gap`, `link_broken`);
- reordered rows: sequence numbers that disagree with insertion order (`out_of_order`), and
  hashes that no longer match (the sequence number is hashed);
- truncation (of the tail or the whole table): a checkpointed head beyond the last event
  (`truncated`);
- a rewritten suffix, hashes recomputed so that the chain is internally consistent: an event
  that no longer matches a checkpoint taken before the rewrite (`checkpoint_mismatch`).
"""
from __future__ import annotations

import json

from django.db import connection

from .models import AuditEvent
from .services.audit import GENESIS_HASH, hash_of
from .services.checkpoints import CHECKPOINT_PREFIX, current_tenant_id

MAX_PROBLEMS = 200  # a report lists this many; the count says how many there were


def _checkpoints_in_db() -> list[dict]:
    from dangan.tenants.models import AuditCheckpoint

    return [{"seq": seq, "hash": hash_, "source": "database"} for seq, hash_ in
            AuditCheckpoint.objects.filter(tenant_id=current_tenant_id()).order_by("seq").values_list("seq", "hash")]


def _checkpoints_in_storage() -> list[dict]:
    from dangan.documents.storage import object_store, tenant_prefix

    store = object_store()
    prefix = tenant_prefix(connection.schema_name) + CHECKPOINT_PREFIX
    found = []
    for item in store.list_prefix(prefix):
        body = store.client.get_object(Bucket=store.bucket, Key=item["Key"])["Body"].read()
        data = json.loads(body)
        found.append({"seq": int(data["seq"]), "hash": data["hash"], "source": "storage"})
    return sorted(found, key=lambda c: c["seq"])


def verify_chain(*, since_seq: int | None = None, check_storage: bool = True) -> dict:
    """The report: {"ok", "events", "head": {"seq", "hash"}, "checkpoints", "problem_count",
    "problems": [{"code", "seq", "detail"}]}. `since_seq` verifies from that event on (the
    event itself must still match its checkpoint)."""
    problems: list[dict] = []

    def problem(code: str, seq, detail: str) -> None:
        problems.append({"code": code, "seq": seq, "detail": detail})

    checkpoints = _checkpoints_in_db() + (_checkpoints_in_storage() if check_storage else [])
    expected = {c["seq"]: c for c in checkpoints}
    by_source: dict[int, set] = {}
    for c in checkpoints:
        by_source.setdefault(c["seq"], set()).add(c["hash"])
    for seq, hashes in sorted(by_source.items()):
        if len(hashes) > 1:
            problem("checkpoint_conflict", seq, "the database and storage checkpoints disagree")

    events = AuditEvent.objects.order_by("seq").values_list(
        "id", "seq", "at", "actor", "action", "object_type", "object_id", "summary", "prev_hash", "hash")
    if since_seq is not None:
        events = events.filter(seq__gte=since_seq)
    count, previous, last_id, seen = 0, None, None, set()
    for row in events.iterator(chunk_size=2000):
        pk, seq, at, actor, action, object_type, object_id, summary, prev_hash, stored = row
        event = AuditEvent(seq=seq, at=at, actor=actor, action=action, object_type=object_type,
                           object_id=object_id, summary=summary, prev_hash=prev_hash)
        count += 1
        seen.add(seq)
        if hash_of(event) != stored:
            problem("hash_mismatch", seq, "the event's content does not match its hash (edited)")
        if last_id is not None and pk < last_id:
            problem("out_of_order", seq, "sequence numbers disagree with the order events were written in")
        if previous is None:
            if since_seq is None and (seq != 1 or prev_hash != GENESIS_HASH):
                problem("gap" if seq != 1 else "link_broken", seq, "the chain does not start at event 1")
        else:
            if seq != previous[0] + 1:
                problem("gap", seq, f"events {previous[0] + 1}–{seq - 1} are missing (deleted)")
            if prev_hash != previous[1]:
                problem("link_broken", seq, "prev_hash is not the previous event's hash")
        checkpoint = expected.get(seq)
        if checkpoint is not None and checkpoint["hash"] != stored:
            problem("checkpoint_mismatch", seq, f"differs from the head checkpointed in {checkpoint['source']} "
                                                "(rewritten)")
        previous, last_id = (seq, stored), pk
    head = {"seq": previous[0], "hash": previous[1]} if previous else None
    for c in checkpoints:
        if since_seq is not None and c["seq"] < since_seq:
            continue
        if head is None or c["seq"] > head["seq"]:
            problem("truncated", c["seq"], f"a head at event {c['seq']} was checkpointed in {c['source']}, "
                                           "the chain now ends before it")
        elif c["seq"] not in seen:
            problem("checkpoint_missing_event", c["seq"], "the checkpointed event is missing")
    unique = list({(p["code"], p["seq"], p["detail"]): p for p in problems}.values())
    return {"ok": not unique, "events": count, "head": head, "checkpoints": len(checkpoints),
            "problem_count": len(unique), "problems": unique[:MAX_PROBLEMS]}
