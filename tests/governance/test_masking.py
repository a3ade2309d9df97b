"""Sensitive personal information (R6): ID numbers, phones and bank accounts are masked wherever
customer data leaves the system — API, web pages, exports, traceability — unless the viewer's
role may see them (by default the custodian and the file's own salesperson). A value shown
masked and sent back unchanged never overwrites the real one."""
import io

import pytest
from django.db import connection
from openpyxl import load_workbook

from dangan.accounts import roles
from dangan.archives.models import CustomFieldDefinition, SalesLedgerEntry
from dangan.archives.services import exports
from dangan.archives.services.customers import customer_update
from dangan.documents.storage import object_store
from dangan.governance import masking
from dangan.governance.masking import Masker, mask
from dangan.governance.models import MaskingPolicy
from dangan.governance.services.masking import masking_policy_update
from dangan.platform.errors import ApplicationError
from tests.api.archives.conftest import api, other_company  # noqa: F401

ID_NUMBER = "110101199003071233"  # a valid GB 11643 number (check digit 3)
MOBILE = "13912345678"
BANK = "6222021234567890123"


def test_masked_values_keep_their_length_and_show_only_the_ends():
    assert mask(ID_NUMBER, masking.ID_NUMBER) == "110***********1233"
    assert mask("13812345678", masking.PHONE) == "138****5678"
    assert mask("010-12345678", masking.PHONE) == "010*****5678"
    assert mask(BANK, masking.ACCOUNT) == "6222***********0123"
    assert mask("1234", masking.PHONE) == "***4" and mask("12", masking.PHONE) == "**"
    assert mask("", masking.PHONE) == "" and mask(None, masking.PHONE) is None


def test_which_custom_fields_are_sensitive():
    assert masking.definition_kind("cn_id") == masking.ID_NUMBER
    assert masking.definition_kind("phone") == masking.PHONE
    # a tenant's own text fields named like an ID, account or phone number are covered too
    assert masking.definition_kind("text", "bank_account", "开户行账号") == masking.ACCOUNT
    assert masking.definition_kind("text", "passport", "证件号码") == masking.ID_NUMBER
    assert masking.definition_kind("text", "wechat", "手机（微信）") == masking.PHONE
    assert masking.definition_kind("text", "plate_no", "车牌号") is None
    assert masking.definition_kind("date", "signing_date", "签约日期") is None


@pytest.fixture
def individual(company, new_customer):
    """A private customer (category 个人) with an ID number, a mobile, a contact phone, a bank
    account in a company-defined text field, and a ledger row with the buyer's phone."""
    CustomFieldDefinition.objects.create(category_id=_category("gr"), key="bank_account", label="开户行账号",
                                         field_type="text", sort=9)
    customer = new_customer(category="gr", kind="individual", name="王先生",
                            custom_fields={"id_number": ID_NUMBER, "mobile": MOBILE, "bank_account": BANK})
    SalesLedgerEntry.objects.create(customer=customer, sale_date="2026-03-02", product_name="阿莫西林胶囊",
                                    product_batch="B2603", buyer_contact="13600001111", created_by=company.owner)
    return customer


def _category(code):
    from dangan.archives.models import ArchiveCategory

    return ArchiveCategory.objects.get(code=code).pk


def test_by_default_the_custodian_and_the_owner_see_clear_values_and_others_do_not(company, individual):
    assert Masker(company.custodian).sees_clear(individual) and Masker(company.owner).sees_clear(individual)
    for viewer in (company.supervisor, company.admin, company.colleague):
        assert not Masker(viewer).sees_clear(individual)
    # management may reveal (with a reason); administrators and plain salespeople may not
    assert Masker(company.supervisor).may_reveal(individual)
    assert not Masker(company.admin).may_reveal(individual) and not Masker(company.colleague).may_reveal(individual)


def test_the_api_masks_a_file_for_a_supervisor_and_not_for_its_owner(company, api, individual):
    masked = api(company.supervisor).get(f"/api/v1/customers/{individual.pk}/").json()
    assert masked["custom_fields"]["id_number"] == "110***********1233"
    assert masked["custom_fields"]["mobile"] == "139****5678"
    assert masked["custom_fields"]["bank_account"] == "6222***********0123"
    assert masked["contacts"][0]["phone"] == "138****5678" and masked["contacts"][0]["name"] == "王经理"
    clear = api(company.owner).get(f"/api/v1/customers/{individual.pk}/").json()
    assert clear["custom_fields"] == {"id_number": ID_NUMBER, "mobile": MOBILE, "bank_account": BANK}
    assert clear["contacts"][0]["phone"] == "13812345678"
    assert api(company.custodian).get(f"/api/v1/customers/{individual.pk}/").json()["contacts"][0]["phone"] == \
        "13812345678"


def test_history_ledger_and_change_outputs_are_masked_too(company, api, individual):
    customer_update(actor=company.owner, customer=individual, data={"custom_fields": {"mobile": "13700007777"}})
    client = api(company.supervisor)
    history = client.get(f"/api/v1/customers/{individual.pk}/history/").json()["results"]
    change = next(row for row in history if row["field"] == "custom_fields.mobile")
    assert (change["old_value"], change["new_value"]) == ("139****5678", "137****7777")
    ledger = client.get(f"/api/v1/customers/{individual.pk}/ledger/").json()["results"]
    assert ledger[0]["buyer_contact"] == "136****1111"
    entry = ledger[0]["id"]
    assert client.get(f"/api/v1/ledger/{entry}/").json()["buyer_contact"] == "136****1111"
    assert api(company.owner).get(f"/api/v1/ledger/{entry}/").json()["buyer_contact"] == "13600001111"


def test_traceability_masks_contacts_on_screen_and_in_the_spreadsheet(company, api, individual):
    client = api(company.supervisor)
    rows = client.get("/api/v1/traceability/", {"batch": "B2603"}).json()["results"]
    assert [contact["phone"] for contact in rows[0]["contacts"]] == ["138****5678"]
    sheet = load_workbook(io.BytesIO(b"".join(
        client.get("/api/v1/traceability/export.xlsx", {"batch": "B2603"}).streaming_content))).active
    header, row = list(sheet.iter_rows(values_only=True))[:2]
    assert dict(zip(header, row))["电话"] == "138****5678"
    owner_rows = api(company.owner).get("/api/v1/traceability/", {"batch": "B2603"}).json()["results"]
    assert owner_rows[0]["contacts"][0]["phone"] == "13812345678"


def test_postgresql_masks_a_phone_exactly_as_python_does(company):
    """masked_phone_sql (trace pages) against mask(…, PHONE), value by value: every length the
    rule distinguishes, text that is not digits, and characters beyond ASCII."""
    values = ["", "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678901", "138123456789012",
              "+86 138-1234-5678", "010-1234", "电话一二三四五六七八", "𝟙𝟚𝟛𝟜𝟝𝟞𝟟𝟠"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT v, {masking.masked_phone_sql('v')} FROM unnest(%s::text[]) AS t(v)", [values])
        in_sql = dict(cursor.fetchall())
        cursor.execute(f"SELECT {masking.masked_phone_sql('NULL::text')}")
        assert cursor.fetchone()[0] is None
    assert {value: in_sql[value] for value in values} == {value: mask(value, masking.PHONE) for value in values}


def test_trace_phones_follow_the_policy_as_it_changes(company, api, individual):
    """The trace page keeps its SQL per viewer (api/archives/traceability.py): a policy change
    shows on the next request all the same."""
    url = "/api/v1/traceability/"
    supervisor = api(company.supervisor)
    assert supervisor.get(url, {"batch": "B2603"}).json()["results"][0]["contacts"][0]["phone"] == "138****5678"
    masking_policy_update(actor=company.admin, clear_roles=[roles.CUSTODIAN, roles.SUPERVISOR],
                          owner_sees_clear=False)
    assert supervisor.get(url, {"batch": "B2603"}).json()["results"][0]["contacts"][0]["phone"] == "13812345678"
    assert api(company.owner).get(url, {"batch": "B2603"}).json()["results"][0]["contacts"][0]["phone"] == \
        "138****5678"


def _exported(actor, customer):
    record = exports.export_start(actor=actor, filters={"category": customer.category_id})
    data = b"".join(object_store().iter_chunks(record.file_key))
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return dict(zip(rows[0], rows[1]))


def test_an_export_holds_what_its_author_may_see(company, individual):
    masked = _exported(company.supervisor, individual)
    assert masked["身份证号"] == "110***********1233" and masked["手机"] == "139****5678"
    assert masked["开户行账号"] == "6222***********0123"
    assert "138****5678" in [value for value in masked.values() if isinstance(value, str)]
    clear = _exported(company.custodian, individual)
    assert clear["身份证号"] == ID_NUMBER and clear["开户行账号"] == BANK
    assert "13812345678" in [value for value in clear.values() if isinstance(value, str)]


def test_the_360_page_masks_for_a_supervisor_and_offers_a_reveal(company, tenant_client, individual):
    def page(user):
        client = tenant_client(company.tenant)
        client.force_login(user)
        return client.get(f"/customers/{individual.pk}/").content.decode()

    supervisor = page(company.supervisor)
    assert "110***********1233" in supervisor and "138****5678" in supervisor
    assert ID_NUMBER not in supervisor and "13812345678" not in supervisor and BANK not in supervisor
    assert "查看明文" in supervisor  # the reveal form
    owner = page(company.owner)
    assert ID_NUMBER in owner and "13812345678" in owner and "查看明文" not in owner
    assert "查看明文" not in page(company.admin)  # may not reveal: no form


def test_a_masked_value_sent_back_keeps_the_stored_one(company, api, individual):
    shown = api(company.supervisor).get(f"/api/v1/customers/{individual.pk}/").json()
    response = api(company.supervisor).patch(
        f"/api/v1/customers/{individual.pk}/", {"contacts": shown["contacts"], "custom_fields": shown["custom_fields"],
                                           "address": "北京市东城区"}, content_type="application/json")
    assert response.status_code == 200, response.content
    individual.refresh_from_db()
    assert individual.address == "北京市东城区"
    assert individual.contacts.get().phone == "13812345678"
    assert individual.custom_fields == {"id_number": ID_NUMBER, "mobile": MOBILE, "bank_account": BANK}


def test_the_web_edit_form_shows_masked_values_and_saving_keeps_the_real_ones(company, tenant_client, individual):
    client = tenant_client(company.tenant)
    client.force_login(company.supervisor)
    form = client.get(f"/customers/{individual.pk}/edit/").content.decode()
    assert "138****5678" in form and "13812345678" not in form and ID_NUMBER not in form
    response = client.post(f"/customers/{individual.pk}/edit/", {
        "name": "王先生", "kind": "individual", "version": individual.version,
        "region": individual.region_id, "grade": individual.grade_id, "department": individual.department_id,
        "cf_id_number": "110***********1233", "cf_mobile": "139****5678", "cf_bank_account": "6222***********0123",
        "address": "上海市", "contacts-TOTAL_FORMS": "1", "contacts-INITIAL_FORMS": "1",
        "contacts-0-name": "王经理", "contacts-0-phone": "138****5678", "contacts-0-is_primary": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    individual.refresh_from_db()
    assert individual.address == "上海市" and individual.contacts.get().phone == "13812345678"
    assert individual.custom_fields["id_number"] == ID_NUMBER and individual.custom_fields["bank_account"] == BANK


def test_the_company_decides_who_sees_clear_values(company, api, individual):
    masking_policy_update(actor=company.admin, clear_roles=[roles.CUSTODIAN, roles.SUPERVISOR],
                          owner_sees_clear=False)
    assert api(company.supervisor).get(f"/api/v1/customers/{individual.pk}/").json()["contacts"][0]["phone"] == \
        "13812345678"
    assert api(company.owner).get(f"/api/v1/customers/{individual.pk}/").json()["contacts"][0]["phone"] == "138****5678"
    with pytest.raises(ApplicationError) as caught:
        masking_policy_update(actor=company.admin, reveal_roles=["老板"])
    assert caught.value.code == "masking_role_unknown"
    with pytest.raises(ApplicationError) as caught:
        masking_policy_update(actor=company.supervisor, clear_roles=[roles.SUPERVISOR])
    assert caught.value.code == "permission_denied"


def test_the_policy_api_is_read_by_all_and_changed_by_administrators_only(company, api, other_company):
    response = api(company.owner).get("/api/v1/governance/masking-policy/")
    assert response.status_code == 200
    assert response.json()["clear_roles"] == [roles.CUSTODIAN] and response.json()["owner_sees_clear"] is True
    refused = api(company.supervisor).put("/api/v1/governance/masking-policy/", {"clear_roles": [roles.SUPERVISOR]},
                                          content_type="application/json")
    assert refused.status_code == 403
    changed = api(company.admin).put("/api/v1/governance/masking-policy/", {"reveal_roles": [roles.GENERAL_MANAGER]},
                                     content_type="application/json")
    assert changed.status_code == 200 and changed.json()["reveal_roles"] == [roles.GENERAL_MANAGER]
    assert MaskingPolicy.load().reveal_roles == [roles.GENERAL_MANAGER]
    # another company's administrator changes their own company's policy, never this one's
    assert other_company.put("/api/v1/governance/masking-policy/", {"reveal_roles": []},
                             content_type="application/json").status_code == 200
    connection.set_tenant(company.tenant)
    assert MaskingPolicy.load().reveal_roles == [roles.GENERAL_MANAGER]


def test_filtering_by_an_id_number_never_confirms_a_masked_value(company, individual):
    from dangan.archives.selectors import customer_list

    by_id = {"custom.id_number": ID_NUMBER}
    assert list(customer_list(user=company.owner, filters=by_id)) == [individual]  # sees it in clear
    assert list(customer_list(user=company.custodian, filters=by_id)) == [individual]
    assert not customer_list(user=company.supervisor, filters=by_id).exists()  # sees it masked
    assert list(customer_list(user=company.supervisor, filters={})) == [individual]  # the file itself is in view


def test_the_policy_is_read_as_the_orm_reads_it_and_made_when_missing(company):
    MaskingPolicy.load()  # made on first use
    assert MaskingPolicy.objects.filter(pk=1).update(clear_roles=[roles.CUSTODIAN, roles.OFFICE], owner_sees_clear=False) == 1
    loaded, expected = MaskingPolicy.load(), MaskingPolicy.objects.get(pk=1)
    assert [getattr(loaded, field.attname) for field in MaskingPolicy._meta.concrete_fields] == \
        [getattr(expected, field.attname) for field in MaskingPolicy._meta.concrete_fields]
    assert loaded.clear_roles == [roles.CUSTODIAN, roles.OFFICE] and loaded.owner_sees_clear is False
    assert not loaded._state.adding  # saved as an update, like the ORM's instance
    MaskingPolicy.objects.all().delete()
    made = MaskingPolicy.load()
    assert made.pk == 1 and made.clear_roles == MaskingPolicy().clear_roles
    assert MaskingPolicy.objects.count() == 1
