"""Helpers shared by the web views: htmx detection, service errors shown on forms, access gates.

Views stay thin: they parse a form, call one service or selector, and render. The rules —
who may do what, what is valid — live in the services; this module only carries their
answers (ApplicationError) onto the page in the reader's language.
"""
from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import get_language

from dangan.accounts import roles
from dangan.platform.errors import ApplicationError


def is_htmx(request) -> bool:
    # A history restore wants the whole page: htmx found no snapshot of it to put back.
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def localized(message: dict[str, str] | str) -> str:
    """One of an error item's {"zh-hans", "en"} messages, in the active language."""
    if isinstance(message, str):
        return message
    return message["en" if (get_language() or "").lower().startswith("en") else "zh-hans"]


def add_service_errors(exc: ApplicationError, form, *, field_map=None, formsets=None) -> None:
    """Put a service's field errors on the form fields they concern.

    Keys are the services' paths: `name`, `custom_fields.plate_no`, `contacts.0.phone`.
    `field_map(key)` may rename a key to a form field; `formsets` maps a list prefix
    ("contacts") to (formset, [form index of each list item sent]) so that `contacts.2.phone`
    lands on the form that produced the third item sent. Whatever matches no field is shown
    above the form, and so is the error's own message when it names no field.
    """
    placed = False
    for key, items in (exc.fields or {}).items():
        texts = [localized(item.get("message", "")) for item in items] or [exc.localized()]
        target, name = _target(key, form, field_map, formsets or {})
        for text in texts:
            target.add_error(name, text)
        placed = True
    if not placed:
        form.add_error(None, exc.localized())


def _target(key: str, form, field_map, formsets):
    name = field_map(key) if field_map else key
    if name in form.fields:
        return form, name
    head, _, rest = key.partition(".")
    if head in formsets and rest:
        formset, order = formsets[head]
        index, _, field = rest.partition(".")
        if index.isdigit() and int(index) < len(order):
            sub = formset.forms[order[int(index)]]
            return (sub, field) if field in sub.fields else (sub, None)
    return form, None


def flash_error(request, exc: ApplicationError) -> None:
    messages.error(request, exc.localized())


def admin_required(view):
    """Settings pages are for tenant administrators. The services refuse everyone else anyway;
    this only spares others a page of controls that could never work for them."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not roles.is_tenant_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def found(obj):
    """The object, or 404: an unknown and an invisible record look the same to the reader."""
    if obj is None:
        raise Http404
    return obj
