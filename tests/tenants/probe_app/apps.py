from django.apps import AppConfig


class ProbeAppConfig(AppConfig):
    name = "tests.tenants.probe_app"
    label = "probe_app"
    default_auto_field = "django.db.models.BigAutoField"
