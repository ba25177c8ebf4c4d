"""Background runs: one row per job, updated by the dispatcher in the web process.

The run itself happens in another process (`workspace.jobs.runner`); this row
is what the API reports: status, progress 0..1, exit code (the CLI's codes:
0 solved, 2 bad input, 3 infeasible, 4 no solution in time, 1 bug) and message.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobKind(models.TextChoices):
    SOLVE = "solve"  # assign and set quotas
    RESPLIT = "resplit"  # quota keys changed only: keep the parent's assignment, re-split quotas
    RESOLVE = "resolve"  # an edit: re-solve only the blocks it touches, from the parent's plan


FINISHED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


class Job(models.Model):
    version = models.ForeignKey("plans.Version", on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=16, choices=JobKind.choices, default=JobKind.SOLVE)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.FloatField(default=0.0)
    exit_code = models.IntegerField(null=True, blank=True)
    message = models.TextField(blank=True, default="")
    cancel_requested = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"job {self.pk} ({self.kind} of {self.version})"

    @property
    def folder(self) -> Path:
        """The job's own folder: the worker writes only here; the dispatcher moves results."""
        return Path(settings.WORKSPACE_DIR) / "jobs" / str(self.pk)

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.pk,
            "status": self.status,
            "progress": round(self.progress, 4),
            "exit_code": self.exit_code,
            "message": self.message,
            "kind": self.kind,
            "plan": self.version.plan_id,
            "version": self.version.number,
        }
