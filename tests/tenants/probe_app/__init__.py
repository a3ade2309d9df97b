"""A throwaway tenant app, installed only inside tests (and the provisioning bench) through a
settings override, to have "a new migration" to apply to existing tenant schemas.

Three migration packages, chosen with MIGRATION_MODULES:
- `migrations`: one migration of assorted plain DDL (tables, FK, indexes, constraints, RunSQL);
- `migrations_two_steps`: a plan of two migrations, the second altering what the first made;
- `migrations_runpython`: a table, then a RunPython data migration (must take the stock path).
"""
