"""The tracking page: attainment by rep, manager, region and segment; managers' forecast overrides."""

from __future__ import annotations

import shutil
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from solver.errors import InputError
from solver.tracking import attainment_table, forecast_table
from workspace import access
from workspace.accounts.models import Role
from workspace.audit.models import record
from workspace.front import tracking
from workspace.front.edit_views import go
from workspace.front.models import ForecastOverride, OpportunityUpload
from workspace.front.pages import page_view, problem, render_view, version_of

SHOWN = ("quota", "bookings", "won_deals", "lost_deals", "attainment")


def may_override(user: Any, manager_id: str) -> bool:
    """Managers call their own team's forecast; admins may enter any manager's."""
    role = access.role_of(user)
    return role == Role.ADMIN or (
        role == Role.MANAGER and manager_id != "" and user.profile.manager_id == manager_id
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


@page_view(access.Action.READ_TEAM)
def tracking_page(request: HttpRequest, plan_id: int, number: int) -> HttpResponse:
    version = version_of(plan_id, number)
    if request.method == "POST":
        if request.POST.get("form") == "override":
            return _save_override(request, version)
        return _upload(request, version)
    user = request.user
    scope = access.scope_for(user, version)
    is_manager = not scope.full
    level = request.GET.get("level", "manager" if is_manager else "region")
    if level not in tracking.LEVELS or (is_manager and level not in ("rep", "manager")):
        level = "manager" if is_manager else "region"
    upload = tracking.latest_upload(version)
    context: dict[str, Any] = {
        "plan": version.plan,
        "version": version,
        "upload": upload,
        "level": level,
        "levels": ("rep", "manager") if is_manager else tracking.LEVELS,
        "can_upload": access.can(user, access.Action.EDIT) and version.has_plan,
        "rows": None,
        "periods": [],
        "history": [],
        "own_manager": "",
    }
    if upload is not None and version.has_plan:
        try:
            result = tracking.tracking_of(version, upload)
        except InputError as e:
            return problem(
                request,
                "the opportunities export cannot be tracked against this plan",
                tracking.problems_of(e),
            )
        period = request.GET.get("period", "total")
        table = attainment_table(result, level)
        periods = [*result.periods.labels, "total"]
        period = period if period in periods else "total"
        table = table.loc[table["period"] == period]
        if is_manager:
            key = "rep_id" if level == "rep" else "manager_id"
            allowed = scope.rep_ids if level == "rep" else {user.profile.manager_id}
            table = table.loc[table[key].isin(allowed).fillna(False)]
        forecast = forecast_table(result)
        forecast = forecast.loc[(forecast["level"] == "manager") & (forecast["period"] != "total")]
        if is_manager:
            forecast = forecast.loc[forecast["key"] == user.profile.manager_id]
        history = ForecastOverride.objects.filter(version=version).select_related("author").order_by("-id")
        if is_manager:
            history = history.filter(manager_id=user.profile.manager_id)
        managers = sorted(forecast["key"].dropna().astype(str).unique().tolist())
        context.update(
            rows=_records(table),
            period=period,
            periods=periods,
            key=_key(level),
            forecast=_records(forecast),
            history=list(history[:200]),
            override_managers=[m for m in managers if may_override(user, m)],
            plan_periods=result.periods.labels,
            counts=result.counts,
        )
    return render_view(request, "front/tracking.html", "front/tracking_table.html", context)


def _key(level: str) -> str | None:
    return {"rep": "rep_id", "manager": "manager_id", "region": "region", "segment": "segment"}.get(level)


def _upload(request: HttpRequest, version: Any) -> HttpResponse:
    access.require(request.user, access.Action.EDIT)
    upload = request.FILES.get("file")
    if upload is None:
        return problem(request, "choose an opportunities export (CSV, Excel or Parquet)")
    suffix = Path(upload.name).suffix.lower()
    if suffix not in tracking.SUFFIXES:
        return problem(request, f"an opportunities export is {', '.join(tracking.SUFFIXES)}, not {suffix!r}")
    folder = tracking.tracking_dir(version)
    folder.mkdir(parents=True, exist_ok=True)
    number = OpportunityUpload.objects.filter(version=version).count() + 1
    stored = f"opportunities-{number}{suffix}"
    target = folder / stored
    with target.open("xb") as out:
        shutil.copyfileobj(upload, out)
    try:
        rows = len(tracking.read_upload(target))
    except InputError as e:
        target.unlink(missing_ok=True)
        return problem(request, "the opportunities export was refused", tracking.problems_of(e))
    with transaction.atomic():
        OpportunityUpload.objects.create(
            version=version,
            stored_name=stored,
            original_name=upload.name[:200],
            rows=rows,
            uploaded_by=request.user,
        )
        record(
            request.user,
            "tracking.upload",
            str(version),
            after={"file": upload.name, "rows": rows},
            plan_id=version.plan_id,
        )
    return go(request, f"/plans/{version.plan_id}/v/{version.number}/tracking/")


def _amount(text: str) -> Decimal | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    value = Decimal(text)
    if value < 0 or not value.is_finite():
        raise InvalidOperation(text)
    return value.quantize(Decimal("0.01"))


def _save_override(request: HttpRequest, version: Any) -> HttpResponse:
    manager_id = str(request.POST.get("manager_id", "")).strip()
    if not may_override(request.user, manager_id):
        raise access.AccessDenied("managers enter forecast overrides for their own team only")
    period = str(request.POST.get("period", "")).strip()
    try:
        commit = _amount(str(request.POST.get("commit", "")))
        best = _amount(str(request.POST.get("best_case", "")))
    except InvalidOperation:
        return problem(request, "commit and best case are amounts >= 0 (or blank to keep the roll-up)")
    upload = tracking.latest_upload(version)
    if upload is None:
        return problem(request, "upload an opportunities export first")
    result = tracking.tracking_of(version, upload)
    if period not in result.periods.labels:
        return problem(request, f"{period!r} is not a period of this plan")
    if commit is None and best is None:
        return problem(request, "enter a commit or a best case")
    note = str(request.POST.get("note", ""))[:1000]
    with transaction.atomic():
        o = ForecastOverride.objects.create(
            version=version,
            manager_id=manager_id,
            period=period,
            commit=commit,
            best_case=best,
            note=note,
            author=request.user,
        )
        record(
            request.user,
            "forecast.override",
            str(version),
            after={
                "manager_id": manager_id,
                "period": period,
                "commit": None if commit is None else str(commit),
                "best_case": None if best is None else str(best),
                "note": note,
                "override": o.pk,
            },
            plan_id=version.plan_id,
        )
    return go(request, f"/plans/{version.plan_id}/v/{version.number}/tracking/?level=manager")
