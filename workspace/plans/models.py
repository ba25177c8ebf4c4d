"""Plans and their versions, the changes that made each version, requests and comments.

The data model (what the pages and the API read)
------------------------------------------------
`Plan`            a named plan; ``plan.latest()`` is its newest `Version`.
`Version`         ``number`` 1, 2, ... per plan; ``status`` in `VersionStatus`
                  (draft -> submitted -> approved -> published; submitted -> draft
                  is a rejection); ``parent`` is the version it was edited from.
                  Its files live in the workspace folder:
                  ``version.inputs_dir``   the scenario folder (``version.scenario_path``)
                  ``version.run_dir``      the run folder, as `terraquota run` writes it
                                           (exists only after a successful job)
                  ``version.published_dir`` Salesforce load files + workbook, once published
                  ``version.metrics()`` is metrics.json as a dict, or None before a run;
                  ``version.run_file(name)`` is a `Path` inside run_dir, or None.
                  Only drafts may change (``version.is_read_only``).
`Change`          one edit of a version (``kind`` pin, unpin, rep, add_rep, set; ``payload``
                  is the change as posted), ordered by ``position``.
`ChangeRequest`   a manager's (or planner's) request to move ``account_id`` to ``rep_id``;
                  ``status`` open/accepted/rejected; an accepted one names the version
                  that holds the pin. Two requests for one account are both kept.
`Comment`         text on the plan, a rep or an account (``target``, ``target_id``).

Every write that touches more than one row goes through `workspace.plans.services`
inside ``transaction.atomic`` and leaves an `workspace.audit` entry. Text fields
hold user input verbatim: render them with Django's auto-escaping, never ``|safe``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class VersionStatus(models.TextChoices):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    PUBLISHED = "published"


def plans_root() -> Path:
    """Where plan folders live (read each call: tests point it at a temporary folder)."""
    return Path(settings.WORKSPACE_DIR) / "plans"


class Plan(models.Model):
    name = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"plan {self.pk} ({self.name})"

    @property
    def folder(self) -> Path:
        return plans_root() / str(self.pk)

    def latest(self) -> Version:
        """The newest version (every plan has at least version 1)."""
        return self.versions.order_by("-number").first()


class Version(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True, default="")
    scenario_file = models.CharField(max_length=200, default="scenario.toml")

    class Meta:
        ordering = ("plan_id", "number")
        constraints = (models.UniqueConstraint(fields=("plan", "number"), name="unique_version_number"),)

    def __str__(self) -> str:
        return f"plan {self.plan_id} version {self.number}"

    @property
    def folder(self) -> Path:
        return plans_root() / str(self.plan_id) / f"v{self.number}"

    @property
    def inputs_dir(self) -> Path:
        return self.folder / "inputs"

    @property
    def run_dir(self) -> Path:
        return self.folder / "run"

    @property
    def published_dir(self) -> Path:
        return self.folder / "published"

    @property
    def scenario_path(self) -> Path:
        return self.inputs_dir / self.scenario_file

    @property
    def is_read_only(self) -> bool:
        return self.status != VersionStatus.DRAFT

    @property
    def has_plan(self) -> bool:
        """True once a run wrote an assignment (solved, not infeasible)."""
        return (self.run_dir / "assignment.csv").is_file()

    def metrics(self) -> dict[str, Any] | None:
        path = self.run_dir / "metrics.json"
        if not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def run_file(self, name: str) -> Path | None:
        """A file of the run folder by its relative name, refusing anything outside it.

        Once published, the Salesforce load files and the workbook written then
        are files of the version too (``salesforce/Account.csv``, ``workbook.xlsx``).
        """
        for folder in (self.run_dir, self.published_dir):
            root = folder.resolve()
            path = (root / name).resolve()
            if root in path.parents and path.is_file():
                return path
        return None


class Change(models.Model):
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="changes")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=16)
    payload = models.JSONField()

    class Meta:
        ordering = ("version_id", "position")


class RequestStatus(models.TextChoices):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ChangeRequest(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="requests")
    account_id = models.CharField(max_length=64)
    rep_id = models.CharField(max_length=64)
    reason = models.TextField(blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, default="")
    version = models.ForeignKey(Version, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("id",)


class CommentTarget(models.TextChoices):
    PLAN = "plan"
    REP = "rep"
    ACCOUNT = "account"


class Comment(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="comments")
    target = models.CharField(max_length=16, choices=CommentTarget.choices)
    target_id = models.CharField(max_length=64, blank=True, default="")
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("at", "id")
