"""The audit trail of one plan: filter it, page through it, download it as CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from workspace import access
from workspace.audit.models import AuditEntry
from workspace.front.pages import page_view, render_view
from workspace.plans import services

PER_PAGE = 100
CSV_COLUMNS = ("at", "user", "action", "object", "before", "after")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def filtered(plan_id: int, params: Any) -> tuple[QuerySet[AuditEntry], dict[str, str]]:
    """The plan's entries matching the filters (user, action prefix, text, from and to dates)."""
    entries = AuditEntry.objects.filter(plan_id=plan_id).order_by("id")
    f = {k: str(params.get(k, "")).strip()[:100] for k in ("user", "action", "q", "since", "until")}
    if f["user"]:
        entries = entries.filter(user=f["user"])
    if f["action"]:
        entries = entries.filter(action__startswith=f["action"])
    if f["q"]:
        entries = entries.filter(Q(object__icontains=f["q"]) | Q(action__icontains=f["q"]))
    if (since := _day(f["since"])) is not None:
        entries = entries.filter(at__date__gte=since)
    if (until := _day(f["until"])) is not None:
        entries = entries.filter(at__date__lte=until)
    return entries, f


def _safe(text: str) -> str:
    """A spreadsheet must not run a cell as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _json(value: Any) -> str:
    return "" if value is None else _safe(json.dumps(value, sort_keys=True, ensure_ascii=False))


def audit_csv(entries: QuerySet[AuditEntry]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries.iterator():
        writer.writerow(
            [
                e.at.isoformat(),
                _safe(e.user),
                _safe(e.action),
                _safe(e.object),
                _json(e.before),
                _json(e.after),
            ]
        )
    return out.getvalue().encode("utf-8")


@require_GET
@page_view(access.Action.READ_AUDIT)
def audit(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = services.get_plan(plan_id)
    entries, filters = filtered(plan.pk, request.GET)
    if request.GET.get("format") == "csv":
        response = HttpResponse(audit_csv(entries), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="plan-{plan.pk}-audit.csv"'
        return response
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    users = (
        AuditEntry.objects.filter(plan_id=plan.pk).values_list("user", flat=True).distinct().order_by("user")
    )
    query = urlencode({k: v for k, v in filters.items() if v})
    rows = [
        {
            "at": e.at,
            "user": e.user,
            "action": e.action,
            "object": e.object,
            "before": _shown(e.before),
            "after": _shown(e.after),
        }
        for e in page
    ]
    return render_view(
        request,
        "front/audit.html",
        "front/audit_table.html",
        {
            "plan": plan,
            "page": page,
            "rows": rows,
            "filters": filters,
            "users": list(users),
            "query": query,
        },
    )


def _shown(value: Any) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)
