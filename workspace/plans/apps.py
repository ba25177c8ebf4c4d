from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "workspace.plans"
    label = "plans"
    verbose_name = "Plans, versions, changes, requests and comments"
