"""Changing a plan from the pages: edits (new draft versions), workflow moves, comments, requests.

Each view turns a form into the same call the JSON API makes
(`workspace.plans.services`); the role checks are the services' and
`workspace.access`'s. After a change that makes a new version the browser
goes to that version's page, where the run's progress shows.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from workspace import access
from workspace.front import comments
from workspace.front.pages import is_htmx, page_view, problem, version_of
from workspace.plans import services

#: scenario keys the quota and balance form may set
SETTABLE = {
    "quota.target": "company target",
    "quota.hedge.region": "region hedge",
    "quota.hedge.rep": "rep hedge",
    "assignment.balance.potential": "balance tolerance (potential)",
}
REP_FIELDS = (
    "rep_id",
    "name",
    "segment",
    "region",
    "manager_id",
    "start_date",
    "end_date",
    "lat",
    "lon",
    "ote",
)


def go(request: HttpRequest, url: str) -> HttpResponse:
    """Send the browser to ``url`` (a full navigation, also from an htmx request)."""
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _text(request: HttpRequest, name: str) -> str:
    return str(request.POST.get(name, "")).strip()


def _pin(request: HttpRequest) -> dict[str, Any] | str:
    if not _text(request, "account_id") or not _text(request, "rep_id"):
        return "choose the account and the rep to move it to"
    return {"type": "pin", "account_id": _text(request, "account_id"), "rep_id": _text(request, "rep_id")}


def _unpin(request: HttpRequest) -> dict[str, Any] | str:
    return {"type": "unpin", "account_id": _text(request, "account_id")}


def _rep(request: HttpRequest) -> dict[str, Any] | str:
    change: dict[str, Any] = {"type": "rep", "rep_id": _text(request, "rep_id")}
    for key in ("start_date", "end_date"):
        if key in request.POST:
            change[key] = _text(request, key) or None
    return change


def _add_rep(request: HttpRequest) -> dict[str, Any] | str:
    rep = {k: _text(request, k) for k in REP_FIELDS if _text(request, k)}
    if not rep.get("rep_id") or not rep.get("segment") or not rep.get("region"):
        return "a hire needs a rep id, a segment and a region"
    return {"type": "add_rep", "rep": rep}


def _set(request: HttpRequest) -> dict[str, Any] | str:
    key = _text(request, "key")
    if key not in SETTABLE:
        return f"choose one of: {', '.join(SETTABLE.values())}"
    try:
        value = float(_text(request, "value"))
    except ValueError:
        return f"{SETTABLE[key]}: enter a number"
    if key.startswith(("quota.hedge", "assignment.balance")):
        value = value / 100.0  # the form asks for percent
    return {"type": "set", "key": key, "value": value}


#: the change each edit form makes (the API's change types)
FORMS = {"pin": _pin, "unpin": _unpin, "rep": _rep, "add_rep": _add_rep, "set": _set}


def change_from_form(request: HttpRequest) -> dict[str, Any] | str:
    """The change the form describes, or what is missing from it."""
    kind = _text(request, "type")
    form = FORMS.get(kind)
    return form(request) if form is not None else f"unknown change {kind!r}"


@require_POST
@page_view(access.Action.EDIT)
def edit(request: HttpRequest, plan_id: int, number: int) -> HttpResponse:
    change = change_from_form(request)
    if isinstance(change, str):
        return problem(request, change)
    plan = services.get_plan(plan_id)
    version, _job = services.edit(plan, request.user, number, [change], note=_text(request, "note")[:500])
    return go(request, f"/plans/{plan.pk}/v/{version.number}/")


@require_POST
@page_view()
def transition(request: HttpRequest, plan_id: int, number: int) -> HttpResponse:
    version = version_of(plan_id, number)
    services.transition(version, request.user, _text(request, "to"), _text(request, "note")[:500])
    return go(request, f"/plans/{plan_id}/v/{number}/")


@require_POST
@page_view(access.Action.COMMENT)
def add_comment(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = services.get_plan(plan_id)
    target, target_id = _text(request, "target"), _text(request, "target_id")
    services.add_comment(plan, request.user, target, target_id, str(request.POST.get("text", "")))
    context = comments.thread(plan, request.user, target, target_id)
    if is_htmx(request):
        return render(request, "front/comments.html", {"thread": context})
    return go(request, request.POST.get("back") or f"/plans/{plan.pk}/")


@require_POST
@page_view(access.Action.REQUEST)
def make_request(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = services.get_plan(plan_id)
    req = services.make_request(
        plan,
        request.user,
        _text(request, "account_id"),
        _text(request, "rep_id"),
        _text(request, "reason")[:1000],
    )
    return render(request, "front/request_made.html", {"req": req})


@require_POST
@page_view(access.Action.DECIDE_REQUEST)
def decide_request(request: HttpRequest, request_id: int) -> HttpResponse:
    req = services.get_request(request_id)
    accept = _text(request, "decision") == "accept"
    req, version, _job = services.decide_request(req, request.user, accept, _text(request, "reason")[:1000])
    if version is not None:
        return go(request, f"/plans/{req.plan_id}/v/{version.number}/")
    return go(request, f"/plans/{req.plan_id}/")
