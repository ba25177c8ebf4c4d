"""The OpenAPI 3.1 document of the API, served at /api/openapi.json.

Paths and methods come from the URL table itself (a route cannot go
undocumented); summaries and bodies from `OPERATIONS` below, which a test
keeps complete.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, JsonResponse

_ERROR = {"$ref": "#/components/schemas/Error"}
_OBJ = {"type": "object"}


def _body(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object", "properties": props, "required": required}}
        },
    }


_S, _I = {"type": "string"}, {"type": "integer"}

#: (method, path) -> summary, request body (or None), success status
OPERATIONS: dict[tuple[str, str], tuple[str, dict[str, Any] | None, int]] = {
    ("get", "/api/health"): ("Liveness check: {status: ok}", None, 200),
    ("post", "/api/token"): (
        "Exchange username and password for a bearer token",
        _body({"username": _S, "password": _S}, ["username", "password"]),
        200,
    ),
    ("get", "/api/me"): ("The calling user: username, role, manager_id", None, 200),
    ("post", "/api/users"): (
        "Create a user (admins)",
        _body(
            {
                "username": _S,
                "password": _S,
                "manager_id": _S,
                "role": {"enum": ["admin", "planner", "finance", "manager", "viewer"]},
            },
            ["username", "password", "role"],
        ),
        201,
    ),
    ("get", "/api/openapi.json"): ("This document", None, 200),
    ("get", "/api/plans"): ("Plans: id, name, latest_version, status", None, 200),
    ("post", "/api/plans"): (
        "Upload a zipped scenario folder (multipart field 'file'): new plan, version 1",
        {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            },
        },
        201,
    ),
    ("get", "/api/plans/{plan_id}"): ("A plan and its versions", None, 200),
    ("get", "/api/plans/{plan_id}/versions/{number}"): (
        "A version: status, parent, author, metrics.json (null before a run), latest job",
        None,
        200,
    ),
    ("post", "/api/plans/{plan_id}/versions/{number}/run"): ("Solve this version: 202 {job}", None, 202),
    ("get", "/api/plans/{plan_id}/versions/{number}/files/{name}"): (
        "A run-folder file, bytes as `terraquota run` writes them (not for managers)",
        None,
        200,
    ),
    ("get", "/api/plans/{plan_id}/versions/{number}/reps"): (
        "Reps rows (a manager sees their team only)",
        None,
        200,
    ),
    ("get", "/api/plans/{plan_id}/versions/{number}/accounts"): (
        "Assignment rows, ?rep_id= for one rep (a manager sees their team's accounts only)",
        None,
        200,
    ),
    ("post", "/api/plans/{plan_id}/versions/{number}/transition"): (
        "Move along the workflow: draft -> submitted -> approved -> published; submitted -> draft",
        _body({"to": {"enum": ["draft", "submitted", "approved", "published"]}, "note": _S}, ["to"]),
        200,
    ),
    ("post", "/api/plans/{plan_id}/changes"): (
        "Edit: a new draft version from base_version + changes, solved by the job (409 if base is stale)",
        _body(
            {"base_version": _I, "changes": {"type": "array", "items": _OBJ}, "note": _S},
            ["base_version", "changes"],
        ),
        201,
    ),
    ("get", "/api/plans/{plan_id}/requests"): (
        "Move requests (managers: their own and their team's)",
        None,
        200,
    ),
    ("post", "/api/plans/{plan_id}/requests"): (
        "Request an account move to a rep",
        _body({"account_id": _S, "rep_id": _S, "reason": _S}, ["account_id", "rep_id"]),
        201,
    ),
    ("post", "/api/requests/{request_id}/accept"): (
        "Accept: the move becomes a pin in a new draft version, solved by the job",
        _body({"reason": _S}, []),
        201,
    ),
    ("post", "/api/requests/{request_id}/reject"): ("Reject a request", _body({"reason": _S}, []), 200),
    ("get", "/api/plans/{plan_id}/comments"): ("Comments, oldest first", None, 200),
    ("post", "/api/plans/{plan_id}/comments"): (
        "Comment on the plan, a rep or an account",
        _body(
            {"target": {"enum": ["plan", "rep", "account"]}, "target_id": _S, "text": _S}, ["target", "text"]
        ),
        201,
    ),
    ("get", "/api/plans/{plan_id}/audit"): ("The plan's audit trail, oldest first (append-only)", None, 200),
    ("get", "/api/jobs/{job_id}"): ("A job: status, progress 0..1, exit_code, message", None, 200),
    ("post", "/api/jobs/{job_id}/cancel"): ("Cancel a queued or running job", None, 200),
}

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def routes() -> list[tuple[str, str]]:
    """(method, OpenAPI path) of every API route, from the URL table."""
    from workspace.api.urls import urlpatterns

    out = []
    for pattern in urlpatterns:
        path = "/api/" + _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", str(pattern.pattern))
        handlers = getattr(pattern.callback, "handlers", {"GET": None})
        out += [(method.lower(), path) for method in handlers]
    return out


def build() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path in routes():
        summary, request_body, status = OPERATIONS.get((method, path), ("(undocumented)", None, 200))
        params = [
            {
                "name": n,
                "in": "path",
                "required": True,
                "schema": {"type": "string" if n == "name" else "integer"},
            }
            for n in re.findall(r"{(\w+)}", path)
        ]
        op: dict[str, Any] = {
            "summary": summary,
            "responses": {
                str(status): {"description": "success"},
                "default": {"description": "error", "content": {"application/json": {"schema": _ERROR}}},
            },
        }
        if params:
            op["parameters"] = params
        if request_body:
            op["requestBody"] = request_body
        if path not in ("/api/health", "/api/token", "/api/openapi.json"):
            op["security"] = [{"bearer": []}]
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "terraquota workspace API", "version": "1"},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": _S, "detail": {}}, "required": ["error"]}
            },
        },
    }


def document(request: HttpRequest) -> JsonResponse:
    if request.method != "GET":
        return JsonResponse({"error": "only GET", "detail": None}, status=405, headers={"Allow": "GET"})
    return JsonResponse(build())
