"""Pages of the registers on a company host (included from platform/urls_tenant.py)."""
from django.urls import path

from . import classified, loans, pickups

app_name = "registers"
urlpatterns = [
    path("loans/", loans.loan_list, name="loan-list"),
    path("loans/new/", loans.loan_request, name="loan-request"),
    path("loans/<int:pk>/<slug:action>/", loans.loan_action, name="loan-action"),
    path("pickups/", pickups.pickup_list, name="pickup-list"),
    path("pickups/new/", pickups.pickup_create, name="pickup-create"),
    path("pickups/export/", pickups.pickup_export, name="pickup-export"),
    path("pickups/<int:pk>/signature/", pickups.pickup_signature, name="pickup-signature"),
    path("classified/", classified.classified_list, name="classified-list"),
    path("classified/<int:pk>/request/", classified.access_request_create, name="access-request-create"),
    path("access-requests/", classified.access_requests, name="access-requests"),
    path("access-requests/<int:pk>/<slug:decision>/", classified.access_request_decide, name="access-request-decide"),
]
