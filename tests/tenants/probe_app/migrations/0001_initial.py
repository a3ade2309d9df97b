import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name="ProbeRecord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("code", models.CharField(max_length=40, unique=True)),
                ("amount", models.DecimalField(decimal_places=2, default=0, max_digits=12)),
                ("created_at", models.DateTimeField(db_index=True)),
                ("tags", models.JSONField(default=list)),
                ("owner", models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE,
                                            to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.AddIndex(
            model_name="proberecord",
            index=models.Index(fields=["title", "-created_at"], name="probe_title_created_idx"),
        ),
        migrations.AddConstraint(
            model_name="proberecord",
            constraint=models.CheckConstraint(condition=models.Q(amount__gte=0), name="probe_amount_non_negative"),
        ),
        migrations.AddConstraint(
            model_name="proberecord",
            constraint=models.UniqueConstraint(condition=models.Q(owner__isnull=False), fields=("owner", "title"),
                                               name="probe_owner_title_uniq"),
        ),
        migrations.CreateModel(
            name="ProbeNote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("body", models.TextField()),
                ("record", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="notes",
                                             to="probe_app.proberecord")),
            ],
        ),
        migrations.RunSQL(
            "CREATE INDEX probe_title_lower_idx ON probe_app_proberecord (lower(title));",
            reverse_sql="DROP INDEX probe_title_lower_idx;",
        ),
    ]
