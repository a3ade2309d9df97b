"""Documents at scale: uploads, upload confirmation, memory of a proxied upload, text and OCR
throughput, full-text search and its recall, reindexing.

    .venv/bin/python bench/documents.py [--quick]

One company (made by `tenant_signup`) on a plan with room for the run. The app runs under
gunicorn with production settings (2 workers × 2 threads) and is timed over HTTP as the
company admin (a DRF token), against the embedded S3 server:

- `direct_upload_mb_per_s_{1mb,20mb,200mb}`: init → presigned PUT (multipart above the
  threshold, one URL per part) → complete, as a client does it; `baseline` holds the proxied
  upload (multipart/form-data streamed through the web process) under the same names.
- `upload_confirm_p99_ms` / `upload_confirm_rps`: the init and complete calls (the PUT between
  them is not timed); p99 from one client, rps from 4 client threads. `baseline` holds the same
  rps and CPU figures for GET /api/v1/me/, the cheapest authenticated API call, from the same
  threads right after: the ceiling of any API call on this machine in this run.
- `proxied_1gb_peak_rss_mb`: peak RSS (VmHWM) of a 1-worker gunicorn process while it streams
  a 1,000 MiB proxied upload (`proxied_200mb_…`, 200 MiB, with --quick).
- `text_pdf_pages_per_min` / `ocr_pages_per_min`: dense Chinese A4 pages through
  `documents.extract.analyse` (pypdf) and `documents.ocr.ocr_image` (Tesseract at 300 dpi,
  OMP_THREAD_LIMIT=1: chi_sim, and chi_sim+eng again for a mostly-Latin page), one process per
  core; OCR's baseline is Tesseract chi_sim+eng with its default threading, one page at a time
  (full run only: ~25 s a page on a busy 2-core machine). `ocr_pdf_pages_per_min`: the same
  pages as one scanned PDF through `extract.ocr_text` (pdftoppm per page, pages side by side).
- `fulltext_search_p95_ms`: the search API's first page (20 results) for Chinese 2- and
  4-character queries over 1,000,000 documents' text (20,000 with --quick), loaded with COPY;
  `fulltext_recall` against plain substring matching of the same queries (`strpos`), whose
  top-20 latency is the baseline.
- `reindex_docs_per_s`: `documents.services.search_index.reindex_documents`; the baseline is
  `refresh_search` one document at a time.

Without DATABASE_URL it re-executes itself under `python -m dangan.platform.devservices exec`
(throwaway PostgreSQL, S3, broker). It works in a database of its own, created and dropped
here. One JSON object goes to stdout; everything else to stderr.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform as stdlib_platform
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # run as a script, bench/ alone is on the path

# The parts, one module each, in bench/_documents/ (not a bench/*.py, which `make test` would run).
from bench._documents.corpus import load_corpus  # noqa: E402  (after the path is set)
from bench._documents.harness import CLIENTS, THREADS, WORKERS, make_company, start_gunicorn  # noqa: E402
from bench._documents.search import measure_reindex, measure_search  # noqa: E402
from bench._documents.text_ocr import measure_text_and_ocr  # noqa: E402
from bench._documents.uploads import measure_confirm, measure_proxied_rss, measure_uploads  # noqa: E402
from bench.lib import runner  # noqa: E402
from bench.lib.processes import stop  # noqa: E402
from bench.lib.runner import load_average, log, machine_speed  # noqa: E402

FULL = {
    "upload_repeats": {1: 20, 20: 5, 200: 2}, "rss_upload": (1000, "1gb"), "confirm_pairs": 500, "confirm_seconds": 10,
    "pdf_documents": 8, "pdf_pages_each": 25, "ocr_pages": 8, "ocr_baseline_pages": 2,
    "documents": 1_000_000, "customers": 200, "search_queries": 300, "search_warmup": 30,
    "recall_queries": 150, "recall_documents": 200_000, "baseline_search_queries": 40,
    "reindex_documents": 200_000, "reindex_baseline_documents": 2_000,
}
# --quick keeps every metric at sizes that run in about two minutes (make test runs every bench):
# one 200 MiB upload each way, a proxied 100 MiB for memory (flat after the first 8 MiB part),
# two 5-page PDFs and one scan per core, a 10,000-document corpus.
QUICK = {
    "upload_repeats": {1: 3, 20: 1, 200: 1}, "rss_upload": (100, "100mb"), "confirm_pairs": 100, "confirm_seconds": 3,
    "pdf_documents": 2, "pdf_pages_each": 5, "ocr_pages": 2, "ocr_baseline_pages": 0,
    "documents": 10_000, "customers": 8, "search_queries": 60, "search_warmup": 5,
    "recall_queries": 40, "recall_documents": 10_000, "baseline_search_queries": 10,
    "reindex_documents": 10_000, "reindex_baseline_documents": 150,
}


def setup_django() -> float:
    """Django set up on this bench's own database, created here; seconds spent migrating."""
    return runner.setup_django(f"dangan_bench_documents_{os.getpid()}", keep=False)


PARTS = ("uploads", "confirm", "rss", "text", "search", "reindex")


def run(quick: bool, only: set[str] | None = None) -> dict:
    started = time.perf_counter()
    parts = set(only or PARTS)
    size = dict(QUICK if quick else FULL)
    migrate_s = setup_django()
    from django.conf import settings
    from django.db import connection

    from dangan.platform.devservices.services import free_port

    original_name = settings.DATABASES["default"]["NAME"]
    params: dict = {"quick": quick, **{k: v for k, v in size.items() if k != "upload_repeats"},
                    "upload_repeats": {f"{k}mb": v for k, v in size["upload_repeats"].items()},
                    "setup_migrate_s": round(migrate_s, 1), "load_average_at_start": load_average(),
                    "machine_speed": machine_speed(),
                    **({"only": sorted(parts)} if only else {})}
    with connection.cursor() as cursor:
        cursor.execute("SHOW shared_buffers")  # bench/lib/runner.py postgres_memory
        params["pg_shared_buffers"] = cursor.fetchone()[0]
    metrics, baseline = {}, {}
    server = None
    try:
        company = make_company(size["customers"])
        port = free_port()
        if parts & {"uploads", "confirm", "search"}:
            server = start_gunicorn(port)
        if "uploads" in parts:
            figures, base = measure_uploads(port, company, size)
            metrics.update(figures)
            baseline.update(base)
        if "confirm" in parts:
            base, figures = measure_confirm(server, port, company, size)
            metrics.update(figures)
            baseline.update(base)
        if "rss" in parts:
            metrics.update(measure_proxied_rss(company, *size["rss_upload"]))
        if "text" in parts:
            figures, base, extra = measure_text_and_ocr(size)
            metrics.update(figures)
            baseline.update(base)
            params.update(extra)
        if parts & {"search", "reindex"}:
            params["corpus_load"] = load_corpus(company, size["documents"])
        if "search" in parts:
            figures, base, extra = measure_search(port, company, size)
            metrics.update(figures)
            baseline.update(base)
            params.update(extra)
        if "reindex" in parts:
            figures, base = measure_reindex(company, size)
            metrics.update(figures)
            baseline.update(base)
    finally:
        if server is not None:
            stop(server)
        log(f"dropping {connection.settings_dict['NAME']}")
        connection.set_schema_to_public()
        connection.creation.destroy_test_db(original_name, verbosity=0)

    params.update({
        "server": f"gunicorn {WORKERS} workers × {THREADS} threads (BalancedThreadWorker: gthread accepting only with a free thread), settings.production, "
                  "DATABASE_CONN_MAX_AGE=60; the embedded S3 server (rclone serve s3) on the same machine",
        "upload_sizes": "MiB; direct = init + presigned PUT (multipart with 16 MiB parts above 64 MiB) + complete; "
                        "baseline = proxied multipart/form-data through the web process; medians, alternated",
        "upload_confirm": f"p99 over {size['confirm_pairs']} init and {size['confirm_pairs']} complete calls from one "
                          f"client; rps: {CLIENTS} client threads, inits for {size['confirm_seconds']} s then the "
                          "completes of those uploads (their PUTs untimed); *_at_full_cpu = cpu_count × 1000 / "
                          "(CPU of gunicorn workers + PostgreSQL backends per call); baseline: GET /api/v1/me/ from the "
                          f"same {CLIENTS} threads for as long",
        "fulltext": "GET /api/v1/documents/search/?q=…&page_size=20 as the admin; queries are 2- and 4-character "
                    "words (or word pairs) from jieba's precise cut of random documents; recall = documents found "
                    "by the search among those whose text holds the query (strpos), over the first "
                    "recall_over_documents documents; *_any_substring: 2/4-character runs cut anywhere; baseline "
                    "= strpos over the text, newest 20, in SQL",
        "reindex": "reindex_documents over the first reindex_documents documents, their vectors emptied first "
                   "(every one rewritten); reindex_unchanged_*: the same again, vectors already current; baseline = "
                   "refresh_search one document at a time",
        "load_average_at_end": load_average(), "cpu_count": os.cpu_count(),
        "python": stdlib_platform.python_version(), "total_s": round(time.perf_counter() - started, 1),
    })
    return {"bench": "documents", "params": params, "metrics": metrics, "baseline": baseline}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 documents, smaller uploads (a minute or two)")
    parser.add_argument("--only", help=f"comma-separated parts to run (of {', '.join(PARTS)}); all by default")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    if only and not only <= set(PARTS):
        parser.error(f"--only: unknown part(s) {', '.join(sorted(only - set(PARTS)))}")
    if not os.environ.get("DATABASE_URL"):
        return runner.reexec_under_devservices(__file__)
    # Anything Django, migrate or a handler prints goes to stderr: stdout carries the JSON only.
    with contextlib.redirect_stdout(sys.stderr):
        result = run(args.quick, only)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
