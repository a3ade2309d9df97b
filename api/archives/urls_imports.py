"""Bulk import and export endpoints (include under api/v1/)."""
from django.urls import path

from . import imports

app_name = "archives_imports_api"
urlpatterns = [
    path("imports/", imports.ImportUploadApi.as_view(), name="import-upload"),
    path("imports/targets/", imports.ImportTargetListApi.as_view(), name="import-targets"),
    path("imports/<int:pk>/", imports.ImportJobDetailApi.as_view(), name="import-detail"),
    path("imports/<int:pk>/validate/", imports.ImportValidateApi.as_view(), name="import-validate"),
    path("imports/<int:pk>/apply/", imports.ImportApplyApi.as_view(), name="import-apply"),
    path("imports/<int:pk>/report/", imports.ImportErrorReportApi.as_view(), name="import-report"),
    path("exports/", imports.ExportStartApi.as_view(), name="export-start"),
    path("exports/<int:pk>/", imports.ExportDetailApi.as_view(), name="export-detail"),
    path("exports/<int:pk>/download/", imports.ExportDownloadApi.as_view(), name="export-download"),
]
