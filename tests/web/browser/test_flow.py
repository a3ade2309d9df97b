"""The product as a person uses it, in Debian's chromium: sign up a company, sign in on its
host, define a category with a custom field, create a customer, upload its scanned contract
(straight to object storage with a progress bar, then processing on a real worker until the
checklist is complete; a new version from its row, the first kept; the preview dialog), add a ledger
row, submit it; a supervisor approves, a custodian files; find it by pinyin initials; see it on
the dashboard's chart. Screenshots of the key pages go to test-results/screenshots/."""
from __future__ import annotations

import base64
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from dangan.accounts import roles

from .conftest import screenshot

PASSWORD = "Kangning-Archive-2026"
CSP_WORDS = ("Content Security Policy", "Refused to")


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("欢迎")


def assert_no_problems(page) -> None:
    assert not page.problems, f"browser console errors (CSP?): {page.problems}"


def scanned_contract() -> bytes:
    """A JPEG like a scanner makes: a page with lines of text."""
    import io

    from PIL import Image, ImageDraw

    page = Image.new("L", (620, 877), 250)
    draw = ImageDraw.Draw(page)
    draw.text((60, 60), "PURCHASE AND SALE CONTRACT  HT-2026-0042", fill=20)
    for line in range(14):
        draw.line((60, 120 + line * 40, 560, 120 + line * 40), fill=120, width=2)
    out = io.BytesIO()
    page.convert("RGB").save(out, format="JPEG", quality=80)
    return out.getvalue()


def contract_required_for(slug: str, admin_email: str, category_code: str) -> None:
    """The category's checklist asks for one contract (required): filing depends on the upload."""
    from dangan.accounts.models import User
    from dangan.archives.models import ArchiveCategory
    from dangan.documents.services import checklists
    from dangan.tenants.models import Tenant

    with tenant_context(Tenant.objects.get(slug=slug)):
        admin = User.objects.get(email=admin_email)
        checklist = checklists.checklist_create(actor=admin, category=ArchiveCategory.objects.get(code=category_code),
                                                name="合作存档")
        checklists.checklist_item_create(actor=admin, checklist=checklist, document_type="contract",
                                         original_or_copy="either", required=True, note="购销合同（盖章）")


def people_of(slug: str, admin_email: str):
    """A supervisor who manages the admin's department and a custodian, made through the services."""
    from dangan.accounts.models import User
    from dangan.archives.models import Department
    from dangan.archives.services import configuration as config
    from dangan.tenants.models import Tenant

    tenant = Tenant.objects.get(slug=slug)
    with tenant_context(tenant):
        admin = User.objects.get(email=admin_email)
        supervisor = User.objects.create_user(email="zhao@kangning.cn", password=PASSWORD, full_name="赵主管")
        supervisor.groups.add(Group.objects.get(name=roles.SUPERVISOR))
        custodian = User.objects.create_user(email="sun@kangning.cn", password=PASSWORD, full_name="孙档案")
        custodian.groups.add(Group.objects.get(name=roles.CUSTODIAN))
        config.department_set_members(actor=admin, department=Department.objects.get(code="sales1"),
                                      members=[admin, supervisor], manager=supervisor)
    return supervisor.email, custodian.email


@pytest.mark.browser
def test_signup_to_filed_customer_found_by_initials_and_charted(browser_session, live_server_url, signup_data,
                                                                browser_worker):
    base_public = live_server_url
    data = signup_data(company_name="康宁汽车服务有限公司", admin_name="刘经理", admin_password=PASSWORD)
    slug = data["slug"]
    base = live_server_url.replace("//localhost", f"//{slug}.localhost")

    # --- 1. sign up on the public site ------------------------------------------------------------
    admin_page = browser_session()
    admin_page.goto(f"{base_public}/signup/")
    expect(admin_page.locator("html")).to_have_attribute("lang", "zh-hans")
    admin_page.get_by_label("公司名称").fill(data["company_name"])
    admin_page.get_by_label("子域名").fill(slug)
    admin_page.get_by_label("管理员姓名").fill(data["admin_name"])
    admin_page.get_by_label("管理员邮箱").fill(data["admin_email"])
    admin_page.get_by_label("密码").fill("123")  # too weak: the form says so, in Chinese
    admin_page.get_by_role("button", name="创建公司").click()
    expect(admin_page.locator(".field.invalid")).to_have_count(1)
    screenshot(admin_page, "01-signup-with-errors")
    admin_page.get_by_label("密码").fill(PASSWORD)
    admin_page.get_by_role("button", name="创建公司").click()
    expect(admin_page.get_by_role("heading", name="公司已创建")).to_be_visible()
    login_link = admin_page.get_by_role("link", name="前往登录")
    assert login_link.get_attribute("href") == f"{base}/accounts/login/"
    assert_no_problems(admin_page)

    # --- 2. sign in on the company's own host ---------------------------------------------------------
    login_link.click()
    expect(admin_page.get_by_role("heading", name="登录")).to_be_visible()
    sign_in(admin_page, base, data["admin_email"], PASSWORD)
    supervisor_email, custodian_email = people_of(slug, data["admin_email"])

    # --- 3. a category with a custom field (settings) ----------------------------------------------
    admin_page.get_by_role("link", name="设置", exact=True).click()
    admin_page.get_by_label("代码").fill("qc")
    admin_page.get_by_label("名称").fill("汽车客户")
    admin_page.get_by_role("button", name="创建类别").click()
    expect(admin_page.get_by_role("heading", level=1)).to_contain_text("汽车客户")
    admin_page.get_by_label("键").fill("plate_no")
    admin_page.locator("#id_label").fill("车牌号")
    admin_page.locator("#id_field_type").select_option("text")  # 类型 of the new field (not 默认客户类型)
    admin_page.get_by_label("必填").check()
    admin_page.get_by_label("可搜索").check()
    admin_page.get_by_role("button", name="添加字段").click()
    expect(admin_page.locator(".field-defs")).to_contain_text("车牌号")
    screenshot(admin_page, "02-settings-category-fields")
    contract_required_for(slug, data["admin_email"], "qc")

    # --- 4. a customer in it: first the errors, then the file ------------------------------------
    admin_page.get_by_role("link", name="客户档案").first.click()
    admin_page.get_by_role("link", name="新建档案").click()
    admin_page.get_by_label("档案类别").select_option(label="汽车客户")
    admin_page.get_by_role("button", name="下一步").click()
    expect(admin_page.get_by_role("heading", level=1)).to_contain_text("新建汽车客户档案")
    # The service checks in stages: contacts first, then the category's fields.
    admin_page.get_by_label("客户名称").fill("杭州康宁车行")
    admin_page.locator("#id_contacts-0-name").fill("王师傅")
    admin_page.locator("#id_contacts-0-phone").fill("12345")
    admin_page.get_by_role("button", name="保存").click()
    expect(admin_page.locator("#id_contacts-0-phone_error")).to_contain_text("请输入有效的电话号码")
    admin_page.locator("#id_contacts-0-phone").fill("13812345678")
    admin_page.get_by_role("button", name="保存").click()
    expect(admin_page.locator("#id_cf_plate_no_error")).to_contain_text("此项为必填项")
    expect(admin_page.locator("[role=alert]")).to_contain_text("提交的数据有误")
    expect(admin_page.locator("#id_cf_plate_no")).to_have_attribute("aria-invalid", "true")
    screenshot(admin_page, "03-customer-form-with-errors")
    admin_page.get_by_label("车牌号").fill("浙A·K2026")
    admin_page.get_by_role("button", name="添加联系人").click()
    admin_page.locator("#id_contacts-1-name").fill("李会计")
    admin_page.get_by_label("客户等级").select_option(label="A 级")
    admin_page.get_by_label("地区（六大片区）").select_option(label="华东片区")
    admin_page.get_by_role("button", name="保存").click()
    expect(admin_page.locator(".message.success")).to_contain_text("已建立")
    expect(admin_page.get_by_role("heading", level=1)).to_have_text("杭州康宁车行")
    customer_url = admin_page.url

    # --- 4a. the scanned contract: straight to storage with a progress bar, processed on the worker --
    expect(admin_page.locator("[data-completeness]")).to_have_text("0%")
    sent = []
    admin_page.on("request", lambda request: sent.append((request.method, request.url)))
    admin_page.locator("#id_upload_document_type").select_option(label="合同")
    admin_page.locator("#id_upload_title").fill("康宁车行购销合同")
    admin_page.locator("#id_upload_file").set_input_files(
        files=[{"name": "购销合同（扫描件）.jpg", "mimeType": "image/jpeg", "buffer": scanned_contract()}])
    item = admin_page.locator(".upload-item").first
    expect(item).to_contain_text("购销合同（扫描件）.jpg")
    expect(admin_page.locator("#id_upload_title")).to_have_value("")  # the title went with this file
    expect(item.locator("progress")).to_be_visible()
    expect(item.locator("progress")).to_have_js_property("value", 100)
    expect(item).to_contain_text(re.compile("已上传|可用"))
    row = admin_page.locator("#document-list .document").first
    expect(row).to_contain_text("购销合同（扫描件）.jpg")
    expect(row).to_contain_text("康宁车行购销合同")
    # The bytes went to the object store (presigned PUT), not through the web process.
    assert any(method == "PUT" and url.startswith(settings.S3_ENDPOINT_URL + "/") for method, url in sent), sent
    assert not any(method == "POST" and "/documents/upload/" in url for method, url in sent), sent
    screenshot(admin_page, "04a-customer-upload-progress")
    # The row polls for itself (htmx) until the worker has verified, scanned and read the file.
    expect(row).to_have_attribute("data-state", "available", timeout=90_000)
    expect(row.locator(".thumb img")).to_be_visible()
    # Loaded, not just in the page: the thumbnail request may still be in flight on a busy machine.
    admin_page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                                 arg=row.locator(".thumb img").element_handle(), timeout=20_000)
    expect(row).to_contain_text("可用")
    expect(item.locator(".upload-status")).to_have_text("可用")  # the queued file's line follows its row
    # … and the checklist refreshed itself: the required contract is there.
    expect(admin_page.locator("[data-completeness]")).to_have_text("100%")
    # A second file dropped on the zone (drag and drop), as another document type.
    admin_page.locator("#id_upload_document_type").select_option(label="身份证复印件")
    dropped = admin_page.evaluate_handle("""(data) => {
        const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], "法人身份证.jpg", {type: "image/jpeg"}));
        return transfer; }""", base64.b64encode(scanned_contract()).decode())
    admin_page.locator("[data-dropzone]").dispatch_event("drop", {"dataTransfer": dropped})
    expect(admin_page.locator(".upload-item")).to_have_count(2)
    expect(admin_page.locator("#document-list .document")).to_have_count(2)
    expect(admin_page.locator("#document-list .document").first).to_contain_text("身份证复印件")
    expect(admin_page.locator("#document-list .document").first).not_to_contain_text("康宁车行购销合同")
    expect(admin_page.locator("#document-list .document").first).to_have_attribute("data-state", "available",
                                                                                    timeout=90_000)
    screenshot(admin_page, "04b-customer-upload-processed")
    # A signed contract as the contract's next version, from its row: the first stays listed.
    contract = admin_page.locator("#document-list .document", has_text="购销合同（扫描件）.jpg")
    contract.locator("input[data-version-file]").set_input_files(
        files=[{"name": "购销合同（签字版）.jpg", "mimeType": "image/jpeg", "buffer": scanned_contract()}])
    expect(admin_page.locator(".upload-item")).to_have_count(3)
    expect(admin_page.locator(".upload-item").last.locator("progress")).to_have_js_property("value", 100)
    contract = admin_page.locator("#document-list .document").first
    expect(contract).to_contain_text("购销合同（签字版）.jpg")
    expect(contract).to_have_attribute("data-version", "2")
    expect(contract).to_have_attribute("data-state", "available", timeout=90_000)
    expect(contract.locator("details.doc-versions summary")).to_contain_text("较早版本（1）")
    contract.locator("details.doc-versions summary").click()
    expect(contract.locator("ol.version-history")).to_contain_text("购销合同（扫描件）.jpg")
    # The preview dialog: the enlarged first page, through the permission-checked view.
    contract.locator(".thumb [data-preview-open]").click()
    preview = admin_page.locator("#document-preview")
    expect(preview).to_be_visible()
    expect(preview.locator("[data-preview-title]")).to_contain_text("v2")
    admin_page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                                 arg=preview.locator("img").element_handle(), timeout=20_000)
    screenshot(admin_page, "04c-customer-document-preview")
    preview.get_by_role("button", name="关闭").click()
    expect(preview).to_be_hidden()
    expect(admin_page.locator("[data-completeness]")).to_have_text("100%")
    assert sum(method == "PUT" for method, _url in sent) == 3  # every file went straight to storage
    assert_no_problems(admin_page)

    # --- 4b. a sales-ledger row from the page: first an error beside the field, then the row -------
    admin_page.get_by_text("新增台帐记录").click()
    admin_page.get_by_label("品名").fill("机油滤清器")
    admin_page.get_by_role("button", name="保存", exact=True).click()
    expect(admin_page.locator("#id_ledger-sale_date_error")).to_contain_text("必填")
    admin_page.get_by_label("销售日期").fill("2026-03-01")
    admin_page.get_by_label("保质期（月）").fill("36")
    admin_page.get_by_role("button", name="保存", exact=True).click()
    expect(admin_page.locator("#section")).to_contain_text("已添加")
    expect(admin_page.locator("#section table")).to_contain_text("机油滤清器")
    assert_no_problems(admin_page)

    # --- 5. submit ---------------------------------------------------------------------------------
    admin_page.get_by_role("button", name="提交审核").click()
    expect(admin_page.locator(".message.success")).to_contain_text("已提交审核")
    assert_no_problems(admin_page)

    # --- 6. the supervisor approves from the inbox ------------------------------------------------
    supervisor_page = browser_session()
    sign_in(supervisor_page, base, supervisor_email, PASSWORD)
    supervisor_page.get_by_role("link", name="审批", exact=True).click()
    supervisor_page.get_by_role("button", name="审核通过：杭州康宁车行").click()
    expect(supervisor_page.locator(".message.success")).to_contain_text("已审核通过")
    assert_no_problems(supervisor_page)

    # --- 7. the custodian files it -----------------------------------------------------------------
    custodian_page = browser_session()
    sign_in(custodian_page, base, custodian_email, PASSWORD)
    custodian_page.get_by_role("link", name="审批", exact=True).click()
    custodian_page.get_by_role("button", name="归档保管：杭州康宁车行").click()
    expect(custodian_page.locator(".message.success")).to_contain_text("已归档保管")

    # --- 8. the 360 page: state, custom field, contacts, tabs via htmx, history --------------------
    admin_page.goto(customer_url)
    expect(admin_page.locator(".meta .badge").first).to_have_text("已归档保管")
    expect(admin_page.locator("dl.facts")).to_contain_text(["浙A·K2026"])
    admin_page.get_by_role("link", name="变更历史").click()
    expect(admin_page.locator("#section")).to_contain_text("归档保管")
    expect(admin_page.locator("#section")).to_contain_text("孙档案")
    assert admin_page.url.endswith("?tab=history")
    screenshot(admin_page, "04-customer-360")

    # --- 9. found by pinyin initials: the results refresh in place (htmx) -------------------------
    admin_page.get_by_role("link", name="客户档案").first.click()
    admin_page.get_by_label("搜索").fill("hzkn")
    expect(admin_page).to_have_url(re.compile(r"q=hzkn"))
    expect(admin_page.locator("#results table")).to_contain_text("杭州康宁车行")
    admin_page.get_by_label("搜索").fill("bucunzai")
    expect(admin_page.locator("#results")).to_contain_text("没有符合条件的档案")
    admin_page.get_by_label("搜索").fill("hzkn")
    expect(admin_page.locator("#results table")).to_contain_text("杭州康宁车行")
    screenshot(admin_page, "05-customer-list-search")

    # --- 10. on the dashboard's charts ---------------------------------------------------------------
    admin_page.get_by_role("link", name="工作台", exact=True).click()
    admin_page.wait_for_function("() => window.Chart && Chart.getChart('chart-category')")
    category = admin_page.evaluate(
        "() => { const c = Chart.getChart('chart-category'); return [c.data.labels, c.data.datasets[0].data]; }")
    assert dict(zip(*category)).get("汽车客户") == 1
    grades = admin_page.evaluate("() => Chart.getChart('chart-grade').data.labels")
    assert "A 级" in grades
    screenshot(admin_page, "06-dashboard")
    assert_no_problems(admin_page)

    # --- 11. tablet width, and English ------------------------------------------------------------
    tablet = browser_session(viewport={"width": 820, "height": 1180})
    sign_in(tablet, base, data["admin_email"], PASSWORD)
    tablet.goto(f"{base}/customers/")
    screenshot(tablet, "07-customer-list-tablet")
    tablet.get_by_label("界面语言").select_option("en")
    expect(tablet.locator("html")).to_have_attribute("lang", "en")
    expect(tablet.get_by_role("link", name="Dashboard")).to_be_visible()
    tablet.goto(customer_url)
    expect(tablet.get_by_role("heading", name="Basic information")).to_be_visible()
    screenshot(tablet, "08-customer-360-english-tablet")
    assert_no_problems(tablet)


@pytest.mark.browser
def test_import_wizard_maps_the_columns_dry_runs_and_imports(browser_session, live_server_url, signup_data,
                                                             browser_worker):
    """Upload a register, confirm the proposed mapping, read the dry run's report (and download
    it), import; the worker does the work while the page follows it."""
    from dangan.tenants.services import tenant_signup
    from tests.archives.test_imports import ROWS, xlsx_upload

    data = signup_data(company_name="康宁医药销售有限公司", admin_name="陈经理", admin_password=PASSWORD)
    tenant_signup(**data)
    base = live_server_url.replace("//localhost", f"//{data['slug']}.localhost")
    page = browser_session()
    sign_in(page, base, data["admin_email"], PASSWORD)
    page.goto(f"{base}/customers/")
    page.get_by_role("link", name="批量导入").click()
    page.get_by_label("导入内容").select_option("customers")
    page.locator("#id_file").set_input_files(files=[{
        "name": "客户名单.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": xlsx_upload(ROWS).read()}])
    page.get_by_role("button", name="上传并识别表头").click()
    expect(page.locator('.wizard-steps [aria-current="step"]')).to_have_text("对应列")
    expect(page.get_by_label("客户名称", exact=True)).to_have_value("name")  # proposed from the header
    expect(page.get_by_label("客户等级", exact=True)).to_have_value("grade")
    screenshot(page, "09-import-mapping")
    page.get_by_role("button", name="确认对应关系并试导入").click()
    expect(page.get_by_role("heading", name="试导入报告")).to_be_visible(timeout=60_000)
    expect(page.locator("#import-job")).to_contain_text("正式导入 2 行")
    screenshot(page, "10-import-dry-run-report")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载错误报告（Excel）").click()
    assert download.value.suggested_filename == "客户名单-错误报告.xlsx"
    page.get_by_role("button", name="正式导入 2 行").click()
    expect(page.get_by_role("heading", name="导入完成")).to_be_visible(timeout=60_000)
    expect(page.locator("dl.counts")).to_contain_text("2")
    screenshot(page, "11-import-done")
    page.get_by_role("link", name="查看客户档案").click()
    expect(page.locator("#results table")).to_contain_text("张伟")
    assert_no_problems(page)


@pytest.mark.browser
def test_keyboard_users_can_skip_to_the_content_and_reach_the_menu(browser_session, live_server_url):
    page = browser_session()
    page.goto(f"{live_server_url}/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    assert skip.evaluate("el => getComputedStyle(el).left") != "-999px"  # visible when focused
    page.keyboard.press("Enter")
    # The fragment navigation lands a moment after the key press: wait for it (expect retries),
    # a plain read of page.url raced it under load.
    expect(page).to_have_url(re.compile(r"#main$"))
    assert_no_problems(page)


@pytest.mark.browser
def test_the_staff_console_runs_under_the_policy(browser_session, live_server_url):
    page = browser_session()
    page.goto(f"{live_server_url}/console/login/")
    expect(page.locator("#site-name")).to_contain_text("Dangan")
    assert_no_problems(page)
