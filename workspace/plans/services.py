"""What users do to plans: create, edit, run, move through the workflow, request, comment.

Views (API and pages) parse the request, check the role with
`workspace.access`, and call one function here. Each function writes its rows
inside one transaction, leaves an audit entry, and touches files only through
`workspace.engine` and the version folders. Errors: `NotFound` (404),
`Conflict` / `WorkflowError` (409), `engine.EngineInputError` and
`uploads.UploadRefused` (400).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from workspace import access, engine
from workspace.audit.models import record
from workspace.jobs import runner
from workspace.jobs.models import Job, JobKind
from workspace.plans.models import (
    Change,
    ChangeRequest,
    Comment,
    CommentTarget,
    Plan,
    RequestStatus,
    Version,
    VersionStatus,
)
from workspace.plans.uploads import SCENARIO_FILE, Limits, check_scenario_folder, unpack
from workspace.plans.workflow import WorkflowError

log = logging.getLogger(__name__)


class NotFound(Exception):
    """No such plan, version, request or job (404)."""


class Conflict(WorkflowError):
    """The request does not fit the plan's current state (409); the message says what to do."""


def staging_dir() -> Path:
    return Path(settings.WORKSPACE_DIR) / "tmp"


def get_plan(plan_id: int) -> Plan:
    try:
        return Plan.objects.get(pk=plan_id)
    except Plan.DoesNotExist:
        raise NotFound(f"no plan {plan_id}") from None


def get_version(plan_id: int, number: int) -> Version:
    try:
        return Version.objects.select_related("plan", "created_by", "parent").get(
            plan_id=plan_id, number=number
        )
    except Version.DoesNotExist:
        raise NotFound(f"plan {plan_id} has no version {number}") from None


def _version_snapshot(v: Version) -> dict[str, Any]:
    return {"version": v.number, "status": v.status}


# --- plans --------------------------------------------------------------------------------------


def create_plan_from_folder(
    user: Any,
    folder: Path,
    scenario_file: str = SCENARIO_FILE,
    name: str | None = None,
    *,
    checked: bool = False,
) -> Plan:
    """Make a plan whose version 1 holds ``folder`` (moved, not copied) as its inputs.

    ``checked=True`` skips the checks for a folder already known to be valid
    (a copy of one that passed them).
    """
    if not checked:
        check_scenario_folder(folder, scenario_file)
    if name is None:
        name = engine.scenario_name(folder, scenario_file)
    with transaction.atomic():
        plan = Plan.objects.create(name=name[:200], created_by=user)
        version = Version.objects.create(
            plan=plan, number=1, created_by=user, scenario_file=scenario_file, note="uploaded"
        )
        target = version.inputs_dir
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.move(str(folder), str(target))
            record(user, "plan.create", str(plan), after={"name": plan.name, "version": 1}, plan_id=plan.pk)
        except BaseException:
            shutil.rmtree(plan.folder, ignore_errors=True)
            raise
    return plan


def create_plan_from_zip(user: Any, stream: Any) -> Plan:
    """Unpack and validate an uploaded scenario zip; nothing stays on disk when refused."""
    limits = Limits(settings.UPLOAD_MAX_FILES, settings.UPLOAD_MAX_UNPACKED_BYTES)
    folder = unpack(stream, staging_dir(), limits)
    try:
        return create_plan_from_folder(user, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # moved away on success; removed on refusal


# --- runs ---------------------------------------------------------------------------------------


def queue_job(version: Version, user: Any, kind: str = JobKind.SOLVE) -> Job:
    job = Job.objects.create(version=version, kind=kind, created_by=user)
    transaction.on_commit(runner.wake)  # the server's dispatcher starts it now, not at its next poll
    record(user, "run.queue", str(version), after={"job": job.pk, "kind": kind}, plan_id=version.plan_id)
    return job


def run_version(version: Version, user: Any) -> Job:
    """Queue a solve of this version (drafts, or any version that has no run yet)."""
    if version.is_read_only and version.has_plan:
        raise Conflict(f"version {version.number} is {version.status}: its run is final")
    with transaction.atomic():
        return queue_job(version, user)


def cancel_job(job: Job, user: Any) -> Job:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.is_finished:
            raise Conflict(f"job {job.pk} has already finished ({job.status})")
        before = {"status": job.status}
        if job.status == "queued":
            job.status, job.finished_at, job.message = "cancelled", timezone.now(), "cancelled before it ran"
        job.cancel_requested = True
        job.save()
        record(
            user,
            "run.cancel",
            str(job.version),
            before=before,
            after={"job": job.pk, "status": job.status},
            plan_id=job.version.plan_id,
        )
    return job


# --- edits --------------------------------------------------------------------------------------


def _check_base(plan: Plan, base_number: int) -> Version:
    latest = plan.latest()
    if base_number != latest.number:
        raise Conflict(
            f"version {base_number} is not the latest version of plan {plan.pk} "
            f"(the latest is {latest.number}): reload and apply your changes to it"
        )
    if latest.status != VersionStatus.DRAFT:
        raise Conflict(
            f"version {latest.number} is {latest.status}, not a draft: it cannot be edited "
            f"until it is sent back to draft"
        )
    return latest


def _edit_kind(base: Version, changes: list[dict[str, Any]]) -> str:
    """Quota keys only: re-split; otherwise re-solve what changed from the parent's plan; no plan: solve."""
    if not base.has_plan:
        return JobKind.SOLVE
    return JobKind.RESPLIT if engine.quota_only(changes) else JobKind.RESOLVE


def edit(
    plan: Plan,
    user: Any,
    base_number: int,
    changes: list[dict[str, Any]],
    note: str = "",
    action: str = "plan.change",
) -> tuple[Version, Job]:
    """A new draft version = base + changes, and the job that solves (or re-splits) it.

    Optimistic concurrency: the base must be the latest version and a draft
    (else `Conflict`); the plan row is locked while the new version is made so
    two edits of one base cannot both win.
    """
    if not changes:
        raise engine.EngineInputError([engine.Problem("changes", None, None, "no changes given")])
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        base = _check_base(plan, base_number)
        version = Version(
            plan=plan,
            number=base.number + 1,
            parent=base,
            created_by=user,
            note=note,
            scenario_file=base.scenario_file,
        )
        try:
            engine.apply_changes(
                base.inputs_dir,
                version.inputs_dir,
                base.scenario_file,
                changes,
                base.run_dir if base.has_plan else None,
            )
            version.save()
            Change.objects.bulk_create(
                Change(version=version, position=i, kind=str(c.get("type")), payload=c)
                for i, c in enumerate(changes)
            )
            job = queue_job(version, user, _edit_kind(base, changes))
            record(
                user,
                action,
                str(version),
                before=_version_snapshot(base),
                after={"version": version.number, "changes": changes, "note": note, "job": job.pk},
                plan_id=plan.pk,
            )
        except BaseException:
            shutil.rmtree(version.folder, ignore_errors=True)
            raise
    return version, job


# --- workflow -----------------------------------------------------------------------------------


def transition(version: Version, user: Any, to: str, note: str = "") -> Version:
    """Move a version along the workflow (roles checked by `access.require_transition`)."""
    with transaction.atomic():
        version = Version.objects.select_for_update().select_related("plan").get(pk=version.pk)
        access.require_transition(user, version.status, to)
        if to == VersionStatus.SUBMITTED:
            if version.plan.latest().number != version.number:
                raise Conflict(
                    f"only the latest version can be submitted (version {version.number} has newer versions)"
                )
            if not version.has_plan:
                raise Conflict(f"version {version.number} has no solved run yet: run it first")
            if Job.objects.filter(version=version, status__in=("queued", "running")).exists():
                raise Conflict(f"version {version.number} has a run in progress: wait for it")
        before = _version_snapshot(version)
        published: list[str] = []
        if to == VersionStatus.PUBLISHED:
            published = engine.publish(version.run_dir, version.published_dir)
        version.status = to
        version.save(update_fields=["status"])
        after = {**_version_snapshot(version), "note": note}
        if published:
            after["files"] = published
        record(
            user,
            "version.publish" if published else f"version.{to}",
            str(version),
            before=before,
            after=after,
            plan_id=version.plan_id,
        )
    return version


# --- requests and comments ----------------------------------------------------------------------


def make_request(plan: Plan, user: Any, account_id: str, rep_id: str, reason: str) -> ChangeRequest:
    """Record a request to move an account; every request is kept, even for the same account."""
    latest = plan.latest()
    accounts, reps = engine.ids(latest.inputs_dir, latest.scenario_file)
    problems = []
    if account_id not in accounts:
        problems.append(engine.Problem("request", None, "account_id", f"unknown account {account_id!r}"))
    if rep_id not in reps:
        problems.append(engine.Problem("request", None, "rep_id", f"unknown rep {rep_id!r}"))
    if problems:
        raise engine.EngineInputError(problems)
    if not access.scope_for(user, latest).allows_rep(rep_id):
        raise access.AccessDenied(f"rep {rep_id} is not in your team: request moves to your own reps")
    with transaction.atomic():
        req = ChangeRequest.objects.create(
            plan=plan, account_id=account_id, rep_id=rep_id, reason=reason, requested_by=user
        )
        record(
            user,
            "request.create",
            f"request {req.pk}",
            after={"account_id": account_id, "rep_id": rep_id, "reason": reason},
            plan_id=plan.pk,
        )
    return req


def get_request(request_id: int) -> ChangeRequest:
    try:
        return ChangeRequest.objects.select_related("plan").get(pk=request_id)
    except ChangeRequest.DoesNotExist:
        raise NotFound(f"no request {request_id}") from None


def decide_request(
    req: ChangeRequest, user: Any, accept: bool, reason: str
) -> tuple[ChangeRequest, Version | None, Job | None]:
    """Accept (the move becomes a pin in a new draft version) or reject an open request."""
    with transaction.atomic():
        req = ChangeRequest.objects.select_for_update().get(pk=req.pk)
        if req.status != RequestStatus.OPEN:
            raise Conflict(f"request {req.pk} was already {req.status}")
        version = job = None
        if accept:
            latest = req.plan.latest()
            version, job = edit(
                req.plan,
                user,
                latest.number,
                [{"type": "pin", "account_id": req.account_id, "rep_id": req.rep_id}],
                note=f"request {req.pk}: {reason}".strip(),
                action="request.accept.change",
            )
        req.status = RequestStatus.ACCEPTED if accept else RequestStatus.REJECTED
        req.decided_by, req.decided_at = user, timezone.now()
        req.decision_reason, req.version = reason, version
        req.save()
        record(
            user,
            f"request.{'accept' if accept else 'reject'}",
            f"request {req.pk}",
            before={"status": "open"},
            after={"status": req.status, "reason": reason, "version": version.number if version else None},
            plan_id=req.plan_id,
        )
    return req, version, job


def add_comment(plan: Plan, user: Any, target: str, target_id: str, text: str) -> Comment:
    if target not in CommentTarget.values:
        why = f"target must be one of {', '.join(CommentTarget.values)}"
        raise engine.EngineInputError([engine.Problem("comment", None, "target", why)])
    if not text.strip():
        raise engine.EngineInputError([engine.Problem("comment", None, "text", "the comment is empty")])
    if target != CommentTarget.PLAN:
        scope = access.scope_for(user, plan.latest())
        allowed = (
            scope.allows_rep(target_id) if target == CommentTarget.REP else scope.allows_account(target_id)
        )
        if not allowed:
            raise access.AccessDenied(f"{target} {target_id} is not in your team")
    else:
        target_id = ""
    with transaction.atomic():
        comment = Comment.objects.create(
            plan=plan, target=target, target_id=target_id, text=text, author=user
        )
        record(
            user,
            "comment.create",
            f"comment {comment.pk}",
            after={"target": target, "target_id": target_id, "text": text},
            plan_id=plan.pk,
        )
    return comment


def visible_comments(plan: Plan, user: Any) -> list[Comment]:
    """The plan's comments a user may read: all, or for managers the plan's and their team's."""
    comments = list(plan.comments.select_related("author"))
    scope = access.scope_for(user, plan.latest())
    if scope.full:
        return comments
    return [
        c
        for c in comments
        if c.target == CommentTarget.PLAN
        or (c.target == CommentTarget.REP and scope.allows_rep(c.target_id))
        or (c.target == CommentTarget.ACCOUNT and scope.allows_account(c.target_id))
    ]
