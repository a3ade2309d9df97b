"""Reads on a company's users, for the administrator's pages."""
from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from .models import User


def company_users(*, include_inactive: bool = True, search: str = "") -> QuerySet[User]:
    """Users with their roles and departments loaded (one query each, not one per row); with
    `search`, only those whose name or e-mail contains it (case-insensitive, Chinese as typed)."""
    from django.contrib.auth.models import Group

    from dangan.archives.models import Department

    users = User.objects.prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")),
                                          Prefetch("departments", queryset=Department.objects.order_by("sort", "pk")))
    if not include_inactive:
        users = users.filter(is_active=True)
    if search := search.strip():
        users = users.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    return users.order_by("-is_active", "full_name", "email")


def company_user(*, pk: int) -> User | None:
    return company_users().filter(pk=pk).first()
