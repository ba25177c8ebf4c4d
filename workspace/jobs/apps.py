from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "workspace.jobs"
    label = "jobs"
    verbose_name = "Background runs"
