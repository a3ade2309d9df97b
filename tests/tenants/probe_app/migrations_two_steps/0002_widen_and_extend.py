from django.db import migrations, models


class Migration(migrations.Migration):
    """Alters what 0001 made: rendering it needs the state 0001 leaves behind."""

    dependencies = [("probe_app", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="proberecord", name="title", field=models.CharField(max_length=200)),
        migrations.AddField(model_name="proberecord", name="code",
                            field=models.CharField(default="", max_length=40)),
        migrations.RenameField(model_name="proberecord", old_name="title", new_name="heading"),
        migrations.AddIndex(model_name="proberecord",
                            index=models.Index(fields=["heading", "code"], name="probe_heading_code_idx")),
    ]
