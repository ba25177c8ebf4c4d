"""What every page view shares: sign-in, role checks, errors, full page or htmx fragment."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from solver.errors import InputError
from workspace import access, engine
from workspace.plans import services
from workspace.plans.models import Version
from workspace.plans.uploads import UploadRefused
from workspace.plans.workflow import WorkflowError

View = Callable[..., HttpResponse]


def is_htmx(request: HttpRequest) -> bool:
    """True for requests htmx makes (they want a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render_view(
    request: HttpRequest, page: str, fragment: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The same view answers a page load with ``page`` and an htmx request with ``fragment``."""
    return render(request, fragment if is_htmx(request) else page, context, status=status)


def problem(
    request: HttpRequest, message: str, problems: list[dict[str, Any]] | None = None, status: int = 400
) -> HttpResponse:
    """A refusal shown where the form was (htmx retargets it to the page's message area)."""
    response = render(
        request, "front/problem.html", {"message": message, "problems": problems or []}, status=status
    )
    if is_htmx(request):
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
    return response


def refusal(request: HttpRequest, error: Exception) -> HttpResponse | None:
    """The page for an error the services raise on purpose, or None for any other error.

    AccessDenied -> 403 (Django's 403 page on a full page load), a conflict
    with the plan's state -> 409, bad input -> 400, each saying why.
    """
    if isinstance(error, access.AccessDenied):
        if is_htmx(request):
            return problem(request, str(error), status=403)
        raise PermissionDenied(str(error)) from None
    if isinstance(error, WorkflowError):
        return problem(request, str(error), status=409)
    if isinstance(error, engine.EngineInputError):
        return problem(request, "the change was refused", [p.as_dict() for p in error.problems])
    if isinstance(error, UploadRefused):
        return problem(request, error.why, error.problems)
    if isinstance(error, InputError):  # a table the user gave (e.g. an opportunities export)
        return problem(
            request,
            "the input was refused",
            [
                {"file": Path(p.file).name, "row": p.row, "column": p.column, "why": p.why}
                for p in error.problems
            ],
        )
    return None


def _signed_out(request: HttpRequest) -> HttpResponse:
    if is_htmx(request):
        response = HttpResponse(status=401)
        response["HX-Redirect"] = f"/login/?next={request.path}"
        return response
    return redirect_to_login(request.get_full_path())


def page_view(action: access.Action | None = access.Action.READ_PLAN) -> Callable[[View], View]:
    """Sign-in and a role check around a view; the services' errors become pages (see `refusal`)."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return _signed_out(request)
            try:
                if action is not None:
                    access.require(request.user, action)
                return view(request, *args, **kwargs)
            except services.NotFound as e:
                raise Http404(str(e)) from None
            except (
                access.AccessDenied,
                WorkflowError,
                engine.EngineInputError,
                UploadRefused,
                InputError,
            ) as e:
                response = refusal(request, e)
                if response is None:
                    raise
                return response

        return wrapped

    return decorate


def version_of(plan_id: int, number: int) -> Version:
    return services.get_version(plan_id, number)
