"""Seeds run inside a new company's schema at signup (settings.DANGAN_TENANT_SEEDERS)."""
from django.contrib.auth.models import Group

TENANT_ADMIN_GROUP = "租户管理员"


def seed_admin_group(tenant, admin_user) -> None:
    """The signing-up person administers the company; later issues grant this group its roles."""
    group, _ = Group.objects.get_or_create(name=TENANT_ADMIN_GROUP)
    admin_user.groups.add(group)
