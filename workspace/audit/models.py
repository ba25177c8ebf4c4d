"""The audit trail: append-only. Rows are inserted, never updated or deleted.

The model refuses ``save()`` of an existing row and ``delete()``; its manager's
queryset refuses bulk ``update()`` and ``delete()``; the API answers 405 to any
method but GET. ``user`` is the username as text so the trail outlives accounts.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Someone tried to change or remove an audit entry."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit entries cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries cannot be deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("audit entries cannot be updated")


class AuditEntry(models.Model):
    at = models.DateTimeField(default=timezone.now)
    user = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=64)
    object = models.CharField(max_length=200)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    # plain integer, not a foreign key: deleting a plan must not cascade into the trail
    plan_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ("id",)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or kwargs.get("force_update"):
            raise AppendOnlyError("audit entries cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries cannot be deleted")

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "user": self.user,
            "action": self.action,
            "object": self.object,
            "before": self.before,
            "after": self.after,
        }


def record(
    user: Any, action: str, obj: str, *, before: Any = None, after: Any = None, plan_id: int | None = None
) -> AuditEntry:
    """Append one entry; ``user`` is a User, a username or None (the system)."""
    name = user if isinstance(user, str) else (user.get_username() if user is not None else "system")
    return AuditEntry.objects.create(
        user=name, action=action, object=obj, before=before, after=after, plan_id=plan_id
    )
