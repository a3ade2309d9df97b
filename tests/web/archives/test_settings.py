"""Settings of the tenant administrator: categories and custom fields, classification terms,
departments and members. Others get no menu and a 403."""
import pytest

from dangan.archives.models import ArchiveCategory, ClassificationTerm, CustomFieldDefinition, Department
from tests.web.conftest import text_of

PAGES = ["/settings/", "/settings/classification/", "/settings/departments/"]


def test_only_administrators_see_the_menu_and_pages(company, web):
    admin = web(company.admin)
    assert 'href="/settings/"' in text_of(admin.get("/"))
    for url in PAGES:
        assert admin.get(url).status_code == 200, url
    salesperson = web(company.owner)
    assert 'href="/settings/"' not in text_of(salesperson.get("/"))
    for url in PAGES:
        assert salesperson.get(url).status_code == 403, url
    assert salesperson.post("/settings/categories/", {"code": "x", "name": "x"}).status_code == 403
    assert not ArchiveCategory.objects.filter(code="x").exists()


def test_create_a_category_then_add_rename_and_deactivate_a_field(company, web):
    client = web(company.admin)
    response = client.post("/settings/categories/", {"code": "gfkh", "name": "购房客户（二期）",
                                                      "numbering_pattern": "{category}-{yyyy}-{seq:05}"})
    category = ArchiveCategory.objects.get(code="gfkh")
    assert response["Location"] == f"/settings/categories/{category.pk}/"
    added = client.post(f"/settings/categories/{category.pk}/fields/", {
        "key": "unit_no", "label": "房号", "field_type": "text", "required": "on", "searchable": "on"})
    assert added.status_code == 302
    choice = client.post(f"/settings/categories/{category.pk}/fields/", {
        "key": "payment", "label": "付款方式", "field_type": "choice", "choices": "一次性付款\n按揭\n"})
    assert choice.status_code == 302
    assert CustomFieldDefinition.objects.get(key="payment").choices == [
        {"value": "一次性付款", "label": "一次性付款"}, {"value": "按揭", "label": "按揭"}]
    field = CustomFieldDefinition.objects.get(category=category, key="unit_no")
    assert field.required and field.searchable
    client.post(f"/settings/fields/{field.pk}/label/", {"label": "房号（栋-单元-室）"})
    field.refresh_from_db()
    assert field.label == "房号（栋-单元-室）" and field.key == "unit_no"
    client.post(f"/settings/fields/{field.pk}/deactivate/")
    field.refresh_from_db()
    assert not field.is_active
    page = text_of(client.get(f"/settings/categories/{category.pk}/"))
    assert "房号（栋-单元-室）" in page and "已停用" in page


def test_service_refusals_show_on_the_settings_forms(company, web):
    client = web(company.admin)
    duplicate = client.post("/settings/categories/", {"code": "jxs", "name": "重复",
                                                       "numbering_pattern": "{category}-{yyyy}-{seq:05}"})
    assert duplicate.status_code == 400 and "已存在" in text_of(duplicate), duplicate.context["form"].errors
    assert duplicate.context["form"].errors["code"]  # on the field it concerns
    bad_pattern = client.post("/settings/categories/", {"code": "new", "name": "新类别", "numbering_pattern": "{oops}"})
    assert bad_pattern.status_code == 400 and "编号规则无效" in text_of(bad_pattern)
    category = ArchiveCategory.objects.get(code="cz")
    taken = client.post(f"/settings/categories/{category.pk}/fields/", {"key": "plate_no", "label": "x",
                                                                        "field_type": "text"})
    assert taken.status_code == 400 and "字段键“plate_no”已存在" in text_of(taken)
    no_choices = client.post(f"/settings/categories/{category.pk}/fields/", {"key": "color", "label": "颜色",
                                                                             "field_type": "choice"})
    assert no_choices.status_code == 400 and "选项不能为空" in text_of(no_choices)


def test_classification_terms_are_added_and_renamed(company, web, new_customer):
    customer = new_customer(grade="B")
    client = web(company.admin)
    assert client.post("/settings/classification/grade/terms/", {"grade-code": "D", "grade-name": "D 级"}).status_code == 302
    assert ClassificationTerm.objects.filter(scheme__code="grade", code="D", name="D 级").exists()
    grade_b = ClassificationTerm.objects.get(scheme__code="grade", code="B")
    client.post(f"/settings/terms/{grade_b.pk}/name/", {"name": "B 级（重要）"})
    customer.refresh_from_db()
    assert customer.grade.name == "B 级（重要）"
    duplicate = client.post("/settings/classification/grade/terms/", {"grade-code": "A", "grade-name": "又一个 A"})
    assert duplicate.status_code == 400 and "已存在" in text_of(duplicate)


def test_departments_and_members(company, web):
    client = web(company.admin)
    client.post("/settings/departments/new/", {"code": "sales5", "name": "销售五部", "manager": company.supervisor.pk})
    department = Department.objects.get(code="sales5")
    assert department.manager == company.supervisor
    client.post(f"/settings/departments/{department.pk}/members/", {
        f"d{department.pk}-members": [company.owner.pk, company.colleague.pk],
        f"d{department.pk}-manager": company.supervisor.pk})
    assert set(department.members.all()) == {company.owner, company.colleague}
    page = text_of(client.get("/settings/departments/"))
    assert "销售五部" in page and "赵主管" in page


@pytest.mark.parametrize("url", ["/settings/categories/999999/", "/settings/fields/999999/deactivate/"])
def test_unknown_settings_objects_are_not_found(company, web, url):
    client = web(company.admin)
    response = client.post(url) if "deactivate" in url else client.get(url)
    assert response.status_code == 404


def test_a_categorys_default_kind_is_changed_on_its_page(company, web):
    category = ArchiveCategory.objects.get(code="px")
    client = web(company.admin)
    assert 'name="default_kind"' in text_of(client.get(f"/settings/categories/{category.pk}/"))
    refused = client.post(f"/settings/categories/{category.pk}/kind/", {"default_kind": "alien"})
    assert refused.status_code == 302
    category.refresh_from_db()
    assert category.default_kind == "enterprise"
    saved = client.post(f"/settings/categories/{category.pk}/kind/", {"default_kind": "individual"})
    assert saved.status_code == 302 and saved["Location"] == f"/settings/categories/{category.pk}/"
    category.refresh_from_db()
    assert category.default_kind == "individual"
    assert web(company.owner).post(f"/settings/categories/{category.pk}/kind/",
                                   {"default_kind": "enterprise"}).status_code == 403
