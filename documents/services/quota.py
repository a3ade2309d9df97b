"""The plan's storage quota, against a usage counter (documents.StorageUsage).

Every change to what counts — an upload reserving its size, a rejection or a deletion giving it
back — updates the one counter row in the transaction that makes the change. The reservation is
a single conditional UPDATE (`… WHERE used_bytes + size <= quota`): the row lock serializes
parallel uploads and PostgreSQL re-checks the condition on the locked row, so together they can
never pass the quota, and nothing is summed per upload. The reconciler recounts the row from the
versions (`usage_recount`), which also absorbs changes made outside these services (a
destroyed file's documents).
"""
from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from dangan.platform.errors import ApplicationError

from .. import errors
from ..models import UploadState
from ._common import MB, Limits, current_limits

# Versions on their way in reserve their declared size; rejected ones hold nothing (their
# objects are deleted), nor do the versions of deleted documents (purged).
COUNTED = (UploadState.PENDING, UploadState.UPLOADED, UploadState.VERIFIED, UploadState.AVAILABLE)

_SUM = f"""
    SELECT coalesce(sum(coalesce(v.size, v.declared_size)), 0)
      FROM documents_documentversion v JOIN documents_document d ON d.id = v.document_id
     WHERE v.upload_state IN ({", ".join(f"'{state}'" for state in COUNTED)}) AND d.deleted_at IS NULL
"""


def _initialize(cursor) -> None:
    """The row, counted from the versions, for a company that has none yet (a new schema, or
    one from before the counter). Racing initializers insert the same sum; one row wins."""
    cursor.execute(f"INSERT INTO documents_storageusage (id, used_bytes, counted_at) SELECT 1, ({_SUM}), now() "
                   "ON CONFLICT (id) DO NOTHING")


def storage_used() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT used_bytes FROM documents_storageusage WHERE id = 1")
        row = cursor.fetchone()
        if row is None:
            cursor.execute(_SUM)
            row = cursor.fetchone()
    return int(row[0])  # sum() of bigint is numeric: a Decimal, which JSON would render as 0.0


def check_size(size: int, limits: Limits | None = None) -> Limits:
    """Refuse (413) a file larger than one file may be, before anything is written. (Whether
    the counter row exists is `reserve`'s business: it costs nothing once the row is there.)"""
    limits = limits or current_limits()
    if size > limits.max_file_bytes:
        raise ApplicationError(errors.FILE_TOO_LARGE, field="size", limit_mb=limits.max_file_bytes // MB)
    return limits


def reserve(size: int, *, limits: Limits) -> None:
    """Count `size` more bytes, or refuse (413) what would pass the quota. Call after
    `check_size` and after recording the version, inside the transaction that records the
    upload and as late in it as possible: the counter row stays locked until it commits.

    A company without the row yet has it counted from the rows here, which already include the
    version just recorded (so nothing is added on top). An initializer that loses the race
    waits for the winner's commit, whose count could not see this version: the conditional
    UPDATE is then simply tried again."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE documents_storageusage SET used_bytes = used_bytes + %s "
                       "WHERE id = 1 AND used_bytes + %s <= %s RETURNING used_bytes", [size, size, limits.quota_bytes])
        if cursor.fetchone() is not None:
            return
        cursor.execute("SELECT used_bytes FROM documents_storageusage WHERE id = 1")
        row = cursor.fetchone()
        if row is None:
            cursor.execute(f"INSERT INTO documents_storageusage (id, used_bytes, counted_at) SELECT 1, ({_SUM}), now() "
                           "ON CONFLICT (id) DO NOTHING RETURNING used_bytes")
            counted = cursor.fetchone()
            if counted is None:
                return reserve(size, limits=limits)
            if counted[0] <= limits.quota_bytes:
                return
            used = counted[0] - size
        else:
            used = row[0]
    raise ApplicationError(errors.STORAGE_QUOTA_EXCEEDED, field="size", quota_mb=limits.quota_bytes // MB,
                           used_mb=round(used / MB, 1), size_mb=round(size / MB, 1))


def release(size: int) -> None:
    """Give back `size` bytes (a rejected version, a deleted document), in the caller's
    transaction. Without a row there is nothing to correct: its first use counts from the rows."""
    if size:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE documents_storageusage SET used_bytes = greatest(used_bytes - %s, 0) WHERE id = 1",
                           [size])


@transaction.atomic
def usage_recount() -> tuple[int, int]:
    """(before, after): the counter set to the sum over the versions. Taking the row lock first
    waits for every transaction that changed the counter, so their versions are in the sum;
    uploads that reserve after the lock add to the new value."""
    with connection.cursor() as cursor:
        _initialize(cursor)
        cursor.execute("SELECT used_bytes FROM documents_storageusage WHERE id = 1 FOR UPDATE")
        before = cursor.fetchone()[0]
        cursor.execute(_SUM)
        after = cursor.fetchone()[0]
        cursor.execute("UPDATE documents_storageusage SET used_bytes = %s, counted_at = %s WHERE id = 1",
                       [after, timezone.now()])
    return before, after
