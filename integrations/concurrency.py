"""Optimistic concurrency: versions, ETags and conditional requests.

A client reads a resource (GET answers with an `ETag`), edits it, and writes it back with
`If-Match: <that ETag>`. If somebody else changed the resource in between, the write is refused
with 412 `precondition_failed` instead of silently overwriting their change (a lost update).
`If-None-Match` on GET lets a client revalidate its copy cheaply (304, no body).

The view-level check alone is check-then-act; services close the gap with `bump_version`, a
single conditional `UPDATE … WHERE version = <expected>` that fails if the row moved on.
"""
from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import F
from django.http import Http404, HttpResponseNotModified
from django.utils.http import parse_etags

from dangan.platform.errors import ApplicationError

from . import errors


class Versioned(models.Model):
    """A row with a version counter: every write through `bump_version` increments it."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def bump_version(self, *, expected_version: int | None = None, **changes: Any) -> bool:
        return bump_version(self, expected_version=expected_version, **changes)


def bump_version(instance: models.Model, *, expected_version: int | None = None, **changes: Any) -> bool:
    """Apply `changes` and increment the version in one `UPDATE … WHERE pk = … AND version = …`.

    Returns False, changing nothing, when the row is no longer at `expected_version` (default:
    the version `instance` was read at): somebody else wrote it meanwhile. On success `instance`
    carries the new version and values.
    """
    expected = instance.version if expected_version is None else expected_version
    updated = type(instance)._default_manager.filter(pk=instance.pk, version=expected).update(
        version=F("version") + 1, **changes)
    if not updated:
        return False
    instance.version = expected + 1
    expressions = []
    for name, value in changes.items():
        if hasattr(value, "resolve_expression"):
            expressions.append(name)
        else:
            setattr(instance, name, value)
    if expressions:
        instance.refresh_from_db(fields=expressions)
    return True


def etag_for(instance_or_version: Any) -> str:
    """A strong ETag: from a version number (`"v7"`) or, lacking one, from `updated_at`.

    Strong, because `If-Match` compares strongly (RFC 9110 §13.1.1): a weak tag could never
    satisfy it. A version changes with every write, so equal tags mean equal content.
    """
    value = instance_or_version
    if isinstance(value, bool):
        raise TypeError("a version must be an integer")
    if isinstance(value, int):
        return f'"v{value}"'
    version = getattr(value, "version", None)
    if isinstance(version, int):
        return f'"v{version}"'
    updated_at = getattr(value, "updated_at", None)
    if isinstance(updated_at, datetime):
        return f'"t{int(updated_at.timestamp() * 1_000_000)}"'
    raise TypeError(f"cannot derive an ETag from {type(value).__name__}: it has no version or updated_at")


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def etag_matches_strongly(current: str, header: str) -> bool:
    """If-Match semantics: `*` matches any existing resource; weak tags never match."""
    tags = parse_etags(header)
    if tags == ["*"]:
        return True
    return any(not tag.startswith("W/") and tag == current for tag in tags)


def etag_matches_weakly(current: str, header: str) -> bool:
    """If-None-Match semantics: W/ prefixes are ignored."""
    tags = parse_etags(header)
    if tags == ["*"]:
        return True
    return any(_opaque(tag) == _opaque(current) for tag in tags)


def conditional(handler):
    """Wrap a detail view's handler with ETag / If-Match / If-None-Match handling (see mixin)."""
    inner = getattr(handler, "idempotent_inner", None)
    if inner is not None:
        # The idempotency check must stay outermost: a retried write is replayed before its
        # precondition is looked at, since its own first run has already changed the ETag.
        from .idempotency import idempotent

        return idempotent(conditional(inner))

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        instance = self.get_etag_object(request, *args, **kwargs)
        self.etag_instance = instance
        current = etag_for(instance)
        if request.method in ("GET", "HEAD"):
            if_none_match = request.headers.get("If-None-Match")
            if if_none_match and etag_matches_weakly(current, if_none_match):
                not_modified = HttpResponseNotModified()
                not_modified["ETag"] = current
                return not_modified
            response = handler(self, request, *args, **kwargs)
            if 200 <= response.status_code < 300 and not response.has_header("ETag"):
                response["ETag"] = current
            return response

        if_match = request.headers.get("If-Match")
        if if_match is not None:
            if not etag_matches_strongly(current, if_match):
                raise ApplicationError(errors.PRECONDITION_FAILED)
            # The version the client saw; services pass it to `bump_version`, so a write that
            # lands between this check and theirs is still refused.
            self.expected_version = getattr(instance, "version", None)
        response = handler(self, request, *args, **kwargs)
        if 200 <= response.status_code < 300 and not response.has_header("ETag"):
            try:
                response["ETag"] = etag_for(self.get_etag_object(request, *args, **kwargs))
            except Http404:
                pass  # the write removed the resource: there is nothing left to tag
        return response

    wrapper.conditional = True
    return wrapper


# For detail views: GET/HEAD answer with `ETag` and honour `If-None-Match` (304);
# POST/PUT/PATCH/DELETE honour `If-Match` (412 `precondition_failed` when it does not match).
#
# A view defines `get_etag_object(request, *args, **kwargs)`, returning the instance (or
# version) the representation depends on; raise Http404 when it does not exist. Handlers can
# reuse it as `self.etag_instance` and pass `self.expected_version` (set when If-Match was
# given) to their service so that the service's own conditional update closes the race.
# (A comment, not a docstring: drf-spectacular shows the nearest class docstring of a view as
# its API description, and this text is not meant for API clients.)
class ConditionalMixin:

    conditional_methods = ("get", "post", "put", "patch", "delete")
    etag_instance: Any = None
    expected_version: int | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.conditional_methods:
            handler = cls.__dict__.get(name)
            if handler is not None and not getattr(handler, "conditional", False):
                setattr(cls, name, conditional(handler))

    def get_etag_object(self, request, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define get_etag_object()")
