"""The search corpus, loaded with COPY (text format) straight into the company's tables."""
from __future__ import annotations

import hashlib
import multiprocessing
import random
import time

from bench.lib.copying import line, row_template
from bench.lib.runner import database_url, log
from dangan.platform.db import tsvector_literal

from .chinese import chinese_text
from .harness import MiB, SEED, WORKERS

CHUNK = 10_000  # documents per generation task

_SHARED: dict = {}  # what the forked generation workers read (set before the pool starts)


def copy_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def generate_documents(bounds: tuple[int, int]) -> tuple[bytes, bytes]:
    """COPY lines of documents start..end (ids start+1 …) and of their one available version."""
    from dangan.documents.search import tokens_for

    start, end = bounds
    shared = _SHARED
    rng = random.Random(SEED + start)
    documents, versions = [], []
    for index in range(start, end):
        pk = index + 1
        type_pk, _, type_name = shared["types"][index % len(shared["types"])]
        text = chinese_text(rng, rng.randint(120, 400))
        tokens = tokens_for(type_name, type_name, text)
        created = shared["created"]
        documents.append(line(shared["document_template"], {
            "id": str(pk), "customer_id": str(shared["customers"][index % len(shared["customers"])]),
            "document_type_id": str(type_pk), "title": copy_escape(type_name), "current_version_id": str(pk),
            "state": "available", "created_by_id": str(shared["admin_id"]), "created_at": created,
            "updated_at": created, "search_vector": copy_escape(tsvector_literal(tokens))}))
        digest = hashlib.sha256(text.encode()).hexdigest()
        versions.append(line(shared["version_template"], {
            "id": str(pk), "document_id": str(pk), "number": "1", "object_key": f"docs/{pk}/v1/{digest[:32]}",
            "size": str(len(text.encode()) + 1000), "sha256": digest, "declared_size": str(len(text.encode()) + 1000),
            "declared_sha256": digest, "mime_type": "application/pdf", "page_count": "1",
            "original_filename": "scan.pdf", "uploaded_by_id": str(shared["admin_id"]), "uploaded_at": created,
            "state_changed_at": created, "upload_state": "available", "scan_status": "not_configured",
            "text_status": "done", "ocr_status": "not_needed", "thumbnail_status": "done", "processed_at": created,
            "text": copy_escape(text)}))
    return ("\n".join(documents) + "\n").encode(), ("\n".join(versions) + "\n").encode()


def load_corpus(company: dict, count: int) -> dict:
    """`count` documents with one available version each, their search vectors exactly what
    documents/search.py stores; the GIN index rebuilt afterwards, then VACUUM ANALYZE."""
    import psycopg

    from dangan.documents.models import Document, DocumentVersion

    schema = company["schema"]
    document_table, version_table = f'"{schema}".documents_document', f'"{schema}".documents_documentversion'
    _SHARED.update(types=company["types"], customers=company["customers"], admin_id=company["admin_id"],
                   created="2026-01-05 09:00:00+08", document_template=row_template(Document),
                   version_template=row_template(DocumentVersion))
    timings = {}
    fork = multiprocessing.get_context("fork")  # workers inherit _SHARED
    started = time.perf_counter()
    with psycopg.connect(database_url()) as conn, conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {document_table}")  # the upload runs' documents: ids restart at 1
        cursor.execute(f"DELETE FROM {version_table}")
        cursor.execute(f'DROP INDEX "{schema}".documents_doc_search_idx')
        doc_columns = ", ".join(f'"{f.column}"' for f in Document._meta.concrete_fields)
        version_columns = ", ".join(f'"{f.column}"' for f in DocumentVersion._meta.concrete_fields)
        version_chunks = []
        with fork.Pool(WORKERS) as pool, cursor.copy(f"COPY {document_table} ({doc_columns}) FROM STDIN") as copy:
            bounds = [(start, min(count, start + CHUNK)) for start in range(0, count, CHUNK)]
            for n, (document_lines, version_lines) in enumerate(pool.imap(generate_documents, bounds)):
                copy.write(document_lines)
                version_chunks.append(version_lines)
                if n % 20 == 19:
                    log(f"  documents: {(n + 1) * CHUNK:,}")
        with cursor.copy(f"COPY {version_table} ({version_columns}) FROM STDIN") as copy:
            for chunk in version_chunks:
                copy.write(chunk)
        del version_chunks
        for table in (document_table, version_table):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))", [table])
        conn.commit()
        timings["copy_s"] = time.perf_counter() - started
        started = time.perf_counter()
        conn.autocommit = True
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(f'CREATE INDEX documents_doc_search_idx ON {document_table} USING gin (search_vector)')
        timings["gin_index_s"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(f"VACUUM (ANALYZE) {document_table}, {version_table}")
        timings["vacuum_analyze_s"] = time.perf_counter() - started
        cursor.execute(f"SELECT pg_total_relation_size('{document_table}'), pg_total_relation_size('{version_table}'), "
                       f"pg_relation_size('\"{schema}\".documents_doc_search_idx')")
        sizes = cursor.fetchone()
    _SHARED.clear()
    log(f"corpus of {count:,} documents: {timings}")
    return {**{k: round(v, 1) for k, v in timings.items()}, "documents_mb": round(sizes[0] / MiB),
            "versions_mb": round(sizes[1] / MiB), "gin_index_mb": round(sizes[2] / MiB)}
