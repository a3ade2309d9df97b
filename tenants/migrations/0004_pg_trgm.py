"""pg_trgm in the public schema, once per database: the ledger's product-name index
(archives 0010) uses its operator class from every company schema (public is on their
search_path). A trusted extension since PostgreSQL 13: the database owner may create it."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("tenants", "0003_auditcheckpoint"),
    ]

    operations = [
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public", reverse_sql=migrations.RunSQL.noop),
    ]
