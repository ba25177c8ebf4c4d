from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "workspace.audit"
    label = "audit"
    verbose_name = "Audit trail"
