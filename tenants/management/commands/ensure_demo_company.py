"""`make run`: make sure the demo company (with sample customer files, archives/demo.py) and a
platform staff user exist (idempotent)."""
from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from dangan.tenants.models import Tenant
from dangan.tenants.services import tenant_signup

DEMO = {"company_name": "演示公司（Demo）", "slug": "demo", "admin_name": "演示管理员",
        "admin_email": "admin@demo.example", "admin_password": "dangan-demo-2026"}
STAFF = {"email": "staff@dangan.example", "password": "dangan-staff", "full_name": "平台管理员"}


class Command(BaseCommand):
    help = "Create the demo company and a platform staff account if they do not exist."

    def handle(self, *args, **options):
        from dangan.accounts.models import User
        from dangan.archives.demo import seed_demo_archive

        if not Tenant.objects.filter(slug=DEMO["slug"]).exists():
            tenant = tenant_signup(**DEMO)
            with schema_context(tenant.schema_name):
                files = seed_demo_archive(actor=User.objects.get(email=DEMO["admin_email"]))
            self.stdout.write(f"created demo company: demo, with {len(files)} sample customer files")
        with schema_context("public"):
            if not User.objects.filter(email=STAFF["email"]).exists():
                User.objects.create_superuser(**STAFF)
                self.stdout.write(f"created platform staff user {STAFF['email']}")
