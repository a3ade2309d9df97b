"""`make run`'s demo company comes with sample customer files to try at once, made once."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django_tenants.utils import tenant_context

from dangan.accounts.models import User
from dangan.archives import selectors
from dangan.archives.demo import PRODUCTS, SAMPLE_FILES, SUBMITTED, seed_demo_archive
from dangan.archives.models import Customer, CustomerState, SalesLedgerEntry
from dangan.governance.models import AuditEvent
from dangan.tenants.management.commands.ensure_demo_company import DEMO
from dangan.tenants.models import Tenant


@pytest.mark.django_db
def test_the_demo_company_has_sample_files_to_search_trace_and_review_and_they_are_made_once():
    output = StringIO()
    call_command("ensure_demo_company", stdout=output)
    assert f"created demo company: demo, with {len(SAMPLE_FILES)} sample customer files" in output.getvalue()
    tenant = Tenant.objects.get(slug=DEMO["slug"])
    with tenant_context(tenant):
        admin = User.objects.get(email=DEMO["admin_email"])
        assert Customer.objects.count() == len(SAMPLE_FILES)
        assert Customer.objects.filter(state=CustomerState.SUBMITTED).count() == SUBMITTED
        assert all(customer.contacts.count() == 1 for customer in Customer.objects.all())
        # Found by pinyin initials, as a user would try first.
        assert [customer.name for customer in selectors.customer_list(user=admin, filters={"q": "zxm"})] == ["周晓梅"]
        # A batch reaches several files: traceability has something to show.
        batch = PRODUCTS[0][3]
        traced = {entry.customer_id for entry in selectors.traceability(user=admin, batch=batch)}
        assert len(traced) >= 2
        assert SalesLedgerEntry.objects.count() > len(SAMPLE_FILES)
        # Made through the services: every file's creation is in the audit chain.
        assert AuditEvent.objects.filter(action="customer.create").count() == len(SAMPLE_FILES)
        assert seed_demo_archive(actor=admin) == []  # a company with files gets no samples

    again = StringIO()
    call_command("ensure_demo_company", stdout=again)
    assert "created demo company" not in again.getvalue()
    with tenant_context(tenant):
        assert Customer.objects.count() == len(SAMPLE_FILES)
