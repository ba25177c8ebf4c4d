"""Every role against every endpoint, and managers against their own team and another's.

The expected answers are CONTRACT.md's role paragraph written as a table:
viewer reads; manager reads the summary and their own team, comments and
requests; planner edits, runs, submits, decides and publishes; finance reads,
comments and approves; admin does everything.
"""

from __future__ import annotations

import pytest

ROLES = ("viewer", "manager1", "planner", "finance", "admin")
ALL = set(ROLES)
READ_ALL = {"viewer", "planner", "finance", "admin"}
EDIT = {"planner", "admin"}

#: name -> (method, path template, body, roles that succeed, success status)
ENDPOINTS = {
    "list plans": ("GET", "/api/plans", None, ALL, 200),
    "plan": ("GET", "/api/plans/{p}", None, ALL, 200),
    "version summary": ("GET", "/api/plans/{p}/versions/1", None, ALL, 200),
    "whole-plan file": ("GET", "/api/plans/{p}/versions/1/files/assignment.csv", None, READ_ALL, 200),
    "metrics file": ("GET", "/api/plans/{p}/versions/1/files/metrics.json", None, READ_ALL, 200),
    "reps": ("GET", "/api/plans/{p}/versions/1/reps", None, ALL, 200),
    "accounts": ("GET", "/api/plans/{p}/versions/1/accounts", None, ALL, 200),
    "run": ("POST", "/api/plans/{p}/versions/1/run", None, EDIT, 202),
    "change": (
        "POST",
        "/api/plans/{p}/changes",
        {"base_version": 1, "changes": [{"type": "unpin", "account_id": "A07"}]},
        EDIT,
        201,
    ),
    "request": (
        "POST",
        "/api/plans/{p}/requests",
        {"account_id": "A08", "rep_id": "R1"},
        {"manager1", "planner", "admin"},
        201,
    ),
    "list requests": ("GET", "/api/plans/{p}/requests", None, ALL, 200),
    "comment": (
        "POST",
        "/api/plans/{p}/comments",
        {"target": "plan", "text": "t"},
        {"manager1", "planner", "finance", "admin"},
        201,
    ),
    "list comments": ("GET", "/api/plans/{p}/comments", None, ALL, 200),
    "submit": ("POST", "/api/plans/{p}/versions/1/transition", {"to": "submitted"}, EDIT, 200),
    "audit": ("GET", "/api/plans/{p}/audit", None, READ_ALL, 200),
    "upload": ("POST", "/api/plans", None, EDIT, 400),  # no file: past the role check, refused as input
    "create user": (
        "POST",
        "/api/users",
        {"username": "u", "password": "long-enough-pw", "role": "viewer"},
        {"admin"},
        201,
    ),
    "me": ("GET", "/api/me", None, ALL, 200),
}


def _call(api, method: str, path: str, body) -> object:
    return api.get(path) if method == "GET" else api.post(path, body)


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@pytest.mark.parametrize("role", ROLES)
def test_role_endpoint_matrix(api: dict, plan, role: str, endpoint: str) -> None:
    method, template, body, allowed, success = ENDPOINTS[endpoint]
    r = _call(api[role], method, template.format(p=plan.pk), body)
    expected = success if role in allowed else 403
    assert r.status_code == expected, (role, endpoint, r.status_code, r.content[:300])


def test_decisions_by_role(api: dict, plan) -> None:
    for role in ROLES:
        rid = (
            api["planner"]
            .post(f"/api/plans/{plan.pk}/requests", {"account_id": "A08", "rep_id": "R3"})
            .json()["request"]
        )
        r = api[role].post(f"/api/requests/{rid}/reject", {"reason": "r"})
        assert r.status_code == (200 if role in EDIT else 403), role


def test_job_reads_and_cancels_by_role(api: dict, plan) -> None:
    for role in ROLES:
        job = api["planner"].post(f"/api/plans/{plan.pk}/versions/1/run").json()["job"]
        assert api[role].get(f"/api/jobs/{job}").status_code == 200
        assert api[role].post(f"/api/jobs/{job}/cancel").status_code == (200 if role in EDIT else 403), role


# --- own team and another team ------------------------------------------------------------------
# tiny: manager1 (M1) has R1, R2 and their accounts A01-A06; manager2 (M2) has R3, R4 and A07-A12

TEAM = {
    "manager1": ({"R1", "R2"}, {f"A0{i}" for i in range(1, 7)}),
    "manager2": ({"R3", "R4"}, {"A07", "A08", "A09", "A10", "A11", "A12"}),
}


@pytest.mark.parametrize("manager", sorted(TEAM))
def test_a_manager_sees_only_their_team(api: dict, plan, manager: str) -> None:
    reps, accounts = TEAM[manager]
    got_reps = {r["rep_id"] for r in api[manager].get(f"/api/plans/{plan.pk}/versions/1/reps").json()}
    got_accounts = {
        a["account_id"] for a in api[manager].get(f"/api/plans/{plan.pk}/versions/1/accounts").json()
    }
    assert got_reps == reps
    assert got_accounts <= accounts and got_accounts
    # the run's assignment decides: every account listed belongs to a team rep
    rows = api[manager].get(f"/api/plans/{plan.pk}/versions/1/accounts").json()
    assert {a["rep_id"] for a in rows} <= reps


@pytest.mark.parametrize(("manager", "own", "other"), [("manager1", "R1", "R3"), ("manager2", "R4", "R2")])
def test_own_team_versus_other_team(api: dict, plan, manager: str, own: str, other: str) -> None:
    base = f"/api/plans/{plan.pk}"
    assert api[manager].get(f"{base}/versions/1/accounts?rep_id={own}").status_code == 200
    assert api[manager].get(f"{base}/versions/1/accounts?rep_id={other}").status_code == 403
    assert api[manager].post(f"{base}/requests", {"account_id": "A01", "rep_id": own}).status_code == 201
    assert api[manager].post(f"{base}/requests", {"account_id": "A01", "rep_id": other}).status_code == 403
    assert (
        api[manager].post(f"{base}/comments", {"target": "rep", "target_id": own, "text": "x"}).status_code
        == 201
    )
    assert (
        api[manager].post(f"{base}/comments", {"target": "rep", "target_id": other, "text": "x"}).status_code
        == 403
    )
    for name in ("assignment.csv", "reps.csv", "quotas.csv"):
        assert api[manager].get(f"{base}/versions/1/files/{name}").status_code == 403


def test_everyone_else_sees_every_rep(api: dict, plan) -> None:
    for role in ("viewer", "planner", "finance", "admin"):
        reps = {r["rep_id"] for r in api[role].get(f"/api/plans/{plan.pk}/versions/1/reps").json()}
        assert reps == {"R1", "R2", "R3", "R4"}


def test_a_manager_without_reps_sees_no_team(api: dict, plan, users: dict) -> None:
    from tests.workspace.conftest import PASSWORD, Api
    from workspace.accounts.models import ApiToken
    from workspace.accounts.users import create_user

    lonely = Api(ApiToken.issue(create_user("lonely", PASSWORD, "manager", manager_id="M9")))
    assert lonely.get(f"/api/plans/{plan.pk}/versions/1/reps").json() == []
    assert lonely.get(f"/api/plans/{plan.pk}/versions/1/accounts").json() == []
    assert lonely.get(f"/api/plans/{plan.pk}/versions/1").status_code == 200  # the summary


def test_a_manager_sees_the_changes_of_their_team_and_the_plan(api: dict, plan) -> None:
    changes = [
        {"type": "pin", "account_id": "A01", "rep_id": "R2"},
        {"type": "unpin", "account_id": "A07"},
        {"type": "set", "key": "quota.target", "value": 1200.0},
    ]
    api["planner"].post(f"/api/plans/{plan.pk}/changes", {"base_version": 1, "changes": changes})
    seen = api["manager1"].get(f"/api/plans/{plan.pk}/versions/2").json()["changes"]
    assert seen == [changes[0], changes[2]]
    assert api["viewer"].get(f"/api/plans/{plan.pk}/versions/2").json()["changes"] == changes
