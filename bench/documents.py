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
  them is not timed); p99 from one client, rps from 4 client threads.
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
import difflib
import hashlib
import http.client
import itertools
import json
import multiprocessing
import os
import platform as stdlib_platform
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # run as a script, bench/ alone is on the path

from bench.lib import processes  # noqa: E402  (after the path is set)
from bench.lib.processes import children_of, cpu_seconds, stop  # noqa: E402

MiB = 1024 * 1024
SEED = 20261127
WORKERS, THREADS = 2, 2  # gunicorn, sized for a 2-core machine
CLIENTS = 4

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
CHUNK = 10_000  # documents per generation task


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def reexec_under_devservices() -> int:
    command = [sys.executable, "-m", "dangan.platform.devservices", "exec", "--",
               sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]]
    return subprocess.call(command, cwd=REPO_ROOT, env=dict(os.environ))


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return round(ordered[index], 2)


# ---------------------------------------------------------------------------------------------
# Setup: database, company, gunicorn


def setup_django() -> float:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangan.platform.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"dangan_bench_documents_{os.getpid()}"
    start = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return time.perf_counter() - start


def database_url() -> str:
    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def make_company(customers: int) -> dict:
    """The bench company on a plan with room for every upload of the run, its admin's token,
    a document type and `customers` files."""
    from django.db import connection
    from django_tenants.utils import schema_context
    from rest_framework.authtoken.models import Token

    from dangan.accounts.models import User
    from dangan.archives.models import Department
    from dangan.archives.services.customers import customer_create
    from dangan.documents.models import DocumentType
    from dangan.documents.storage import object_store
    from dangan.tenants.models import Plan
    from dangan.tenants.services import tenant_host, tenant_signup

    object_store().ensure_bucket()  # production settings (gunicorn) expect the bucket to exist
    plan = Plan.objects.create(code="bench-documents", name="bench", max_users=100, max_storage_mb=10_000_000,
                               max_api_calls_per_day=100_000_000)
    slug = "benchdocs"
    tenant = tenant_signup(company_name="基准档案资料有限公司", slug=slug, admin_name="基准 管理员",
                           admin_email=f"admin@{slug}.example.com", admin_password=secrets.token_urlsafe(18),
                           plan=plan)
    with schema_context(tenant.schema_name):
        admin = User.objects.get(email=tenant.admin_email)
        department = Department.objects.get(code="sales1")
        ids = [customer_create(actor=admin, category="jxs", name=f"基准客户{n:04d}药店", region="east", grade="A",
                               department=department.pk).pk for n in range(customers)]
        types = list(DocumentType.objects.order_by("pk").values_list("pk", "code", "name"))
        company = {"schema": tenant.schema_name, "host": tenant_host(slug), "token": Token.objects.create(user=admin).key,
                   "admin_id": admin.pk, "customers": ids, "types": types}
    connection.set_schema_to_public()
    return company


def start_gunicorn(port: int, *, workers: int = WORKERS, threads: int = THREADS) -> subprocess.Popen:
    from django.conf import settings

    # The bucket this process made (the test settings name their own), for production settings.
    return processes.start_gunicorn("dangan.platform.wsgi:application", port, workers=workers, threads=threads,
                                    env={"S3_BUCKET": settings.S3_BUCKET, "DATABASE_URL": database_url()},
                                    timeout=600)


def database_backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return [row[0] for row in cursor.fetchall()]


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class Client:
    """One persistent HTTP/1.1 connection to gunicorn, as the company admin."""

    def __init__(self, port: int, company: dict) -> None:
        self.port = port
        self.headers = {"Host": company["host"], "Authorization": f"Token {company['token']}",
                        "Accept": "application/json"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(self, method: str, path: str, body=None, headers: dict | None = None) -> tuple[int, bytes, float]:
        headers = {**self.headers, **(headers or {})}
        for attempt in range(2):
            try:
                start = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, data, (time.perf_counter() - start) * 1000
            except (http.client.RemoteDisconnected, http.client.CannotSendRequest, ConnectionError):
                # gunicorn closed an idle keep-alive connection: reconnect (a streamed body is not retried)
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                if attempt or (body is not None and not isinstance(body, (bytes, str))):
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, payload=None, expect: int = 200) -> tuple[dict, float]:
        body = None if payload is None else json.dumps(payload)
        status, data, elapsed = self.request(method, path, body, {"Content-Type": "application/json"} if body else None)
        if status != expect:
            raise AssertionError(f"{method} {path}: {status} {data[:300]!r}")
        return json.loads(data), elapsed

    def close(self) -> None:
        self.conn.close()


class Storage:
    """Plain HTTP to presigned URLs (one persistent connection to the S3 server)."""

    def __init__(self) -> None:
        self.conn: http.client.HTTPConnection | None = None
        self.netloc = None

    def put(self, url: str, body, length: int, headers: dict | None = None) -> dict:
        parts = urlsplit(url)
        if self.conn is None or parts.netloc != self.netloc:
            self.netloc = parts.netloc
            self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        self.conn.request("PUT", target, body=body, headers={**(headers or {}), "Content-Length": str(length)})
        response = self.conn.getresponse()
        response.read()
        if response.status != 200:
            raise AssertionError(f"PUT {parts.path}: {response.status}")
        return {name.lower(): value for name, value in response.getheaders()}


# ---------------------------------------------------------------------------------------------
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


def measure_confirm(server: subprocess.Popen, port: int, company: dict, size: dict) -> dict:
    """Latency of init and complete from one client; throughput from CLIENTS threads (inits for a
    while, then completes of what they started, the PUTs in between untimed)."""
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

    def run_phase(work) -> tuple[int, float, dict]:
        counts = [0] * CLIENTS
        processes = children_of(server.pid), database_backends()
        before = [cpu_seconds(pids) for pids in processes]
        started = time.perf_counter()
        threads = [threading.Thread(target=work, args=(i, counts)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        spent = {name: sum(cpu_seconds(pids).get(pid, 0.0) - earlier.get(pid, 0.0) for pid in pids)
                 for name, pids, earlier in zip(("app", "db"), processes, before)}
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

    init_count, init_s, init_cpu = run_phase(inits)
    for queue in pending:  # the clients' PUTs, untimed
        for url, headers, _ in queue:
            storage.put(url, TINY, len(TINY), headers)
    complete_count, complete_s, complete_cpu = run_phase(completes)
    if errors:
        raise AssertionError(f"{len(errors)} failed confirm calls: {errors[:3]}")
    calls = init_count + complete_count
    cpu_ms = (sum(init_cpu.values()) + sum(complete_cpu.values())) * 1000 / calls
    both = init_ms + complete_ms
    return {
        "upload_confirm_p99_ms": percentile(both, 0.99), "upload_confirm_p50_ms": percentile(both, 0.5),
        "upload_init_p99_ms": percentile(init_ms, 0.99), "upload_complete_p99_ms": percentile(complete_ms, 0.99),
        "upload_confirm_rps": round(calls / (init_s + complete_s), 1),
        "upload_init_rps": round(init_count / init_s, 1), "upload_complete_rps": round(complete_count / complete_s, 1),
        "upload_confirm_app_cpu_ms_per_call": round((init_cpu["app"] + complete_cpu["app"]) * 1000 / calls, 2),
        "upload_confirm_db_cpu_ms_per_call": round((init_cpu["db"] + complete_cpu["db"]) * 1000 / calls, 2),
        "upload_confirm_rps_at_full_cpu": round((os.cpu_count() or 1) * 1000 / cpu_ms, 1),
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


# ---------------------------------------------------------------------------------------------
# Chinese text: the words of real-estate and pharmaceutical paperwork, drawn Zipf-like.

WORDS = """购房 合同 认购书 首付款 按揭 贷款 银行 房屋 面积 平方米 单价 总价 楼盘 小区 单元 房号 身份证 户口本
结婚证 暂住证 收据 发票 定金 签约 备案 会签单 开发商 物业 交房 产权 登记 公积金 税费 契税 维修基金 买受人 出卖人
违约金 付款方式 一次性付款 分期付款 商品房 预售 许可证 抵押 担保 按期 交付 装修 标准 车位 储藏室 药品 批发 零售
医院 药店 采购 配送 质量 检验 批号 有效期 生产日期 规格 数量 金额 客户 档案 管理 联系人 电话 地址 街道 公司
有限公司 经理 业务员 审批 签字 盖章 日期 销售 凭证 存根 随货同行 发货 收货 退货 结算 对账 应收 账款 信用 额度
等级 重点 经销商 诊所 药剂科 主任 采购员 胶囊 颗粒 注射液 片剂 缓释 复方 维生素 感冒 阿莫西林 布洛芬 头孢
说明 声明 情况 家庭 成员 社保 纳税 证明 复印件 原件 份数 存档 归档 保管 期限 销毁 借阅 归还 保密 密级 上述
约定 双方 甲方 乙方 本合同 自 起 生效 如有 争议 协商 解决 不成 提交 仲裁 委员会 人民法院 诉讼 附件 补充 协议
条款 第一条 第二条 第三条 第四条 第五条 履行 义务 权利 责任 通知 送达 变更 解除 终止 延期 逾期 利息 滞纳金
北京 上海 广州 深圳 杭州 南京 苏州 成都 武汉 西安 郑州 济南 青岛 长沙 合肥 福州 厦门 天津 重庆 沈阳
人民路 解放路 中山路 建设路 和平路 胜利路 文化路 新华路 长江路 黄河路 花园 广场 大厦 中心 工业园 开发区""".split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚英华玲斌宇浩凯鹏辉鑫婷雪颖琳倩慧欣悦"
PUNCTUATION = "，，，。、；："
CUMULATIVE_WEIGHTS = list(itertools.accumulate(1 / (rank + 8) for rank in range(len(WORDS))))


def chinese_text(rng: random.Random, characters: int) -> str:
    parts: list[str] = []
    length = 0
    while length < characters:
        roll = rng.random()
        if roll < 0.06:
            word = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        elif roll < 0.10:
            word = str(rng.randint(1, 99999))
        else:
            word = rng.choices(WORDS, cum_weights=CUMULATIVE_WEIGHTS)[0]
        parts.append(word)
        if rng.random() < 0.18:
            parts.append(rng.choice(PUNCTUATION))
        length += len(word)
    return "".join(parts)[:characters] + "。"


# ---------------------------------------------------------------------------------------------
# Text and OCR throughput


def text_pdf(path: Path, pages: int, rng: random.Random) -> int:
    """A dense A4 PDF with a Chinese text layer (reportlab's STSong-Light, ~1,500 characters a page)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    canvas = Canvas(str(path), pagesize=A4)
    characters = 0
    for _ in range(pages):
        canvas.setFont("STSong-Light", 11)
        text = chinese_text(rng, 40 * 42)
        for line in range(42):
            row = text[line * 40:(line + 1) * 40]
            canvas.drawString(50, 790 - 18 * line, row)
            characters += len(row)
        canvas.showPage()
    canvas.save()
    return characters


def _analyse(path: str) -> tuple[int, int]:
    from dangan.documents import extract

    found = extract.analyse(Path(path), "application/pdf")
    return found.page_count or 0, len(found.text)


def cjk_font_path() -> str | None:
    if not shutil.which("fc-list"):
        return None
    listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True).stdout
    paths = sorted(line.split(":")[0].strip() for line in listed.splitlines() if line.strip())
    preferred = [path for path in paths if "Sans" in path and "Bold" not in path] or paths
    return preferred[0] if preferred else None


def scan_page(path: Path, font_path: str, rng: random.Random) -> str:
    """A dense Chinese A4 page as a 300-dpi grey scan (10.5 pt text): what was printed on it."""
    from PIL import Image, ImageDraw, ImageFont

    width, height, margin, size, leading = 2480, 3508, 220, 44, 66
    font = ImageFont.truetype(font_path, size)
    per_line, lines = (width - 2 * margin) // size, (height - 2 * margin) // leading
    text = chinese_text(rng, per_line * lines)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    printed = []
    for line in range(lines):
        row = text[line * per_line:(line + 1) * per_line]
        draw.text((margin, margin + leading * line), row, font=font, fill=0)
        printed.append(row)
    image.save(path, format="PNG", dpi=(300, 300))
    return "\n".join(printed)


def _ocr(path: str) -> tuple[str, float]:
    """The text, and the CPU seconds Tesseract spent on it (a busy machine inflates wall time,
    not CPU time)."""
    import resource

    from dangan.documents import ocr

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    text = ocr.ocr_image(Path(path))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return text, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _ocr_default_threading(path: str) -> str:
    from django.conf import settings

    env = {name: value for name, value in os.environ.items() if name != "OMP_THREAD_LIMIT"}
    result = subprocess.run(["tesseract", path, "stdout", "-l", settings.DOCUMENTS_OCR_LANGUAGES, "--psm", "3"],
                            capture_output=True, env=env, timeout=900, check=True)
    return result.stdout.decode("utf-8", "replace")


def scanned_pdf_pages_per_min(scans: list[str], folder: Path) -> float:
    from PIL import Image

    from dangan.documents import extract

    pdf = folder / "scanned.pdf"
    pages = [Image.open(path) for path in scans]
    pages[0].save(pdf, save_all=True, append_images=pages[1:], resolution=300)  # JPEG pages, as scanners make
    start = time.perf_counter()
    text = extract.ocr_text(pdf, "application/pdf")
    elapsed = time.perf_counter() - start
    assert len(text) > 500 * len(scans), len(text)
    log(f"OCR of a scanned PDF: {len(scans)} pages in {elapsed:.1f} s")
    return round(len(scans) / elapsed * 60, 2)


def measure_text_and_ocr(size: dict) -> tuple[dict, dict, dict]:
    from dangan.documents import ocr

    metrics, baseline, params = {}, {}, {}
    processes = os.cpu_count() or 1
    fork = multiprocessing.get_context("fork")
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="dangan-bench-") as folder:
        pdfs, characters = [], 0
        for n in range(size["pdf_documents"]):
            path = Path(folder) / f"text-{n}.pdf"
            characters += text_pdf(path, size["pdf_pages_each"], rng)
            pdfs.append(str(path))
        with fork.Pool(processes) as pool:
            start = time.perf_counter()
            results = pool.map(_analyse, pdfs, chunksize=1)
            elapsed = time.perf_counter() - start
        pages = sum(count for count, _ in results)
        metrics["text_pdf_pages_per_min"] = round(pages / elapsed * 60, 1)
        params.update(text_pdf_pages=pages, text_pdf_processes=processes,
                      text_pdf_characters_printed=characters,
                      text_pdf_characters_extracted=sum(chars for _, chars in results))
        log(f"PDF text: {pages} pages in {elapsed:.1f} s")

        font = cjk_font_path()
        if not ocr.available() or font is None:
            reason = "tesseract with chi_sim+eng is not installed" if not ocr.available() else "no CJK font to render"
            metrics["ocr_pages_per_min"] = baseline["ocr_pages_per_min"] = None
            params["ocr_unavailable"] = reason
            log(f"OCR not measured: {reason}")
            return metrics, baseline, params
        scans, truths = [], []
        for n in range(max(size["ocr_pages"], size["ocr_baseline_pages"])):
            path = Path(folder) / f"scan-{n}.png"
            truths.append(scan_page(path, font, rng))
            scans.append(str(path))
        with fork.Pool(processes) as pool:
            start = time.perf_counter()
            results = pool.map(_ocr, scans[:size["ocr_pages"]], chunksize=1)
            elapsed = time.perf_counter() - start
        texts = [text for text, _ in results]
        cpu_per_page = statistics.mean(cpu for _, cpu in results)
        metrics["ocr_pages_per_min"] = round(size["ocr_pages"] / elapsed * 60, 2)
        metrics["ocr_cpu_s_per_page"] = round(cpu_per_page, 2)
        metrics["ocr_pages_per_min_at_full_cpu"] = round(processes * 60 / cpu_per_page, 1)
        strip = lambda text: "".join(text.split())  # noqa: E731
        metrics["ocr_character_accuracy"] = round(statistics.mean(
            difflib.SequenceMatcher(None, strip(truth), strip(text), autojunk=False).ratio()
            for truth, text in zip(truths, texts)), 3)
        params.update(ocr_pages=size["ocr_pages"], ocr_processes=processes, ocr_font=font,
                      ocr_tesseract_settings=list(ocr.TESSERACT_SETTINGS),
                      ocr_page="A4 at 300 dpi, 2480×3508 grey, 44 px (10.5 pt) text, "
                               f"{len(truths[0].replace(chr(10), ''))} characters")
        log(f"OCR: {size['ocr_pages']} pages in {elapsed:.1f} s, accuracy {metrics['ocr_character_accuracy']}")
        # The same pages as one scanned PDF through the pipeline's own path: pdftoppm renders each
        # page, its pages are read side by side (extract.ocr_text), rendering included.
        metrics["ocr_pdf_pages_per_min"] = scanned_pdf_pages_per_min(scans[:size["ocr_pages"]], Path(folder))
        if size["ocr_baseline_pages"]:
            start = time.perf_counter()
            for path in scans[:size["ocr_baseline_pages"]]:
                _ocr_default_threading(path)
            elapsed = time.perf_counter() - start
            baseline["ocr_pages_per_min"] = round(size["ocr_baseline_pages"] / elapsed * 60, 2)
            params["ocr_baseline"] = "tesseract with its default (OpenMP) threading, one page at a time"
        else:
            baseline["ocr_pages_per_min"] = None
    return metrics, baseline, params


# ---------------------------------------------------------------------------------------------
# The search corpus, loaded with COPY (text format) straight into the company's tables

_SHARED: dict = {}


def copy_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def tsvector_literal(tokens: list[str]) -> str:
    return " ".join("'" + token.replace("\\", "\\\\").replace("'", "''") + "'" for token in tokens)


def row_template(model) -> tuple[list[str], dict[str, int]]:
    """Every concrete column of `model` with its empty COPY value, and the position of each."""
    from django.db import models

    template, position = [], {}
    for field in model._meta.concrete_fields:
        position[field.attname] = len(template)
        value = "\\N" if field.null else "" if not field.has_default() else field.get_default()
        if isinstance(field, models.JSONField) and value != "\\N":
            value = json.dumps(value)
        elif isinstance(value, bool):
            value = "t" if value else "f"
        template.append(str(value))
    return template, position


def line(template: tuple, values: dict) -> str:
    row, position = template[0][:], template[1]
    for column, value in values.items():
        row[position[column]] = value
    return "\t".join(row)


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


def query_set(company: dict, count: int, rng: random.Random) -> list[str]:
    """Chinese queries as people type them: half 2-character words, half 4-character ones (a
    4-character word, or two 2-character words side by side), taken from jieba's precise cut of
    random documents' text."""
    import rjieba
    from django.db import connection

    from dangan.documents.search import CJK

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT text FROM "{company["schema"]}".documents_documentversion TABLESAMPLE SYSTEM (5) '
                       "LIMIT 2000")
        texts = [row[0] for row in cursor.fetchall()]
    two, four = [], []
    for text in texts:
        words = [word for word in rjieba.cut(text)]
        for index, word in enumerate(words):
            if len(word) == 2 and all(CJK.match(ch) for ch in word):
                two.append(word)
                following = words[index + 1] if index + 1 < len(words) else ""
                if len(following) == 2 and all(CJK.match(ch) for ch in following):
                    four.append(word + following)
            elif len(word) == 4 and all(CJK.match(ch) for ch in word):
                four.append(word)
    rng.shuffle(two)
    rng.shuffle(four)
    queries = []
    for a, b in zip(two, four):
        queries += [a, b]
        if len(queries) >= count:
            break
    return queries


def arbitrary_substrings(company: dict, count: int, rng: random.Random) -> list[str]:
    """2- and 4-character runs cut anywhere in random documents' text (also across words)."""
    from django.db import connection

    from dangan.documents.search import CJK

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT text FROM "{company["schema"]}".documents_documentversion TABLESAMPLE SYSTEM (5) '
                       "LIMIT 500")
        texts = [row[0] for row in cursor.fetchall()]
    queries = []
    while len(queries) < count:
        text, length = rng.choice(texts), 2 + 2 * (len(queries) % 2)
        start = rng.randrange(0, max(1, len(text) - length))
        candidate = text[start:start + length]
        if len(candidate) == length and all(CJK.match(ch) for ch in candidate):
            queries.append(candidate)
    return queries


def recall(company: dict, queries: list[str], limit_id: int) -> dict:
    """Documents (id ≤ limit_id) whose text holds the query, and how many of them the search finds."""
    from django.db import connection

    from dangan.documents.search import tsquery_for

    schema = company["schema"]
    per_query, found_total, truth_total, extra_total = [], 0, 0, 0
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute(
                f'SELECT count(*) FILTER (WHERE strpos(v.text, %s) > 0), '
                f'count(*) FILTER (WHERE strpos(v.text, %s) > 0 AND d.search_vector @@ %s::tsquery), '
                f'count(*) FILTER (WHERE strpos(v.text, %s) = 0 AND d.search_vector @@ %s::tsquery) '
                f'FROM "{schema}".documents_document d JOIN "{schema}".documents_documentversion v '
                f'ON v.id = d.current_version_id WHERE d.id <= %s',
                [query, query, tsquery_for(query), query, tsquery_for(query), limit_id])
            truth, found, extra = cursor.fetchone()
            if truth:
                per_query.append(found / truth)
            found_total, truth_total, extra_total = found_total + found, truth_total + truth, extra_total + extra
    return {"recall": round(found_total / max(1, truth_total), 4),
            "recall_mean_per_query": round(statistics.mean(per_query), 4) if per_query else None,
            "precision": round(found_total / max(1, found_total + extra_total), 4)}


def measure_search(port: int, company: dict, size: dict) -> tuple[dict, dict, dict]:
    from urllib.parse import urlencode

    from django.db import connection

    rng = random.Random(SEED + 1)
    queries = query_set(company, size["search_queries"] + size["search_warmup"], rng)
    client = Client(port, company)
    samples, hits = [], []
    for n, query in enumerate(queries):
        status, data, elapsed = client.request("GET", "/api/v1/documents/search/?" + urlencode({"q": query, "page_size": 20}))
        if status != 200:
            raise AssertionError(f"search {query}: {status} {data[:200]!r}")
        if n >= size["search_warmup"]:
            samples.append(elapsed)
            hits.append(len(json.loads(data)["results"]))
    client.close()
    metrics = {"fulltext_search_p95_ms": percentile(samples, 0.95), "fulltext_search_p50_ms": percentile(samples, 0.5)}

    # The same first pages in process, through the selector (SQL and rows, no HTTP or
    # serializer): what the baseline below is compared with.
    from django_tenants.utils import schema_context

    from dangan.accounts.models import User
    from dangan.documents import selectors

    sql_samples = []
    with schema_context(company["schema"]):
        admin = User.objects.get(pk=company["admin_id"])
        for query in queries[size["search_warmup"]:size["search_warmup"] + size["baseline_search_queries"]]:
            start = time.perf_counter()
            list(selectors.document_search(user=admin, q=query).order_by("-id")[:21])
            sql_samples.append((time.perf_counter() - start) * 1000)
    connection.set_schema_to_public()
    metrics["fulltext_search_selector_p95_ms"] = percentile(sql_samples, 0.95)

    # The baseline: plain substring matching, newest 20, straight in SQL (no API around it).
    schema, baseline_samples = company["schema"], []
    with connection.cursor() as cursor:
        for query in queries[size["search_warmup"]:size["search_warmup"] + size["baseline_search_queries"]]:
            start = time.perf_counter()
            cursor.execute(f'SELECT d.id FROM "{schema}".documents_document d JOIN "{schema}".documents_documentversion v '
                           f'ON v.id = d.current_version_id WHERE strpos(v.text, %s) > 0 ORDER BY d.id DESC LIMIT 20',
                           [query])
            cursor.fetchall()
            baseline_samples.append((time.perf_counter() - start) * 1000)
    baseline = {"fulltext_search_p95_ms": percentile(baseline_samples, 0.95),
                "fulltext_search_selector_p95_ms": percentile(baseline_samples, 0.95),
                "fulltext_search_p50_ms": percentile(baseline_samples, 0.5)}

    limit_id = size["recall_documents"]
    words = recall(company, queries[:size["recall_queries"]], limit_id)
    anywhere = recall(company, arbitrary_substrings(company, size["recall_queries"], rng), limit_id)
    metrics.update(fulltext_recall=words["recall"], fulltext_recall_mean_per_query=words["recall_mean_per_query"],
                   fulltext_precision=words["precision"], fulltext_recall_any_substring=anywhere["recall"],
                   fulltext_precision_any_substring=anywhere["precision"])
    baseline.update(fulltext_recall=1.0)
    params = {"search_queries_timed": len(samples), "search_results_per_page_median": statistics.median(hits),
              "search_queries_sample": queries[:12], "recall_queries": size["recall_queries"],
              "recall_over_documents": min(limit_id, size["documents"]),
              "baseline_search_queries": len(baseline_samples)}
    log(f"search: p95 {metrics['fulltext_search_p95_ms']} ms (substring {baseline['fulltext_search_p95_ms']} ms), "
        f"recall {words['recall']} (any substring {anywhere['recall']})")
    return metrics, baseline, params


def measure_reindex(company: dict, size: dict) -> tuple[dict, dict]:
    from django.db import connection
    from django_tenants.utils import schema_context

    from dangan.documents.models import Document
    from dangan.documents.services.documents import refresh_search
    from dangan.documents.services.search_index import reindex_documents

    with schema_context(company["schema"]):
        count = min(size["reindex_documents"], size["documents"])
        # Every vector rewritten: the corpus was loaded with current vectors, which reindexing
        # leaves alone, so they are emptied first (untimed) — the case of a tokenizer change.
        with connection.cursor() as cursor:
            cursor.execute("UPDATE documents_document SET search_vector = NULL WHERE id <= %s", [count])
        start = time.perf_counter()
        done = reindex_documents(first_id=1, last_id=count)
        elapsed = time.perf_counter() - start
        assert done == count, (done, count)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM documents_document WHERE id <= %s AND search_vector IS NULL", [count])
            assert cursor.fetchone()[0] == 0
        # Vectors already current (after a restore, or a second run): read, cut, compare, no write.
        start = time.perf_counter()
        reindex_documents(first_id=1, last_id=count)
        unchanged_elapsed = time.perf_counter() - start
        sample = list(Document.objects.select_related("document_type", "current_version")
                      .filter(pk__gt=count - size["reindex_baseline_documents"], pk__lte=count))
        start = time.perf_counter()
        for document in sample:
            refresh_search(document)
        baseline_elapsed = time.perf_counter() - start
    connection.set_schema_to_public()
    log(f"reindex: {count:,} in {elapsed:.1f} s (unchanged {unchanged_elapsed:.1f} s); "
        f"one by one {len(sample)} in {baseline_elapsed:.1f} s")
    return ({"reindex_docs_per_s": round(count / elapsed),
             "reindex_unchanged_docs_per_s": round(count / unchanged_elapsed)},
            {"reindex_docs_per_s": round(len(sample) / baseline_elapsed)})


# ---------------------------------------------------------------------------------------------


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
                    **({"only": sorted(parts)} if only else {})}
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
            metrics.update(measure_confirm(server, port, company, size))
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
        "server": f"gunicorn {WORKERS} workers × {THREADS} threads (gthread), settings.production, "
                  "DATABASE_CONN_MAX_AGE=60; the embedded S3 server (rclone serve s3) on the same machine",
        "upload_sizes": "MiB; direct = init + presigned PUT (multipart with 16 MiB parts above 64 MiB) + complete; "
                        "baseline = proxied multipart/form-data through the web process; medians, alternated",
        "upload_confirm": f"p99 over {size['confirm_pairs']} init and {size['confirm_pairs']} complete calls from one "
                          f"client; rps: {CLIENTS} client threads, inits for {size['confirm_seconds']} s then the "
                          "completes of those uploads (their PUTs untimed); *_at_full_cpu = cpu_count × 1000 / "
                          "(CPU of gunicorn workers + PostgreSQL backends per call)",
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
        return reexec_under_devservices()
    # Anything Django, migrate or a handler prints goes to stderr: stdout carries the JSON only.
    with contextlib.redirect_stdout(sys.stderr):
        result = run(args.quick, only)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
