from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "dangan.integrations"
    label = "integrations"
    verbose_name = "API 与集成"

    def ready(self) -> None:
        # The Celery app autodiscovers tasks only in the packages it names; importing ours here
        # registers `integrations.*` tasks wherever Django is set up (web, worker, beat).
        from . import tasks  # noqa: F401
        # Registers the OpenAPI description of API-key authentication with drf-spectacular.
        from . import openapi  # noqa: F401
