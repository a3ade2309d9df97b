"""Create and edit forms: generated from the category's custom fields, contacts as a formset,
the service's field errors shown on the right inputs, change requests for filed files."""
from dangan.archives.models import ArchiveCategory, ChangeRequest, Customer
from dangan.archives.services import configuration as config
from dangan.archives.services import lifecycle
from tests.web.conftest import text_of


def contacts(*rows, total=None, initial=0) -> dict:
    data = {"contacts-TOTAL_FORMS": str(total or len(rows)), "contacts-INITIAL_FORMS": str(initial),
            "contacts-MIN_NUM_FORMS": "0", "contacts-MAX_NUM_FORMS": "50"}
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"contacts-{index}-{key}"] = value
    return data


def form_data(category, **values) -> dict:
    data = {"category": category.pk, "name": "车主王先生", "kind": "individual"}
    if not any(key.startswith("contacts-") for key in values):
        data.update(contacts({"name": "王先生", "phone": "13900001111"}))
    data.update(values)
    return data


def test_new_file_starts_by_choosing_a_category(company, web):
    page = text_of(web(company.owner).get("/customers/new/"))
    assert "先选择档案类别" in page and "经销商" in page and "车主" in page


def test_the_new_form_starts_at_the_categorys_default_kind(company, web):
    client = web(company.owner)
    for code, kind in (("gr", "individual"), ("jxs", "enterprise")):
        page = client.get("/customers/new/", {"category": ArchiveCategory.objects.get(code=code).pk}).content.decode()
        assert f'value="{kind}" checked' in page or f'<option value="{kind}" selected' in page, code


def test_the_form_is_generated_from_the_categorys_fields(company, web, category_with_fields):
    page = text_of(web(company.owner).get("/customers/new/", {"category": category_with_fields.pk}))
    assert "车主档案信息" in page
    assert 'name="cf_plate_no"' in page and "车牌号" in page
    assert 'name="cf_mobile"' in page and 'type="tel"' in page
    assert 'name="cf_fuel"' in page and "柴油" in page
    assert 'name="cf_insured"' in page
    assert 'for="id_cf_plate_no"' in page  # every input has its label
    assert 'name="contacts-0-name"' in page and 'id="contacts-empty"' in page


def test_create_saves_custom_values_and_contacts(company, web, category_with_fields):
    client = web(company.owner)
    response = client.post("/customers/new/", form_data(category_with_fields, cf_plate_no="浙A12345", cf_fuel="汽油",
                                                        cf_insured="true", cf_mobile="13800001234"))
    assert response.status_code == 302, text_of(response)
    customer = Customer.objects.get(name="车主王先生")
    assert customer.custom_fields == {"plate_no": "浙A12345", "fuel": "汽油", "insured": True, "mobile": "13800001234"}
    assert [c.name for c in customer.contacts.all()] == ["王先生"] and customer.owner == company.owner
    assert customer.kind == "individual" and customer.state == "draft"
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert "已建立" in text_of(client.get(response["Location"]))


def test_service_errors_land_on_their_fields(company, web, category_with_fields):
    # Each stage of the service (plain fields, contacts, custom fields) lands on its own fields.
    client = web(company.owner)
    nameless = client.post("/customers/new/", form_data(category_with_fields, name="", cf_plate_no="浙A1"))
    assert nameless.status_code == 400 and nameless.context["form"].errors["name"]

    bad_contacts = client.post("/customers/new/", form_data(
        category_with_fields, cf_plate_no="浙A1", **contacts({"name": "", "phone": "abc"},
                                                           {"name": "李四", "email": "not-an-email"})))
    formset = bad_contacts.context["contacts"]
    assert formset.forms[0].errors["name"] == ["此项为必填项。"]
    assert formset.forms[0].errors["phone"] == ["请输入有效的电话号码。"]
    assert formset.forms[1].errors["email"] == ["请输入有效的电子邮箱地址。"]

    bad_custom = client.post("/customers/new/", form_data(category_with_fields, cf_mobile="12345"))
    assert bad_custom.status_code == 400
    form = bad_custom.context["form"]
    assert form.errors["cf_plate_no"] == ["此项为必填项。"]  # a required custom field
    assert form.errors["cf_mobile"] == ["请输入有效的电话号码。"]
    page = text_of(bad_custom)
    assert 'aria-invalid="true"' in page and 'id="id_cf_mobile_error"' in page
    assert "提交的数据有误" in page
    assert not Customer.objects.filter(category=category_with_fields).exists()


def test_a_contact_error_and_a_custom_field_error_come_back_in_one_round(company, web, category_with_fields):
    # The form's own checks (contacts) failing used to hide the custom values' checks until the
    # contacts were fixed and the form sent again.
    response = web(company.owner).post("/customers/new/", form_data(
        category_with_fields, cf_plate_no="浙A1", cf_mobile="12345",
        **contacts({"name": "王先生", "phone": "13900001111", "email": "not-an-email"})))
    assert response.status_code == 400
    assert response.context["contacts"].forms[0].errors["email"] == ["请输入有效的电子邮箱地址。"]
    assert response.context["form"].errors["cf_mobile"] == ["请输入有效的电话号码。"]
    assert 'value="浙A1"' in text_of(response)  # what was typed stays
    assert not Customer.objects.filter(category=category_with_fields).exists()


def test_a_required_custom_field_left_empty_is_said_once(company, web, category_with_fields):
    response = web(company.owner).post("/customers/new/", form_data(
        category_with_fields, cf_plate_no="", **contacts({"name": "王先生", "email": "bad"})))
    assert response.context["form"].errors["cf_plate_no"] == ["此项为必填项。"]


def test_errors_skip_blank_contact_rows_when_mapping(company, web, category_with_fields):
    # The blank first row is not sent; the service's contacts.0 is the form's second row.
    response = web(company.owner).post("/customers/new/", form_data(
        category_with_fields, cf_plate_no="浙B1", **contacts({"name": ""}, {"name": "赵六", "phone": "x"})))
    assert response.status_code == 400
    formset = response.context["contacts"]
    assert not formset.forms[0].errors and formset.forms[1].errors["phone"] == ["请输入有效的电话号码。"]


def test_service_errors_in_english(company, web, category_with_fields):
    response = web(company.owner, HTTP_ACCEPT_LANGUAGE="en").post(
        "/customers/new/", form_data(category_with_fields, cf_mobile="12345"))
    assert response.context["form"].errors["cf_mobile"] == ["Enter a valid phone number."]
    assert response.context["form"].errors["cf_plate_no"] == ["This field is required."]


def test_editing_a_draft_applies_at_once(company, web, new_customer):
    customer = new_customer()
    client = web(company.owner)
    page = client.get(f"/customers/{customer.pk}/edit/")
    assert page.status_code == 200 and 'value="北京同仁堂药店"' in text_of(page)
    data = _edit_data(page, name="北京同仁堂大药房", address="北京市东城区")
    response = client.post(f"/customers/{customer.pk}/edit/", data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    customer.refresh_from_db()
    assert customer.name == "北京同仁堂大药房" and customer.address == "北京市东城区"
    assert [c.name for c in customer.contacts.all()] == ["王经理"]  # unchanged contacts stay


def test_editing_a_filed_file_turns_important_changes_into_a_request(company, web, new_customer):
    customer = new_customer()
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    lifecycle.customer_file(actor=company.custodian, customer=customer)
    client = web(company.owner)
    page = client.get(f"/customers/{customer.pk}/edit/")
    assert "变更申请" in text_of(page) and 'name="reason"' in text_of(page)
    no_reason = client.post(f"/customers/{customer.pk}/edit/", _edit_data(page, name="改名药店", service_area="全省"))
    assert no_reason.status_code == 400 and no_reason.context["form"].errors["reason"] == ["请填写原因。"]
    done = client.post(f"/customers/{customer.pk}/edit/",
                       _edit_data(page, name="改名药店", service_area="全省", reason="工商登记变更"), follow=True)
    assert "已提交变更申请" in text_of(done)
    customer.refresh_from_db()
    assert customer.name == "北京同仁堂药店"  # held for the supervisor
    assert customer.service_area == "全省"  # not important: applied
    assert ChangeRequest.objects.get(customer=customer).changes == {"name": "改名药店"}


def test_a_stale_form_is_refused(company, web, new_customer):
    customer = new_customer()
    client = web(company.owner)
    page = client.get(f"/customers/{customer.pk}/edit/")
    from dangan.archives.services.customers import customer_update

    customer_update(actor=company.owner, customer=customer, data={"address": "别人刚改过"})
    response = client.post(f"/customers/{customer.pk}/edit/", _edit_data(page, address="我的修改"))
    assert response.status_code == 400 and "已被他人修改" in text_of(response)


def test_deactivated_fields_are_not_asked_but_keep_their_values(company, web, category_with_fields, new_customer):
    customer = new_customer(category="car", custom_fields={"plate_no": "浙C9", "fuel": "柴油"})
    config.field_deactivate(actor=company.admin, definition=category_with_fields.fields.get(key="fuel"))
    client = web(company.owner)
    page = client.get(f"/customers/{customer.pk}/edit/")
    assert 'name="cf_fuel"' not in text_of(page)
    client.post(f"/customers/{customer.pk}/edit/", _edit_data(page, cf_plate_no="浙C10"))
    customer.refresh_from_db()
    assert customer.custom_fields == {"plate_no": "浙C10", "fuel": "柴油"}
    assert "已停用" in text_of(client.get(f"/customers/{customer.pk}/"))


def test_inactive_categories_cannot_be_chosen(company, web):
    category = ArchiveCategory.objects.get(code="px")
    config.category_update(actor=company.admin, category=category, is_active=False)
    page = text_of(web(company.owner).get("/customers/new/", {"category": category.pk}))
    assert "先选择档案类别" in page


def _edit_data(page, **changes) -> dict:
    """The edit form as the browser would send it back, with `changes` typed in."""
    form = page.context["form"]
    formset = page.context["contacts"]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else (value if not isinstance(value, list) else value)
    data.update(contacts(*[{k: ("on" if v is True else v) for k, v in row.items() if v not in (False, None)}
                           for row in formset.initial or []], initial=len(formset.initial or [])))
    data.update(changes)
    return data
