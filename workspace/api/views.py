"""The JSON API (CONTRACT.md "Workspace"): thin views over `workspace.plans.services`.

Each view parses the request, checks the role with `workspace.access`, calls
one service function and answers JSON.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib.auth import authenticate
from django.http import FileResponse, HttpRequest, HttpResponse

from workspace import access, engine
from workspace.access import Action
from workspace.accounts.models import ApiToken
from workspace.accounts.users import UserError, create_user
from workspace.api.http import ApiError, body, endpoint, error, field, ok
from workspace.audit.models import AuditEntry, record
from workspace.jobs.models import Job
from workspace.plans import services
from workspace.plans.models import Plan, Version


def _user_name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _visible_change(scope: access.Scope, change: dict[str, Any]) -> bool:
    """A manager sees the plan-level changes and those of their own team."""
    if scope.full or change.get("type") == "set":
        return True
    if "account_id" in change:
        return scope.allows_account(str(change["account_id"]))
    rep = change.get("rep") if isinstance(change.get("rep"), dict) else change
    return scope.allows_rep(str(rep.get("rep_id", "")))


def _version_dict(v: Version, user: Any) -> dict[str, Any]:
    job = v.jobs.order_by("-id").first()
    changes = [c.payload for c in v.changes.all()]
    if changes and not access.can(user, Action.READ_FILES):
        scope = access.scope_for(user, v)
        changes = [c for c in changes if _visible_change(scope, c)]
    return {
        "version": v.number,
        "status": v.status,
        "parent": v.parent.number if v.parent_id else None,
        "created_by": _user_name(v.created_by),
        "created_at": v.created_at.isoformat(),
        "metrics": v.metrics(),
        "note": v.note,
        "changes": changes,
        "job": job.as_dict() if job else None,
        "published": v.published_dir.is_dir(),
    }


# --- health and tokens --------------------------------------------------------------------------


def _health(request: HttpRequest, user: Any) -> HttpResponse:
    return ok({"status": "ok"})


def _token(request: HttpRequest, user: Any) -> HttpResponse:
    data = body(request)
    username, password = field(data, "username"), field(data, "password")
    user = authenticate(request, username=username, password=password)
    if user is None or access.role_of(user) is None:
        return error(401, "wrong username or password")
    raw = ApiToken.issue(user)
    record(user, "token.issue", f"user {user.get_username()}")
    return ok({"token": raw})


def _me(request: HttpRequest, user: Any) -> HttpResponse:
    return ok(
        {
            "username": user.get_username(),
            "role": access.role_of(user),
            "manager_id": user.profile.manager_id or None,
        }
    )


def _users_create(request: HttpRequest, user: Any) -> HttpResponse:
    access.require(user, Action.MANAGE_USERS)
    data = body(request)
    try:
        created = create_user(
            field(data, "username"),
            field(data, "password"),
            field(data, "role"),
            manager_id=field(data, "manager_id", required=False, default="") or "",
            by=user,
        )
    except UserError as e:
        raise ApiError(400, str(e)) from None
    return ok({"username": created.get_username(), "role": created.profile.role}, 201)


# --- plans --------------------------------------------------------------------------------------


def _plans_list(request: HttpRequest, user: Any) -> HttpResponse:
    access.require(user, Action.READ_PLAN)
    out = []
    for plan in Plan.objects.all():
        latest = plan.latest()
        out.append(
            {"id": plan.pk, "name": plan.name, "latest_version": latest.number, "status": latest.status}
        )
    return ok(out)


def _plans_create(request: HttpRequest, user: Any) -> HttpResponse:
    access.require(user, Action.UPLOAD)
    upload = request.FILES.get("file")
    if upload is None:
        raise ApiError(400, "send the scenario folder as a zip in the multipart field 'file'")
    from django.conf import settings

    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ApiError(400, f"the upload is {upload.size:,} bytes (at most {settings.UPLOAD_MAX_BYTES:,})")
    plan = services.create_plan_from_zip(user, upload)
    return ok({"id": plan.pk, "version": 1}, 201)


def _plan_detail(request: HttpRequest, user: Any, plan_id: int) -> HttpResponse:
    access.require(user, Action.READ_PLAN)
    plan = services.get_plan(plan_id)
    versions = [
        {
            "version": v.number,
            "status": v.status,
            "parent": v.parent.number if v.parent_id else None,
            "created_at": v.created_at.isoformat(),
        }
        for v in plan.versions.select_related("parent")
    ]
    return ok(
        {
            "id": plan.pk,
            "name": plan.name,
            "latest_version": versions[-1]["version"],
            "status": versions[-1]["status"],
            "versions": versions,
        }
    )


def _version_detail(request: HttpRequest, user: Any, plan_id: int, number: int) -> HttpResponse:
    access.require(user, Action.READ_PLAN)
    return ok(_version_dict(services.get_version(plan_id, number), user))


def _version_run(request: HttpRequest, user: Any, plan_id: int, number: int) -> HttpResponse:
    access.require(user, Action.EDIT)
    job = services.run_version(services.get_version(plan_id, number), user)
    return ok({"job": job.pk}, 202)


def _version_file(request: HttpRequest, user: Any, plan_id: int, number: int, name: str) -> HttpResponse:
    access.require(user, Action.READ_PLAN)
    version = services.get_version(plan_id, number)
    access.require(user, Action.READ_FILES)
    path = version.run_file(name)
    if path is None:
        return error(
            404,
            f"version {number} has no file {name!r}"
            + ("" if version.run_dir.is_dir() else " (it has not run yet)"),
        )
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or path.suffix in (".csv", ".json", ".toml", ".txt"):
        kind = {".csv": "text/csv", ".json": "application/json"}.get(path.suffix, "text/plain")
        kind += "; charset=utf-8"
    response = FileResponse(path.open("rb"), content_type=kind)
    if path.suffix == ".html":  # a report shown as a download, never as our own page
        response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response


def _version_reps(request: HttpRequest, user: Any, plan_id: int, number: int) -> HttpResponse:
    access.require(user, Action.READ_TEAM)
    version = services.get_version(plan_id, number)
    scope = access.scope_for(user, version)
    rows = engine.reps_rows(version.inputs_dir, version.scenario_file, version.run_dir)
    return ok([r for r in rows if scope.allows_rep(str(r["rep_id"]))])


def _version_accounts(request: HttpRequest, user: Any, plan_id: int, number: int) -> HttpResponse:
    access.require(user, Action.READ_TEAM)
    version = services.get_version(plan_id, number)
    scope = access.scope_for(user, version)
    rep_id = request.GET.get("rep_id")
    if rep_id is not None and not scope.allows_rep(rep_id):
        raise access.AccessDenied(f"rep {rep_id} is not in your team")
    rows = engine.account_rows(version.inputs_dir, version.scenario_file, version.run_dir, rep_id)
    return ok([r for r in rows if scope.allows_account(str(r["account_id"]))])


def _version_transition(request: HttpRequest, user: Any, plan_id: int, number: int) -> HttpResponse:
    access.require(user, Action.READ_PLAN)
    data = body(request)
    to = field(data, "to")
    if to not in ("draft", "submitted", "approved", "published"):
        raise ApiError(400, "to must be draft, submitted, approved or published")
    version = services.transition(
        services.get_version(plan_id, number), user, to, field(data, "note", required=False, default="")
    )
    return ok({"version": version.number, "status": version.status})


# --- changes, requests, comments ----------------------------------------------------------------


def _changes(request: HttpRequest, user: Any, plan_id: int) -> HttpResponse:
    access.require(user, Action.EDIT)
    plan = services.get_plan(plan_id)
    data = body(request)
    base = field(data, "base_version", int)
    changes = field(data, "changes", list)
    if not all(isinstance(c, dict) for c in changes):
        raise ApiError(400, "each change must be a JSON object")
    version, job = services.edit(plan, user, base, changes, field(data, "note", required=False, default=""))
    return ok({"version": version.number, "job": job.pk}, 201)


def _request_dict(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "account_id": r.account_id,
        "rep_id": r.rep_id,
        "reason": r.reason,
        "requested_by": _user_name(r.requested_by),
        "at": r.created_at.isoformat(),
        "status": r.status,
        "decided_by": _user_name(r.decided_by),
        "decision_reason": r.decision_reason,
        "version": r.version.number if r.version_id else None,
    }


def _requests_create(request: HttpRequest, user: Any, plan_id: int) -> HttpResponse:
    access.require(user, Action.REQUEST)
    plan = services.get_plan(plan_id)
    data = body(request)
    req = services.make_request(
        plan,
        user,
        field(data, "account_id"),
        field(data, "rep_id"),
        field(data, "reason", required=False, default=""),
    )
    return ok({"request": req.pk}, 201)


def _requests_list(request: HttpRequest, user: Any, plan_id: int) -> HttpResponse:
    access.require(user, Action.READ_PLAN)
    plan = services.get_plan(plan_id)
    scope = access.scope_for(user, plan.latest())
    reqs = plan.requests.select_related("requested_by", "decided_by", "version")
    return ok(
        [
            _request_dict(r)
            for r in reqs
            if scope.full or r.requested_by_id == user.pk or scope.allows_rep(r.rep_id)
        ]
    )


def _decide(accept: bool) -> Any:
    def handler(request: HttpRequest, user: Any, request_id: int) -> HttpResponse:
        access.require(user, Action.DECIDE_REQUEST)
        req = services.get_request(request_id)
        reason = field(body(request), "reason", required=False, default="")
        req, version, job = services.decide_request(req, user, accept, reason)
        if accept:
            return ok({"version": version.number, "job": job.pk}, 201)
        return ok({"request": req.pk, "status": req.status})

    return handler


def _comments_create(request: HttpRequest, user: Any, plan_id: int) -> HttpResponse:
    access.require(user, Action.COMMENT)
    plan = services.get_plan(plan_id)
    data = body(request)
    comment = services.add_comment(
        plan,
        user,
        field(data, "target"),
        str(field(data, "target_id", (str, int), required=False, default="")),
        field(data, "text"),
    )
    return ok({"comment": comment.pk}, 201)


def _comments_list(request: HttpRequest, user: Any, plan_id: int) -> HttpResponse:
    access.require(user, Action.READ_PLAN)
    plan = services.get_plan(plan_id)
    return ok(
        [
            {
                "id": c.pk,
                "target": c.target,
                "target_id": c.target_id or None,
                "text": c.text,
                "author": _user_name(c.author),
                "at": c.at.isoformat(),
            }
            for c in services.visible_comments(plan, user)
        ]
    )


def _audit(request: HttpRequest, user: Any, plan_id: int) -> HttpResponse:
    access.require(user, Action.READ_AUDIT)
    services.get_plan(plan_id)
    return ok([e.as_dict() for e in AuditEntry.objects.filter(plan_id=plan_id).order_by("id")])


# --- jobs ---------------------------------------------------------------------------------------


def _get_job(job_id: int) -> Job:
    try:
        return Job.objects.select_related("version").get(pk=job_id)
    except Job.DoesNotExist:
        raise services.NotFound(f"no job {job_id}") from None


def _job_detail(request: HttpRequest, user: Any, job_id: int) -> HttpResponse:
    access.require(user, Action.READ_PLAN)
    return ok(_get_job(job_id).as_dict())


def _job_cancel(request: HttpRequest, user: Any, job_id: int) -> HttpResponse:
    access.require(user, Action.EDIT)
    return ok(services.cancel_job(_get_job(job_id), user).as_dict())


health = endpoint(auth=False, GET=_health)
token = endpoint(auth=False, POST=_token)
me = endpoint(GET=_me)
users = endpoint(POST=_users_create)
plans = endpoint(GET=_plans_list, POST=_plans_create)
plan = endpoint(GET=_plan_detail)
version = endpoint(GET=_version_detail)
version_run = endpoint(POST=_version_run)
version_file = endpoint(GET=_version_file)
version_reps = endpoint(GET=_version_reps)
version_accounts = endpoint(GET=_version_accounts)
version_transition = endpoint(POST=_version_transition)
changes = endpoint(POST=_changes)
requests = endpoint(GET=_requests_list, POST=_requests_create)
request_accept = endpoint(POST=_decide(True))
request_reject = endpoint(POST=_decide(False))
comments = endpoint(GET=_comments_list, POST=_comments_create)
audit = endpoint(GET=_audit)
job = endpoint(GET=_job_detail)
job_cancel = endpoint(POST=_job_cancel)
