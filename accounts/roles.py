"""The role catalogue (R6), as Django groups in each company's schema.

Roles are checked by name through `has_role`; the governance app refines scoping and
approvals on top of the same names. Tenant administrators (and superusers) hold every role's
administrative powers but are still subject to "never your own file" rules.
"""
from __future__ import annotations

SALESPERSON = "业务员"
SUPERVISOR = "主管"
DEPARTMENT_MANAGER = "部门经理"
CUSTODIAN = "档案管理员"
OFFICE = "办公室"
DEPUTY_MANAGER = "副总经理"
GENERAL_MANAGER = "总经理"
AUDITOR = "审计"
TENANT_ADMIN = "租户管理员"

ALL_ROLES = [SALESPERSON, SUPERVISOR, DEPARTMENT_MANAGER, CUSTODIAN, OFFICE, DEPUTY_MANAGER, GENERAL_MANAGER,
             AUDITOR, TENANT_ADMIN]


def role_names(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_dangan_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._dangan_roles = cached
    return cached


def role_names_query(user_ref):
    """The names of the groups of the user `user_ref` (an expression, e.g. OuterRef("user_id")) as
    one array: what role_names reads, for a query that reads the user to carry along."""
    from django.contrib.auth.models import Group
    from django.contrib.postgres.expressions import ArraySubquery

    return ArraySubquery(Group.objects.filter(user=user_ref).order_by().values("name"))


def remember_role_names(user, names) -> None:
    """role_names(user) from now on, for the life of this instance: `names` were read with it."""
    user._dangan_roles = set(names)


def has_role(user, *roles: str) -> bool:
    return bool(role_names(user) & set(roles))


def is_read_only_auditor(user) -> bool:
    """Auditors read the files they audit; they never add to them (files, imports, documents).
    Someone holding another role as well writes as that role."""
    names = role_names(user)
    return bool(names) and names <= {AUDITOR} and not is_tenant_admin(user)


def is_tenant_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or has_role(user, TENANT_ADMIN)
