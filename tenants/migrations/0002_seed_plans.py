"""The plans a company can be on. Signup puts new companies on the default (试用版)."""
from django.db import migrations

PLANS = [
    # code, name, users, storage MB, API calls/day, default
    ("trial", "试用版 Trial", 10, 2_048, 10_000, True),
    ("standard", "标准版 Standard", 100, 51_200, 200_000, False),
    ("enterprise", "企业版 Enterprise", 2_000, 1_048_576, 5_000_000, False),
]


def seed(apps, schema_editor):
    if schema_editor.connection.schema_name != "public":
        return  # plans live in the public schema only
    Plan = apps.get_model("tenants", "Plan")
    for code, name, users, storage, calls, default in PLANS:
        Plan.objects.update_or_create(code=code, defaults={
            "name": name, "max_users": users, "max_storage_mb": storage,
            "max_api_calls_per_day": calls, "is_default": default})


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
