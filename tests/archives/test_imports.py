"""Bulk import of customer files and sales ledgers: parsing (.xlsx, .csv in three encodings),
mapping, dry run, apply, re-import, the error report, progress, resuming, the bulk path's
equivalence with the services, and one run on a real Celery worker."""
from __future__ import annotations

import datetime as dt
import io
import sys
import time

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from dangan.archives import search
from dangan.archives.importing import search_tokens
from dangan.archives.models import (
    Contact, Customer, CustomerChange, ImportJob, ImportRowError, NumberSequence, SalesLedgerEntry,
)
from dangan.archives.selectors import customer_list
from dangan.archives.services import imports
from dangan.archives.services.search_index import refresh_search
from dangan.documents.storage import object_store
from dangan.platform.errors import ApplicationError
from tests.celery_worker import running_worker

YEAR = dt.date.today().year
HEADERS = ["档案编号", "客户名称", "档案类别", "地区", "客户等级", "联系人", "电话", "电子邮箱", "身份证号", "地址"]
GOOD_1 = ["", "张伟", "个人客户", "华东片区", "A", "张伟", 13812345678, "ZW@x.cn", "11010519491231002X", "上海市浦东新区"]
BAD_GRADE = ["", "李娜", "个人客户", "华东片区", "Z", "李娜", "13912345678", "", "", ""]
BAD_ID = ["", "王芳", "个人客户", "east", "B", "王芳", "13912345678", "", "110101199003071234", ""]
NO_NAME = ["", "", "个人客户", "east", "B", "无名", "", "", "", ""]
BAD_CATEGORY = ["", "刘洋", "外星客户", "east", "B", "", "", "", "", ""]
GOOD_2 = ["", "陈静", "gr", "south", "C", "陈静", "020-12345678", "", "", "广州市天河区"]
ROWS = [GOOD_1, BAD_GRADE, BAD_ID, NO_NAME, BAD_CATEGORY, GOOD_2]


def xlsx_upload(rows, *, headers=HEADERS, name="客户名单.xlsx", title: str | None = None) -> SimpleUploadedFile:
    """An Excel-like workbook (shared strings, declared dimension), optionally with a title row."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append([None if value == "" else value for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def csv_upload(rows, *, encoding: str, headers=HEADERS, name="客户名单.csv") -> SimpleUploadedFile:
    import csv

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(encoding))


def read_xlsx(key: str) -> list[tuple]:
    data = b"".join(object_store().iter_chunks(key))
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


class Importer:
    def __init__(self, company, capture):
        self.company = company
        self.capture = capture

    def upload(self, upload, *, kind="customers", actor=None) -> ImportJob:
        return imports.import_job_create(actor=actor or self.company.owner, kind=kind, upload=upload)

    def validate(self, job, mapping=None, actor=None) -> ImportJob:
        with self.capture(execute=True):  # the on_commit that queues the (eager) task
            imports.import_job_validate(actor=actor or job.created_by, job=job, mapping=mapping)
        job.refresh_from_db()
        return job

    def apply(self, job, actor=None) -> ImportJob:
        with self.capture(execute=True):
            imports.import_job_apply(actor=actor or job.created_by, job=job)
        job.refresh_from_db()
        return job

    def run(self, upload, **kwargs) -> ImportJob:
        job = self.validate(self.upload(upload, **kwargs))
        assert job.state == "validated", job.failure
        return self.apply(job)


@pytest.fixture
def importer(company, eager_tasks, django_capture_on_commit_callbacks):
    return Importer(company, django_capture_on_commit_callbacks)


def errors_of(job, phase=None) -> list[tuple]:
    return list(ImportRowError.objects.filter(job=job, phase=phase or job.phase).order_by("row_number", "id")
                .values_list("row_number", "column", "value", "code"))


# --- upload and mapping ---------------------------------------------------------------------------
def test_upload_stores_the_file_and_proposes_a_mapping_from_chinese_headers(company, importer):
    job = importer.upload(xlsx_upload(ROWS, title="华东医药客户档案登记表"))
    assert job.state == "pending" and job.file_format == "xlsx" and job.header_row == 2
    assert job.headers == HEADERS
    assert job.mapping == {"档案编号": "archive_number", "客户名称": "name", "档案类别": "category", "地区": "region",
                           "客户等级": "grade", "联系人": "contact_name", "电话": "contact_phone",
                           "电子邮箱": "contact_email", "身份证号": "custom.id_number", "地址": "address"}
    assert job.file_key == f"imports/{job.pk}/客户名单.xlsx"
    assert object_store().head(job.file_key)["ContentLength"] == job.file_size > 0


def test_english_headers_repeated_contacts_and_custom_keys_are_recognised(company):
    from dangan.archives.importing.targets import propose_mapping

    headers = ["Customer Name", "category", "Grade", "联系人", "电话", "联系人 (2)", "电话 (2)", "unit_no", "房号",
               "Remarks"]
    mapping = propose_mapping("customers", headers)
    assert mapping == {"Customer Name": "name", "category": "category", "Grade": "grade",
                       "联系人": "contact_name", "电话": "contact_phone", "联系人 (2)": "contact2_name",
                       "电话 (2)": "contact2_phone", "unit_no": "custom.unit_no", "房号": None, "Remarks": None}


def test_files_that_are_not_spreadsheets_are_refused(company, importer):
    with pytest.raises(ApplicationError) as caught:
        importer.upload(SimpleUploadedFile("名单.pdf", b"%PDF-1.4"))
    assert caught.value.code == "import_file_type"
    with pytest.raises(ApplicationError) as caught:
        importer.upload(SimpleUploadedFile("名单.xlsx", b"not a zip"))
    assert caught.value.code == "import_file_unreadable"
    with pytest.raises(ApplicationError) as caught:
        importer.upload(SimpleUploadedFile("空.csv", b"\n\n"))
    assert caught.value.code == "import_file_empty"
    assert ImportJob.objects.count() == 0


def test_a_mapping_is_checked_before_the_dry_run(company, importer):
    job = importer.upload(xlsx_upload(ROWS))
    for mapping, code in [({"客户名称": "nonsense"}, "import_mapping_invalid"),
                          ({"客户名称": "name", "联系人": "name"}, "import_mapping_invalid"),
                          ({"不存在的列": "name"}, "import_mapping_invalid"),
                          ({"档案类别": "category"}, "import_mapping_incomplete")]:
        with pytest.raises(ApplicationError) as caught:
            importer.validate(job, mapping=mapping)
        assert caught.value.code == code
    job.refresh_from_db()
    assert job.state == "pending"


# --- dry run --------------------------------------------------------------------------------------
def test_dry_run_reports_every_bad_row_and_writes_nothing(company, importer):
    job = importer.validate(importer.upload(xlsx_upload(ROWS)))
    assert job.state == "validated" and job.phase == "validate"
    assert (job.total_rows, job.processed_rows, job.ok_rows, job.error_rows, job.created_rows) == (6, 6, 2, 4, 2)
    assert job.percentage == 100
    found = errors_of(job)
    assert (3, "客户等级", "Z", "classification_invalid") in found
    assert (4, "身份证号", "110101199003071234", "invalid") in found
    assert any(row == 5 and column == "客户名称" for row, column, _, _ in found)
    assert (6, "档案类别", "外星客户", "category_required") in found
    assert {row for row, *_ in found} == {3, 4, 5, 6}
    id_error = ImportRowError.objects.get(job=job, row_number=4)
    assert "身份证" in id_error.message_zh and "ID" in id_error.message_en
    # Nothing was kept: no files, contacts, history, and no archive number was used up.
    assert (Customer.objects.count(), Contact.objects.count(), CustomerChange.objects.count(),
            NumberSequence.objects.count()) == (0, 0, 0, 0)


def test_error_report_lists_row_column_value_code_and_both_messages(company, importer):
    job = importer.validate(importer.upload(xlsx_upload(ROWS)))
    rows = read_xlsx(job.error_report_key)
    assert rows[0] == ("行号 Row", "列 Column", "值 Value", "错误代码 Code", "错误说明", "Message")
    grade = next(row for row in rows[1:] if row[0] == 3)
    assert grade[1:4] == ("客户等级", "Z", "classification_invalid")
    assert "Z" in grade[4] and "客户等级" in grade[4] and "not a valid choice" in grade[5]
    assert sorted({row[0] for row in rows[1:]}) == [3, 4, 5, 6]
    assert imports.import_report_url(job=job).startswith("http")


def test_a_formula_in_the_file_stays_text_in_the_report(company, importer):
    formula = '=HYPERLINK("http://evil.example","点我")'
    job = importer.validate(importer.upload(csv_upload([["", "某客户", formula]], encoding="utf-8",
                                                       headers=HEADERS[:3])))
    assert errors_of(job) == [(2, "档案类别", formula, "category_required")]
    data = b"".join(object_store().iter_chunks(job.error_report_key))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    values = [cell for row in sheet.iter_rows() for cell in row if str(cell.value).startswith("=")]
    assert values and all(cell.data_type == "s" for cell in values)


# --- apply ----------------------------------------------------------------------------------------
def test_apply_writes_exactly_the_good_rows(company, importer):
    job = importer.run(xlsx_upload(ROWS))
    assert job.state == "done" and job.phase == "apply" and job.percentage == 100
    assert (job.processed_rows, job.ok_rows, job.error_rows, job.created_rows) == (6, 2, 4, 2)
    customers = {c.name: c for c in Customer.objects.select_related("region", "grade")}
    assert set(customers) == {"张伟", "陈静"}
    zhang, chen = customers["张伟"], customers["陈静"]
    assert (zhang.archive_number, chen.archive_number) == (f"GR-{YEAR}-00001", f"GR-{YEAR}-00002")
    assert zhang.custom_fields == {"id_number": "11010519491231002X"}
    assert zhang.kind == chen.kind == "individual"  # no 类型 column: 个人客户's default
    assert (zhang.region.code, zhang.grade.code, chen.region.code) == ("east", "A", "south")
    assert zhang.owner == company.owner and zhang.created_by == company.owner and zhang.state == "draft"
    assert zhang.creation_due_on == zhang.first_contact_on + dt.timedelta(days=7)
    assert list(zhang.contacts.values_list("name", "phone", "email", "is_primary")) == [
        ("张伟", "13812345678", "zw@x.cn", True)]
    assert sorted(CustomerChange.objects.filter(customer=zhang).values_list("field", "action")) == [
        ("archive_number", "create"), ("name", "create")]
    # Searchable at once: initials, a Chinese substring of the address, the phone's last digits.
    for query in ("zw", "浦东", "5678", "zhangwei"):
        assert zhang in customer_list(user=company.owner, filters={"q": query}), query
    assert errors_of(job) == errors_of(job, "validate")


def test_the_bulk_path_stores_what_customer_create_would(company, importer, new_customer):
    job = importer.run(xlsx_upload([GOOD_1]))
    bulk = Customer.objects.get(name="张伟")
    service = new_customer(category="gr", name="张伟", region="华东片区", grade="A", department=None,
                           contacts=[{"name": "张伟", "phone": "13812345678", "email": "ZW@x.cn"}],
                           custom_fields={"id_number": "11010519491231002X"}, address="上海市浦东新区")
    skip = {"id", "archive_number", "created_at", "updated_at", "search_vector"}
    fields = [f.attname for f in Customer._meta.concrete_fields if f.attname not in skip]
    assert {f: getattr(bulk, f) for f in fields} == {f: getattr(service, f) for f in fields}

    def related(customer):
        contacts = list(customer.contacts.values_list("name", "phone", "email", "position", "is_primary", "sort"))
        history = sorted((change.field, change.action, change.old_value, change.reason, change.actor_id,
                          change.new_value if change.field != "archive_number" else "…")
                         for change in customer.history.all())
        return contacts, history

    assert related(bulk) == related(service)
    assert bulk.history.get(field="archive_number").new_value == bulk.archive_number
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM archives_customer WHERE id = %s", [bulk.pk])
        stored = cursor.fetchone()[0]
        refresh_search(bulk)
        cursor.execute("SELECT search_vector::text FROM archives_customer WHERE id = %s", [bulk.pk])
        assert cursor.fetchone()[0] == stored
    assert job.created_rows == 1


@pytest.mark.parametrize("text", ["重庆长安汽车销售有限公司", "银行街 12 号 a-b@c.cn", "长沙市 O'Brien 药房",
                                  "乐乐 乐器行", "ABC 123", "", "嗯呣", "行长行走在银行"])
def test_memoised_search_tokens_equal_the_search_modules(text):
    for _ in range(2):  # the second round is answered from the memo
        assert search_tokens.document_tokens(archive_number="GR-2026-00001", name=text, texts=[text, "王经理"]) == \
            search.document_tokens(archive_number="GR-2026-00001", name=text, texts=[text, "王经理"])
        assert search_tokens.pinyin_full(text) == search.pinyin_full(text)
        assert search_tokens.pinyin_initials(text) == search.pinyin_initials(text)


def test_the_shared_string_table_reads_as_openpyxl_reads_it():
    from openpyxl.reader.strings import read_string_table

    from dangan.archives.importing.parsing import read_shared_strings

    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<si><t>华东医药</t></si><si><t xml:space="preserve"> 前后空格 </t></si><si><t/></si>'
        '<si><r><rPr><b/></rPr><t>粗体</t></r><r><t xml:space="preserve">与普通</t></r></si>'
        '<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>'
        '<si><t>a_x005F_x000D_b</t></si><si><t>&lt;&amp;&gt;"\'</t></si></sst>').encode()
    assert list(read_shared_strings(io.BytesIO(xml))) == list(read_string_table(io.BytesIO(xml))) == [
        "华东医药", " 前后空格 ", "", "粗体与普通", "東京", "a_x000D_b", "<&>\"'"]


def test_a_chunk_the_database_refuses_is_redone_row_by_row(company, importer):
    # A 200-character Chinese name spells more pinyin than the bulk path's column holds, so the
    # bulk chunk fails in the database and is redone row by row through customer_create, which
    # bounds the pinyin columns: every row ends up imported, none half-written or lost.
    long_name = "壮" * 200
    rows = [GOOD_1, ["", long_name, "个人客户", "", "", "某人", "", "", "", ""], GOOD_2]
    job = importer.run(xlsx_upload(rows))
    assert set(Customer.objects.values_list("name", flat=True)) == {"张伟", "陈静", long_name}
    assert errors_of(job) == []
    assert Contact.objects.filter(name="某人").count() == 1
    assert (job.ok_rows, job.error_rows) == (3, 0)


def _imported() -> list[tuple]:
    """The files stored, apart from ids, numbers and times, in row order."""
    stored = []
    for customer in Customer.objects.order_by("id"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT search_vector::text FROM archives_customer WHERE id = %s", [customer.pk])
            vector = cursor.fetchone()[0]
        refresh_search(customer)  # the stored vector is exactly what the service would store
        with connection.cursor() as cursor:
            cursor.execute("SELECT search_vector::text FROM archives_customer WHERE id = %s", [customer.pk])
            assert cursor.fetchone()[0] == vector, customer.name
        stored.append((customer.name, customer.category_id, customer.region_id, customer.grade_id, customer.address,
                       customer.custom_fields, customer.name_pinyin, customer.name_initials, customer.owner_id,
                       customer.state, customer.creation_due_on,
                       tuple(customer.contacts.values_list("name", "phone", "email", "is_primary", "sort")),
                       tuple(sorted(customer.history.values_list("field", "action", "actor_id")))))
    return stored


def test_the_pipelined_writer_stores_what_writing_in_turn_stores(company, importer, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    rows = [GOOD_1, BAD_GRADE, GOOD_2, BAD_ID, ["", "赵六药房", "jxs", "", "", "赵六", "", "", "", "杭州市西湖区"]] * 2
    assert imports.PIPELINE
    pipelined = importer.run(xlsx_upload(rows))
    stored = _imported()
    Customer.objects.all().delete()
    monkeypatch.setattr(imports, "PIPELINE", False)
    in_turn = importer.run(xlsx_upload(rows))
    assert len(stored) == 6 and _imported() == stored
    assert [row[1:] for row in errors_of(pipelined)] == [row[1:] for row in errors_of(in_turn)]
    assert (pipelined.ok_rows, pipelined.error_rows, pipelined.created_rows) == \
        (in_turn.ok_rows, in_turn.error_rows, in_turn.created_rows) == (6, 4, 6)


def test_the_pipeline_runs_with_a_short_thread_switch_interval_and_restores_the_one_before(
        company, importer, monkeypatch):
    from dangan.archives.importing.customer_rows import CustomerRows

    seen = []
    prepare = CustomerRows.prepare

    def watching(self, rows, *, keep):
        seen.append(sys.getswitchinterval())
        return prepare(self, rows, keep=keep)

    monkeypatch.setattr(CustomerRows, "prepare", watching)
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    before = sys.getswitchinterval()
    assert before > imports.PIPELINE_SWITCH_INTERVAL
    job = importer.run(xlsx_upload([GOOD_1, GOOD_2, BAD_GRADE]))
    assert job.state == ImportJob.State.DONE and job.created_rows == 2
    assert seen and set(seen) == {imports.PIPELINE_SWITCH_INTERVAL}
    assert sys.getswitchinterval() == before


def test_overlapping_pipelines_restore_the_interval_only_when_the_last_one_ends():
    switch = imports._SwitchInterval()
    before = sys.getswitchinterval()
    switch.enter()
    switch.enter()
    switch.leave()
    assert sys.getswitchinterval() == imports.PIPELINE_SWITCH_INTERVAL
    switch.leave()
    assert sys.getswitchinterval() == before


def test_a_writer_failure_in_the_last_chunk_fails_the_job_after_the_chunks_before(company, importer, monkeypatch):
    from dangan.archives.importing.customer_rows import CustomerRows

    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    original = CustomerRows.write

    def failing_last(self, chunk, *, keep):
        if keep and chunk.outcomes[0].row.position == 5:
            raise RuntimeError("disk full")
        return original(self, chunk, keep=keep)

    monkeypatch.setattr(CustomerRows, "write", failing_last)
    good = [["", f"客户{i}", "jxs"] for i in range(5)]
    job = importer.run(xlsx_upload(good, headers=["档案编号", "客户名称", "档案类别"]))
    assert (job.state, job.position, job.created_rows, job.failure["code"]) == ("failed", 4, 4, "import_failed")
    assert Customer.objects.count() == 4


def test_reimport_updates_files_matched_on_archive_number(company, importer, new_customer):
    existing = new_customer()
    headers = ["档案编号", "客户名称", "客户等级", "地址", "联系人", "电话", "档案类别"]
    rows = [[existing.archive_number, "北京同仁堂药店（前门店）", "B", "北京市东城区前门大街 1 号", "", "", ""],
            ["JXS-NOPE-1", "不存在", "A", "", "", "", ""],
            ["", "新客户药房", "A", "", "赵六", "13700000000", "jxs"]]
    job = importer.run(xlsx_upload(rows, headers=headers))
    assert (job.ok_rows, job.error_rows, job.created_rows, job.updated_rows) == (2, 1, 1, 1)
    assert errors_of(job) == [(3, "档案编号", "JXS-NOPE-1", "archive_number_unknown")]
    existing.refresh_from_db()
    assert existing.name == "北京同仁堂药店（前门店）" and existing.grade.code == "B"
    assert existing.address == "北京市东城区前门大街 1 号" and existing.version == 2
    assert list(existing.contacts.values_list("name", flat=True)) == ["王经理"]  # empty cells change nothing
    change = CustomerChange.objects.get(customer=existing, field="name", action="update")
    assert f"任务 #{job.pk}" in change.reason
    assert Customer.objects.count() == 2
    # The same file again: nothing to change on the existing file, one more new customer.
    again = importer.run(xlsx_upload(rows[:1], headers=headers))
    assert (again.ok_rows, again.updated_rows, again.created_rows) == (1, 0, 0)
    assert Customer.objects.count() == 2


def test_reimport_of_a_filed_file_turns_important_changes_into_a_change_request(company, importer, new_customer):
    from dangan.archives.services import lifecycle

    customer = new_customer()
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    lifecycle.customer_file(actor=company.custodian, customer=customer)
    job = importer.run(xlsx_upload([[customer.archive_number, "改名药店", "C"]], headers=["档案编号", "客户名称", "客户等级"]))
    assert (job.ok_rows, job.change_request_rows, job.updated_rows) == (1, 1, 0)
    customer.refresh_from_db()
    assert customer.name == "北京同仁堂药店" and customer.grade.code == "C"  # name waits; grade applies
    assert customer.change_requests.get().changes == {"name": "改名药店"}


def test_a_salesperson_cannot_reach_other_peoples_files_by_number(company, importer, new_customer):
    theirs = new_customer()  # owned by company.owner
    job = importer.run(xlsx_upload([[theirs.archive_number, "抢过来", "A"]], headers=["档案编号", "客户名称", "客户等级"]),
                       actor=company.outsider)
    assert errors_of(job) == [(2, "档案编号", theirs.archive_number, "archive_number_unknown")]
    theirs.refresh_from_db()
    assert theirs.name == "北京同仁堂药店"


def test_owner_column_assigns_files_to_users_of_the_company(company, importer):
    headers = ["客户名称", "档案类别", "业务员"]
    rows = [["甲药店", "jxs", "LI@x.cn"], ["乙药店", "jxs", ""], ["丙药店", "jxs", "nobody@x.cn"]]
    job = importer.run(xlsx_upload(rows, headers=headers))
    owners = dict(Customer.objects.values_list("name", "owner__email"))
    assert owners == {"甲药店": "li@x.cn", "乙药店": company.owner.email}
    assert errors_of(job) == [(4, "业务员", "nobody@x.cn", "owner_unknown")]


# --- csv ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding,detected", [("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"),
                                               ("gb18030", "gb18030")])
def test_csv_in_utf8_with_or_without_bom_and_gb18030(company, importer, encoding, detected):
    job = importer.upload(csv_upload(ROWS, encoding=encoding))
    assert job.encoding == detected and job.headers == HEADERS and job.mapping["客户名称"] == "name"
    job = importer.validate(job)
    assert (job.total_rows, job.ok_rows, job.error_rows) == (6, 2, 4)
    assert (3, "客户等级", "Z", "classification_invalid") in errors_of(job)
    job = importer.apply(job)
    assert set(Customer.objects.values_list("name", flat=True)) == {"张伟", "陈静"}
    assert Customer.objects.get(name="陈静").address == "广州市天河区"


def test_chinese_dates_and_yes_no_cells_are_understood(company, importer):
    headers = ["客户名称", "档案类别", "客户类型", "重点客户", "与本公司交易时间", "首次接触/购买日期"]
    rows = [["甲", "jxs", "个人", "是", "2025年3月8日", dt.datetime(2026, 1, 2)],
            ["乙", "jxs", "企业", "否", "2025/13/40", "2026-01-02"]]
    job = importer.run(xlsx_upload(rows, headers=headers))
    first = Customer.objects.get(name="甲")
    assert (first.kind, first.is_key_customer, first.trading_since, first.first_contact_on) == (
        "individual", True, dt.date(2025, 3, 8), dt.date(2026, 1, 2))
    assert [(row, column) for row, column, *_ in errors_of(job)] == [(3, "与本公司交易时间")]


# --- ledger ---------------------------------------------------------------------------------------
def test_ledger_rows_attach_to_files_by_archive_number(company, importer, new_customer):
    customer = new_customer()
    headers = ["档案编号", "销售日期", "品名", "产品批号", "数量", "销售类型", "货号"]
    rows = [[customer.archive_number, dt.date(2026, 3, 1), "阿莫西林胶囊", "B2026", 12, "内销", "AMX-01"],
            [customer.archive_number, "2026/3/5", "头孢克肟", "C1", "很多", "外销", ""],
            ["JXS-NOPE-9", "2026-03-06", "维C", "D1", 1, "内销", ""],
            ["", "2026-03-06", "维C", "D1", 1, "内销", ""]]
    job = importer.run(xlsx_upload(rows, headers=headers, name="台帐.xlsx"), kind="ledger")
    assert (job.ok_rows, job.error_rows, job.created_rows) == (1, 3, 1)
    assert [(row, code) for row, _, _, code in errors_of(job)] == [
        (3, "invalid"), (4, "archive_number_unknown"), (5, "archive_number_required")]
    entry = SalesLedgerEntry.objects.get()
    assert (entry.customer, entry.product_batch, entry.quantity, entry.sales_type, entry.created_by) == (
        customer, "B2026", 12, "domestic", company.owner)
    customer.refresh_from_db()
    assert customer.last_activity_on == dt.date(2026, 3, 1)


def test_ledger_rows_of_a_negative_quantity_or_expired_before_the_sale_are_reported(company, importer, new_customer):
    customer = new_customer()
    headers = ["档案编号", "销售日期", "品名", "数量", "有效期至"]
    rows = [[customer.archive_number, "2026-03-01", "阿莫西林胶囊", -3, "2027-03-01"],
            [customer.archive_number, "2026-03-01", "头孢克肟", 2, "2026-02-28"],
            [customer.archive_number, "2026-03-01", "维C", 0, "2026-03-01"]]
    job = importer.run(xlsx_upload(rows, headers=headers, name="台帐.xlsx"), kind="ledger")
    assert (job.ok_rows, job.error_rows) == (1, 2)
    assert [(row, column) for row, column, *_ in errors_of(job)] == [(2, "数量"), (3, "有效期至")]
    assert list(SalesLedgerEntry.objects.values_list("product_name", flat=True)) == ["维C"]


def test_ledger_dry_run_writes_nothing(company, importer, new_customer):
    customer = new_customer()
    job = importer.validate(importer.upload(xlsx_upload(
        [[customer.archive_number, "2026-03-01", "阿莫西林胶囊"]], headers=["档案编号", "销售日期", "品名"]),
        kind="ledger"))
    assert (job.ok_rows, job.created_rows) == (1, 1)
    assert SalesLedgerEntry.objects.count() == 0
    customer.refresh_from_db()
    assert customer.last_activity_on is None


# --- progress and resuming ------------------------------------------------------------------------
def test_progress_moves_chunk_by_chunk_to_100(company, importer, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    seen = []
    original = imports._Phase.chunk

    def chunk(self, rows, *prepared):
        original(self, rows, *prepared)
        job = ImportJob.objects.get(pk=self.job.pk)
        seen.append((job.state, job.processed_rows, job.percentage))

    monkeypatch.setattr(imports._Phase, "chunk", chunk)
    good = [["", f"客户{i}", "jxs"] for i in range(5)]
    job = importer.run(xlsx_upload(good, headers=["档案编号", "客户名称", "档案类别"]))
    assert seen == [("validating", 2, 40), ("validating", 4, 80), ("validating", 5, 100),
                    ("applying", 2, 40), ("applying", 4, 80), ("applying", 5, 100)]
    assert (job.state, job.percentage, job.total_rows, job.processed_rows) == ("done", 100, 5, 5)


def test_an_interrupted_apply_resumes_after_the_last_committed_chunk(company, importer, monkeypatch):
    from dangan.archives.importing.customer_rows import CustomerRows

    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    calls = {"n": 0}
    original = CustomerRows.write

    def flaky(self, chunk, *, keep):
        calls["n"] += 1
        if keep and calls["n"] == 5:  # 3 dry-run chunks, then the second apply chunk
            raise RuntimeError("worker lost")
        return original(self, chunk, keep=keep)

    monkeypatch.setattr(CustomerRows, "write", flaky)
    good = [["", f"客户{i}", "jxs"] for i in range(5)]
    job = importer.run(xlsx_upload(good, headers=["档案编号", "客户名称", "档案类别"]))
    assert (job.state, job.phase, job.position, job.failure["code"]) == ("failed", "apply", 2, "import_failed")
    assert Customer.objects.count() == 2
    with pytest.raises(ApplicationError) as caught:
        importer.validate(job)  # part of it is written: only resuming is allowed
    assert caught.value.code == "import_job_state"
    job = importer.apply(job)
    assert (job.state, job.created_rows, job.processed_rows) == ("done", 5, 5)
    assert sorted(Customer.objects.values_list("name", flat=True)) == [f"客户{i}" for i in range(5)]


def test_apply_needs_a_validated_job(company, importer):
    job = importer.upload(xlsx_upload(ROWS))
    with pytest.raises(ApplicationError) as caught:
        importer.apply(job)
    assert caught.value.code == "import_job_state" and caught.value.status == 409


def test_a_redelivered_task_for_a_finished_job_does_nothing(company, importer):
    job = importer.run(xlsx_upload([GOOD_1]))
    assert imports.import_job_run(job_id=job.pk).state == "done"
    assert Customer.objects.count() == 1


# --- a real worker --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def import_worker(django_db_setup, tmp_path_factory):
    """A real `celery worker` for this module, stopped when the module ends.

    Not tests/platform/test_tasks.py's session-scoped `celery_worker` imported here: pytest would
    keep a second instance of it for the rest of the session, and two workers on one queue break
    that module's "the solo worker takes messages in order" assumption.
    """
    with running_worker(tmp_path_factory.mktemp("import-worker"), node_prefix="imports-") as worker:
        yield worker


@pytest.mark.worker
def test_import_runs_on_a_real_worker(import_worker, committed, signup_data):
    from django_tenants.utils import tenant_context

    from dangan.documents.storage import tenant_prefix
    from dangan.tenants.services import tenant_signup

    tenant = tenant_signup(**signup_data())
    try:
        with tenant_context(tenant):
            from dangan.accounts.models import User

            admin = User.objects.get(email=tenant.admin_email)
            job = imports.import_job_create(actor=admin, kind="customers", upload=xlsx_upload(ROWS))
            imports.import_job_validate(actor=admin, job=job)  # autocommit: queued at once
            job = _wait(job, "validated", import_worker)
            assert (job.ok_rows, job.error_rows) == (2, 4)
            imports.import_job_apply(actor=admin, job=job)
            job = _wait(job, "done", import_worker)
            assert set(Customer.objects.values_list("name", flat=True)) == {"张伟", "陈静"}
            assert job.percentage == 100
    finally:
        connection.set_schema_to_public()
        object_store().delete_prefix(tenant_prefix(tenant.schema_name))


def _wait(job, state: str, worker, timeout: float = 90) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in (state, "failed"):
            assert job.state == state, job.failure
            return job
        time.sleep(0.2)
    pytest.fail(f"job {job.pk} stuck in {job.state}; worker log:\n{worker['log_tail']()}")
