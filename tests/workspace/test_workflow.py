"""POST .../transition: the approval workflow, who may make each move, and publication."""

from __future__ import annotations

import pytest

MOVES = [  # (from, to, roles allowed)
    ("draft", "submitted", {"planner", "admin"}),
    ("submitted", "approved", {"finance", "admin"}),
    ("approved", "published", {"planner", "admin"}),
    ("submitted", "draft", {"planner", "finance", "admin"}),
]
ROLES = ("admin", "planner", "finance", "viewer", "manager1")


def _move(api, plan, to: str, v: int = 1) -> object:
    return api.post(f"/api/plans/{plan.pk}/versions/{v}/transition", {"to": to, "note": "n"})


def _bring_to(api: dict, plan, status: str) -> None:
    path = {
        "draft": [],
        "submitted": ["submitted"],
        "approved": ["submitted", "approved"],
        "published": ["submitted", "approved", "published"],
    }[status]
    for to in path:
        assert _move(api["admin"], plan, to).status_code == 200


@pytest.mark.parametrize(("start", "to", "allowed"), MOVES)
@pytest.mark.parametrize("role", ROLES)
def test_each_move_is_allowed_exactly_for_its_roles(
    api: dict, plan, start: str, to: str, allowed: set, role: str
) -> None:
    _bring_to(api, plan, start)
    r = _move(api[role], plan, to)
    if role in allowed:
        assert r.status_code == 200, r.content
        assert api["viewer"].get(f"/api/plans/{plan.pk}/versions/1").json()["status"] == to
    else:
        assert r.status_code == 403, (role, r.content)
        assert api["viewer"].get(f"/api/plans/{plan.pk}/versions/1").json()["status"] == start


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("draft", "approved"),
        ("draft", "published"),
        ("submitted", "published"),
        ("approved", "draft"),
        ("published", "draft"),
        ("published", "submitted"),
        ("draft", "draft"),
        ("approved", "submitted"),
    ],
)
def test_moves_the_workflow_does_not_have_are_409_even_for_admins(
    api: dict, plan, start: str, to: str
) -> None:
    _bring_to(api, plan, start)
    r = _move(api["admin"], plan, to)
    assert r.status_code == 409, r.content
    assert f"cannot become {to}" in r.json()["error"]


def test_unknown_target_status_is_400(api: dict, plan) -> None:
    assert _move(api["admin"], plan, "archived").status_code == 400


def test_publish_writes_salesforce_files_and_workbook_of_that_version(api: dict, plan) -> None:
    _bring_to(api, plan, "published")
    version = plan.latest()
    out = version.published_dir
    assert (out / "workbook.xlsx").is_file()
    account = (out / "salesforce" / "Account.csv").read_text(encoding="utf-8")
    assert account.splitlines()[0] == "Id,OwnerId"
    import pandas as pd

    assignment = pd.read_csv(version.run_dir / "assignment.csv", dtype=str)
    sf = pd.read_csv(out / "salesforce" / "Account.csv", dtype=str)
    assert dict(zip(sf["Id"], sf["OwnerId"], strict=True)) == dict(
        zip(assignment["account_id"], assignment["rep_id"], strict=True)
    )
    audit = api["viewer"].get(f"/api/plans/{plan.pk}/audit").json()
    assert audit[-1]["action"] == "version.publish"
    assert "workbook.xlsx" in audit[-1]["after"]["files"]
    served = api["viewer"].get(f"/api/plans/{plan.pk}/versions/1/files/salesforce/Account.csv")
    assert b"".join(served.streaming_content).decode("utf-8") == account
    assert api["viewer"].get(f"/api/plans/{plan.pk}/versions/1/files/workbook.xlsx").status_code == 200


def test_submit_needs_a_solved_run(api: dict, tiny_zip: bytes) -> None:
    pid = api["planner"].upload("/api/plans", tiny_zip).json()["id"]
    r = api["planner"].post(f"/api/plans/{pid}/versions/1/transition", {"to": "submitted"})
    assert r.status_code == 409 and "run it first" in r.json()["error"]


def test_an_approved_version_is_read_only(api: dict, plan) -> None:
    _bring_to(api, plan, "approved")
    assert api["planner"].post(f"/api/plans/{plan.pk}/versions/1/run").status_code == 409
    r = api["planner"].post(
        f"/api/plans/{plan.pk}/changes",
        {"base_version": 1, "changes": [{"type": "unpin", "account_id": "A07"}]},
    )
    assert r.status_code == 409


def test_rejected_version_is_a_draft_again_and_editable(api: dict, plan) -> None:
    _bring_to(api, plan, "submitted")
    assert _move(api["finance"], plan, "draft").status_code == 200
    r = api["planner"].post(
        f"/api/plans/{plan.pk}/changes",
        {"base_version": 1, "changes": [{"type": "unpin", "account_id": "A07"}]},
    )
    assert r.status_code == 201
