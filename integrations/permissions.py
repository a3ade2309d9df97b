"""Permission classes of the API: key scopes and company administrators."""
from __future__ import annotations

from rest_framework import permissions

from dangan.platform.errors import ApplicationError

from . import errors, selectors
from .models import ApiKey


def check_api_key_scope(method: str, api_key: ApiKey) -> None:
    """Safe methods need `read`, everything else `write`."""
    needed = ApiKey.Scope.READ if method in permissions.SAFE_METHODS else ApiKey.Scope.WRITE
    if not api_key.has_scope(needed):
        raise ApplicationError(errors.API_KEY_SCOPE)


class ApiKeyScopePermission(permissions.BasePermission):
    """A read-scoped API key may only GET/HEAD/OPTIONS; other credentials are not concerned."""

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiKey):
            check_api_key_scope(request.method, request.auth)
        return True


class IsTenantAdmin(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return selectors.user_is_tenant_admin(request.user)


class NotViaApiKey(permissions.BasePermission):
    """For actions a key must not perform on its own behalf, such as minting more keys: a
    leaked key could otherwise outlive its own revocation through the keys it created."""

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiKey):
            raise ApplicationError(errors.API_KEY_NOT_ALLOWED)
        return True
