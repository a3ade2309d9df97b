"""Every API write refuses fields clients never set (governance/writable.py)."""
from __future__ import annotations

from collections.abc import Mapping

from rest_framework import permissions

from dangan.governance.writable import reject_protected_fields


class RejectProtectedFields(permissions.BasePermission):
    """A default permission, so no write endpoint can forget it. It runs after authentication
    and before the view, so a refused request changes nothing.

    A view whose own input legitimately carries one of the names (say, the level service's
    own endpoint) lists it in `protected_fields_allowed`. A view that streams its multipart
    body (`streams_upload = True`) checks its form fields itself, as it parses them."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS or getattr(view, "streams_upload", False):
            return True
        data = request.data
        if isinstance(data, Mapping):
            reject_protected_fields(data.keys(), allowed=getattr(view, "protected_fields_allowed", ()))
        return True
