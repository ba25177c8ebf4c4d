from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "workspace.api"
    label = "api"
    verbose_name = "JSON API"
