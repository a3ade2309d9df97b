from django.urls import path

from . import access, audit, retention

app_name = "governance_api"
urlpatterns = [
    path("governance/audit/events/", audit.AuditEventListApi.as_view(), name="audit-event-list"),
    path("governance/audit/verify/", audit.AuditVerifyApi.as_view(), name="audit-verify"),
    path("governance/access-log/", access.AccessLogListApi.as_view(), name="access-log-list"),
    path("governance/access-log/export.xlsx", access.AccessLogExportApi.as_view(), name="access-log-export"),
    path("governance/retention-rules/", retention.RetentionRuleListApi.as_view(), name="retention-rule-list"),
    path("governance/customers/<int:pk>/retention/", retention.CustomerRetentionApi.as_view(),
         name="customer-retention"),
    path("governance/customers/<int:pk>/legal-holds/", retention.LegalHoldCreateApi.as_view(), name="legal-hold-set"),
    path("governance/legal-holds/<int:pk>/release/", retention.LegalHoldReleaseApi.as_view(),
         name="legal-hold-release"),
    path("governance/disposition/chain/", retention.DispositionChainApi.as_view(), name="disposition-chain"),
    path("governance/disposition/sweep/", retention.DispositionSweepApi.as_view(), name="disposition-sweep"),
    path("governance/disposition/batches/", retention.DispositionBatchListApi.as_view(), name="disposition-batch-list"),
    path("governance/disposition/batches/<int:pk>/", retention.DispositionBatchDetailApi.as_view(),
         name="disposition-batch-detail"),
    path("governance/disposition/batches/<int:pk>/submit/", retention.DispositionSubmitApi.as_view(),
         name="disposition-batch-submit"),
    path("governance/disposition/batches/<int:pk>/approve/", retention.DispositionApproveApi.as_view(),
         name="disposition-batch-approve"),
    path("governance/disposition/batches/<int:pk>/reject/", retention.DispositionRejectApi.as_view(),
         name="disposition-batch-reject"),
    path("governance/disposition/items/<int:pk>/exclude/", retention.DispositionItemExcludeApi.as_view(),
         name="disposition-item-exclude"),
    path("governance/destruction-records/", retention.DestructionRecordListApi.as_view(),
         name="destruction-record-list"),
    path("governance/destruction-records/<int:pk>/certificate.pdf", retention.DestructionCertificateApi.as_view(),
         name="destruction-certificate"),
]
