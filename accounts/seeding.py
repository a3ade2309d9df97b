"""Seeds run inside a new company's schema at signup (settings.DANGAN_TENANT_SEEDERS)."""
from django.contrib.auth.models import Group

from .roles import ALL_ROLES, TENANT_ADMIN

TENANT_ADMIN_GROUP = TENANT_ADMIN


def seed_admin_group(tenant, admin_user) -> None:
    """Every role exists from day one; the signing-up person administers the company."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ALL_ROLES}
    admin_user.groups.add(groups[TENANT_ADMIN])
