"""Uploads: direct (presigned PUT) against proxied throughput, the latency and rate of the init and
complete calls, and the memory of a worker streaming one proxied upload."""
from __future__ import annotations

import hashlib
import json
import os
import random
import statistics
import subprocess
import threading
import time
import uuid
from functools import lru_cache

from bench.lib.processes import children_of, cpu_seconds, idle_share, machine_cpu_ticks, stop
from bench.lib.runner import log

from .harness import (CLIENTS, SEED, Client, MiB, Storage, database_backends, percentile, start_gunicorn, status_kb,
                      storage_server_pids)

# Upload payloads: a PDF header, then the same 1 MiB of random bytes over and over (storage does
# not deduplicate; generating them costs nothing, so the client is never the bottleneck).

PDF_HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"


@lru_cache(maxsize=1)
def random_block() -> bytes:
    return random.Random(SEED).randbytes(MiB)


def iter_payload(start: int, end: int):
    """Bytes start..end (exclusive) of the payload, in ≤ 1 MiB pieces."""
    block = random_block()
    first = PDF_HEADER + block[len(PDF_HEADER):]
    position = start
    while position < end:
        offset = position % MiB
        piece = (first if position < MiB else block)[offset:min(MiB, offset + end - position)]
        yield piece
        position += len(piece)


@lru_cache(maxsize=8)
def payload_sha256(size: int) -> str:
    digest = hashlib.sha256()
    for piece in iter_payload(0, size):
        digest.update(piece)
    return digest.hexdigest()


def direct_upload(client: Client, storage: Storage, customer: int, size: int) -> tuple[dict, float, float]:
    """(version, init ms, complete ms): init, PUT (one or per part), complete."""
    started, init_ms = client.json("POST", f"/api/v1/customers/{customer}/documents/uploads/", {
        "document_type": "contract", "filename": "扫描件.pdf", "size": size, "sha256": payload_sha256(size)},
        expect=201)
    payload = {}
    if started["method"] == "PUT":
        storage.put(started["url"], iter_payload(0, size), size, started["headers"])
    else:
        part_size, etags = started["part_size"], []
        for part in started["parts"]:
            first = (part["part_number"] - 1) * part_size
            last = min(size, first + part_size)
            headers = storage.put(part["url"], iter_payload(first, last), last - first)
            etags.append({"part_number": part["part_number"], "etag": headers["etag"]})
        payload["parts"] = etags
    version, complete_ms = client.json("POST", started["complete_url"], payload, expect=202)
    return version, init_ms, complete_ms


def proxied_upload(client: Client, customer: int, size: int) -> dict:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"document_type\"\r\n\r\ncontract\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body():
        yield head
        yield from iter_payload(0, size)
        yield tail

    status, data, _ = client.request("POST", f"/api/v1/customers/{customer}/documents/upload/", body(), {
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(len(head) + size + len(tail))})
    if status != 201:
        raise AssertionError(f"proxied upload: {status} {data[:300]!r}")
    return json.loads(data)


def measure_uploads(port: int, company: dict, size: dict) -> tuple[dict, dict]:
    client, storage = Client(port, company), Storage()
    customer = company["customers"][0]
    metrics, baseline = {}, {}
    for megabytes, repeats in size["upload_repeats"].items():
        nbytes = megabytes * MiB
        payload_sha256(nbytes)  # hashed before the clock starts
        direct, proxied = [], []
        for _ in range(repeats):  # alternated: both paths see the same machine load
            start = time.perf_counter()
            direct_upload(client, storage, customer, nbytes)
            direct.append(time.perf_counter() - start)
            start = time.perf_counter()
            proxied_upload(client, customer, nbytes)
            proxied.append(time.perf_counter() - start)
        metrics[f"direct_upload_mb_per_s_{megabytes}mb"] = round(megabytes / statistics.median(direct), 1)
        baseline[f"direct_upload_mb_per_s_{megabytes}mb"] = round(megabytes / statistics.median(proxied), 1)
        log(f"upload {megabytes} MiB: direct {metrics[f'direct_upload_mb_per_s_{megabytes}mb']} MiB/s, "
            f"proxied {baseline[f'direct_upload_mb_per_s_{megabytes}mb']} MiB/s")
    client.close()
    return metrics, baseline


TINY = PDF_HEADER + b"0" * 200


def measure_confirm(server: subprocess.Popen, port: int, company: dict, size: dict) -> tuple[dict, dict]:
    """(baseline, metrics): latency of init and complete from one client; throughput from CLIENTS
    threads (inits for a while, then completes of what they started, the PUTs in between
    untimed); the baseline is GET /api/v1/me/ from the same threads for as long."""
    client, storage = Client(port, company), Storage()
    customers = company["customers"]
    init_ms, complete_ms = [], []
    for n in range(size["confirm_pairs"] + 10):
        started, elapsed_init = client.json("POST", f"/api/v1/customers/{customers[n % len(customers)]}/documents/uploads/", {
            "document_type": "contract", "filename": "a.pdf", "size": len(TINY),
            "sha256": hashlib.sha256(TINY).hexdigest()}, expect=201)
        storage.put(started["url"], TINY, len(TINY), started["headers"])
        _, elapsed_complete = client.json("POST", started["complete_url"], {}, expect=202)
        if n >= 10:  # warm-up
            init_ms.append(elapsed_init)
            complete_ms.append(elapsed_complete)
    client.close()

    pending: list[list[str]] = [[] for _ in range(CLIENTS)]
    errors: list[str] = []

    def processes_cpu() -> list[dict[int, float]]:
        return [cpu_seconds(pids) for pids in (children_of(server.pid), database_backends(), storage_server_pids())]

    def run_phase(work) -> tuple[int, float, dict]:
        counts = [0] * CLIENTS
        before, ticks, own = processes_cpu(), machine_cpu_ticks(), time.process_time()
        started = time.perf_counter()
        threads = [threading.Thread(target=work, args=(i, counts)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        # What the processes alive at the end spent since the start (all of it, for a PostgreSQL
        # backend that gunicorn opened during the phase). A backend that ended during the phase —
        # gunicorn closes connections older than DATABASE_CONN_MAX_AGE — is left out: reading it
        # as zero made the figure negative.
        spent = {name: sum(now - earlier.get(pid, 0.0) for pid, now in later.items())
                 for name, later, earlier in zip(("app", "db", "storage"), processes_cpu(), before)}
        spent["idle"] = idle_share(ticks, machine_cpu_ticks())
        spent["client"] = time.process_time() - own  # this process: the client threads' own CPU
        calls = max(sum(counts), 1)
        per_call = ", ".join(f"{label} {spent[name] * 1000 / calls:.2f} ms" for name, label in (
            ("app", "gunicorn"), ("db", "PostgreSQL"), ("storage", "S3 server"), ("client", "client")))
        log(f"{work.__name__}: {sum(counts)} calls in {elapsed:.1f} s ({sum(counts) / elapsed:.0f}/s); CPU a call: "
            f"{per_call}; machine idle {spent['idle']:.0%}")
        return sum(counts), elapsed, spent

    def inits(index: int, counts: list[int]) -> None:
        own = Client(port, company)
        stop_at = time.perf_counter() + size["confirm_seconds"]
        try:
            while time.perf_counter() < stop_at:
                started, _ = own.json("POST", f"/api/v1/customers/{customers[index]}/documents/uploads/", {
                    "document_type": "contract", "filename": "a.pdf", "size": len(TINY),
                    "sha256": hashlib.sha256(TINY).hexdigest()}, expect=201)
                pending[index].append((started["url"], started["headers"], started["complete_url"]))
                counts[index] += 1
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(repr(exc))
        own.close()

    def completes(index: int, counts: list[int]) -> None:
        own = Client(port, company)
        try:
            for _, _, complete_url in pending[index]:
                own.json("POST", complete_url, {}, expect=202)
                counts[index] += 1
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        own.close()

    def minimal(index: int, counts: list[int]) -> None:
        own = Client(port, company)
        stop_at = time.perf_counter() + size["confirm_seconds"]
        try:
            while time.perf_counter() < stop_at:
                own.json("GET", "/api/v1/me/")
                counts[index] += 1
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        own.close()

    init_count, init_s, init_cpu = run_phase(inits)
    for queue in pending:  # the clients' PUTs, untimed
        for url, headers, _ in queue:
            storage.put(url, TINY, len(TINY), headers)
    complete_count, complete_s, complete_cpu = run_phase(completes)
    minimal_count, minimal_s, minimal_cpu = run_phase(minimal)
    if errors:
        raise AssertionError(f"{len(errors)} failed confirm calls: {errors[:3]}")
    calls = init_count + complete_count
    cpu_ms = (init_cpu["app"] + init_cpu["db"] + complete_cpu["app"] + complete_cpu["db"]) * 1000 / calls
    both = init_ms + complete_ms
    # The baseline: the cheapest authenticated API call (who am I: the token, the middleware, DRF,
    # no write), from the same clients against the same server right after: the most any API
    # call could reach on this machine today.
    baseline = {
        "upload_confirm_rps": round(minimal_count / minimal_s, 1),
        "upload_confirm_app_cpu_ms_per_call": round(minimal_cpu["app"] * 1000 / minimal_count, 2),
        "upload_confirm_db_cpu_ms_per_call": round(minimal_cpu["db"] * 1000 / minimal_count, 2),
        "upload_confirm_client_cpu_ms_per_call": round(minimal_cpu["client"] * 1000 / minimal_count, 2),
        "upload_confirm_machine_idle_share": minimal_cpu["idle"],
    }
    return baseline, {
        "upload_confirm_p99_ms": percentile(both, 0.99), "upload_confirm_p50_ms": percentile(both, 0.5),
        "upload_init_p99_ms": percentile(init_ms, 0.99), "upload_complete_p99_ms": percentile(complete_ms, 0.99),
        "upload_confirm_rps": round(calls / (init_s + complete_s), 1),
        "upload_init_rps": round(init_count / init_s, 1), "upload_complete_rps": round(complete_count / complete_s, 1),
        "upload_confirm_app_cpu_ms_per_call": round((init_cpu["app"] + complete_cpu["app"]) * 1000 / calls, 2),
        "upload_confirm_db_cpu_ms_per_call": round((init_cpu["db"] + complete_cpu["db"]) * 1000 / calls, 2),
        "upload_confirm_rps_at_full_cpu": round((os.cpu_count() or 1) * 1000 / cpu_ms, 1),
        "upload_confirm_storage_cpu_ms_per_call": round((init_cpu["storage"] + complete_cpu["storage"]) * 1000 / calls, 2),
        "upload_confirm_client_cpu_ms_per_call": round((init_cpu["client"] + complete_cpu["client"]) * 1000 / calls, 2),
        "upload_init_machine_idle_share": init_cpu["idle"], "upload_complete_machine_idle_share": complete_cpu["idle"],
    }


def measure_proxied_rss(company: dict, megabytes: int, label: str) -> dict:
    """Peak RSS of the one worker process of a fresh gunicorn while it streams one upload."""
    from dangan.platform.devservices.services import free_port

    port = free_port()
    server = start_gunicorn(port, workers=1, threads=1)
    try:
        workers = children_of(server.pid)
        assert len(workers) == 1, workers
        client = Client(port, company)
        client.json("GET", "/api/v1/documents/upload-limits/")  # the app fully imported and warm
        before = status_kb(workers[0], "VmHWM")
        start = time.perf_counter()
        proxied_upload(client, company["customers"][1], megabytes * MiB)
        elapsed = time.perf_counter() - start
        peak = status_kb(workers[0], "VmHWM")
        client.close()
    finally:
        stop(server)
    log(f"proxied {megabytes} MiB: peak RSS {peak / 1024:.0f} MiB (warm {before / 1024:.0f} MiB), {elapsed:.1f} s")
    return {f"proxied_{label}_peak_rss_mb": round(peak / 1024, 1), f"proxied_{label}_warm_rss_mb": round(before / 1024, 1),
            f"proxied_{label}_mb_per_s": round(megabytes / elapsed, 1)}
