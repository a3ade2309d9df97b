"""Role × operation matrix (R6): every operation of the company API's OpenAPI schema, called
by every role, against one company's data, with the outcome stated in EXPECTED below.

- The operations come from the live schema (`/api/schema/`): an operation missing from
  EXPECTED fails the test ("no gaps"), and so does an entry whose operation no longer exists.
- Roles: the nine of the catalogue (accounts/roles.py), a salesperson of another department,
  and another company's administrator presenting their session on this company's host.
- Outcomes: A = allowed (passed access control: 2xx, or an answer about the input or the state
  such as 400/409/415), F = refused (401/403), N = not visible (404: an invisible record looks
  unknown). A 5xx is always a failure.
- The data is built once for the module, inside one transaction; every request runs in a
  savepoint rolled back afterwards, so each sees the same data whatever ran before.

The target of per-file operations is a file of department sales1 owned by the salesperson;
the supervisor manages sales1, the department manager belongs to it; the other-department
user is a salesperson of sales2.
"""
from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import os
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test import Client

ROLES = ("salesperson", "supervisor", "department_manager", "custodian", "office", "deputy_manager",
         "general_manager", "auditor", "tenant_admin", "other_department", "other_tenant")
OUTCOMES = {"A": "allowed", "F": "refused (401/403)", "N": "not visible (404)"}
MISSING_ID = 2_000_000_000  # an id no row has: for objects the matrix cannot make cheaply


@dataclass(frozen=True)
class Op:
    """One operation of the schema: the outcome per role (one letter per role, in ROLES
    order), the object its path names (a key of the world's `ids`), and the body sent."""

    expect: str
    obj: str | None = None
    body: object = None  # a dict, `build(ids) -> dict`, or None: built from the schema (required fields)
    query: object = field(default_factory=dict)  # a dict, or `build(ids) -> dict`


def op(expect: str, obj: str | None = None, body=None, **kwargs) -> Op:
    letters = expect.replace(" ", "")
    assert len(letters) == len(ROLES) and set(letters) <= set(OUTCOMES), expect
    return Op(letters, obj, body, **kwargs)


# Common rows. Columns: salesperson, supervisor, department manager, custodian, office, deputy
# manager, general manager, auditor, tenant administrator | other department | other tenant.
EVERYONE = "AAAAAAAAA A F"
VISIBLE = "AAAAAAAAA N F"  # reads of the target file: the owner, the team, the company-wide roles
ADMIN = "FFFFFFFFA F F"
# Records of a file: its owner, the team, the custodian and administrators (not the other roles).
FILE_WRITERS = "AAAAFFFFA N F"
# Documents of a file: anyone who sees it except auditors (documents/services/_common.require_writer).
DOCUMENT_WRITERS = "AAAAAAAFA N F"
# Disposition lists, chain and destruction records (governance/selectors.DISPOSITION_READERS).
DISPOSITION_READERS = "FAFAAAAAA F F"
AUDITORS = "FFFFFFFAF F F"
# Writes open to everyone but auditors, who read what they audit (accounts/roles.is_read_only_auditor).
NOT_AUDITORS = "AAAAAAAFA A F"


def _ids(build):
    """A body that names rows of the world (`build(ids)`)."""
    return build


def _pdf():
    from tests.documents.helpers import pdf_bytes

    upload = io.BytesIO(pdf_bytes())
    upload.name = "合同.pdf"
    return upload


def _in_days(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


EXPECTED: dict[str, Op] = {
    # --- accounts ----------------------------------------------------------------------------
    "me": op(EVERYONE),
    # Signing in is open (the credentials are the body); the other company's session is irrelevant.
    "auth_token_obtain": op("AAAAAAAAA A A", body={"email": "nobody@x.cn", "password": "wrong"}),
    # --- archives: configuration ---------------------------------------------------------------
    "category_list": op(EVERYONE),
    "category_create": op(ADMIN, body={"code": "mx", "name": "矩阵类"}),
    "category_detail": op(EVERYONE, "category"),
    "category_update": op(ADMIN, "category", body={"name": "经销商档案"}),
    "custom_field_list": op(EVERYONE, "category"),
    "custom_field_create": op(ADMIN, "category", body={"key": "mx_field", "label": "矩阵字段", "field_type": "text"}),
    "custom_field_update": op(ADMIN, "field", body={"label": "新标签"}),
    "custom_field_deactivate": op(ADMIN, "field"),
    "scheme_list": op(EVERYONE),
    "scheme_create": op(ADMIN, body={"code": "mx", "name": "矩阵分类"}),
    "term_create": op(ADMIN, body={"code": "mx", "name": "矩阵"}),
    "term_update": op(ADMIN, "term", body={"name": "新名称"}),
    "department_list": op(EVERYONE),
    "department_create": op(ADMIN, body={"code": "mx", "name": "矩阵部"}),
    "department_set_members": op(ADMIN, "department", body=_ids(lambda ids: {"members": [ids["user"]]})),
    "cadence_rule_list": op(EVERYONE),
    "cadence_rule_create": op(ADMIN, body={"name": "矩阵周期", "interval_days": 30}),
    "archive_settings": op(EVERYONE),
    "archive_settings_update": op(ADMIN, body={"creation_deadline_days": 7}),
    "volume_list": op(EVERYONE),
    "volume_create": op("FFFAFFFFA F F", body={"code": "V-MX", "name": "矩阵册"}),
    # Other department: 400, the file named is unknown to them (an invisible id reads as no such id).
    "volume_assign": op("FFFAFFFFA A F", "volume", body=_ids(lambda ids: {"customers": [ids["filed"]]})),
    "notification_list": op(EVERYONE),
    "notification_read": op("ANNNNNNNN N F", "notification"),
    "notification_read_all": op(EVERYONE),
    # --- archives: files and their life cycle --------------------------------------------------
    "customer_list": op(EVERYONE),
    # Anyone but an auditor may open a file; it is theirs, in the department named.
    "customer_create": op(NOT_AUDITORS, body=_ids(lambda ids: {"name": "矩阵药店", "category": "jxs",
                                                                  "department": ids["department"]})),
    "customer_detail": op(VISIBLE, "draft"),
    "customer_update": op(FILE_WRITERS, "draft", body={"name": "北京同仁堂大药房"}),
    "customer_history": op(VISIBLE, "draft"),
    "customer_submit": op("AFFFFFFFF N F", "draft"),  # the owner alone
    "customer_approve": op("FAAFFFFFA N F", "submitted"),
    "customer_return": op("FAAFFFFFA N F", "submitted", body={"reason": "请补充资料"}),
    "customer_file": op("FFFAFFFFF N F", "approved"),
    "customer_review": op("AFFAFFFFA N F", "filed"),
    "customer_archive": op("FFFAFFFFA N F", "filed", body={"reason": "长期不活跃"}),
    "customer_reactivate": op("FFFAFFFFA N F", "archived"),
    "change_request_list": op(EVERYONE),
    "change_request_approve": op("FAAFFFFFA N F", "change_request"),
    "change_request_reject": op("FAAFFFFFA N F", "change_request", body={"reason": "不同意"}),
    # --- archives: what hangs off a file -------------------------------------------------------
    "ledger_list": op(VISIBLE, "draft"),
    "ledger_create": op(FILE_WRITERS, "draft", body={"sale_date": "2026-03-02", "product_name": "阿莫西林胶囊",
                                                      "quantity": "1"}),
    "ledger_detail": op(VISIBLE, "ledger"),
    "ledger_update": op(FILE_WRITERS, "ledger", body={"quantity": "2"}),
    "ledger_delete": op(FILE_WRITERS, "ledger"),
    "voucher_list": op(VISIBLE, "draft"),
    "voucher_create": op(FILE_WRITERS, "draft", body={"number": "XS-2", "issued_on": "2026-03-02"}),
    "voucher_copy_update": op(FILE_WRITERS, "voucher_copy", body={"received": True}),
    "communication_list": op(VISIBLE, "draft"),
    "communication_create": op(FILE_WRITERS, "draft", body={"summary": "电话回访"}),
    "service_record_list": op(VISIBLE, "draft"),
    "service_record_create": op(FILE_WRITERS, "draft", body={"served_on": "2026-03-02", "kind": "培训",
                                                              "description": "上门培训"}),
    "complaint_list": op(VISIBLE, "draft"),
    "complaint_create": op(FILE_WRITERS, "draft", body={"subject": "包装破损", "description": "两箱"}),
    "complaint_transition": op(FILE_WRITERS, "complaint", body={"to": "handling"}),
    "survey_list": op(VISIBLE, "draft"),
    "survey_create": op(FILE_WRITERS, "draft", body={"surveyed_on": "2026-03-02", "score": 4}),
    "traceability": op(EVERYONE, query={"batch": "B2603"}),
    "traceability_export": op(EVERYONE, query={"batch": "B2603"}),
    # --- archives: imports and exports ---------------------------------------------------------
    "import_target_list": op(EVERYONE),
    "import_upload": op(NOT_AUDITORS),  # the import then creates files as its uploader
    "import_job_detail": op("ANNNNNNNA N F", "import"),
    "import_validate": op("ANNNNNNNA N F", "import"),
    "import_apply": op("ANNNNNNNA N F", "import"),
    "import_error_report": op("ANNNNNNNA N F", "import"),
    "export_start": op(EVERYONE, body={}),
    "export_detail": op("ANNNNNNNA N F", "export"),
    "export_download": op("ANNNNNNNA N F", "export"),
    # --- documents -----------------------------------------------------------------------------
    "document_type_list": op(EVERYONE),
    "document_type_create": op("FFFAFFFFA F F", body={"code": "mx", "name": "矩阵资料"}),
    "document_type_update": op("FFFAFFFFA F F", "document_type", body={"name": "新名称"}),
    "checklist_list": op(EVERYONE),
    "checklist_create": op("FFFAFFFFA F F", body=_ids(lambda ids: {"category": ids["category"], "name": "矩阵清单"})),
    "checklist_update": op("FFFAFFFFA F F", "checklist", body={"name": "新名称"}),
    "checklist_item_create": op("FFFAFFFFA F F", "checklist",
                                body=_ids(lambda ids: {"document_type": ids["document_type"]})),
    "checklist_item_update": op("FFFAFFFFA F F", "checklist_item", body={"copies": 2}),
    "checklist_item_delete": op("FFFAFFFFA F F", "checklist_item"),
    "customer_completeness": op(VISIBLE, "draft"),
    "voucher_missing_scans": op(EVERYONE),
    "location_list": op(EVERYONE),
    "location_create": op("FFFAFFFFA F F", body={"kind": "cabinet", "code": "B-01", "name": "二号柜"}),
    "location_update": op("FFFAFFFFA F F", "location", body={"name": "新名称"}),
    "location_delete": op("FFFAFFFFA F F", "location"),
    "customer_paper_location_set": op(DOCUMENT_WRITERS, "draft", body=_ids(lambda ids: {"location": ids["location"]})),
    "customer_label_pdf": op(VISIBLE, "draft"),
    "label_sheet_pdf": op(VISIBLE, query=_ids(lambda ids: {"customers": str(ids["draft"])})),
    "customer_document_list": op(VISIBLE, "draft"),
    "document_search": op(EVERYONE, query={"q": "合同"}),
    "document_detail": op(VISIBLE, "document"),
    "document_update": op(DOCUMENT_WRITERS, "document", body={"title": "购销合同"}),
    "document_delete": op("FFFAFFFFA N F", "document", body={"reason": "重复上传"}),  # custodians, administrators
    "document_download_records": op(VISIBLE, "document"),
    "document_version_detail": op(VISIBLE, "version"),
    "document_upload_start": op(DOCUMENT_WRITERS, "draft", body=_ids(lambda ids: {
        "filename": "合同.pdf", "size": 10, "sha256": "1" * 64, "document_type": ids["document_type"]})),
    "document_version_upload_start": op(DOCUMENT_WRITERS, "document",
                                        body={"filename": "合同.pdf", "size": 10, "sha256": "2" * 64}),
    "document_upload_complete": op(DOCUMENT_WRITERS, "version"),  # 409 for writers: no bytes were uploaded
    # only the salesperson who started the upload; other writers who see the file get 403
    "document_upload_abandon": op("AFFFFFFFF N F", "version"),
    "document_upload_proxied": op(DOCUMENT_WRITERS, "draft",
                                  body=_ids(lambda ids: {"file": _pdf(), "document_type": ids["document_type"]})),
    "document_version_upload_proxied": op(DOCUMENT_WRITERS, "document", body=_ids(lambda ids: {"file": _pdf()})),
    "document_version_download": op(VISIBLE, "version"),
    "document_version_thumbnail": op(VISIBLE, "version"),
    "document_upload_limits": op(EVERYONE),
    # --- governance: audit, query log, masking ---------------------------------------------------
    "audit_event_list": op(AUDITORS),
    "audit_verify": op(AUDITORS),
    "access_log_list": op(AUDITORS),
    "access_log_export": op(AUDITORS),
    # sensitive values (governance/masking.py): management and the file's keepers reveal, with a
    # reason; auditors and administrators see masked values and may not reveal them
    "customer_reveal": op("AAAAAAAFF N F", "draft", body={"field": "contacts.0.phone", "reason": "核对"}),
    "masking_policy_detail": op(EVERYONE),
    "masking_policy_update": op(ADMIN, body={"owner_sees_clear": True}),
    # --- governance: borrowing, confidentiality, pick-ups ----------------------------------------
    "loan_list": op(EVERYONE),
    "loan_request": op(VISIBLE, body=_ids(lambda ids: {
        "customer": ids["draft"], "medium": "electronic", "purpose": "核对合同", "due_date": _in_days(7)})),
    "loan_detail": op("NNNNNNNNN N F", "missing"),
    "loan_approve": op("NNNNNNNNN N F", "missing"),
    "loan_reject": op("NNNNNNNNN N F", "missing"),
    "loan_cancel": op("NNNNNNNNN N F", "missing"),
    "loan_lend": op("NNNNNNNNN N F", "missing"),
    "loan_return": op("NNNNNNNNN N F", "missing"),
    "borrowing_policy": op(EVERYONE),
    "borrowing_policy_set": op(ADMIN),
    "confidentiality_levels": op(EVERYONE),
    "confidentiality_level_create": op(ADMIN, body={"code": "mx", "name": "矩阵级", "rank": 40}),
    "confidentiality_level_update": op(ADMIN, "level", body={"name": "内部资料"}),
    "confidentiality_level_delete": op(ADMIN, "level"),
    "confidentiality_policy": op(EVERYONE),
    "confidentiality_policy_set": op(ADMIN),
    # Custodians and administrators classify files and documents (of files they can see).
    "customer_confidentiality_set": op("FFFAFFFFA N F", "draft", body={"level": "internal", "reason": "内部资料"}),
    "document_confidentiality_set": op("FFFAFFFFA N F", "document", body={"level": "internal", "reason": "内部资料"}),
    "user_clearance_set": op(ADMIN, "user", body={"level": "internal", "reason": "岗位需要"}),
    "classified_file_list": op(EVERYONE),
    "access_request_list": op(EVERYONE),
    # The target file is not classified: 400 for those who see it, 404 for those who do not.
    "access_request_create": op(VISIBLE),
    "access_request_approve": op("NNNNNNNNN N F", "missing"),
    "access_request_reject": op("NNNNNNNNN N F", "missing", body={"reason": "不同意"}),
    "access_grant_list": op(EVERYONE),
    "access_grant_revoke": op("NNNNNNNNN N F", "missing", body={"reason": "已结束"}),
    "document_page_image": op(VISIBLE, "version"),
    "pickup_list": op("FFFAFFFAA F F"),
    "pickup_record": op("FFFAFFFFA N F"),  # the file named is looked up first: unknown to other departments
    "pickup_detail": op("FFFNFFFNN F F", "missing"),  # readers only (custodians, auditors, administrators)
    "pickup_signature": op("FFFNFFFNN F F", "missing"),
    "pickup_export": op("FFFAFFFAA F F"),
    # --- governance: retention and disposition -------------------------------------------------
    "retention_rule_list": op(EVERYONE),
    "retention_rule_save": op(ADMIN),
    "customer_retention": op(VISIBLE, "filed"),
    "legal_hold_set": op("FFFFFAAAA N F", "filed", body={"reason": "诉讼中"}),
    # Released by deputy and general managers and administrators — not by auditors, who may set one.
    "legal_hold_release": op("FFFFFAAFA N F", "hold", body={"reason": "诉讼结束"}),
    "disposition_chain": op(DISPOSITION_READERS),
    "disposition_chain_set": op(ADMIN, body={"steps": [{"role": "主管", "label": "主管审核"}]}),
    "disposition_batch_list": op(DISPOSITION_READERS),
    "disposition_batch_detail": op(DISPOSITION_READERS, "batch"),
    "disposition_sweep": op("FFFAFFFFA F F"),
    "disposition_batch_submit": op("FFFAFFFFA F F", "batch"),
    "disposition_batch_approve": op("FAFFFFFFF F F", "batch", body={"step": 0}),
    "disposition_batch_reject": op("FAFFFFFFF F F", "batch", body={"step": 0, "reason": "再核对"}),
    "disposition_item_exclude": op("FFFAFFFFA F F", "item", body={"reason": "仍在合作"}),
    "destruction_record_list": op(DISPOSITION_READERS),
    "destruction_certificate": op("FNFNNNNNN F F", "missing"),
    # --- integrations: API keys ------------------------------------------------------------------
    "api_key_list": op(ADMIN),
    "api_key_create": op(ADMIN, body={"name": "矩阵", "scopes": ["read"]}),
    "api_key_detail": op(ADMIN, "api_key"),
    "api_key_revoke": op(ADMIN, "api_key"),
}


# --- the company and its data, built once --------------------------------------------------------

_SEQUENCE = itertools.count(1)


def _signup(name: str):
    from dangan.tenants.models import Plan
    from dangan.tenants.services import tenant_signup
    from tests.factories import SignupData

    token = f"mx{next(_SEQUENCE)}-{os.getpid() % 100000}"
    data = SignupData.build(slug=token, company_name=name, admin_email=f"admin@{token}.example.com")
    tenant = tenant_signup(**data)
    # A thousand-odd requests in one run: the plan's daily API quota must not be what answers.
    Plan.objects.filter(pk=tenant.plan_id).update(max_api_calls_per_day=10**9)
    return tenant


def _build_company():
    from django.contrib.auth.models import Group

    from dangan.accounts import roles
    from dangan.accounts.models import User
    from dangan.archives.models import Department

    connection.set_schema_to_public()
    tenant = _signup("矩阵医药有限公司")
    connection.set_tenant(tenant)

    def person(email, name, *role_names):
        user = User.objects.create_user(email=email, password="pw-Matrix-2026", full_name=name)
        user.groups.set(Group.objects.filter(name__in=role_names))
        return user

    sales1, sales2 = Department.objects.get(code="sales1"), Department.objects.get(code="sales2")
    people = SimpleNamespace(
        salesperson=person("sales@x.cn", "张业务", roles.SALESPERSON),
        supervisor=person("chief@x.cn", "赵主管", roles.SUPERVISOR),
        department_manager=person("manager@x.cn", "钱经理", roles.DEPARTMENT_MANAGER),
        custodian=person("keeper@x.cn", "孙档案", roles.CUSTODIAN),
        office=person("office@x.cn", "李办公室", roles.OFFICE),
        deputy_manager=person("deputy@x.cn", "周副总", roles.DEPUTY_MANAGER),
        general_manager=person("gm@x.cn", "吴总", roles.GENERAL_MANAGER),
        auditor=person("audit@x.cn", "郑审计", roles.AUDITOR),
        tenant_admin=User.objects.get(email=tenant.admin_email),
        other_department=person("far@x.cn", "王外部", roles.SALESPERSON),
    )
    sales1.members.set([people.salesperson, people.supervisor, people.department_manager])
    sales1.manager = people.supervisor
    sales1.save()
    sales2.members.set([people.other_department])
    return tenant, people, _build_data(people, sales1)


def _build_data(people, sales1) -> dict:
    """One of everything the API names by id, on files of sales1 owned by the salesperson."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from dangan.archives.models import (
        ArchiveCategory, ArchiveVolume, ClassificationTerm, CustomFieldDefinition, Customer, Notification,
    )
    from dangan.archives.services import exports, imports, lifecycle, records
    from dangan.archives.services.customers import customer_create, customer_update
    from dangan.governance.models import ConfidentialityLevel, DispositionBatch
    from dangan.governance.services import disposition, retention
    from dangan.integrations import services as integrations

    owner, admin = people.salesperson, people.tenant_admin

    def new_customer(name, **extra):
        data = {"category": "jxs", "name": name, "region": "east", "grade": "A", "department": sales1.pk,
                "contacts": [{"name": "王经理", "phone": "13812345678", "email": "wang@trt.cn", "position": "店长"}]}
        data.update(extra)
        return customer_create(actor=owner, **data)

    def filed(name, years_ago=0):
        customer = new_customer(name)
        lifecycle.customer_submit(actor=owner, customer=customer)
        lifecycle.customer_approve(actor=people.supervisor, customer=customer)
        lifecycle.customer_file(actor=people.custodian, customer=customer)
        if years_ago:
            Customer.objects.filter(pk=customer.pk).update(filed_at=timezone.now() - dt.timedelta(days=366 * years_ago))
            retention.retention_recompute(customer=Customer.objects.get(pk=customer.pk))
        return Customer.objects.get(pk=customer.pk)

    draft = new_customer("北京同仁堂药店")
    submitted = new_customer("上海华氏大药房")
    lifecycle.customer_submit(actor=owner, customer=submitted)
    approved = new_customer("天津达仁堂药店")
    lifecycle.customer_submit(actor=owner, customer=approved)
    lifecycle.customer_approve(actor=people.supervisor, customer=approved)
    archived = filed("重庆桐君阁药店")
    lifecycle.customer_archive(actor=people.custodian, customer=archived, reason="长期不活跃")
    filed_file = filed("广州健民药店")
    _, change_request = customer_update(actor=owner, customer=filed_file, data={"name": "广州健民大药房"},
                                        reason="更名")
    entry = records.ledger_entry_create(actor=owner, customer=draft, sale_date="2026-03-02", product_name="阿莫西林胶囊",
                                        item_number="AMX-24", product_batch="B2603", quantity="12")
    voucher = records.voucher_create(actor=owner, customer=draft, number="XS-1", issued_on="2026-03-02",
                                     ledger_entry=entry)
    complaint = records.complaint_create(actor=owner, customer=draft, subject="包装破损", description="破损两箱")
    notification = Notification.objects.create(recipient=owner, kind="review_overdue", customer=draft, message="请更新")
    volume = ArchiveVolume.objects.create(code="V-2026-01", name="2026 第一册")
    expired = filed("深圳老药店", years_ago=6)
    disposition.disposition_sweep()
    batch = disposition.disposition_batch_submit(actor=people.custodian, batch=DispositionBatch.objects.get())
    hold = retention.legal_hold_set(actor=admin, customer=filed_file, reason="诉讼中")
    api_key, _ = integrations.api_key_create(actor=admin, name="ERP", scopes=["read"])
    export = exports.export_start(actor=owner, filters={})
    job = imports.import_job_create(actor=owner, kind="customers",
                                    upload=ContentFile("客户名称,类别\n测试药店,jxs\n".encode(), name="c.csv"))
    ids = {
        "draft": draft.pk, "submitted": submitted.pk, "approved": approved.pk, "filed": filed_file.pk,
        "archived": archived.pk, "expired": expired.pk, "user": owner.pk,
        "change_request": change_request.pk, "ledger": entry.pk, "voucher_copy": _voucher_copy(voucher),
        "complaint": complaint.pk, "notification": notification.pk, "volume": volume.pk,
        "category": ArchiveCategory.objects.get(code="jxs").pk,
        "field": CustomFieldDefinition.objects.order_by("pk").values_list("pk", flat=True).first() or MISSING_ID,
        "term": ClassificationTerm.objects.order_by("pk").values_list("pk", flat=True).first(),
        "department": sales1.pk, "batch": batch.pk, "item": batch.items.get().pk, "hold": hold.pk,
        "api_key": api_key.pk, "export": export.pk, "import": job.pk, "missing": MISSING_ID,
        "level": ConfidentialityLevel.objects.get(code="internal").pk,
    }
    ids.update(_documents(people, draft))
    return ids


def _voucher_copy(voucher) -> int:
    copy = voucher.copies.order_by("pk").first() if hasattr(voucher, "copies") else None
    return copy.pk if copy is not None else MISSING_ID


def _documents(people, customer) -> dict:
    """A document of the target file with a version awaiting its bytes, a paper location, a
    checklist and a document type."""
    from dangan.documents.models import Checklist, DocumentType, PhysicalLocation
    from dangan.documents.services import locations, uploads

    instructions = uploads.upload_start(actor=people.salesperson, filename="合同.pdf", size=10, sha256="0" * 64,
                                        customer=customer,
                                        document_fields={"document_type": DocumentType.objects.order_by("pk").first().pk})
    version = getattr(instructions, "version", None)
    location = locations.location_create(actor=people.tenant_admin, kind=PhysicalLocation.Kind.values[0],
                                         code="A-01", name="一号柜")
    checklist = Checklist.objects.order_by("pk").first()
    return {"document": version.document_id if version else MISSING_ID, "version": version.pk if version else MISSING_ID,
            "location": location.pk, "checklist": checklist.pk if checklist else MISSING_ID,
            "checklist_item": (checklist.items.order_by("pk").first().pk if checklist and checklist.items.exists()
                               else MISSING_ID),
            "document_type": DocumentType.objects.order_by("pk").first().pk}


@pytest.fixture(scope="module")
def world(test_database, django_db_blocker):
    """The company (and another one), built once; everything is rolled back at the end."""
    from dangan.tenants.services import tenant_host

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            tenant, people, ids = _build_company()
            host = tenant_host(tenant.slug)
            clients = {}
            for role in ROLES[:-1]:
                connection.set_tenant(tenant)
                client = Client(HTTP_HOST=host, raise_request_exception=False)
                client.force_login(getattr(people, role))
                clients[role] = client
            # Another company's administrator, with their own session cookie, on this company's host.
            connection.set_schema_to_public()
            other = _signup("另一家公司")
            connection.set_tenant(other)
            from dangan.accounts.models import User

            own = Client(HTTP_HOST=tenant_host(other.slug))
            own.force_login(User.objects.get(email=other.admin_email))
            stranger = Client(HTTP_HOST=host, raise_request_exception=False)
            stranger.cookies = own.cookies
            clients["other_tenant"] = stranger
            connection.set_tenant(tenant)
            schema = clients["tenant_admin"].get("/api/schema/", {"format": "json"})
            assert schema.status_code == 200, schema.content[:500]
            yield SimpleNamespace(tenant=tenant, people=people, ids=ids, clients=clients,
                                  schema=json.loads(schema.content))
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _database(django_db_blocker):
    with django_db_blocker.unblock():
        yield


# --- requests ------------------------------------------------------------------------------------

METHODS = ("get", "post", "put", "patch", "delete")


def operations(schema: dict) -> dict[str, tuple[str, str, dict]]:
    """operationId → (method, path template, operation) of every operation in the schema."""
    found = {}
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                found[item[method]["operationId"]] = (method, path, item[method])
    return found


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def example(schema: dict, node: dict, ids: dict, name: str = ""):
    """A value the schema accepts: required properties only, ids taken from the world."""
    node = _resolve(schema, node)
    for combinator in ("allOf", "oneOf", "anyOf"):
        if combinator in node:
            return example(schema, node[combinator][0], ids, name)
    if "enum" in node:
        return next(value for value in node["enum"] if value not in (None, ""))
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        return {key: example(schema, props[key], ids, key) for key in node.get("required", []) if key in props}
    if kind == "array":
        count = node.get("minItems", 0)
        return [example(schema, node.get("items", {}), ids, name) for _ in range(count)]
    if kind == "integer":
        known = {"ledger_entry": "ledger", "owner": None, "department": "department", "volume": "volume",
                 "location": "location", "document_type": "document_type", "customer": "draft",
                 "checklist_item": "checklist_item", "category": "category"}
        if name in known and known[name]:
            return ids[known[name]]
        return max(node.get("minimum", 1), 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    fmt = node.get("format")
    if fmt == "date":
        return "2026-03-02"
    if fmt == "date-time":
        return "2026-03-02T10:00:00+08:00"
    if fmt == "email":
        return "matrix@x.cn"
    if fmt in ("uri", "url"):
        return "https://x.cn/"
    if fmt == "decimal":
        return "1.00"
    if fmt == "binary":
        return None
    text = "矩阵测试"
    return text[: node.get("maxLength", len(text))] or "x"


def request_for(world, op_id: str, spec: Op):
    method, template, operation = world.operations[op_id]
    ids = world.ids
    path = template
    if "{id}" in path:
        assert spec.obj, f"{op_id}: EXPECTED must name the object of {template}"
        path = path.replace("{id}", str(ids[spec.obj]))
    path = path.replace("{code}", "grade")
    path = re.sub(r"\{(\w+)\}", lambda match: str(ids.get(match.group(1), 1)), path)
    kwargs: dict = {}
    content = operation.get("requestBody", {}).get("content", {})
    body = spec.body(ids) if callable(spec.body) else spec.body
    if method == "get":
        kwargs["data"] = spec.query(ids) if callable(spec.query) else spec.query
    elif method == "delete":
        pass
    elif "application/json" in content or not content:
        if body is None and content:
            body = example(world.schema, content["application/json"]["schema"], ids)
        kwargs.update(data=json.dumps(body or {}), content_type="application/json")
    else:  # multipart: a small file in every binary field
        body = dict(body or example(world.schema, next(iter(content.values()))["schema"], ids))
        for key, value in list(body.items()):
            if value is None:
                body[key] = io.BytesIO("客户名称\n测试药店\n".encode())
                body[key].name = "upload.csv"
        kwargs["data"] = body
    return method, path, kwargs


def outcome(response) -> str:
    if response.status_code >= 500:
        return f"E{response.status_code}"
    if response.status_code == 404:
        return "N"
    if response.status_code in (401, 403):
        return "F"
    return "A"


def call(world, role: str, op_id: str) -> tuple[str, object]:
    method, path, kwargs = request_for(world, op_id, EXPECTED[op_id])
    client = world.clients[role]
    with transaction.atomic():
        connection.set_tenant(world.tenant)
        response = getattr(client, method)(path, **kwargs)
        transaction.set_rollback(True)
    connection.set_tenant(world.tenant)
    return outcome(response), response


def _detail(response) -> str:
    try:
        return json.loads(response.content).get("error", {}).get("code", "")
    except (ValueError, AttributeError):
        return response.content[:80].decode(errors="replace")


# --- the tests -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def schema_operations(world):
    world.operations = operations(world.schema)
    return world.operations


def test_every_operation_of_the_schema_has_an_expectation(world, schema_operations):
    missing = sorted(set(schema_operations) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(schema_operations))
    assert len(schema_operations) > 100  # the company API has well over a hundred: a shrunken schema fails too
    assert not missing, "operations without an expected outcome per role:\n" + "\n".join(
        f"{name}: {schema_operations[name][0].upper()} {schema_operations[name][1]}" for name in missing)
    assert not stale, f"expectations for operations that no longer exist: {stale}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_outcome_of_every_operation(world, schema_operations, role):
    index = ROLES.index(role)
    wrong = []
    for op_id in sorted(set(schema_operations) & set(EXPECTED)):
        expected = EXPECTED[op_id].expect[index]
        actual, response = call(world, role, op_id)
        if actual != expected:
            method, path, _ = request_for(world, op_id, EXPECTED[op_id])
            wrong.append(f"{op_id} ({method.upper()} {path}): expected {expected}, got {actual} "
                         f"{response.status_code} {_detail(response)}")
    assert not wrong, f"{role}: {len(wrong)} unexpected outcomes:\n" + "\n".join(wrong)
