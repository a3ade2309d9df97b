from django.apps import AppConfig


class ArchivesConfig(AppConfig):
    name = "dangan.archives"
    label = "archives"
    verbose_name = "客户档案"
