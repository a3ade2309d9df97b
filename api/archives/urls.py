from django.urls import path

from . import configuration as config
from . import customers, records, traceability

app_name = "archives_api"
urlpatterns = [
    # customer files and their life cycle
    path("customers/", customers.CustomerListApi.as_view(), name="customer-list"),
    path("customers/<int:pk>/", customers.CustomerDetailApi.as_view(), name="customer-detail"),
    path("customers/<int:pk>/submit/", customers.CustomerSubmitApi.as_view(), name="customer-submit"),
    path("customers/<int:pk>/approve/", customers.CustomerApproveApi.as_view(), name="customer-approve"),
    path("customers/<int:pk>/return/", customers.CustomerReturnApi.as_view(), name="customer-return"),
    path("customers/<int:pk>/file/", customers.CustomerFileApi.as_view(), name="customer-file"),
    path("customers/<int:pk>/review/", customers.CustomerReviewApi.as_view(), name="customer-review"),
    path("customers/<int:pk>/archive/", customers.CustomerArchiveApi.as_view(), name="customer-archive"),
    path("customers/<int:pk>/reactivate/", customers.CustomerReactivateApi.as_view(), name="customer-reactivate"),
    path("customers/<int:pk>/history/", customers.CustomerHistoryApi.as_view(), name="customer-history"),
    path("change-requests/", customers.ChangeRequestListApi.as_view(), name="change-request-list"),
    path("change-requests/<int:pk>/approve/", customers.ChangeRequestApproveApi.as_view(), name="change-request-approve"),
    path("change-requests/<int:pk>/reject/", customers.ChangeRequestRejectApi.as_view(), name="change-request-reject"),
    # what hangs off a file
    path("customers/<int:pk>/ledger/", records.LedgerListApi.as_view(), name="ledger-list"),
    path("customers/<int:pk>/vouchers/", records.VoucherListApi.as_view(), name="voucher-list"),
    path("customers/<int:pk>/communications/", records.CommunicationListApi.as_view(), name="communication-list"),
    path("customers/<int:pk>/service-records/", records.ServiceRecordListApi.as_view(), name="service-record-list"),
    path("customers/<int:pk>/complaints/", records.ComplaintListApi.as_view(), name="complaint-list"),
    path("customers/<int:pk>/surveys/", records.SurveyListApi.as_view(), name="survey-list"),
    path("ledger/<int:pk>/", records.LedgerDetailApi.as_view(), name="ledger-detail"),
    path("voucher-copies/<int:pk>/", records.VoucherCopyApi.as_view(), name="voucher-copy-detail"),
    path("complaints/<int:pk>/transition/", records.ComplaintTransitionApi.as_view(), name="complaint-transition"),
    # traceability
    path("traceability/", traceability.TraceabilityApi.as_view(), name="traceability"),
    path("traceability/export.xlsx", traceability.TraceabilityExportApi.as_view(), name="traceability-export"),
    # configuration
    path("categories/", config.CategoryListApi.as_view(), name="category-list"),
    path("categories/<int:pk>/", config.CategoryDetailApi.as_view(), name="category-detail"),
    path("categories/<int:pk>/fields/", config.CategoryFieldListApi.as_view(), name="custom-field-list"),
    path("fields/<int:pk>/", config.FieldDetailApi.as_view(), name="custom-field-detail"),
    path("fields/<int:pk>/deactivate/", config.FieldDeactivateApi.as_view(), name="custom-field-deactivate"),
    path("classification-schemes/", config.SchemeListApi.as_view(), name="scheme-list"),
    path("classification-schemes/<slug:code>/terms/", config.TermCreateApi.as_view(), name="term-create"),
    path("terms/<int:pk>/", config.TermDetailApi.as_view(), name="term-detail"),
    path("departments/", config.DepartmentListApi.as_view(), name="department-list"),
    path("departments/<int:pk>/members/", config.DepartmentMembersApi.as_view(), name="department-members"),
    path("cadence-rules/", config.CadenceRuleListApi.as_view(), name="cadence-rule-list"),
    path("archive-settings/", config.ArchiveSettingsApi.as_view(), name="archive-settings"),
    path("volumes/", config.VolumeListApi.as_view(), name="volume-list"),
    path("volumes/<int:pk>/assign/", config.VolumeAssignApi.as_view(), name="volume-assign"),
    path("notifications/", config.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/<int:pk>/read/", config.NotificationReadApi.as_view(), name="notification-read"),
    path("notifications/read-all/", config.NotificationReadAllApi.as_view(), name="notification-read-all"),
]
