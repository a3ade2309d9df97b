from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "dangan.web"
    label = "web"
