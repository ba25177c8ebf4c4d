"""POST /api/plans/{id}/changes: new draft versions, quota-only re-splits, 409 on stale or locked bases."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd


def _edit(api, pid: int, base: int, changes: list, note: str = "") -> object:
    return api.post(f"/api/plans/{pid}/changes", {"base_version": base, "changes": changes, "note": note})


def _file(api, pid: int, v: int, name: str) -> bytes:
    r = api.get(f"/api/plans/{pid}/versions/{v}/files/{name}")
    assert r.status_code == 200, (name, r.status_code)
    return b"".join(r.streaming_content)


def test_a_pin_makes_a_new_draft_version_solved_by_its_job(api: dict, plan, dispatcher) -> None:
    r = _edit(
        api["planner"], plan.pk, 1, [{"type": "pin", "account_id": "A01", "rep_id": "R2"}], "pin Boston"
    )
    assert r.status_code == 201, r.content
    assert r.json()["version"] == 2
    dispatcher.drain()
    job = api["viewer"].get(f"/api/jobs/{r.json()['job']}").json()
    assert job["status"] == "done", job
    assert job["kind"] == "resolve" and "solved again" in job["message"]
    v2 = api["viewer"].get(f"/api/plans/{plan.pk}/versions/2").json()
    assert (v2["status"], v2["parent"], v2["created_by"], v2["note"]) == ("draft", 1, "planner", "pin Boston")
    assert v2["changes"] == [{"type": "pin", "account_id": "A01", "rep_id": "R2"}]
    assignment = pd.read_csv(io.BytesIO(_file(api["viewer"], plan.pk, 2, "assignment.csv")))
    assert assignment.set_index("account_id").loc["A01", "rep_id"] == "R2"
    # version 1 is untouched
    assignment1 = pd.read_csv(io.BytesIO(_file(api["viewer"], plan.pk, 1, "assignment.csv")))
    assert assignment1.set_index("account_id").loc["A01", "rep_id"] == "R1"


def test_quota_only_change_resplits_and_keeps_the_assignment_byte_identical(
    api: dict, plan, dispatcher
) -> None:
    r = _edit(api["planner"], plan.pk, 1, [{"type": "set", "key": "quota.target", "value": 2000.0}])
    assert r.status_code == 201
    dispatcher.drain()
    job = api["viewer"].get(f"/api/jobs/{r.json()['job']}").json()
    assert job["status"] == "done" and job["kind"] == "resplit"
    assert _file(api["viewer"], plan.pk, 2, "assignment.csv") == _file(
        api["viewer"], plan.pk, 1, "assignment.csv"
    )
    q1 = pd.read_csv(io.BytesIO(_file(api["viewer"], plan.pk, 1, "quotas.csv")))
    q2 = pd.read_csv(io.BytesIO(_file(api["viewer"], plan.pk, 2, "quotas.csv")))
    assert round(q1["quota"].sum(), 2) == 1100.00  # 1000 x (1 + region hedge 0.10)
    assert round(q2["quota"].sum(), 2) == 2200.00
    m2 = api["viewer"].get(f"/api/plans/{plan.pk}/versions/2").json()["metrics"]
    assert m2["quota"]["target"] == "2000.00"


def test_quota_change_gives_what_a_full_solve_would(api: dict, plan, dispatcher, tmp_path: Path) -> None:
    """The re-split's files equal a full run of the edited scenario (but the solve time)."""
    from workspace import engine
    from workspace.plans.models import Version

    _edit(api["planner"], plan.pk, 1, [{"type": "set", "key": "quota.hedge.rep", "value": 0.05}])
    dispatcher.drain()
    v2 = Version.objects.get(plan=plan, number=2)
    engine.solve_into(v2.scenario_path, tmp_path / "full")
    for name in ("assignment.csv", "reps.csv", "quotas.csv", "capacity.csv", "reconcile.csv"):
        assert (v2.run_dir / name).read_bytes() == (tmp_path / "full" / name).read_bytes(), name


def test_rep_dates_and_a_new_rep(api: dict, plan, dispatcher) -> None:
    changes = [
        {"type": "rep", "rep_id": "R2", "end_date": "2027-07-31"},
        {
            "type": "add_rep",
            "rep": {
                "rep_id": "R9",
                "name": "Nia New",
                "segment": "SMB",
                "region": "NA",
                "manager_id": "M1",
                "start_date": "2027-05-01",
            },
        },
        {"type": "set", "key": "assignment.balance.potential", "value": 0.5},
    ]
    r = _edit(api["planner"], plan.pk, 1, changes)
    assert r.status_code == 201, r.content
    dispatcher.drain()
    job = api["viewer"].get(f"/api/jobs/{r.json()['job']}").json()
    assert job["status"] == "done", job
    reps = pd.read_csv(io.BytesIO(_file(api["viewer"], plan.pk, 2, "reps.csv"))).set_index("rep_id")
    assert reps.loc["R2", "capacity_factor"] == 0.5
    assert reps.loc["R9", "capacity_factor"] == 0.75


def test_unpin(api: dict, plan, dispatcher) -> None:
    r = _edit(api["planner"], plan.pk, 1, [{"type": "unpin", "account_id": "A07"}])
    assert r.status_code == 201
    from workspace.plans.models import Version

    accounts = pd.read_csv(Version.objects.get(plan=plan, number=2).inputs_dir / "accounts.csv", dtype=str)
    assert accounts.set_index("account_id").loc["A07", "locked_owner"] != "R3"


def test_stale_base_is_409_and_the_first_edit_wins(api: dict, plan) -> None:
    first = _edit(api["planner"], plan.pk, 1, [{"type": "pin", "account_id": "A01", "rep_id": "R2"}])
    second = _edit(api["admin"], plan.pk, 1, [{"type": "pin", "account_id": "A02", "rep_id": "R2"}])
    assert first.status_code == 201
    assert second.status_code == 409
    assert "not the latest" in second.json()["error"]
    assert [p["latest_version"] for p in api["viewer"].get("/api/plans").json()] == [2]


def test_a_submitted_version_cannot_be_edited(api: dict, plan) -> None:
    assert (
        api["planner"].post(f"/api/plans/{plan.pk}/versions/1/transition", {"to": "submitted"}).status_code
        == 200
    )
    r = _edit(api["planner"], plan.pk, 1, [{"type": "pin", "account_id": "A01", "rep_id": "R2"}])
    assert r.status_code == 409 and "not a draft" in r.json()["error"]


def test_bad_changes_are_400_and_leave_no_version(api: dict, plan, db: Path) -> None:
    cases = [
        [{"type": "pin", "account_id": "A99", "rep_id": "R1"}],
        [{"type": "pin", "account_id": "A01", "rep_id": "R99"}],
        [{"type": "pin", "account_id": "A01", "rep_id": "R3"}],  # NA account, EMEA rep
        [{"type": "teleport"}],
        [{"type": "set", "key": "quota.periods", "value": "weekly"}],
        [{"type": "set", "key": "data.accounts", "value": "/etc/passwd"}],
        [{"type": "add_rep", "rep": {"rep_id": "R1", "segment": "SMB", "region": "NA"}}],
        [{"type": "add_rep", "rep": {"rep_id": "R8", "segment": "SMB", "region": "MARS"}}],
        [{"type": "rep", "rep_id": "R2", "end_date": "next summer"}],
        [{"type": "set", "key": "assignment.balance", "value": "tight"}],
        [],
    ]
    for changes in cases:
        r = _edit(api["planner"], plan.pk, 1, changes)
        assert r.status_code == 400, (changes, r.content)
        assert r.json()["detail"], changes
    assert not (plan.folder / "v2").exists()
    assert api["viewer"].get("/api/plans").json()[0]["latest_version"] == 1


def test_roles_that_may_not_edit_get_403(api: dict, plan) -> None:
    for name in ("viewer", "finance", "manager1"):
        r = _edit(api[name], plan.pk, 1, [{"type": "pin", "account_id": "A01", "rep_id": "R2"}])
        assert r.status_code == 403, name


def test_successive_edits_keep_every_earlier_change(api: dict, plan, dispatcher) -> None:
    """Each re-solve starts from its parent's run, whose scenario names the parent's edited tables."""
    assert (
        _edit(api["planner"], plan.pk, 1, [{"type": "pin", "account_id": "A01", "rep_id": "R2"}]).status_code
        == 201
    )
    dispatcher.drain()
    assert (
        _edit(api["planner"], plan.pk, 2, [{"type": "pin", "account_id": "A05", "rep_id": "R1"}]).status_code
        == 201
    )
    dispatcher.drain()
    job = api["viewer"].get(f"/api/plans/{plan.pk}/versions/3").json()["job"]
    assert job["status"] == "done" and job["kind"] == "resolve", job
    assignment = pd.read_csv(io.BytesIO(_file(api["viewer"], plan.pk, 3, "assignment.csv"))).set_index(
        "account_id"
    )
    assert (assignment.loc["A01", "rep_id"], assignment.loc["A05", "rep_id"]) == ("R2", "R1")


def test_an_edit_of_a_version_without_a_run_solves_it_whole(api: dict, tiny_zip: bytes, dispatcher) -> None:
    pid = api["planner"].upload("/api/plans", tiny_zip).json()["id"]
    r = _edit(api["planner"], pid, 1, [{"type": "pin", "account_id": "A01", "rep_id": "R2"}])
    dispatcher.drain()
    job = api["viewer"].get(f"/api/jobs/{r.json()['job']}").json()
    assert (job["status"], job["kind"]) == ("done", "solve"), job


def test_a_pin_across_blocks_is_refused_with_the_blocks_named(api: dict, plan) -> None:
    r = _edit(api["planner"], plan.pk, 1, [{"type": "pin", "account_id": "A01", "rep_id": "R3"}])
    assert r.status_code == 400
    (problem,) = r.json()["detail"]
    assert problem["row"] == 1 and "SMB x NA" in problem["why"] and "SMB x EMEA" in problem["why"]
