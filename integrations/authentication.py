"""`Authorization: Api-Key <key>` (or `X-API-Key: <key>`) for machine clients.

The key is looked up in the current company's schema, so a key of company A is simply unknown
on company B's host, and on the public host (where no company's keys exist) every key is
refused. The request then acts as the key's creator (`request.user`, the `actor` services
expect), with the key itself in `request.auth` for scope checks and audit.
"""
from __future__ import annotations

import functools
import hmac
from typing import NoReturn

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name
from rest_framework import authentication, exceptions

from dangan.accounts import roles
from dangan.platform.errors import ApplicationError

from . import errors, selectors, services
from .permissions import check_api_key_scope

SCHEME = "api-key"


def presented_key(request) -> str | None:
    """The key the client sent, or None when it sent none (other authenticators then try)."""
    header = authentication.get_authorization_header(request).decode("latin-1").strip()
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == SCHEME:
            return value.strip()
    alternative = request.headers.get("X-API-Key")
    if alternative is not None:
        return alternative.strip()
    return None


def _parse(key: str) -> str | None:
    """The prefix of a well-formed key `dgn_<prefix>_<secret>`, else None."""
    brand, _, rest = key.partition("_")
    prefix, _, secret = rest.partition("_")
    if brand != services.KEY_PREFIX or len(prefix) != 8 or not secret:
        return None
    return prefix


def _refuse(request, error) -> NoReturn:
    # DRF resets the request to anonymous only for its own exceptions; do the same here so
    # nothing later in this request can see a half-authenticated user.
    request._not_authenticated()
    raise ApplicationError(error)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        key = presented_key(request)
        if key is None:
            return None
        # ApplicationError rather than DRF's AuthenticationFailed: DRF would turn the latter
        # into 403 unless this class (first in the list) claimed every unauthenticated request
        # with a WWW-Authenticate header — and every endpoint's "not signed in" answer would change.
        if connection.schema_name == get_public_schema_name():
            _refuse(request, errors.API_KEY_INVALID)
        prefix = _parse(key)
        api_key = selectors.api_key_by_prefix(prefix) if prefix else None
        # Constant-time comparison of the hashes: response timing reveals nothing about how
        # much of a guessed key was right. Unknown prefixes compare against a dummy for the same reason.
        expected = api_key.hashed_key if api_key is not None else "0" * 64
        if not hmac.compare_digest(expected, services.hash_key(key)) or api_key is None:
            _refuse(request, errors.API_KEY_INVALID)
        # Only a holder of the real secret learns that the key was revoked or expired.
        if api_key.revoked_at is not None:
            _refuse(request, errors.API_KEY_REVOKED)
        if api_key.is_expired(timezone.now()):
            _refuse(request, errors.API_KEY_EXPIRED)
        user = api_key.created_by
        if not user.is_active:
            _refuse(request, errors.API_KEY_INVALID)
        # Enforced here as well as by ApiKeyScopePermission: a view that sets its own
        # permission_classes must not turn a read-only key into a writing one by omission.
        try:
            check_api_key_scope(request.method, api_key)
        except ApplicationError as exc:
            _refuse(request, exc.error)
        services.api_key_touch(api_key=api_key)
        return user, api_key

    def authenticate_header(self, request):
        # None keeps DRF's answer to requests without credentials as it was (403
        # not_authenticated); bad keys are answered by the ApplicationErrors above.
        return None


_KEY_PLACEHOLDER = "\0token-key\0"


@functools.cache
def _token_lookup():
    """The token → user join as SQL compiled once, and how to read its row: (sql, index of
    the key among the parameters, the parameters, token attnames, user attnames). Table names
    are unqualified, so the same statement reads whichever company schema the connection is in.
    The row ends with the user's role names (accounts.roles.role_names), read in the same
    statement: a query of their own, compiled through the ORM, was ~1.5 ms of every API request."""
    from django.db.models import OuterRef
    from rest_framework.authtoken.models import Token

    token_names = [field.attname for field in Token._meta.concrete_fields]
    user_names = [field.attname for field in get_user_model()._meta.concrete_fields]
    if any(hasattr(field, "from_db_value") for model in (Token, get_user_model())
           for field in model._meta.concrete_fields):
        return None  # values that need converting: let the ORM read them
    query = Token.objects.filter(key=_KEY_PLACEHOLDER).annotate(
        dangan_role_names=roles.role_names_query(OuterRef("user_id"))).values_list(
        *token_names, *(f"user__{name}" for name in user_names), "dangan_role_names").query
    sql, params = query.sql_with_params()
    return sql, list(params).index(_KEY_PLACEHOLDER), list(params), token_names, user_names


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's `Authorization: Token <key>`, with the lookup read by one precompiled statement:
    building and compiling the same join through the ORM was ~1.5 ms of every API request's CPU.
    Nothing is cached but the SQL text, so a deleted token or a deactivated user is refused on
    the very next request, as before."""

    def authenticate_credentials(self, key):
        from rest_framework.authtoken.models import Token

        lookup = _token_lookup()
        if lookup is None:
            return super().authenticate_credentials(key)
        sql, index, params, token_names, user_names = lookup
        params = [*params[:index], key, *params[index + 1:]]
        with connection.prepared_cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = Token.from_db(connection.alias, token_names, row[:len(token_names)])
        user = get_user_model().from_db(connection.alias, user_names, row[len(token_names):-1])
        roles.remember_role_names(user, row[-1])
        token.user = user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token
