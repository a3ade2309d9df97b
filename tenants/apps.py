from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "dangan.tenants"
    label = "tenants"
    verbose_name = "公司（租户）"
