from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "dangan.documents"
    label = "documents"
    verbose_name = "文档"
