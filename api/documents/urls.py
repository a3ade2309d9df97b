from django.urls import path

from . import configuration as config
from . import documents

app_name = "documents_api"
urlpatterns = [
    # documents of a file, uploads and downloads
    path("customers/<int:pk>/documents/", documents.CustomerDocumentListApi.as_view(), name="customer-document-list"),
    path("customers/<int:pk>/documents/uploads/", documents.CustomerDocumentUploadStartApi.as_view(),
         name="document-upload-start"),
    path("customers/<int:pk>/documents/upload/", documents.CustomerDocumentProxiedUploadApi.as_view(),
         name="document-upload-proxied"),
    path("documents/search/", documents.DocumentSearchApi.as_view(), name="document-search"),
    path("documents/upload-limits/", documents.UploadLimitsApi.as_view(), name="upload-limits"),
    path("documents/<int:pk>/", documents.DocumentDetailApi.as_view(), name="document-detail"),
    path("documents/<int:pk>/versions/uploads/", documents.VersionUploadStartApi.as_view(),
         name="version-upload-start"),
    path("documents/<int:pk>/versions/upload/", documents.VersionProxiedUploadApi.as_view(),
         name="version-upload-proxied"),
    path("documents/<int:pk>/downloads/", documents.DocumentDownloadsApi.as_view(), name="document-downloads"),
    path("documents/<int:pk>/delete/", documents.DocumentDeleteApi.as_view(), name="document-delete"),
    path("document-versions/<int:pk>/", documents.VersionDetailApi.as_view(), name="version-detail"),
    path("document-versions/<int:pk>/complete/", documents.VersionCompleteApi.as_view(), name="version-complete"),
    path("document-versions/<int:pk>/abandon/", documents.VersionAbandonApi.as_view(), name="version-abandon"),
    path("document-versions/<int:pk>/download/", documents.VersionDownloadApi.as_view(), name="version-download"),
    path("document-versions/<int:pk>/thumbnail/", documents.VersionThumbnailApi.as_view(), name="version-thumbnail"),
    # required-document checklists
    path("document-types/", config.DocumentTypeListApi.as_view(), name="document-type-list"),
    path("document-types/<int:pk>/", config.DocumentTypeDetailApi.as_view(), name="document-type-detail"),
    path("checklists/", config.ChecklistListApi.as_view(), name="checklist-list"),
    path("checklists/<int:pk>/", config.ChecklistDetailApi.as_view(), name="checklist-detail"),
    path("checklists/<int:pk>/items/", config.ChecklistItemCreateApi.as_view(), name="checklist-item-create"),
    path("checklist-items/<int:pk>/", config.ChecklistItemDetailApi.as_view(), name="checklist-item-detail"),
    path("customers/<int:pk>/completeness/", config.CustomerCompletenessApi.as_view(), name="customer-completeness"),
    path("vouchers/missing-scans/", config.VoucherMissingScansApi.as_view(), name="voucher-missing-scans"),
    # paper originals
    path("locations/", config.LocationListApi.as_view(), name="location-list"),
    path("locations/<int:pk>/", config.LocationDetailApi.as_view(), name="location-detail"),
    path("customers/<int:pk>/paper-location/", config.CustomerPaperLocationApi.as_view(),
         name="customer-paper-location"),
    path("customers/<int:pk>/label.pdf", config.CustomerLabelApi.as_view(), name="customer-label"),
    path("labels.pdf", config.LabelSheetApi.as_view(), name="label-sheet"),
]
