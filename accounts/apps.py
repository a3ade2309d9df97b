from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangan.accounts"
    label = "accounts"
    verbose_name = "用户"
