"""Governance pages of a company host (included from platform/urls_tenant.py). Top-level paths
of their own: web/governance/ (borrowing registers) is another package."""
from django.urls import path

from .views import audit, disposition, retention

app_name = "governance_pages"
urlpatterns = [
    path("disposition/", disposition.batch_list, name="batch-list"),
    path("disposition/sweep/", disposition.batch_sweep, name="batch-sweep"),
    path("disposition/<int:pk>/", disposition.batch_detail, name="batch-detail"),
    path("disposition/<int:pk>/submit/", disposition.batch_submit, name="batch-submit"),
    path("disposition/<int:pk>/approve/", disposition.batch_approve, name="batch-approve"),
    path("disposition/<int:pk>/reject/", disposition.batch_reject, name="batch-reject"),
    path("disposition/items/<int:pk>/exclude/", disposition.item_exclude, name="item-exclude"),
    path("destruction-records/", disposition.record_list, name="record-list"),
    path("destruction-records/<int:pk>/certificate.pdf", disposition.record_certificate, name="record-certificate"),
    path("legal-holds/", retention.hold_list, name="hold-list"),
    path("legal-holds/new/", retention.hold_set, name="hold-set"),
    path("legal-holds/<int:pk>/release/", retention.hold_release, name="hold-release"),
    path("settings/retention/", retention.retention_rules, name="settings-retention"),
    path("settings/retention/rules/", retention.retention_rule_save, name="settings-retention-rule"),
    path("settings/retention/chain/", retention.chain_save, name="settings-retention-chain"),
    path("access-log/", audit.access_log, name="access-log"),
    path("access-log/export.xlsx", audit.access_log_export_view, name="access-log-export"),
    path("audit-chain/", audit.audit, name="audit"),
    path("audit-chain/verify/", audit.audit_verify, name="audit-verify"),
]
