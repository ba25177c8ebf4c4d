from django.apps import AppConfig


class FrontConfig(AppConfig):
    name = "workspace.front"
    label = "front"
    verbose_name = "Pages"
