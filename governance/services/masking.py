"""Changing who sees sensitive personal information in clear (the company's MaskingPolicy)."""
from __future__ import annotations

from django.db import transaction

from dangan.accounts import roles
from dangan.platform.errors import ApplicationError

from .. import errors
from ..models import MaskingPolicy
from .audit import audit_record


def _role_list(values, field: str) -> list[str]:
    names = []
    for value in values or []:
        name = str(value).strip()
        if name not in roles.ALL_ROLES:
            raise ApplicationError(errors.MASKING_ROLE_UNKNOWN, field=field, role=name[:50])
        if name not in names:
            names.append(name)
    return names


@transaction.atomic
def masking_policy_update(*, actor, clear_roles: list | None = None, reveal_roles: list | None = None,
                          owner_sees_clear: bool | None = None) -> MaskingPolicy:
    """Tenant administrators set which roles see sensitive values in clear and which may reveal
    one with a reason; roles must exist in the catalogue. Recorded in the audit chain."""
    if not roles.is_tenant_admin(actor):
        raise ApplicationError(errors.FORBIDDEN)
    policy = MaskingPolicy.objects.select_for_update().filter(pk=1).first() or MaskingPolicy.load()
    before = {"clear_roles": policy.clear_roles, "reveal_roles": policy.reveal_roles,
              "owner_sees_clear": policy.owner_sees_clear}
    if clear_roles is not None:
        policy.clear_roles = _role_list(clear_roles, "clear_roles")
    if reveal_roles is not None:
        policy.reveal_roles = _role_list(reveal_roles, "reveal_roles")
    if owner_sees_clear is not None:
        policy.owner_sees_clear = bool(owner_sees_clear)
    policy.save()
    audit_record(actor=actor, action="masking_policy.update", obj=policy,
                 summary={"before": before, "after": {"clear_roles": policy.clear_roles,
                                                      "reveal_roles": policy.reveal_roles,
                                                      "owner_sees_clear": policy.owner_sees_clear}})
    return policy
