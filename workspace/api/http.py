"""The API's plumbing: bearer-token authentication, JSON bodies, errors as `{"error", "detail"}`.

Why the API is exempt from CSRF: CSRF attacks ride on credentials the
browser attaches by itself (cookies). API calls authenticate only with an
``Authorization: Bearer`` header, which a browser never adds to a cross-site
request, and the API ignores session cookies entirely, so a forged request
carries no credentials. Browser forms (the pages) use sessions and keep
Django's CSRF protection.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from workspace import access, engine
from workspace.accounts.models import ApiToken
from workspace.plans.services import Conflict, NotFound
from workspace.plans.uploads import UploadRefused
from workspace.plans.workflow import WorkflowError

log = logging.getLogger(__name__)

Handler = Callable[..., HttpResponse]


class ApiError(Exception):
    def __init__(self, status: int, error: str, detail: Any = None):
        self.status, self.error, self.detail = status, error, detail
        super().__init__(error)


def error(
    status: int, message: str, detail: Any = None, headers: dict[str, str] | None = None
) -> JsonResponse:
    response = JsonResponse({"error": message, "detail": detail}, status=status)
    for k, v in (headers or {}).items():
        response[k] = v
    return response


def ok(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False)


def bearer_user(request: HttpRequest) -> Any:
    """The user of the request's bearer token, or None (sessions are ignored by the API)."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    return ApiToken.user_for(raw.strip())


def body(request: HttpRequest) -> dict[str, Any]:
    """The JSON object posted, or a 400."""
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object")
    return data


def field(
    data: dict[str, Any],
    name: str,
    kind: type | tuple[type, ...] = str,
    required: bool = True,
    default: Any = None,
) -> Any:
    if name not in data or data[name] is None:
        if required:
            raise ApiError(400, f"missing field {name!r}", [{"field": name, "why": "required"}])
        return default
    value = data[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ApiError(400, f"field {name!r} must be {names}", [{"field": name, "why": f"must be {names}"}])
    return value


def endpoint(*, auth: bool = True, **handlers: Handler) -> Handler:
    """One URL's view: ``GET=fn, POST=fn``; other methods 405; errors mapped to their status.

    Handlers are called as ``fn(request, user, **url_kwargs)``.
    """
    allowed = ", ".join(sorted(handlers))

    @csrf_exempt  # bearer tokens, not cookies: see the module docstring
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        handler = handlers.get(request.method or "")
        if handler is None:
            return error(
                405, f"{request.method} is not allowed here (allowed: {allowed})", headers={"Allow": allowed}
            )
        user = None
        if auth:
            user = bearer_user(request)
            if user is None:
                return error(
                    401,
                    "authentication required: send Authorization: Bearer <token> (POST /api/token gives one)",
                    headers={"WWW-Authenticate": "Bearer"},
                )
        try:
            return handler(request, user, **kwargs)
        except ApiError as e:
            return error(e.status, e.error, e.detail)
        except access.AccessDenied as e:
            return error(403, str(e))
        except NotFound as e:
            return error(404, str(e))
        except (Conflict, WorkflowError) as e:
            return error(409, str(e))
        except UploadRefused as e:
            return error(400, e.why, e.problems)
        except engine.EngineInputError as e:
            return error(400, f"{len(e.problems)} problem(s) in the input", [p.as_dict() for p in e.problems])

    view.handlers = handlers  # type: ignore[attr-defined]
    return view
