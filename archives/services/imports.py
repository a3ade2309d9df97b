"""Bulk import of customer files and sales ledgers from .xlsx / .csv (R11).

upload (file to object storage, headers detected, mapping proposed) → validate (a dry run of
every row: same validators as the API, nothing kept) → apply (the good rows written, the bad
ones reported) — each phase a Celery task working through the file in chunks.

Chunks are the unit of progress and of commit: a chunk's rows, its row errors and the job's
counters commit together, so the progress users see is real, and a task that dies halfway is
resumed by the next run after the last committed chunk instead of importing rows twice.
"""
from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import queue
import re
import sys
import tempfile
import threading
from typing import Iterator

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from dangan.accounts import roles
from dangan.documents.storage import object_store
from dangan.governance.services.audit import audit_record
from dangan.platform.errors import ApplicationError
from dangan.platform.logging import get_logger

from .. import errors as archive_errors
from ..importing import errors, parsing, report, targets as targets_module
from ..importing.customer_rows import CustomerRows
from ..importing.ledger_rows import LedgerRows
from ..models import ImportJob, ImportRowError

log = get_logger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"xlsx": XLSX_TYPE, "csv": "text/csv"}
# A 100,000-row register with a dozen columns is ~6 MB as .xlsx and ~15 MB as .csv.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
# Beyond this a file should be split: one job then stays within minutes and one error report.
MAX_ROWS = 200_000
# Rows per transaction: large enough that set-based writes pay off, small enough that progress
# moves every second or so, a failed chunk is quick to redo row by row, and a colleague creating a
# file in the same numbering scope waits no longer than one chunk's write for the lock on its
# counter (~0.5 s at 5,000-6,000 rows/s, about a second on a machine half as fast).
# A/B (alternating runs into fresh companies, 50,000 rows, one process): 3,000 rows a chunk did
# 16-19 % more rows/s than 1,000, with less CPU on both sides (each chunk's own statements,
# commit and hand-over between the pipeline's threads are paid a third as often); 6,000 was no
# better than 3,000.
CHUNK_ROWS = 3000
# Chunks written on a second thread while the next is prepared (_Pipeline).
PIPELINE = True
# The interpreter's thread switch interval while a pipeline runs (seconds; Python's default is
# 0.005). The writer spends most of its time waiting on PostgreSQL and needs the GIL only
# briefly between statements and COPY rows; at the default it waited up to 5 ms for it each
# time while the reading thread validated, and the database sat idle meanwhile. A/B over
# 30,000 rows, alternating runs on one machine: +8-10 % rows/s at 0.5 ms, with no more CPU;
# at 0.2 ms the gain was smaller and CPU rose.
PIPELINE_SWITCH_INTERVAL = 0.0005
IMPORT_REASON = "批量导入（任务 #{id}：{name}）"
ENGINES = {ImportJob.Kind.CUSTOMERS: CustomerRows, ImportJob.Kind.LEDGER: LedgerRows}
# Rows kept in the job's error preview (the API's job detail); the report has all of them.
ERROR_PREVIEW = 50


def sanitize_file_name(name: str) -> str:
    """A storage-safe base name: letters (Chinese included), digits, ".", "-", "_"; no paths."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    stem, extension = os.path.splitext(base)
    stem = re.sub(r"[^\w.\-]+", "_", stem).strip("._")[:100] or "file"
    return f"{stem}{extension.lower()}"


def _job_state_error(job: ImportJob) -> ApplicationError:
    return ApplicationError(errors.JOB_STATE, state=job.get_state_display())


# --- upload ---------------------------------------------------------------------------------------
@transaction.atomic
def import_job_create(*, actor, kind: str, upload, file_name: str | None = None) -> ImportJob:
    """Store the file under imports/<job id>/ and propose a mapping from its headers. Nothing
    is validated or written yet."""
    if roles.is_read_only_auditor(actor):  # the import would create files as its uploader
        raise ApplicationError(archive_errors.FORBIDDEN)
    if kind not in ImportJob.Kind.values:
        raise ApplicationError(archive_errors.FIELD_INVALID, field="kind", zh="未知导入类型。", en="Unknown import kind.")
    name = (file_name or getattr(upload, "name", "") or "").strip()
    file_format = parsing.file_format(name)
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ApplicationError(errors.FILE_TOO_LARGE, field="file", limit_mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    upload.seek(0)
    with parsing.open_table(upload, file_format) as table:
        headers, header_row = table.headers, table.header_row
        encoding, sheet_name = table.encoding, table.sheet_name
    targets = targets_module.targets_for(kind)
    job = ImportJob.objects.create(
        kind=kind, file_name=name[:255], file_format=file_format, encoding=encoding, sheet_name=sheet_name[:100],
        header_row=header_row, headers=headers, mapping=targets_module.propose_mapping(kind, headers, targets),
        created_by=actor)
    job.file_key = f"imports/{job.pk}/{sanitize_file_name(name)}"
    upload.seek(0)
    stored = object_store().put_stream(job.file_key, upload, content_type=CONTENT_TYPES[file_format],
                                       metadata={"uploader": str(actor.pk)})
    job.file_size = stored["size"]
    job.save(update_fields=["file_key", "file_size", "updated_at"])
    return job


# --- starting phases ------------------------------------------------------------------------------
def _queue(job: ImportJob) -> None:
    from ..tasks import run_import

    job_id = job.pk
    transaction.on_commit(lambda: run_import.delay(job_id))


def _reset(job: ImportJob, phase: str) -> None:
    job.phase = phase
    job.processed_rows = job.ok_rows = job.error_rows = 0
    job.created_rows = job.updated_rows = job.change_request_rows = 0
    job.position = 0
    job.failure = None  # the last phase's report stays downloadable until this one replaces it
    job.row_errors.filter(phase=phase).delete()


@transaction.atomic
def import_job_validate(*, actor, job: ImportJob, mapping: dict | None = None) -> ImportJob:
    """Confirm (or change) the column mapping and start the dry run. Possible until the job is
    applied; a failed apply can only be resumed, since part of it may already be written."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    allowed = (job.state in (ImportJob.State.PENDING, ImportJob.State.VALIDATED)
               or (job.state == ImportJob.State.FAILED and job.phase == "validate"))
    if not allowed:
        raise _job_state_error(job)
    job.mapping = targets_module.clean_mapping(job.kind, job.headers, job.mapping if mapping is None else mapping)
    _reset(job, "validate")
    job.state = ImportJob.State.VALIDATING
    job.save()
    _queue(job)
    return job


@transaction.atomic
def import_job_apply(*, actor, job: ImportJob) -> ImportJob:
    """Write the good rows of a validated job (every row is validated again as it is written:
    the data may have changed since the dry run). A failed apply resumes where it stopped."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.state == ImportJob.State.VALIDATED:
        _reset(job, "apply")
    elif not (job.state == ImportJob.State.FAILED and job.phase == "apply"):
        raise _job_state_error(job)
    job.state = ImportJob.State.APPLYING
    job.failure = None
    job.save()
    audit_record(actor=actor, action="import.apply", obj=job, summary={"kind": job.kind, "rows": job.total_rows})
    _queue(job)
    return job


# --- running (the task's body) -------------------------------------------------------------------
@contextlib.contextmanager
def _job_lock(job_id: int) -> Iterator[bool]:
    """One runner per job, whatever the broker redelivers. A session-level advisory lock: the
    job commits chunk by chunk, so no row lock would last the whole run."""
    digest = hashlib.sha256(f"{connection.schema_name}\0import\0{job_id}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextlib.contextmanager
def _local_copy(job: ImportJob) -> Iterator[str]:
    """The stored file on local disk: openpyxl needs a seekable file, and memory stays small."""
    suffix = f".{job.file_format}"
    with tempfile.NamedTemporaryFile(suffix=suffix) as local:
        for chunk in object_store().iter_chunks(job.file_key):
            local.write(chunk)
        local.flush()
        yield local.name


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run the phase the job is in (validating or applying); anything else is a redelivered
    message and does nothing. File-level problems fail the job with their code."""
    with _job_lock(job_id) as acquired:
        if not acquired:
            log.info("import_already_running", job_id=job_id)
            return None
        job = ImportJob.objects.select_related("created_by").get(pk=job_id)
        if job.state not in (ImportJob.State.VALIDATING, ImportJob.State.APPLYING):
            return job
        try:
            _run_phase(job)
        except ApplicationError as exc:
            _fail(job, exc)
        except Exception:
            log.exception("import_failed", job_id=job_id)
            _fail(job, ApplicationError(errors.JOB_CRASHED))
        job.refresh_from_db()
        return job


def _fail(job: ImportJob, exc: ApplicationError) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.FAILED, failure={"code": exc.code, "message": exc.message()},
        finished_at=timezone.now(), updated_at=timezone.now())


class _Phase:
    """One pass over the file: the engine's outcomes turned into counters and row errors."""

    def __init__(self, job: ImportJob, table: parsing.Table) -> None:
        self.job = job
        self.keep = job.phase == "apply"
        self.header_of = {target: header for header, target in job.mapping.items() if target}
        self.column_of = {header: index for index, header in enumerate(table.headers)}
        engine = ENGINES[job.kind]
        self.engine = engine(actor=job.created_by, headers=table.headers, mapping=job.mapping,
                             targets={t.key: t for t in targets_module.targets_for(job.kind)},
                             reason=IMPORT_REASON.format(id=job.pk, name=job.file_name)[:500])

    def chunks(self, rows: Iterator[parsing.Row]) -> Iterator[list[parsing.Row]]:
        chunk: list[parsing.Row] = []
        for row in rows:
            if row.position <= self.job.position:
                continue  # committed by an earlier run of this phase
            chunk.append(row)
            if len(chunk) == CHUNK_ROWS:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def run(self, rows: Iterator[parsing.Row]) -> None:
        if PIPELINE and hasattr(self.engine, "prepare"):
            with _Pipeline(self.chunk, self.engine.db_lock) as pipeline:
                for rows_ in self.chunks(rows):
                    pipeline.submit(rows_, self.engine.prepare(rows_, keep=self.keep))
        else:
            for rows_ in self.chunks(rows):
                self.chunk(rows_)

    def chunk(self, rows: list[parsing.Row], prepared=None) -> None:
        """One chunk's writes, row errors and counters, committed together. `prepared`: the
        engine's prepare() of these rows, when the pipeline made it ahead."""
        job = self.job
        with transaction.atomic():
            # A chunk's commit need not wait for its WAL flush: a crash could lose the last
            # chunks' commits, but their rows, row errors and the job's position go together,
            # so the resumed run redoes exactly those chunks.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
            if prepared is None:
                outcomes = self.engine.process(rows, keep=self.keep)
            else:
                outcomes = self.engine.write(prepared, keep=self.keep)
            row_errors = []
            for outcome in outcomes:
                for problem in outcome.problems:
                    header = self.header_of.get(problem.target, "") if problem.target else ""
                    index = self.column_of.get(header)
                    value = targets_module.display(outcome.row.values[index]) if index is not None else ""
                    row_errors.append(ImportRowError(
                        job=job, phase=job.phase, row_number=outcome.row.number, column=header,
                        value=value[:1000], code=problem.code[:60], message_zh=problem.zh, message_en=problem.en))
            ImportRowError.objects.bulk_create(row_errors, batch_size=1000)
            counts = {
                "processed_rows": len(outcomes),
                "ok_rows": sum(1 for o in outcomes if o.ok),
                "error_rows": sum(1 for o in outcomes if not o.ok),
                "created_rows": sum(1 for o in outcomes if o.ok and o.action in ("created", "added")),
                "updated_rows": sum(1 for o in outcomes if o.ok and o.action == "updated"),
                "change_request_rows": sum(1 for o in outcomes if o.ok and o.action == "change_request"),
            }
            ImportJob.objects.filter(pk=job.pk).update(
                position=rows[-1].position, updated_at=timezone.now(),
                **{name: F(name) + value for name, value in counts.items()})
            if self.keep:  # rows written (created in bulk, or updated through customer_update)
                audit_record(actor=job.created_by, action="import.chunk", obj=job,
                             summary={"kind": job.kind, "positions": [rows[0].position, rows[-1].position], **counts})
        for name, value in counts.items():
            setattr(job, name, getattr(job, name) + value)
        job.position = rows[-1].position


class _Pipeline:
    """Writes each chunk on a second thread while this one reads and validates the next.

    Parsing, validation and search tokens are Python; numbering, COPY, index upkeep and the
    commit are the database's: in turn they would leave one of the two busy at a time. The
    writer uses this thread's database connection (same session, same advisory lock) and holds
    `db_lock` for each chunk; the reading side takes that lock for the few reads it makes
    (lookups of categories, terms, users), so the two never use the connection at once. Chunks
    are written in order, one at a time, each in its own transaction as before: resuming after
    a failure works as it did. A writer's error stops the run and is raised here.
    """

    def __init__(self, write, db_lock) -> None:
        self.write = write
        self.db_lock = db_lock
        self.queue: queue.Queue = queue.Queue(maxsize=1)  # one chunk prepared ahead, no more
        self.error: BaseException | None = None
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.thread = threading.Thread(target=self._writer, name="import-writer", daemon=True)

    def __enter__(self) -> "_Pipeline":
        self.connection.inc_thread_sharing()
        _switch_interval.enter()
        self.thread.start()
        return self

    def _writer(self) -> None:
        connections[DEFAULT_DB_ALIAS] = self.connection
        while (item := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drained until the reading side stops
            try:
                with self.db_lock:
                    self.write(*item)
            except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
                self.error = exc

    def submit(self, rows, prepared) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((rows, prepared))

    def __exit__(self, exc_type, exc, traceback) -> None:
        self.queue.put(None)
        self.thread.join()
        _switch_interval.leave()
        self.connection.dec_thread_sharing()
        if exc is None and self.error is not None:
            raise self.error


class _SwitchInterval:
    """PIPELINE_SWITCH_INTERVAL while any pipeline of this process runs (a worker with a thread
    pool may run several), and the interval found before the first one afterwards."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.previous: float | None = None

    def enter(self) -> None:
        with self.lock:
            if self.running == 0:
                self.previous = sys.getswitchinterval()
                sys.setswitchinterval(min(self.previous, PIPELINE_SWITCH_INTERVAL))
            self.running += 1

    def leave(self) -> None:
        with self.lock:
            self.running -= 1
            if self.running == 0 and self.previous is not None:
                sys.setswitchinterval(self.previous)
                self.previous = None


_switch_interval = _SwitchInterval()


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cyclic garbage collector, run less often for the phase: an import allocates
    millions of small containers (cells, rows, token sets) while holding large memos and the
    file's string table, and at the default thresholds the full collections that kept
    re-scanning those took a fifth of the Python time. Restored afterwards."""
    previous = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def _run_phase(job: ImportJob) -> None:
    with _fewer_collections(), _local_copy(job) as path, \
            parsing.open_table(path, job.file_format, encoding=job.encoding) as table:
        if job.phase == "validate":
            total = table.estimated_rows()
            if total is None or total > MAX_ROWS:
                total = table.count_rows()  # declared sizes may count blank formatted rows
            if total > MAX_ROWS:
                raise ApplicationError(errors.TOO_MANY_ROWS, limit=MAX_ROWS)
            job.total_rows = total
            ImportJob.objects.filter(pk=job.pk).update(total_rows=total)
        phase = _Phase(job, table)
        phase.run(table.rows())
    report_key = _store_report(job)
    now = timezone.now()
    done = job.phase == "apply"
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.DONE if done else ImportJob.State.VALIDATED,
        total_rows=job.position, error_report_key=report_key,
        finished_at=now, updated_at=now, **({"applied_at": now} if done else {"validated_at": now}))
    log.info("import_phase_done", job_id=job.pk, phase=job.phase, rows=job.position, errors=job.error_rows)


def _store_report(job: ImportJob) -> str:
    rows = (
        (error.row_number, error.column, error.value, error.code, error.message_zh, error.message_en)
        for error in job.row_errors.filter(phase=job.phase).order_by("row_number", "id").iterator(chunk_size=2000)
    )
    key = f"imports/{job.pk}/errors-{job.phase}.xlsx"
    with report.write_report(rows) as workbook:
        object_store().put_stream(key, workbook, content_type=XLSX_TYPE)
    return key


# --- reading results ------------------------------------------------------------------------------
def import_report_file_name(job: ImportJob) -> str:
    stem = os.path.splitext(job.file_name)[0] or "import"
    return f"{stem}-错误报告.xlsx"


def import_report_key(*, job: ImportJob) -> str:
    if not job.error_report_key:
        raise ApplicationError(errors.REPORT_MISSING)
    return job.error_report_key


def import_report_url(*, job: ImportJob) -> str:
    """A presigned GET of the report, valid for at most five minutes (storage.presigned_get)."""
    return object_store().presigned_get(import_report_key(job=job), filename=import_report_file_name(job))

