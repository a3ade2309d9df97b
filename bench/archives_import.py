"""Bulk import of customer files from .xlsx: the bulk path against the per-row services.

    .venv/bin/python bench/archives_import.py [--quick] [--profile]

One company (made by `tenant_signup`). A register of 100,000 customers (10,000 with --quick)
is written the way Excel writes one (shared strings, a declared sheet size): name, category,
kind, industry, region, grade, department, address, one contact with phone and e-mail, two
custom fields; 1 % of the rows carry a grade the company does not have. The file is uploaded,
validated (dry run) and applied through archives/services/imports.py, the task body running
in-process. `import_rows_per_s` is the apply phase: every row read from the file, validated,
and the good ones written with contacts, history, numbers and search vectors.

The baseline is the same apply with new files created one by one through customer_create,
each in its own savepoint (the service path the API uses), on a 1,000-row file (200 with
--quick). Also reported: the dry run, reading the file alone (sheet_rows' text reader, and
in the baseline openpyxl's XML parser), a ledger import attaching rows to the new files, and
exporting the imported list.

Without DATABASE_URL it re-executes itself under `python -m dangan.platform.devservices exec`
(throwaway PostgreSQL, S3, broker). It works in a database of its own, created and dropped
here. One JSON object goes to stdout; everything else to stderr.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import io
import json
import os
import platform as stdlib_platform
import pstats
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Qw7!archive-Ledger"
SEED = 20260301
FULL = {"rows": 100_000, "baseline_rows": 1_000, "ledger_rows": 100_000}
QUICK = {"rows": 10_000, "baseline_rows": 200, "ledger_rows": 5_000}
BAD_ROW_SHARE = 0.01
HEADERS = ["档案编号", "客户名称", "档案类别", "客户类型", "所属行业", "地区", "客户等级", "部门", "地址",
           "联系人", "电话", "电子邮箱", "经营许可证号", "授信额度（元）"]

CITIES = ["北京", "上海", "广州", "深圳", "重庆", "成都", "武汉", "西安", "南京", "杭州", "长沙", "郑州", "沈阳",
          "哈尔滨", "昆明", "兰州", "乌鲁木齐", "济南", "青岛", "厦门", "福州", "南宁", "贵阳", "太原", "石家庄"]
STEMS = ["同仁", "康泰", "华联", "仁和", "济民", "百草", "益丰", "老百姓", "一心", "国大", "海王", "九州", "天天",
         "万家", "安康", "德仁", "永安", "长春", "瑞康", "惠民", "金象", "养天和", "健之佳", "大参林", "漱玉"]
SUFFIXES = ["大药房", "药店", "医药有限公司", "医药连锁有限公司", "诊所", "卫生院", "医院", "药业有限公司"]
DISTRICTS = ["朝阳区", "海淀区", "浦东新区", "天河区", "南山区", "渝中区", "武侯区", "江汉区", "雁塔区", "鼓楼区"]
ROADS = ["人民路", "解放路", "中山路", "建设路", "和平路", "长江路", "黄河路", "新华路", "胜利路", "文化路"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯健俊帆帅旭宁龙林欢阳"
CATEGORIES = ["经销商", "药店", "医院", "零售商"]
INDUSTRIES = ["医药", "兽药", "健康服务"]
REGIONS = ["华北片区", "东北片区", "华东片区", "华南片区", "西南片区", "西北片区"]
GRADES = ["A", "B", "C"]
DEPARTMENTS = ["销售一部", "销售二部", "销售三部", "销售四部"]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 rows, 200 baseline rows (about a minute)")
    parser.add_argument("--profile", action="store_true", help="cProfile of the apply phase to stderr")
    parser.add_argument("--rows", type=int, help="rows of the main file (A/B comparisons at a custom size)")
    parser.add_argument("--sequential", action="store_true",
                        help="write each chunk before preparing the next (imports.PIPELINE off), for comparison")
    parser.add_argument("--main-only", action="store_true", help="only the main import (no baseline, ledger, export)")
    parser.add_argument("--ab", type=int, default=0, metavar="ROUNDS",
                        help="only an A/B: the file applied ROUNDS times each without and with the pipeline")
    return parser.parse_args()


def reexec_under_devservices() -> int:
    command = [sys.executable, "-m", "dangan.platform.devservices", "exec", "--",
               sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]]
    return subprocess.call(command, cwd=REPO_ROOT)


# ---------------------------------------------------------------------------------------------
# Setup


def setup_django() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangan.platform.settings.test")
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"dangan_bench_import_{os.getpid()}"
    start = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    from dangan.platform.celery_app import app

    app.conf.task_always_eager = True  # the task body runs here, timed with the rest
    from bench.lib.runner import machine_speed

    return {"initial_migrate_s": round(time.perf_counter() - start, 2), "machine_speed": machine_speed()}


def teardown_database(original_name: str) -> None:
    from django.db import connection

    connection.set_schema_to_public()
    connection.creation.destroy_test_db(original_name, verbosity=0)


def make_company(suffix: str = ""):
    from dangan.tenants.services import tenant_signup

    return tenant_signup(company_name="基准导入公司", slug=f"imp{os.getpid() % 100000}{suffix}", admin_name="基准 管理员",
                         admin_email=f"admin@imp{os.getpid()}{suffix}.example.com", admin_password=PASSWORD)


def compare_pipeline(path: Path, rounds: int) -> dict:
    """The same file applied with and without the pipeline, alternating, each into a company of
    its own (fresh tables), in this one process: an A/B that sees the same machine load."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from dangan.accounts.models import User
    from dangan.archives.services import imports

    results: dict[str, list] = {"sequential": [], "pipeline": []}
    for index in range(rounds * 2):
        variant = "sequential" if index % 2 == 0 else "pipeline"
        imports.PIPELINE = variant == "pipeline"
        connection.set_schema_to_public()
        tenant = make_company(f"ab{index}")
        with tenant_context(tenant):
            admin = User.objects.get(email=tenant.admin_email)
            result = import_file(path, actor=admin)
        rate, per_cpu = rates(result, "apply")
        results[variant].append({
            "rows_per_s": rate, "rows_per_cpu_s": per_cpu, "app_cpu_s": round(result["apply_cpu_s"], 2),
            "db_cpu_s": round(result["apply_db_cpu_s"], 2), "wall_s": round(result["apply_s"], 2),
            "load_1m": round(os.getloadavg()[0], 1)})
        log(f"{variant}: {results[variant][-1]}")
    imports.PIPELINE = True
    return results


# ---------------------------------------------------------------------------------------------
# Files


def customer_rows(count: int, rng: random.Random) -> list[list]:
    rows = []
    for index in range(count):
        city = rng.choice(CITIES)
        name = f"{city}{rng.choice(STEMS)}{rng.choice(SUFFIXES)}"
        if rng.random() < 0.5:
            name += f"（{rng.choice(DISTRICTS)}{index % 97 + 1}店）"
        contact = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        grade = "Z" if rng.random() < BAD_ROW_SHARE else rng.choice(GRADES)
        category = rng.choice(CATEGORIES)
        dealer = category == "经销商"  # the two custom fields are the dealer category's
        rows.append([
            None, name, category, "企业", rng.choice(INDUSTRIES), rng.choice(REGIONS), grade,
            rng.choice(DEPARTMENTS),
            f"{city}市{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
            contact, f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}",
            f"c{index}@example.cn" if rng.random() < 0.6 else None,
            f"药经字{rng.randint(100000, 999999)}号" if dealer and rng.random() < 0.7 else None,
            rng.choice((None, 50000, 120000.5, 300000)) if dealer else None,
        ])
    return rows


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="客户档案" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'styles" Target="styles.xml"/></Relationships>'),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '</styleSheet>'),
}


def write_xlsx(path: Path, headers: list[str], rows: list[list]) -> None:
    """A workbook as Excel and WPS save one: text in the shared-string table, cell references,
    the sheet's dimension declared up front. (openpyxl itself writes every text cell inline,
    which its reader parses several times slower: not what users upload.)"""
    import zipfile
    from xml.sax.saxutils import escape

    from openpyxl.utils import get_column_letter

    strings: dict[str, int] = {}
    letters = [get_column_letter(index + 1) for index in range(len(headers))]
    body = []
    for number, values in enumerate([headers, *rows], start=1):
        cells = []
        for letter, value in zip(letters, values):
            if value is None:
                continue
            if isinstance(value, str):
                index = strings.setdefault(value, len(strings))
                cells.append(f'<c r="{letter}{number}" t="s"><v>{index}</v></c>')
            else:
                cells.append(f'<c r="{letter}{number}"><v>{value}</v></c>')
        body.append(f'<row r="{number}">{"".join(cells)}</row>')
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<dimension ref="A1:{letters[-1]}{len(rows) + 1}"/><sheetData>{"".join(body)}</sheetData></worksheet>')
    shared = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
              f'uniqueCount="{len(strings)}">'
              + "".join(f"<si><t>{escape(text)}</t></si>" for text in strings) + "</sst>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in _XLSX_PARTS.items():
            archive.writestr(name, content)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", shared)


class Upload(io.FileIO):
    """A file on disk, shaped like Django's UploadedFile for the service."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "rb")
        self.size = path.stat().st_size


# ---------------------------------------------------------------------------------------------
# Measurements


class Meter:
    """Wall time, and CPU time of this process and of its PostgreSQL backend. On a shared
    machine the wall clock measures the neighbours too; rows per CPU-second (ours plus the
    database's, which on two otherwise idle cores mostly run one after the other) does not."""

    def __init__(self) -> None:
        import psutil
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backend = psutil.Process(cursor.fetchone()[0])

    def _db_cpu(self) -> float:
        times = self.backend.cpu_times()
        return times.user + times.system

    @contextlib.contextmanager
    def measure(self, into: dict, prefix: str):
        wall, cpu, db = time.perf_counter(), time.process_time(), self._db_cpu()
        yield
        into[f"{prefix}_s"] = time.perf_counter() - wall
        into[f"{prefix}_cpu_s"] = time.process_time() - cpu
        into[f"{prefix}_db_cpu_s"] = self._db_cpu() - db


def import_file(path: Path, *, actor, kind: str = "customers", profile: bool = False) -> dict:
    from dangan.archives.services import imports

    meter = Meter()
    with Upload(path) as upload:
        job = imports.import_job_create(actor=actor, kind=kind, upload=upload, file_name=path.name)
    timings: dict = {}
    with meter.measure(timings, "validate"):
        imports.import_job_validate(actor=actor, job=job)  # autocommit: queued and run (eagerly) at once
    job.refresh_from_db()
    assert job.state == "validated", job.failure
    profiler = cProfile.Profile() if profile else None
    with meter.measure(timings, "apply"):
        if profiler:
            profiler.enable()
        imports.import_job_apply(actor=actor, job=job)
        if profiler:
            profiler.disable()
    if profiler:
        if os.environ.get("BENCH_PROFILE_OUT"):
            profiler.dump_stats(os.environ["BENCH_PROFILE_OUT"])
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
    job.refresh_from_db()
    assert job.state == "done", job.failure
    return {"rows": job.processed_rows, "ok": job.ok_rows, "errors": job.error_rows, "created": job.created_rows,
            **timings}


def rates(result: dict, phase: str) -> tuple[int, int]:
    """(rows per wall second, rows per CPU second of app and database together)."""
    cpu = result[f"{phase}_cpu_s"] + result[f"{phase}_db_cpu_s"]
    return round(result["rows"] / result[f"{phase}_s"]), round(result["rows"] / cpu)


def read_only_rate(path: Path, *, text_reader: bool = True) -> float:
    """Rows per second reading the file alone: through sheet_rows' text reader (what imports
    use), or with text_reader=False through the XML parser for every row (the comparison)."""
    from dangan.archives.importing import parsing

    previous, parsing.TEXT_READER = parsing.TEXT_READER, text_reader
    try:
        start = time.perf_counter()
        with parsing.open_table(str(path), "xlsx") as table:
            count = sum(1 for _ in table.rows())
        return count / (time.perf_counter() - start)
    finally:
        parsing.TEXT_READER = previous


@contextlib.contextmanager
def per_row_services():
    """Every new file through customer_create, one savepoint each."""
    from dangan.archives.importing.customer_rows import CustomerRows
    from dangan.archives.models import ImportJob
    from dangan.archives.services import imports

    original = imports.ENGINES[ImportJob.Kind.CUSTOMERS]
    imports.ENGINES[ImportJob.Kind.CUSTOMERS] = functools.partial(CustomerRows, bulk_create=False)
    try:
        yield
    finally:
        imports.ENGINES[ImportJob.Kind.CUSTOMERS] = original


def ledger_rows(numbers: list[str], count: int, rng: random.Random) -> list[list]:
    products = ["阿莫西林胶囊", "头孢克肟片", "板蓝根颗粒", "布洛芬缓释胶囊", "维生素C片", "复方甘草片"]
    rows = []
    for index in range(count):
        rows.append([rng.choice(numbers), f"2026-0{rng.randint(1, 9)}-{rng.randint(10, 28)}", rng.choice(products),
                     f"B{rng.randint(2024000, 2026999)}", rng.randint(1, 500), rng.choice(("内销", "外销")),
                     f"HX-{index % 500:04d}", "24X1LB"])
    return rows


def run(quick: bool, profile: bool, rows: int | None = None, sequential: bool = False,
        main_only: bool = False, ab_rounds: int = 0) -> dict:
    started = time.perf_counter()
    sizes = dict(QUICK if quick else FULL)
    if rows:
        sizes["rows"] = rows
    setup = setup_django()
    if sequential:
        from dangan.archives.services import imports

        imports.PIPELINE = False
    from django.conf import settings
    from django.db import connection
    from django_tenants.utils import tenant_context

    original_name = settings.DATABASES["default"]["NAME"]
    rng = random.Random(SEED)
    metrics: dict = {}
    baseline: dict = {}
    workdir = Path(tempfile.mkdtemp(prefix="dangan-bench-import-"))
    try:
        tenant = make_company()
        with tenant_context(tenant):
            from dangan.accounts.models import User
            from dangan.archives.models import Customer
            from dangan.archives.services import exports

            admin = User.objects.get(email=tenant.admin_email)
            log(f"writing {sizes['rows']} rows to xlsx")
            start = time.perf_counter()
            main_file = workdir / "customers.xlsx"
            write_xlsx(main_file, HEADERS, customer_rows(sizes["rows"], rng))
            setup["generate_xlsx_s"] = round(time.perf_counter() - start, 1)
            setup["xlsx_bytes"] = main_file.stat().st_size
            metrics["xlsx_read_only_rows_per_s"] = round(read_only_rate(main_file))
            baseline["xlsx_read_only_rows_per_s_xml_parser"] = round(read_only_rate(main_file, text_reader=False))
            if ab_rounds:
                return {"bench": "archives_import", "params": {"rows": sizes["rows"], **setup},
                        "metrics": metrics, "ab": compare_pipeline(main_file, ab_rounds)}

            log("importing (bulk path)")
            result = import_file(main_file, actor=admin, profile=profile)
            metrics["import_rows_per_s"], metrics["import_rows_per_cpu_s"] = rates(result, "apply")
            metrics["dry_run_rows_per_s"], metrics["dry_run_rows_per_cpu_s"] = rates(result, "validate")
            for key in ("apply_s", "apply_cpu_s", "apply_db_cpu_s", "validate_s", "validate_cpu_s",
                        "validate_db_cpu_s"):
                metrics[f"import_{key}"] = round(result[key], 2)
            metrics["import_rows"] = result["rows"]
            metrics["import_created_rows"] = result["created"]
            metrics["import_error_rows"] = result["errors"]
            assert Customer.objects.count() == result["created"]
            if main_only:
                return {"bench": "archives_import", "params": {"rows": sizes["rows"], "sequential": sequential,
                                                                "load_average_1m": round(os.getloadavg()[0], 2),
                                                                **setup}, "metrics": metrics, "baseline": baseline}

            log(f"importing {sizes['baseline_rows']} rows through customer_create per row (baseline)")
            baseline_file = workdir / "baseline.xlsx"
            write_xlsx(baseline_file, HEADERS, customer_rows(sizes["baseline_rows"], rng))
            bulk_small = import_file(baseline_file, actor=admin)
            with per_row_services():
                per_row = import_file(baseline_file, actor=admin)
            baseline["import_rows_per_s_per_row_services"], baseline["import_rows_per_cpu_s_per_row_services"] = \
                rates(per_row, "apply")
            baseline["dry_run_rows_per_s_per_row_services"], baseline["dry_run_rows_per_cpu_s_per_row_services"] = \
                rates(per_row, "validate")
            baseline["rows"] = per_row["rows"]
            metrics["import_rows_per_s_same_small_file"], metrics["import_rows_per_cpu_s_same_small_file"] = \
                rates(bulk_small, "apply")
            assert (per_row["ok"], per_row["errors"]) == (bulk_small["ok"], bulk_small["errors"])

            log(f"importing {sizes['ledger_rows']} ledger rows")
            numbers = list(Customer.objects.values_list("archive_number", flat=True)[:5000])
            ledger_file = workdir / "ledger.xlsx"
            write_xlsx(ledger_file, ["档案编号", "销售日期", "品名", "产品批号", "数量", "销售类型", "货号", "包装"],
                       ledger_rows(numbers, sizes["ledger_rows"], rng))
            ledger = import_file(ledger_file, actor=admin, kind="ledger")
            metrics["ledger_import_rows_per_s"], metrics["ledger_import_rows_per_cpu_s"] = rates(ledger, "apply")

            log("exporting the imported list")
            start = time.perf_counter()
            record = exports.export_start(actor=admin, filters={})
            export_s = time.perf_counter() - start
            record.refresh_from_db()
            assert record.state == "done", record.failure
            metrics["export_rows_per_s"] = round(record.row_count / export_s)
            metrics["export_rows"] = record.row_count
    finally:
        connection.set_schema_to_public()
        for path in workdir.glob("*"):
            path.unlink()
        workdir.rmdir()
        log("dropping the bench database")
        teardown_database(original_name)

    from dangan.archives.services.imports import CHUNK_ROWS

    params = {
        "quick": quick, "rows": sizes["rows"], "baseline_rows": sizes["baseline_rows"],
        "ledger_rows": sizes["ledger_rows"], "columns": len(HEADERS), "bad_row_share": BAD_ROW_SHARE,
        "chunk_rows": CHUNK_ROWS, "pipeline": not sequential, "file": "xlsx, shared strings (as Excel writes it)",
        "timed": "apply phase: read + validate + write (task body in-process)", **setup,
        "cpu_count": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
        "python": stdlib_platform.python_version(), "total_s": round(time.perf_counter() - started, 1),
    }
    return {"bench": "archives_import", "params": params, "metrics": metrics, "baseline": baseline}


def main() -> int:
    args = parse_args()
    if not os.environ.get("DATABASE_URL"):
        return reexec_under_devservices()
    with contextlib.redirect_stdout(sys.stderr):
        result = run(args.quick, args.profile, rows=args.rows, sequential=args.sequential, main_only=args.main_only,
                     ab_rounds=args.ab)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
