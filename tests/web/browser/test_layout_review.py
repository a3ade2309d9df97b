"""Issue #6 on this session's new pages, in Debian's chromium, at a tablet (768×1024) and a
laptop (1366×768) viewport: nothing wider than the window (no sideways scrolling), every visible
field has an accessible name, one h1 per page, and the keyboard alone (Tab) reaches the main
form's submit button. Pages: the settings of document types, checklists, cadences, numbering
and confidentiality (as the company's administrator), a customer's documents panel with a
document in its second version (older versions, "上传新版本", the preview dialog), and the staff
console (as platform staff). Every finding of every page is gathered before the one assertion,
so a failure lists them all; screenshots go to test-results/screenshots/layout-*.png."""
from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from .conftest import screenshot
from .test_flow import sign_in
from .test_staff_console import PASSWORD as STAFF_PASSWORD
from .test_staff_console import staff_account  # noqa: F401 (fixture)

PASSWORD = "Layout-Review-2026"
VIEWPORTS = {"tablet": {"width": 768, "height": 1024}, "laptop": {"width": 1366, "height": 768}}
MAX_TABS = 120  # more stops than any of these pages has before its main form's button

# Fields a person fills (not buttons or hidden inputs) that are rendered and not hidden from
# assistive technology, and the ones among them that have no accessible name.
UNNAMED_FIELDS = """() => [...document.querySelectorAll('input, select, textarea')].filter(el => {
    if (['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type)) return false;
    if (!el.checkVisibility({visibilityProperty: true}) || el.closest('[aria-hidden=true]')) return false;
    const byFor = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    const named = byFor || el.closest('label') || (el.getAttribute('aria-label') || '').trim()
        || (el.getAttribute('aria-labelledby') || '').split(/\\s+/).some(id => id && document.getElementById(id));
    return !named;
}).map(el => el.outerHTML.slice(0, 160))"""

# The page's main form: the first form in <main> with a field a person fills, and the control
# that sends it: its submit button, or its file input where the upload script hides the button
# (choosing files starts the upload there).
MARK_MAIN_SUBMIT = """() => {
    const forms = [...document.querySelectorAll('main form')].filter(form =>
        [...form.querySelectorAll('input:not([type=hidden]), select, textarea')].some(el => el.checkVisibility()));
    if (!forms.length) return null;
    const buttons = [...forms[0].querySelectorAll('button:not([type=button]), input[type=submit]')];
    const target = buttons.find(el => el.checkVisibility()) || forms[0].querySelector('input[type=file]');
    if (!target) return null;
    target.setAttribute('data-review-submit', '');
    return target.textContent.trim() || target.value || target.name;
}"""


def tab_to(page, selector: str) -> bool:
    """Whether Tab, from the top of the page, reaches the element."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    page.locator("body").focus()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("sel => document.activeElement.matches(sel)", selector):
            return True
    return False


def review(page, url: str, name: str, *, submit: bool = True) -> list[str]:
    """The findings of one page at the page's current viewport."""
    answer = page.goto(url)
    found = []
    if answer.status != 200:
        return [f"{name}: HTTP {answer.status} at {url}"]
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 4).map(el => el.tagName + '.' + el.className)""")
        found.append(f"{name}: document {width[0]}px wide in a {width[1]}px window ({wide})")
    unnamed = page.evaluate(UNNAMED_FIELDS)
    if unnamed:
        found.append(f"{name}: fields without an accessible name: {unnamed}")
    headings = page.locator("h1").count()
    if headings != 1:
        found.append(f"{name}: {headings} h1 elements")
    if submit:
        label = page.evaluate(MARK_MAIN_SUBMIT)
        if label is None:
            found.append(f"{name}: no main form with a submit button")
        elif not tab_to(page, "[data-review-submit]"):
            found.append(f"{name}: Tab never reached the submit button {label!r}")
    screenshot(page, f"layout-{name}")
    return found


def first_page_png() -> bytes:
    import io

    from PIL import Image, ImageDraw

    page = Image.new("L", (600, 840), 250)
    ImageDraw.Draw(page).rectangle((40, 40, 560, 120), outline=30, width=3)
    out = io.BytesIO()
    page.save(out, format="PNG")
    return out.getvalue()


def company_with_settings_and_a_revised_document(data: dict) -> dict:
    """A company whose checklist, cadence and customer exist, the customer with a contract in
    its second version (written directly: no file is needed for the layout)."""
    from dangan.accounts.models import User
    from dangan.archives.models import ArchiveCategory, CadenceRule
    from dangan.archives.services.customers import customer_create
    from dangan.documents.models import Document, DocumentType, DocumentVersion
    from dangan.documents.services import checklists
    from dangan.documents.services.documents import document_create
    from dangan.documents.storage import object_store
    from dangan.governance.models import ConfidentialityLevel
    from dangan.tenants.models import Tenant
    from dangan.tenants.services import tenant_signup

    tenant = tenant_signup(**data)  # committed: the server must see it
    with tenant_context(Tenant.objects.get(slug=tenant.slug)):
        admin = User.objects.get(email=data["admin_email"])
        category = ArchiveCategory.objects.get(code="gf")
        checklist = checklists.checklist_create(actor=admin, category=category, name="购房资料")
        item = checklists.checklist_item_create(actor=admin, checklist=checklist, document_type="contract",
                                                original_or_copy="either", required=True, note="购房合同")
        customer = customer_create(actor=admin, category=category, name="杭州平板测试客户",
                                   custom_fields={"unit_no": "3-1201"})
        document = document_create(actor=admin, customer=customer, document_type="contract", title="购房合同")
        for number in (1, 2):
            version = DocumentVersion.objects.create(
                document=document, number=number, object_key=f"docs/{document.pk}/v{number}/x.pdf",
                uploaded_by=admin, upload_state="available", original_filename=f"购房合同-v{number}.pdf")
        Document.objects.filter(pk=document.pk).update(current_version=version, state="available")
        # The newest version's first page, for the row's thumbnail and the preview dialog.
        version.thumbnail_key = f"docs/{document.pk}/v2/thumb.png"
        version.save(update_fields=["thumbnail_key"])
        object_store().put_bytes(version.thumbnail_key, first_page_png(), content_type="image/png")
        seeded = {"cadence": CadenceRule.objects.order_by("pk").first().pk,
                  "document_type": DocumentType.objects.order_by("pk").first().pk}
        level = ConfidentialityLevel.objects.order_by("pk").values_list("pk", flat=True).first()
    return {"slug": tenant.slug, "category": category.pk, "checklist": checklist.pk, "item": item.pk,
            "customer": customer.pk, "level": level, "admin_email": data["admin_email"], **seeded}


@pytest.mark.browser
def test_new_pages_fit_a_tablet_and_a_laptop_and_work_from_the_keyboard(
        browser_session, live_server_url, signup_data, staff_account):  # noqa: F811
    company = company_with_settings_and_a_revised_document(signup_data(company_name="平板审查有限公司",
                                                                       admin_password=PASSWORD))
    base = live_server_url.replace("//localhost", f"//{company['slug']}.localhost")
    admin_pages = [
        ("document-types", "/settings/document-types/", True),
        ("document-type", f"/settings/document-types/{company['document_type']}/", True),
        ("checklists", f"/settings/checklists/?category={company['category']}", True),
        ("checklist", f"/settings/checklists/{company['checklist']}/", True),
        ("checklist-item", f"/settings/checklist-items/{company['item']}/", True),
        ("cadences", "/settings/cadences/", True),
        ("cadence", f"/settings/cadences/{company['cadence']}/", True),
        ("numbering", "/settings/numbering/", True),
        ("numbering-category", f"/settings/numbering/{company['category']}/", True),
        ("confidentiality", "/settings/confidentiality/", True),
        ("masking", "/settings/masking/", True),
        ("borrowing", "/settings/borrowing/", True),
        ("customer-documents", f"/customers/{company['customer']}/", True),
    ]
    if company["level"]:
        admin_pages.append(("confidentiality-level", f"/settings/confidentiality/levels/{company['level']}/", True))
    staff_pages = [
        ("staff-list", "/staff/", True),
        ("staff-tenant", f"/staff/tenants/{company['slug']}/", False),
        ("staff-suspend", f"/staff/tenants/{company['slug']}/suspend/", True),
        ("staff-plans", "/staff/plans/", False),
    ]
    findings = []
    for size, viewport in VIEWPORTS.items():
        admin = browser_session(viewport=viewport)
        sign_in(admin, base, company["admin_email"], PASSWORD)
        for name, path, submit in admin_pages:
            findings += review(admin, base + path, f"{size}-{name}", submit=submit)
            if name == "confidentiality":  # a level's name on one line, not stacked character by character
                lines = admin.locator("table.list a", has_text="公开").evaluate("a => a.getClientRects().length")
                if lines != 1:
                    findings.append(f"{size}-confidentiality: the level name 公开 spans {lines} lines")
        findings += document_row_findings(admin, f"{base}/customers/{company['customer']}/", size)
        staff = browser_session(viewport=viewport)
        staff.goto(f"{live_server_url}/staff/login/")
        staff.get_by_label("邮箱").fill(staff_account)
        staff.get_by_label("密码").fill(STAFF_PASSWORD)
        staff.get_by_role("button", name="登录").click()
        expect(staff.get_by_role("heading", level=1)).to_have_text("公司")
        for name, path, submit in staff_pages:
            findings += review(staff, live_server_url + path, f"{size}-{name}", submit=submit)
        findings += [f"{size}: browser console: {problem}" for problem in admin.problems + staff.problems]
    assert not findings, "\n".join(findings)


def document_row_findings(page, customer_url: str, size: str) -> list[str]:
    """The customer's document row: the older versions unfolded and the preview dialog open
    still fit the window; "上传新版本" (a hidden file input behind its label) is reached by Tab
    and shows where the focus is; the dialog takes the focus and Escape closes it."""
    found = []
    page.goto(customer_url)
    row = page.locator("#document-list .document").first
    expect(row).to_have_attribute("data-version", "2")
    row.locator("details.doc-versions summary").click()
    expect(row.locator("ol.version-history")).to_contain_text("购房合同-v1.pdf")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        found.append(f"{size}-document-row: {width[0]}px wide with the older versions open ({width[1]}px window)")
    if not tab_to(page, "input[data-version-file]"):
        found.append(f"{size}-document-row: Tab never reached 上传新版本")
    else:
        outline = page.evaluate("""() => { const input = document.activeElement;
            const label = document.querySelector(`label[for="${input.id}"]`);
            return getComputedStyle(label).outlineStyle; }""")
        if outline == "none":
            found.append(f"{size}-document-row: 上传新版本 has the focus but shows no focus outline")
    screenshot(page, f"layout-{size}-document-row-versions")

    row.locator(".thumb [data-preview-open]").focus()
    page.keyboard.press("Enter")
    preview = page.locator("#document-preview")
    expect(preview).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=preview.locator("img").element_handle())
    box = preview.bounding_box()
    viewport = page.viewport_size
    if box["x"] < 0 or box["x"] + box["width"] > viewport["width"]:
        found.append(f"{size}-preview-dialog: {box} does not fit the {viewport['width']}px window")
    if not page.evaluate("() => document.getElementById('document-preview').contains(document.activeElement)"):
        found.append(f"{size}-preview-dialog: the focus stayed outside the open dialog")
    screenshot(page, f"layout-{size}-preview-dialog")
    page.keyboard.press("Escape")
    expect(preview).to_be_hidden()
    return found
