"""Pages of the customer archives on a company host (included from platform/urls_tenant.py)."""
from django.urls import path

from .views import approvals, customers, dashboard, detail, edit, imports, records, reveal, uploads
from .views import settings as settings_views

app_name = "archives"
urlpatterns = [
    path("customers/", customers.customer_list, name="customer-list"),
    path("customers/new/", edit.customer_create, name="customer-create"),
    path("customers/saved-filters/", customers.saved_filter_create, name="saved-filter-create"),
    path("customers/saved-filters/<int:pk>/delete/", customers.saved_filter_delete, name="saved-filter-delete"),
    path("customers/export/", customers.export_start, name="export-start"),
    path("customers/exports/<int:pk>/", customers.export_detail, name="export-detail"),
    path("customers/exports/<int:pk>/download/", customers.export_download, name="export-download"),
    path("customers/<int:pk>/", detail.customer_detail, name="customer-detail"),
    path("customers/<int:pk>/edit/", edit.customer_edit, name="customer-edit"),
    path("customers/<int:pk>/sections/<slug:name>/", detail.customer_section, name="customer-section"),
    path("customers/<int:pk>/actions/<slug:action>/", detail.customer_action, name="customer-action"),
    path("customers/<int:pk>/reveal/", reveal.customer_reveal, name="customer-reveal"),
    path("change-requests/<int:pk>/<slug:decision>/", detail.change_request_decide, name="change-request-decide"),
    # documents on the customer page: uploads, live status, previews, downloads, checklist
    path("customers/<int:pk>/documents/upload/", uploads.document_upload, name="document-upload"),
    path("customers/<int:pk>/checklist/", uploads.customer_checklist, name="customer-checklist"),
    path("documents/<int:pk>/row/", uploads.document_row, name="document-row"),
    path("document-versions/<int:pk>/thumbnail.png", uploads.version_thumbnail, name="version-thumbnail"),
    path("document-versions/<int:pk>/download/", uploads.version_download, name="version-download"),
    # rows added from the customer page
    path("customers/<int:pk>/contacts/", records.contact_add, name="contact-add"),
    path("customers/<int:pk>/records/<slug:name>/", records.record_add, name="record-add"),
    path("voucher-copies/<int:pk>/", records.voucher_copy_mark, name="voucher-copy"),
    path("complaints/<int:pk>/transition/", records.complaint_transition, name="complaint-transition"),
    # the import wizard
    path("imports/", imports.import_start, name="import-start"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
    path("imports/<int:pk>/mapping/", imports.import_mapping, name="import-mapping"),
    path("imports/<int:pk>/apply/", imports.import_apply, name="import-apply"),
    path("imports/<int:pk>/report/", imports.import_report, name="import-report"),
    path("approvals/", approvals.inbox, name="approvals"),
    path("notifications/<int:pk>/read/", dashboard.notification_read, name="notification-read"),
    # settings of the tenant administrator
    path("settings/", settings_views.settings_index, name="settings"),
    path("settings/categories/", settings_views.category_create, name="settings-category-create"),
    path("settings/categories/<int:pk>/", settings_views.category_detail, name="settings-category"),
    path("settings/categories/<int:pk>/fields/", settings_views.field_create, name="settings-field-create"),
    path("settings/fields/<int:pk>/label/", settings_views.field_rename, name="settings-field-rename"),
    path("settings/fields/<int:pk>/deactivate/", settings_views.field_deactivate, name="settings-field-deactivate"),
    path("settings/classification/", settings_views.classification, name="settings-classification"),
    path("settings/classification/<slug:code>/terms/", settings_views.term_create, name="settings-term-create"),
    path("settings/terms/<int:pk>/name/", settings_views.term_rename, name="settings-term-rename"),
    path("settings/departments/", settings_views.departments, name="settings-departments"),
    path("settings/departments/new/", settings_views.department_create, name="settings-department-create"),
    path("settings/departments/<int:pk>/members/", settings_views.department_members,
         name="settings-department-members"),
]
