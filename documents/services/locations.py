"""Where paper originals live: the location tree, and which file's paper sits where."""
from __future__ import annotations

from django.db import IntegrityError, transaction

from dangan.archives.models import Customer
from dangan.platform.errors import ApplicationError

from .. import errors
from ..models import CustomerPaperLocation, PhysicalLocation
from ._common import clean, require_configurer, require_writer


def _check_parent(kind: str, parent: PhysicalLocation | None, *, moving: PhysicalLocation | None = None) -> None:
    allowed = PhysicalLocation.ALLOWED_PARENTS[PhysicalLocation.Kind(kind)]
    if (parent.kind if parent else None) not in allowed:
        raise ApplicationError(errors.LOCATION_KIND_INVALID, field="parent",
                               kind=PhysicalLocation.Kind(kind).label,
                               parent=parent.get_kind_display() if parent else "（顶层 top level）")
    node = parent
    while moving is not None and node is not None:
        if node.pk == moving.pk:  # only reachable if kinds ever allow nesting a kind in itself
            raise ApplicationError(errors.LOCATION_KIND_INVALID, field="parent", kind=moving.name, parent=parent.name)
        node = node.parent


@transaction.atomic
def location_create(*, actor, kind: str, code: str, name: str, parent: PhysicalLocation | None = None,
                    note: str = "") -> PhysicalLocation:
    """Rooms at the top, then cabinets, shelves, and boxes or bags (a bag also in a box)."""
    require_configurer(actor)
    _check_parent(kind, parent)
    location = PhysicalLocation(kind=kind, code=code.strip(), name=name, parent=parent, note=note)
    if PhysicalLocation.objects.filter(code=location.code).exists():
        raise ApplicationError(errors.LOCATION_CODE_TAKEN, field="code", code=location.code)
    clean(location)
    try:
        with transaction.atomic():
            location.save()
    except IntegrityError:
        raise ApplicationError(errors.LOCATION_CODE_TAKEN, field="code", code=location.code) from None
    return location


@transaction.atomic
def location_update(*, actor, location: PhysicalLocation, **changes) -> PhysicalLocation:
    require_configurer(actor)
    location = PhysicalLocation.objects.select_for_update().get(pk=location.pk)
    if "parent" in changes:
        _check_parent(location.kind, changes["parent"], moving=location)
        location.parent = changes["parent"]
    for name in ("name", "note"):
        if name in changes:
            setattr(location, name, changes[name])
    clean(location)
    location.save()
    return location


@transaction.atomic
def location_delete(*, actor, location: PhysicalLocation) -> None:
    require_configurer(actor)
    if location.children.exists() or location.documents.exists() or location.customer_files.exists():
        raise ApplicationError(errors.LOCATION_NOT_EMPTY)
    location.delete()


@transaction.atomic
def customer_location_set(*, actor, customer: Customer, location: PhysicalLocation | None) -> CustomerPaperLocation | None:
    """Where the file's paper lives (its archive bag); None clears it."""
    require_writer(actor)
    if location is None:
        CustomerPaperLocation.objects.filter(customer=customer).delete()
        return None
    placed, _ = CustomerPaperLocation.objects.update_or_create(
        customer=customer, defaults={"location": location, "updated_by": actor})
    return placed
