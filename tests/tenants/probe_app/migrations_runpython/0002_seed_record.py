from django.db import migrations


def seed_record(apps, schema_editor):
    apps.get_model("probe_app", "ProbeRecord").objects.create(title="written by RunPython")


class Migration(migrations.Migration):
    dependencies = [("probe_app", "0001_initial")]

    operations = [migrations.RunPython(seed_record, migrations.RunPython.noop)]
