"""What the tracking page stores: opportunities exports and managers' forecast overrides.

Both belong to one plan version (the plan being tracked, usually the
published one). Overrides are a history: a new value is a new row and the
newest row per manager and period is the one applied; rows are never
changed or removed, so the page can show who said what, when.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class OpportunityUpload(models.Model):
    """One opportunities export uploaded for a version (the newest one is tracked)."""

    version = models.ForeignKey("plans.Version", on_delete=models.CASCADE, related_name="+")
    stored_name = models.CharField(max_length=200)  # file name inside the version's tracking folder
    original_name = models.CharField(max_length=200, blank=True, default="")
    rows = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("id",)


class OverrideHistoryError(Exception):
    """Someone tried to change or remove a recorded forecast override."""


class ForecastOverride(models.Model):
    """A manager's call of commit and best case for one period (blank keeps the roll-up)."""

    version = models.ForeignKey("plans.Version", on_delete=models.CASCADE, related_name="+")
    manager_id = models.CharField(max_length=64)
    period = models.CharField(max_length=10)  # ISO date of the period's first day
    commit = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    best_case = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    note = models.TextField(blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("id",)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise OverrideHistoryError("forecast overrides are history: enter a new value instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise OverrideHistoryError("forecast overrides are history and are never removed")
