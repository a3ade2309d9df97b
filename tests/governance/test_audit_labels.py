"""Every action code a service records reads as words on the audit page
(governance/audit_labels.py): a new code without a label fails here."""
from __future__ import annotations

import re

from django.utils import translation

from dangan.governance.audit_labels import ACTS, SUBJECTS, WHOLE, audit_action_label
from dangan.platform.devservices.services import REPO_ROOT

DOMAIN_APPS = ("accounts", "archives", "documents", "governance", "integrations", "tenants", "web", "api")
# `action="customer.create"` (audit_record) or `_audit(actor, "loan.approve", …)` (the services'
# own helpers that call it).
RECORDED = re.compile(r'(?:action=|_audit\(\w+, )"([a-z_]+\.[a-z_]+)"')


def recorded_codes() -> set[str]:
    codes = set()
    for app in DOMAIN_APPS:
        for path in (REPO_ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                codes.update(RECORDED.findall(path.read_text(encoding="utf-8")))
    return codes


def test_the_scan_finds_the_codes_services_record():
    codes = recorded_codes()
    assert {"customer.create", "customer.submit", "loan.return", "two_factor.reset", "checklist_item.delete",
            "disposition.destroyed", "document_upload.abandon"} <= codes
    assert len(codes) > 80


def test_every_recorded_code_has_a_label():
    unlabelled = sorted(code for code in recorded_codes() if audit_action_label(code) == code)
    assert unlabelled == []


def test_labels_read_in_the_pages_language():
    with translation.override("zh-hans"):
        assert audit_action_label("customer.submit") == "客户档案 · 提交"
        assert audit_action_label("customer.return") == "客户档案 · 退回修改"
        assert audit_action_label("loan.return") == "借阅 · 归还"  # given back, not sent back
    with translation.override("en"):
        assert audit_action_label("customer.submit") == "Customer file · submitted"
        assert audit_action_label("loan.return") == "Loan · returned"


def test_an_unknown_code_shows_as_itself():
    assert audit_action_label("customer.nothing") == "customer.nothing"
    assert audit_action_label("") == ""
    assert audit_action_label("nodot") == "nodot"


def test_no_label_is_left_without_a_use():
    codes = recorded_codes()
    subjects = {code.partition(".")[0] for code in codes}
    acts = {code.partition(".")[2] for code in codes}
    assert set(SUBJECTS) - subjects == set()
    assert set(ACTS) - acts == set()
    assert set(WHOLE) <= codes
