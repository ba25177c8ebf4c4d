"""The plan page: summary, map, rep and account tables, details of one rep or account."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string
from django.views.decorators.http import require_GET

from workspace import access
from workspace.front import comments, summary
from workspace.front.basemap import basemap_json
from workspace.front.files_views import listing
from workspace.front.listing import Query, headers, page_links, select
from workspace.front.mapdata import map_json, map_payload
from workspace.front.pages import page_view, render_view, version_of
from workspace.front.plans_views import latest_job
from workspace.front.tables import read_csv, run_table
from workspace.plans import services
from workspace.plans.models import ChangeRequest, Version, VersionStatus
from workspace.plans.workflow import TRANSITIONS

#: (column, label, numeric) of the rep and account tables
REP_HEADERS = (
    ("rep_id", "rep", False),
    ("name", "name", False),
    ("segment", "segment", False),
    ("region", "region", False),
    ("manager_id", "manager", False),
    ("start_date", "start", False),
    ("end_date", "end", False),
    ("capacity_factor", "capacity", True),
    ("accounts", "accounts", True),
    ("potential", "potential", True),
    ("balance_ratio", "balance", True),
    ("quota", "quota", True),
)
DELTA_HEADERS = (
    ("accounts_delta", "Δ accounts", True),
    ("balance_delta", "Δ balance", True),
    ("quota_delta", "Δ quota", True),
)
ACCOUNT_HEADERS = (
    ("account_id", "account", False),
    ("name", "name", False),
    ("country", "country", False),
    ("state", "state", False),
    ("segment", "segment", False),
    ("region", "region", False),
    ("rep_id", "rep", False),
    ("previous_owner", "previous", False),
    ("moved", "moved", False),
    ("potential", "potential", True),
    ("reason", "reason", False),
)
TRANSITION_LABELS = {
    "submitted": "Submit for approval",
    "approved": "Approve",
    "published": "Publish",
    "draft": "Send back to draft",
}


def _last_approved(version: Version) -> Version | None:
    return (
        Version.objects.filter(
            plan_id=version.plan_id,
            number__lt=version.number,
            status__in=(VersionStatus.APPROVED, VersionStatus.PUBLISHED),
        )
        .order_by("-number")
        .first()
    )


def _moves(user: Any, version: Version) -> list[dict[str, str]]:
    """The workflow buttons this user may press on this version."""
    out = []
    for (current, to), action in TRANSITIONS.items():
        if current == version.status and access.can(user, access.Action(action)):
            out.append({"to": to, "label": TRANSITION_LABELS.get(to, to)})
    return out


def editable(user: Any, version: Version) -> bool:
    """Planners edit the latest version while it is a draft."""
    return (
        access.can(user, access.Action.EDIT)
        and version.status == VersionStatus.DRAFT
        and version.plan.latest().number == version.number
    )


@page_view()
def plan_latest(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = services.get_plan(plan_id)
    return redirect(f"/plans/{plan.pk}/v/{plan.latest().number}/")


@require_GET
@page_view()
def plan_page(request: HttpRequest, plan_id: int, number: int) -> HttpResponse:
    version = version_of(plan_id, number)
    plan, user = version.plan, request.user
    metrics = version.metrics()
    scope = access.scope_for(user, version)
    requests = ChangeRequest.objects.filter(plan=plan).select_related("requested_by", "decided_by")
    if not scope.full:
        requests = requests.filter(requested_by=user)
    context = {
        "plan": plan,
        "version": version,
        "versions": list(plan.versions.order_by("-number")),
        "metrics": metrics,
        "sections": summary.sections(metrics),
        "warnings": summary.warnings(metrics),
        "job": latest_job(version),
        "moves": _moves(user, version),
        "last_approved": _last_approved(version),
        "can_edit": editable(user, version),
        "can_run": access.can(user, access.Action.EDIT),
        "can_comment": access.can(user, access.Action.COMMENT),
        "can_request": access.can(user, access.Action.REQUEST),
        "can_decide": access.can(user, access.Action.DECIDE_REQUEST),
        "can_audit": access.can(user, access.Action.READ_AUDIT),
        "full": scope.full,
        "requests": list(requests.order_by("-id")[:50]),
        "thread": comments.thread(plan, user, "plan", ""),
        "doc": _scenario_values(version),
        "explanation": _explanation(version),
        "files": listing(version) if access.can(user, access.Action.READ_FILES) else {},
    }
    return render(request, "front/plan.html", context)


def _explanation(version: Version) -> str:
    """Why an infeasible run has no plan (explanation.txt), empty otherwise."""
    path = version.run_file("explanation.txt")
    return path.read_text(encoding="utf-8") if path is not None else ""


def _scenario_values(version: Version) -> dict[str, Any]:
    """The scenario values the edit forms start from (the resolved run, else the inputs)."""
    import tomllib

    path = version.run_file("scenario.toml") or version.scenario_path
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    quota, assignment = doc.get("quota", {}), doc.get("assignment", {})
    return {
        "target": quota.get("target"),
        "hedge_region": (quota.get("hedge") or {}).get("region"),
        "hedge_rep": (quota.get("hedge") or {}).get("rep"),
        "tolerance": (assignment.get("balance") or {}).get("potential"),
        "segments": sorted(doc.get("segments", {})),
        "regions": sorted(doc.get("regions", {})),
    }


# --- tables -------------------------------------------------------------------------------------


def _scoped(frame: pd.DataFrame, column: str, allowed: frozenset[str] | None) -> np.ndarray | None:
    if allowed is None:
        return None
    return frame[column].astype("string").isin(allowed).fillna(False).to_numpy(dtype=bool)


def _with_deltas(reps: pd.DataFrame, parent: Version | None) -> tuple[pd.DataFrame, bool]:
    """Rep rows with quota and balance changes against the parent version's run."""
    base = run_table(parent, "reps.csv") if parent is not None else None
    if base is None:
        return reps, False
    before = base.set_index("rep_id")[["quota", "balance_ratio", "accounts"]]
    joined = reps.join(before, on="rep_id", rsuffix="_before")
    joined["quota_delta"] = joined["quota"] - joined["quota_before"]
    joined["balance_delta"] = joined["balance_ratio"] - joined["balance_ratio_before"]
    joined["accounts_delta"] = joined["accounts"] - joined["accounts_before"]
    return joined, True


@require_GET
@page_view(access.Action.READ_TEAM)
def reps_table(request: HttpRequest, plan_id: int, number: int) -> HttpResponse:
    version = version_of(plan_id, number)
    scope = access.scope_for(request.user, version)
    reps = run_table(version, "reps.csv")
    context: dict[str, Any] = {"version": version, "plan": version.plan, "page": None}
    if reps is not None:
        reps, deltas = _with_deltas(reps, version.parent)
        columns = REP_HEADERS + (DELTA_HEADERS if deltas else ())
        sortable = tuple(c[0] for c in columns)
        query = Query.from_params(request.GET, ("segment", "region", "manager_id"), sortable)
        page = select(
            reps,
            query,
            ("rep_id", "name", "manager_id"),
            None if scope.full else _scoped(reps, "rep_id", scope.rep_ids),
        )
        base = request.path
        context.update(
            page=page,
            query=query,
            deltas=deltas,
            base=base,
            headers=headers(query, columns, base),
            links=page_links(query, page, base),
            options=_options(reps, ("segment", "region", "manager_id")),
        )
    return render_view(request, "front/reps_page.html", "front/reps_table.html", context)


@require_GET
@page_view(access.Action.READ_TEAM)
def accounts_table(request: HttpRequest, plan_id: int, number: int) -> HttpResponse:
    version = version_of(plan_id, number)
    scope = access.scope_for(request.user, version)
    accounts = run_table(version, "assignment.csv")
    context: dict[str, Any] = {"version": version, "plan": version.plan, "page": None}
    if accounts is not None:
        query = Query.from_params(
            request.GET, ("segment", "region", "rep_id", "moved"), tuple(c[0] for c in ACCOUNT_HEADERS)
        )
        page = select(
            accounts,
            query,
            ("account_id", "name", "country", "state", "rep_id"),
            None if scope.full else _scoped(accounts, "account_id", scope.account_ids),
        )
        base = request.path
        context.update(
            page=page,
            query=query,
            base=base,
            headers=headers(query, ACCOUNT_HEADERS, base),
            links=page_links(query, page, base),
            options=_options(accounts, ("segment", "region")),
        )
    return render_view(request, "front/accounts_page.html", "front/accounts_table.html", context)


def _options(frame: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, list[str]]:
    return {c: sorted(frame[c].dropna().astype(str).unique().tolist()) for c in columns if c in frame}


# --- one rep, one account -----------------------------------------------------------------------


def _row(frame: pd.DataFrame | None, column: str, key: str) -> dict[str, Any] | None:
    if frame is None:
        return None
    hit = frame.loc[frame[column] == key]
    if hit.empty:
        return None
    return hit.iloc[0].astype(object).where(hit.iloc[0].notna(), None).to_dict()


@require_GET
@page_view(access.Action.READ_TEAM)
def account_detail(request: HttpRequest, plan_id: int, number: int, account_id: str) -> HttpResponse:
    version = version_of(plan_id, number)
    user = request.user
    if not access.scope_for(user, version).allows_account(account_id):
        raise access.AccessDenied(f"account {account_id} is not in your team")
    row = _row(run_table(version, "assignment.csv"), "account_id", account_id)
    if row is None:
        raise Http404(f"account {account_id} is not in version {version.number}'s plan")
    reps = run_table(version, "reps.csv")
    scope = access.scope_for(user, version)
    rep_choices = (
        []
        if reps is None
        else [
            r
            for r in reps[["rep_id", "name", "segment", "region"]]
            .astype(object)
            .where(reps.notna(), "")
            .to_dict("records")
            if r["segment"] == row.get("segment")
            and r["region"] == row.get("region")
            and scope.allows_rep(r["rep_id"])
        ]
    )
    context = {
        "version": version,
        "plan": version.plan,
        "row": row,
        "rep_choices": rep_choices,
        "can_edit": editable(user, version),
        "can_request": access.can(user, access.Action.REQUEST),
        "thread": comments.thread(version.plan, user, "account", account_id),
    }
    return render_view(request, "front/account_page.html", "front/account.html", context)


@require_GET
@page_view(access.Action.READ_TEAM)
def account_explain(request: HttpRequest, plan_id: int, number: int, account_id: str) -> HttpResponse:
    from workspace.front.explain import explain_text

    version = version_of(plan_id, number)
    if not access.scope_for(request.user, version).allows_account(account_id):
        raise access.AccessDenied(f"account {account_id} is not in your team")
    if not version.has_plan:
        raise Http404("this version has no plan yet")
    return render(request, "front/explain.html", {"text": explain_text(version.run_dir, account_id)})


@require_GET
@page_view(access.Action.READ_TEAM)
def rep_detail(request: HttpRequest, plan_id: int, number: int, rep_id: str) -> HttpResponse:
    version = version_of(plan_id, number)
    user = request.user
    if not access.scope_for(user, version).allows_rep(rep_id):
        raise access.AccessDenied(f"rep {rep_id} is not in your team")
    row = _row(run_table(version, "reps.csv"), "rep_id", rep_id)
    if row is None:
        raise Http404(f"rep {rep_id} is not in version {version.number}'s plan")
    context = {
        "version": version,
        "plan": version.plan,
        "row": row,
        "can_edit": editable(user, version),
        "thread": comments.thread(version.plan, user, "rep", rep_id),
    }
    return render_view(request, "front/rep_page.html", "front/rep.html", context)


# --- map data -----------------------------------------------------------------------------------


def _json_response(request: HttpRequest, data: bytes, gzipped: bytes | None, cache: str) -> HttpResponse:
    """JSON bytes, gzipped when the browser accepts it (``gzipped``: already compressed, or None)."""
    response = HttpResponse(content_type="application/json")
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        data = gzipped if gzipped is not None else compress_string(data)
        response["Content-Encoding"] = "gzip"
    response.content = data
    response["Cache-Control"] = cache
    patch_vary_headers(response, ("Accept-Encoding",))
    return response


FileKey = tuple[str, int, int]


def _file_key(path: Path | None) -> FileKey | None:
    if path is None:
        return None
    stat = path.stat()
    return (str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _whole_map(assignment: FileKey, reps: FileKey, base: FileKey | None) -> tuple[bytes, bytes]:
    """The map of a whole plan, plain and gzipped, built once per set of files."""
    frames = [read_csv(Path(key[0])) for key in (assignment, reps)]
    base_frame = read_csv(Path(base[0])) if base is not None else None
    data = map_json(map_payload(frames[0], frames[1], None, base_frame))
    return data, compress_string(data)


@functools.lru_cache(maxsize=1)
def _basemap_gzip() -> bytes:
    return compress_string(basemap_json())


@require_GET
@page_view(access.Action.READ_TEAM)
def map_data(request: HttpRequest, plan_id: int, number: int) -> HttpResponse:
    """Every account the user may see, compact (see `workspace.front.mapdata`)."""
    version = version_of(plan_id, number)
    scope = access.scope_for(request.user, version)
    files = _file_key(version.run_file("assignment.csv")), _file_key(version.run_file("reps.csv"))
    if files[0] is None or files[1] is None:
        raise Http404(f"version {version.number} has no plan yet")
    base = None
    if request.GET.get("base"):
        try:
            base_number = int(request.GET["base"])
        except ValueError:
            raise Http404("base must be a version number") from None
        base = _file_key(version_of(plan_id, base_number).run_file("assignment.csv"))
    if scope.full:
        data, gzipped = _whole_map(files[0], files[1], base)
        return _json_response(request, data, gzipped, "private, max-age=0")
    assignment, reps = read_csv(Path(files[0][0])), read_csv(Path(files[1][0]))
    visible = _scoped(assignment, "account_id", scope.account_ids)
    reps = reps.loc[_scoped(reps, "rep_id", scope.rep_ids)]
    base_frame = read_csv(Path(base[0])) if base is not None else None
    payload = map_payload(assignment, reps, visible, base_frame)
    return _json_response(request, map_json(payload), None, "private, max-age=0")


@require_GET
@page_view()
def basemap(request: HttpRequest) -> HttpResponse:
    return _json_response(request, basemap_json(), _basemap_gzip(), "private, max-age=86400")
