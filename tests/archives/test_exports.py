"""Exporting filtered customer lists to .xlsx: visibility, columns, the export record, the worker
path with progress, and the round trip back through the import."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from dangan.archives.models import Customer, ExportRecord
from dangan.archives.services import exports, imports
from dangan.documents.storage import object_store


def rows_of(record) -> list[dict]:
    data = b"".join(object_store().iter_chunks(record.file_key))
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.fixture
def customers(company, new_customer):
    return {
        "own": new_customer(name="张三的客户甲"),
        "own2": new_customer(name="张三的客户乙", grade="B"),
        "colleague": new_customer(name="李四的客户", actor=company.colleague),
        "outsider": new_customer(name="王五的客户", actor=company.outsider, department=company.sales2.pk),
    }


def test_an_export_holds_only_what_its_author_may_see(company, customers):
    def names(user, **filters):
        record = exports.export_start(actor=user, filters=filters)
        assert record.state == "done", record.failure
        return sorted(row["客户名称"] for row in rows_of(record))

    assert names(company.owner) == ["张三的客户乙", "张三的客户甲"]
    assert names(company.supervisor) == ["张三的客户乙", "张三的客户甲", "李四的客户"]
    assert names(company.admin) == sorted(c.name for c in customers.values())
    assert names(company.owner, grade=customers["own2"].grade_id) == ["张三的客户乙"]
    assert names(company.outsider, q="张三") == []


def test_the_export_is_recorded(company, customers):
    record = exports.export_start(actor=company.owner, filters={"grade": customers["own"].grade_id, "bogus": 1})
    record.refresh_from_db()
    assert (record.created_by, record.filters, record.row_count, record.state) == (
        company.owner, {"grade": customers["own"].grade_id}, 1, "done")
    assert record.created_at and record.finished_at and record.percentage == 100
    assert record.file_key == f"exports/{record.pk}/{imports.sanitize_file_name(record.file_name)}"
    assert record.file_name.startswith("客户档案-") and record.file_name.endswith(".xlsx")


def test_basic_fields_contacts_and_custom_fields_by_label(company, new_customer):
    buyer = new_customer(
        category="gf", name="购房人赵", region="south", grade="A", is_key_customer=True,
        trading_since=dt.date(2025, 5, 1), address="广州市天河区",
        contacts=[{"name": "赵一", "phone": "13800000001", "email": "zhao@x.cn", "position": "本人", "is_primary": True},
                  {"name": "钱二", "phone": "13800000002"}, {"name": "孙三"}, {"name": "李四", "phone": "020-12345678"}],
        custom_fields={"unit_no": "3-1-502", "payment_method": "商业贷款", "signing_date": "2026-03-08",
                       "buyer_id_number": "11010519491231002X"})
    record = exports.export_start(actor=company.owner, filters={"category": buyer.category_id})
    [row] = rows_of(record)
    assert row["档案编号"] == buyer.archive_number and row["客户名称"] == "购房人赵"
    assert (row["档案类别"], row["地区"], row["客户等级"], row["客户类型"]) == ("购房客户", "华南片区", "A 级", "个人")  # 购房客户 files default to 个人
    assert (row["重点客户"], row["与本公司交易时间"], row["地址"]) == ("是", dt.datetime(2025, 5, 1), "广州市天河区")
    assert (row["负责人（业务员）"], row["状态"], row["建档人"]) == (company.owner.email, "草稿", company.owner.email)
    assert (row["联系人"], row["电话"], row["电子邮箱"], row["职务"]) == ("赵一", "13800000001", "zhao@x.cn", "本人")
    assert (row["联系人2"], row["电话2"], row["联系人3"]) == ("钱二", "13800000002", "孙三")
    assert row["其他联系人"] == "李四 020-12345678"
    assert (row["房号"], row["付款方式"], row["签约日期"], row["买受人身份证号"]) == (
        "3-1-502", "商业贷款", "2026-03-08", "11010519491231002X")
    assert "车牌号" not in row  # another category's fields stay out of a one-category export


def test_a_large_export_runs_on_the_worker_with_progress(company, customers, monkeypatch, eager_tasks,
                                                         django_capture_on_commit_callbacks):
    monkeypatch.setattr(exports, "SYNC_EXPORT_MAX_ROWS", 1)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        record = exports.export_start(actor=company.admin)
        assert (record.state, record.total_rows, record.percentage) == ("pending", 4, 0)
    assert len(queued) == 1
    record.refresh_from_db()
    assert (record.state, record.row_count, record.processed_rows, record.percentage) == ("done", 4, 4, 100)
    assert len(rows_of(record)) == 4


def test_an_exported_file_imports_back_as_unchanged_updates(company, customers, new_customer, eager_tasks,
                                                            django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    new_customer(category="px", name="培训客户", custom_fields={"preferences": ["线上", "周末班"],
                                                              "course_history": "2025 年消防培训"})
    new_customer(category="jxs", name="授信客户", custom_fields={"credit_limit": "50000.00"})
    record = exports.export_start(actor=company.owner)
    data = b"".join(object_store().iter_chunks(record.file_key))
    job = imports.import_job_create(actor=company.owner, kind="customers",
                                    upload=SimpleUploadedFile("export.xlsx", data))
    mapped = {target for target in job.mapping.values() if target}
    assert {"archive_number", "name", "category", "grade", "region", "department", "owner", "contact_name",
            "contact_phone", "custom.preferences", "custom.credit_limit"} <= mapped
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_job_validate(actor=company.owner, job=job)
    job.refresh_from_db()
    assert (job.state, job.error_rows, job.ok_rows, job.updated_rows, job.created_rows) == ("validated", 0, 4, 0, 0)
    versions = dict(Customer.objects.values_list("pk", "version"))
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_job_apply(actor=company.owner, job=job)
    job.refresh_from_db()
    assert (job.state, job.error_rows, job.updated_rows, job.created_rows) == ("done", 0, 0, 0)
    assert dict(Customer.objects.values_list("pk", "version")) == versions


def test_text_that_looks_like_a_formula_is_exported_as_text(company, new_customer):
    new_customer(name="=HYPERLINK(\"http://evil.example\")")
    record = exports.export_start(actor=company.owner)
    data = b"".join(object_store().iter_chunks(record.file_key))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cell = sheet["B2"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"
    assert ExportRecord.objects.count() == 1


def test_a_custom_field_label_with_control_characters_still_exports(company, new_customer):
    """Labels are the company's text, stored as given; the file drops what XML cannot hold
    instead of the whole export failing."""
    from dangan.archives.models import ArchiveCategory
    from dangan.archives.services.configuration import field_define

    category = ArchiveCategory.objects.get(code="jxs")
    field_define(actor=company.admin, category=category, key="remark", label="备注\x01\x1f", field_type="text")
    new_customer(category="jxs", name="控制字符客户", custom_fields={"remark": "正常"})
    record = exports.export_start(actor=company.admin)
    record.refresh_from_db()
    assert record.state == ExportRecord.State.DONE, record.failure
    rows = rows_of(record)
    assert [row["备注"] for row in rows if row.get("客户名称") == "控制字符客户"] == ["正常"]


def test_decimal_custom_fields_are_numbers_in_the_sheet(company, new_customer):
    from decimal import Decimal

    new_customer(category="jxs", name="授信客户", custom_fields={"credit_limit": "50000.25"})
    record = exports.export_start(actor=company.owner)
    data = b"".join(object_store().iter_chunks(record.file_key))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=headers.index("授信额度（元）") + 1)
    assert cell.data_type == "n" and Decimal(str(cell.value)) == Decimal("50000.25")
