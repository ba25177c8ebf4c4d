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


def render_view(request: HttpRequest, page: str, fragment: str, context: dict[str, Any],
                status: int = 200) -> HttpResponse:
    """The same view answers a page load with ``page`` and an htmx request with ``fragment``."""
    return render(request, fragment if is_htmx(request) else page, context, status=status)


def problem(request: HttpRequest, message: str, problems: list[dict[str, Any]] | None = None,
            status: int = 400) -> HttpResponse:
    """A refusal shown where the form was (htmx retargets it to the page's message area)."""
    response = render(request, "front/problem.html", {"message": message, "problems": problems or []},
                      status=status)
    if is_htmx(request):
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
    return response


def page_view(action: access.Action | None = access.Action.READ_PLAN) -> Callable[[View], View]:
    """Sign-in and a role check around a view; the services' errors become pages.

    AccessDenied -> 403, NotFound -> 404, a conflict with the plan's state
    -> 409 and bad input -> 400, each with the message that says why.
    """

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                if is_htmx(request):
                    response = HttpResponse(status=401)
                    response["HX-Redirect"] = f"/login/?next={request.path}"
                    return response
                return redirect_to_login(request.get_full_path())
            try:
                if action is not None:
                    access.require(request.user, action)
                return view(request, *args, **kwargs)
            except access.AccessDenied as e:
                if is_htmx(request):
                    return problem(request, str(e), status=403)
                raise PermissionDenied(str(e)) from None
            except services.NotFound as e:
                raise Http404(str(e)) from None
            except WorkflowError as e:
                return problem(request, str(e), status=409)
            except engine.EngineInputError as e:
                return problem(request, "the change was refused", [p.as_dict() for p in e.problems])
            except UploadRefused as e:
                return problem(request, e.why, e.problems)
            except InputError as e:  # a table the user gave (e.g. an opportunities export)
                return problem(request, "the input was refused", [
                    {"file": Path(p.file).name, "row": p.row, "column": p.column, "why": p.why}
                    for p in e.problems])

        return wrapped

    return decorate


def version_of(plan_id: int, number: int) -> Version:
    return services.get_version(plan_id, number)
