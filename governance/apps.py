from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "dangan.governance"
    label = "governance"
    verbose_name = "档案治理"

    def ready(self) -> None:
        # pgtrigger (ready before us: it is a shared app) teaches makemigrations and migrate
        # about Meta.triggers by swapping their autodetector; django-tenants' `migrate`
        # (migrate_schemas) keeps Django's, and Django's check commands.E001 requires both to
        # be the same class. Give migrate_schemas pgtrigger's autodetector too.
        from django.core.management.commands import makemigrations
        from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

        MigrateSchemasCommand.autodetector = makemigrations.Command.autodetector
