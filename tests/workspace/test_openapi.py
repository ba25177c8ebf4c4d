"""/api/openapi.json documents every route the API answers."""

from __future__ import annotations

from pathlib import Path


def test_every_route_is_documented(db: Path) -> None:
    from workspace.api.openapi import OPERATIONS, routes

    assert set(routes()) == set(OPERATIONS)


def test_document_is_served_without_a_token_and_names_the_contract_paths(db: Path) -> None:
    from tests.workspace.conftest import Api

    doc = Api(None).get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for path, method in (
        ("/api/health", "get"),
        ("/api/token", "post"),
        ("/api/plans", "post"),
        ("/api/plans/{plan_id}/versions/{number}/run", "post"),
        ("/api/jobs/{job_id}", "get"),
        ("/api/plans/{plan_id}/changes", "post"),
        ("/api/requests/{request_id}/accept", "post"),
        ("/api/plans/{plan_id}/versions/{number}/transition", "post"),
        ("/api/plans/{plan_id}/audit", "get"),
    ):
        assert method in doc["paths"][path], path
    assert "security" not in doc["paths"]["/api/health"]["get"]
    assert doc["paths"]["/api/plans"]["get"]["security"] == [{"bearer": []}]


def test_unknown_api_paths_are_404(db: Path) -> None:
    from tests.workspace.conftest import Api

    assert Api(None).get("/api/nothing-here").status_code == 404
