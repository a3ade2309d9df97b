"""Settings pages of document types, required-document checklists, update cadences, numbering
patterns and archive settings: administrators change them through the services (audited);
refusals show on the form and change nothing; nobody else — least of all another company —
reaches them; names with markup render as text."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from dangan.archives.models import ArchiveCategory, ArchiveSettings, CadenceRule, ClassificationTerm
from dangan.documents.models import Checklist, ChecklistItem, DocumentType
from dangan.governance.models import AuditEvent
from tests.web.conftest import SCRIPT, text_of

TYPES = "/settings/document-types/"
CHECKLISTS = "/settings/checklists/"
CADENCES = "/settings/cadences/"
NUMBERING = "/settings/numbering/"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def _gf() -> ArchiveCategory:
    return ArchiveCategory.objects.get(code="gf")


def _urls() -> list[str]:
    checklist = Checklist.objects.filter(category__code="gf").first()
    item = checklist.items.first()
    return [TYPES, f"{TYPES}{DocumentType.objects.get(code='contract').pk}/", CHECKLISTS,
            f"{CHECKLISTS}?category={_gf().pk}", f"{CHECKLISTS}{checklist.pk}/", f"/settings/checklist-items/{item.pk}/",
            CADENCES, f"{CADENCES}{CadenceRule.objects.first().pk}/", NUMBERING, f"{NUMBERING}{_gf().pk}/",
            f"{NUMBERING}{_gf().pk}/preview/?numbering_pattern=X-{{seq}}"]


def test_every_page_renders_for_an_administrator_and_is_in_the_menu(company, web):
    client = web(company.admin)
    for url in _urls():
        assert client.get(url).status_code == 200, url
    menu = text_of(client.get(TYPES))
    for url in (TYPES, CHECKLISTS, CADENCES, NUMBERING):
        assert f'href="{url}"' in menu
    assert 'aria-current="page">资料类型' in menu


@pytest.mark.parametrize("person", ["owner", "supervisor", "custodian"])
def test_other_people_of_the_company_are_refused_and_change_nothing(company, web, person):
    client = web(getattr(company, person))
    for url in _urls():
        assert client.get(url).status_code == 403, url
    checklist = Checklist.objects.filter(category__code="gf").first()
    item = checklist.items.first()
    rule = CadenceRule.objects.first()
    before = (DocumentType.objects.count(), Checklist.objects.count(), ChecklistItem.objects.filter(is_active=True).count(),
              CadenceRule.objects.count(), _gf().numbering_pattern, ArchiveSettings.load().creation_deadline_days)
    posts = [(f"{TYPES}new/", {"code": "spy", "name": "x", "default_original_or_copy": "copy", "sort": 0}),
             (f"/settings/categories/{_gf().pk}/checklists/", {"name": "x", "sort": 0}),
             (f"{CHECKLISTS}{checklist.pk}/items/", {"document_type": item.document_type_id, "copies": 1,
                                                     "original_or_copy": "copy", "sort": 0}),
             (f"/settings/checklist-items/{item.pk}/delete/", {}),
             (CADENCES + "new/", {"name": "x", "interval_days": 5, "is_key_customer": "true"}),
             (f"{CADENCES}{rule.pk}/delete/", {}),
             (f"{NUMBERING}{_gf().pk}/", {"numbering_pattern": "X-{seq}"}),
             (f"{NUMBERING}archive-settings/", {"creation_deadline_days": 1, "inactive_after_days": 5})]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    after = (DocumentType.objects.count(), Checklist.objects.count(), ChecklistItem.objects.filter(is_active=True).count(),
             CadenceRule.objects.count(), _gf().numbering_pattern, ArchiveSettings.load().creation_deadline_days)
    assert after == before


def test_another_companys_administrator_reaches_nothing(company, stranger):
    from django.db import connection

    urls = _urls()
    checklist = Checklist.objects.filter(category__code="gf").first()
    item = checklist.items.first()
    rule = CadenceRule.objects.first()
    events = AuditEvent.objects.count()
    for url in urls:
        response = stranger.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    stranger.post(f"{TYPES}new/", {"code": "spy", "name": "间谍", "default_original_or_copy": "copy", "sort": 0})
    stranger.post(f"/settings/checklist-items/{item.pk}/delete/")
    stranger.post(f"{CADENCES}{rule.pk}/delete/")
    stranger.post(f"{NUMBERING}{_gf().pk}/", {"numbering_pattern": "SPY-{seq}"})
    connection.set_tenant(company.tenant)
    assert not DocumentType.objects.filter(code="spy").exists()
    assert ChecklistItem.objects.get(pk=item.pk).is_active and CadenceRule.objects.filter(pk=rule.pk).exists()
    assert _gf().numbering_pattern != "SPY-{seq}" and AuditEvent.objects.count() == events


# --- document types ---------------------------------------------------------------------------------------

def test_document_types_are_created_and_edited(company, web):
    client = web(company.admin)
    response = client.post(f"{TYPES}new/", {"code": "bank_slip", "name": "银行回单", "description": "付款凭证",
                                            "default_original_or_copy": "original", "sort": 5})
    assert response.status_code == 302 and response["Location"] == TYPES
    created = DocumentType.objects.get(code="bank_slip")
    assert (created.name, created.default_original_or_copy, created.sort) == ("银行回单", "original", 5)
    assert "银行回单" in text_of(client.get(TYPES))
    edited = client.post(f"{TYPES}{created.pk}/", {"name": "银行回单（电子）", "description": "",
                                                   "default_original_or_copy": "copy", "sort": 6})
    assert edited.status_code == 302
    created.refresh_from_db()
    assert (created.name, created.default_original_or_copy, created.is_active, created.code) == (
        "银行回单（电子）", "copy", False, "bank_slip")  # the unticked box deactivates
    assert _actions()[-2:] == ["document_type.create", "document_type.update"]


def test_a_refused_document_type_shows_why_and_changes_nothing(company, web):
    client = web(company.admin)
    count, events = DocumentType.objects.count(), AuditEvent.objects.count()
    taken = client.post(f"{TYPES}new/", {"code": "contract", "name": "又一个合同", "default_original_or_copy": "copy",
                                         "sort": 0})
    assert taken.status_code == 400 and taken.context["form"].errors["code"]
    assert "资料类型代码“contract”已存在" in text_of(taken)
    not_a_slug = client.post(f"{TYPES}new/", {"code": "合同 2", "name": "x", "default_original_or_copy": "copy",
                                              "sort": 0})
    assert not_a_slug.status_code == 400 and not_a_slug.context["form"].errors["code"]
    contract = DocumentType.objects.get(code="contract")
    blank = client.post(f"{TYPES}{contract.pk}/", {"name": "", "default_original_or_copy": "copy", "sort": 0,
                                                   "is_active": "on"})
    assert blank.status_code == 400 and blank.context["form"].errors["name"]
    assert DocumentType.objects.count() == count and AuditEvent.objects.count() == events
    assert DocumentType.objects.get(code="contract").name == "合同"


def test_english_readers_get_the_service_message_in_english(company, web):
    client = web(company.admin)
    client.post("/i18n/setlang/", {"language": "en", "next": TYPES})
    taken = client.post(f"{TYPES}new/", {"code": "contract", "name": "x", "default_original_or_copy": "copy", "sort": 0})
    assert taken.status_code == 400 and "Document type code “contract” exists." in text_of(taken)
    page = text_of(client.get(f"{CHECKLISTS}?category={_gf().pk}"))
    assert "New checklist" in page and "“婚姻状况” equals “已婚”" in page  # field labels are the company's own


# --- checklists ----------------------------------------------------------------------------------------------

def test_a_checklist_with_a_condition_is_created_shown_in_words_and_edited(company, web):
    client = web(company.admin)
    gf = _gf()
    page = text_of(client.get(f"{CHECKLISTS}?category={gf.pk}"))
    assert "认购存档" in page and "“婚姻状况”等于“已婚”" in page  # the seeded item's condition, in words
    response = client.post(f"/settings/categories/{gf.pk}/checklists/", {
        "name": "按揭存档", "description": "贷款客户", "sort": 3, "condition_field": "payment_method",
        "condition_op": "in", "condition_value": "商业贷款，公积金贷款、组合贷款"})
    checklist = Checklist.objects.get(category=gf, name="按揭存档")
    assert response["Location"] == f"{CHECKLISTS}{checklist.pk}/"
    assert checklist.condition == {"field": "payment_method", "op": "in", "value": ["商业贷款", "公积金贷款", "组合贷款"]}
    shown = text_of(client.get(f"{CHECKLISTS}{checklist.pk}/"))
    assert "“付款方式”属于其中之一“商业贷款、公积金贷款、组合贷款”" in shown
    client.post(f"{CHECKLISTS}{checklist.pk}/", {"name": "按揭存档（签约后）", "description": "", "sort": 3,
                                                 "is_active": "on", "condition_field": "contract_no",
                                                 "condition_op": "set", "condition_value": "ignored"})
    checklist.refresh_from_db()
    assert (checklist.name, checklist.condition, checklist.is_active) == (
        "按揭存档（签约后）", {"field": "contract_no", "op": "set"}, True)
    client.post(f"{CHECKLISTS}{checklist.pk}/", {"name": "按揭存档（签约后）", "sort": 3, "is_active": "on",
                                                 "condition_field": ""})
    checklist.refresh_from_db()
    assert checklist.condition is None
    assert _actions()[-3:] == ["checklist.create", "checklist.update", "checklist.update"]


def test_an_invalid_condition_shows_the_services_message_and_creates_nothing(company, web):
    client = web(company.admin)
    gf = _gf()
    count, events = Checklist.objects.count(), AuditEvent.objects.count()
    response = client.post(f"/settings/categories/{gf.pk}/checklists/", {
        "name": "外星客户", "sort": 0, "condition_field": "marital_status", "condition_op": "eq",
        "condition_value": "外星"})
    assert response.status_code == 400
    assert response.context["form"].errors["condition_value"] == ["条件无效：“外星”不是字段选项。"]
    no_value = client.post(f"/settings/categories/{gf.pk}/checklists/", {
        "name": "缺值", "sort": 0, "condition_field": "unit_no", "condition_op": "eq", "condition_value": ""})
    assert no_value.status_code == 400 and "缺少比较值" in text_of(no_value)
    unknown_field = client.post(f"/settings/categories/{gf.pk}/checklists/", {
        "name": "x", "sort": 0, "condition_field": "plate_no", "condition_op": "eq", "condition_value": "1"})
    assert unknown_field.status_code == 400 and unknown_field.context["form"].errors["condition_field"]
    assert Checklist.objects.count() == count and AuditEvent.objects.count() == events


def test_items_are_added_edited_and_deleted(company, web):
    client = web(company.admin)
    checklist = Checklist.objects.get(category__code="gf", name="认购存档")
    invoice = DocumentType.objects.get(code="invoice")
    added = client.post(f"{CHECKLISTS}{checklist.pk}/items/", {
        "document_type": invoice.pk, "copies": 3, "original_or_copy": "either", "required": "on", "note": "购房发票",
        "sort": 9, "condition_field": "marital_status", "condition_op": "ne", "condition_value": "未婚"})
    assert added.status_code == 302
    item = ChecklistItem.objects.get(checklist=checklist, document_type=invoice)
    assert (item.copies, item.original_or_copy, item.required, item.condition) == (
        3, "either", True, {"field": "marital_status", "op": "ne", "value": "未婚"})
    assert "“婚姻状况”不等于“未婚”" in text_of(client.get(f"{CHECKLISTS}{checklist.pk}/"))
    client.post(f"/settings/checklist-items/{item.pk}/", {
        "document_type": invoice.pk, "copies": 2, "original_or_copy": "copy", "note": "", "sort": 9,
        "is_active": "on", "condition_field": ""})
    item.refresh_from_db()
    assert (item.copies, item.original_or_copy, item.required, item.condition) == (2, "copy", False, None)
    assert client.post(f"/settings/checklist-items/{item.pk}/delete/").status_code == 302
    item.refresh_from_db()
    assert not item.is_active
    assert "已删除" in text_of(client.get(f"{CHECKLISTS}{checklist.pk}/"))
    assert _actions()[-3:] == ["checklist_item.create", "checklist_item.update", "checklist_item.delete"]


def test_a_refused_item_changes_nothing(company, web):
    client = web(company.admin)
    checklist = Checklist.objects.get(category__code="gf", name="认购存档")
    item = checklist.items.get(document_type__code="receipt")
    count = checklist.items.count()
    zero = client.post(f"{CHECKLISTS}{checklist.pk}/items/", {
        "document_type": item.document_type_id, "copies": 0, "original_or_copy": "copy", "sort": 0})
    assert zero.status_code == 400 and zero.context["item_form"].errors["copies"]
    bad_value = client.post(f"/settings/checklist-items/{item.pk}/", {
        "document_type": item.document_type_id, "copies": 5, "original_or_copy": "copy", "sort": 0,
        "is_active": "on", "condition_field": "marital_status", "condition_op": "eq", "condition_value": "外星"})
    assert bad_value.status_code == 400 and "不是字段选项" in text_of(bad_value)
    item.refresh_from_db()
    assert checklist.items.count() == count and item.copies == 2 and item.condition is None


def test_a_boolean_condition_stores_the_value_a_file_holds(company, web, category_with_fields):
    client = web(company.admin)
    client.post(f"/settings/categories/{category_with_fields.pk}/checklists/", {
        "name": "已投保车辆", "sort": 0, "condition_field": "insured", "condition_op": "eq", "condition_value": "是"})
    checklist = Checklist.objects.get(name="已投保车辆")
    assert checklist.condition == {"field": "insured", "op": "eq", "value": True}
    assert "“已投保”等于“是”" in text_of(client.get(f"{CHECKLISTS}?category={category_with_fields.pk}"))


# --- update cadences ---------------------------------------------------------------------------------------

def test_cadence_rules_are_created_edited_and_deleted(company, web):
    client = web(company.admin)
    grade_b = ClassificationTerm.objects.get(scheme__code="grade", code="B")
    created = client.post(f"{CADENCES}new/", {"name": "B 级双月", "interval_days": 60, "is_key_customer": "",
                                              "grade": grade_b.pk, "category": ""})
    assert created.status_code == 302
    rule = CadenceRule.objects.get(name="B 级双月")
    assert (rule.interval_days, rule.grade, rule.is_key_customer, rule.category) == (60, grade_b, None, None)
    assert "客户等级：B 级" in text_of(client.get(CADENCES))
    client.post(f"{CADENCES}{rule.pk}/", {"name": "B 级经销商每月", "interval_days": 30, "is_key_customer": "false",
                                          "grade": grade_b.pk, "category": _gf().pk})
    rule.refresh_from_db()
    assert (rule.name, rule.interval_days, rule.is_key_customer, rule.category) == ("B 级经销商每月", 30, False, _gf())
    assert client.post(f"{CADENCES}{rule.pk}/delete/").status_code == 302
    assert not CadenceRule.objects.filter(pk=rule.pk).exists()
    assert _actions()[-3:] == ["cadence_rule.create", "cadence_rule.update", "cadence_rule.delete"]


def test_a_rule_for_everything_is_refused_on_the_form(company, web):
    client = web(company.admin)
    count = CadenceRule.objects.count()
    response = client.post(f"{CADENCES}new/", {"name": "全部", "interval_days": 30})
    assert response.status_code == 400 and "规则须指定适用范围" in text_of(response)
    assert response.context["form"].errors["interval_days"]
    too_long = client.post(f"{CADENCES}new/", {"name": "x", "interval_days": 99999, "is_key_customer": "true"})
    assert too_long.status_code == 400 and too_long.context["form"].errors["interval_days"]
    rule = CadenceRule.objects.first()
    cleared = client.post(f"{CADENCES}{rule.pk}/", {"name": rule.name, "interval_days": 7})
    assert cleared.status_code == 400 and "规则须指定适用范围" in text_of(cleared)
    rule.refresh_from_db()
    assert CadenceRule.objects.count() == count and rule.interval_days == 30 and rule.is_key_customer is True


# --- numbering and archive settings -----------------------------------------------------------------------

def test_the_numbering_page_shows_the_next_number_of_each_category(company, web, new_customer):
    year = dt.date.today().year
    client = web(company.admin)
    assert f"JXS-NORTH-{year}-00001" in text_of(client.get(NUMBERING))
    new_customer(region="north")
    assert f"JXS-NORTH-{year}-00002" in text_of(client.get(NUMBERING))
    preview = client.get(f"{NUMBERING}{ArchiveCategory.objects.get(code='jxs').pk}/preview/",
                         {"numbering_pattern": "{category}/{yy}{mm}/{seq:03}"}, HTTP_HX_REQUEST="true")
    assert f"JXS/{year % 100:02d}{dt.date.today().month:02d}/001" in text_of(preview)
    invalid = client.get(f"{NUMBERING}{_gf().pk}/preview/", {"numbering_pattern": "{oops}-{seq}"})
    assert "编号规则无效" in text_of(invalid) and "oops" in text_of(invalid)


def test_a_numbering_pattern_is_saved_or_refused(company, web):
    client = web(company.admin)
    gf = _gf()
    saved = client.post(f"{NUMBERING}{gf.pk}/", {"numbering_pattern": "GF-{yyyy}-{seq:04}"})
    assert saved.status_code == 302 and saved["Location"] == NUMBERING
    assert _gf().numbering_pattern == "GF-{yyyy}-{seq:04}" and _actions()[-1] == "category.update"
    events = AuditEvent.objects.count()
    refused = client.post(f"{NUMBERING}{gf.pk}/", {"numbering_pattern": "GF-{yyyy}"})
    assert refused.status_code == 400 and refused.context["form"].errors["numbering_pattern"]
    assert "必须且只能包含一个 {seq}" in text_of(refused)
    assert _gf().numbering_pattern == "GF-{yyyy}-{seq:04}" and AuditEvent.objects.count() == events


def test_archive_settings_are_saved_or_refused(company, web):
    client = web(company.admin)
    page = text_of(client.get(NUMBERING))
    assert re.search(r'<input type="checkbox" name="important_fields" value="credit_status"[^>]* checked>', page)
    assert not re.search(r'<input type="checkbox" name="important_fields" value="unit_no"[^>]* checked>', page)
    saved = client.post(f"{NUMBERING}archive-settings/", {
        "creation_deadline_days": 10, "inactive_after_days": 365, "important_fields": ["name", "unit_no"]})
    assert saved.status_code == 302
    stored = ArchiveSettings.load()
    assert (stored.creation_deadline_days, stored.inactive_after_days, stored.important_fields) == (
        10, 365, ["name", "unit_no"])
    assert _actions()[-1] == "archive_settings.update"
    refused = client.post(f"{NUMBERING}archive-settings/", {
        "creation_deadline_days": 0, "inactive_after_days": 365, "important_fields": ["not_a_field"]})
    assert refused.status_code == 400
    assert set(refused.context["form"].errors) == {"creation_deadline_days", "important_fields"}
    assert ArchiveSettings.load().creation_deadline_days == 10


# --- markup in names -----------------------------------------------------------------------------------------

def test_names_with_markup_render_as_text(company, web):
    from dangan.archives.services import configuration as config
    from dangan.documents.services import checklists
    from dangan.documents.services.documents import document_type_create

    admin = company.admin
    doc_type = document_type_create(actor=admin, code="xss", name=SCRIPT, description=SCRIPT)
    checklist = checklists.checklist_create(actor=admin, category=_gf(), name=SCRIPT, description=SCRIPT)
    item = checklists.checklist_item_create(actor=admin, checklist=checklist, document_type=doc_type, note=SCRIPT)
    rule = config.cadence_rule_create(actor=admin, name=SCRIPT, interval_days=10, is_key_customer=True)
    category = config.category_create(actor=admin, code="xss", name=SCRIPT)
    config.field_define(actor=admin, category=category, key="tag", label=SCRIPT, field_type="choice",
                        choices=[SCRIPT, "b"])
    checklists.checklist_create(actor=admin, category=category, name="c",
                                condition={"field": "tag", "op": "eq", "value": SCRIPT})
    client = web(admin)
    for url in (TYPES, f"{TYPES}{doc_type.pk}/", f"{CHECKLISTS}?category={_gf().pk}", f"{CHECKLISTS}{checklist.pk}/",
                f"/settings/checklist-items/{item.pk}/", CADENCES, f"{CADENCES}{rule.pk}/", NUMBERING,
                f"{NUMBERING}{category.pk}/", f"{CHECKLISTS}?category={category.pk}"):
        page = text_of(client.get(url))
        assert SCRIPT not in page, url
        assert ESCAPED in page or "&lt;script&gt;" in page, url
