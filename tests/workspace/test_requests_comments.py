"""Move requests (made by managers and planners, decided by planners) and comments."""

from __future__ import annotations

import io

import pandas as pd


def _request(api, plan, account: str, rep: str, reason: str = "closer") -> object:
    return api.post(
        f"/api/plans/{plan.pk}/requests", {"account_id": account, "rep_id": rep, "reason": reason}
    )


def test_two_managers_requesting_one_account_are_both_recorded(api: dict, plan) -> None:
    a = _request(api["manager1"], plan, "A08", "R1", "our customer in the US")
    b = _request(api["manager2"], plan, "A08", "R3", "stays in the UK")
    assert a.status_code == 201 and b.status_code == 201
    rows = api["planner"].get(f"/api/plans/{plan.pk}/requests").json()
    assert [(r["account_id"], r["rep_id"], r["requested_by"], r["status"]) for r in rows] == [
        ("A08", "R1", "manager1", "open"),
        ("A08", "R3", "manager2", "open"),
    ]
    # each manager sees their own
    assert [r["rep_id"] for r in api["manager1"].get(f"/api/plans/{plan.pk}/requests").json()] == ["R1"]


def test_a_manager_requests_only_for_their_own_reps(api: dict, plan) -> None:
    r = _request(api["manager1"], plan, "A08", "R3")
    assert r.status_code == 403 and "not in your team" in r.json()["error"]


def test_unknown_account_or_rep_is_400(api: dict, plan) -> None:
    assert _request(api["planner"], plan, "A99", "R1").status_code == 400
    assert _request(api["planner"], plan, "A01", "R99").status_code == 400


def test_viewers_and_finance_may_not_request(api: dict, plan) -> None:
    for name in ("viewer", "finance"):
        assert _request(api[name], plan, "A08", "R1").status_code == 403


def test_accept_turns_the_move_into_a_pin_in_a_new_version(api: dict, plan, dispatcher) -> None:
    rid = _request(api["manager1"], plan, "A03", "R2").json()["request"]
    assert api["manager1"].post(f"/api/requests/{rid}/accept", {"reason": "mine"}).status_code == 403
    assert api["finance"].post(f"/api/requests/{rid}/accept", {"reason": "x"}).status_code == 403
    r = api["planner"].post(f"/api/requests/{rid}/accept", {"reason": "agreed"})
    assert r.status_code == 201, r.content
    assert r.json()["version"] == 2
    dispatcher.drain()
    got = api["viewer"].get(f"/api/plans/{plan.pk}/versions/2/files/assignment.csv")
    assignment = pd.read_csv(io.BytesIO(b"".join(got.streaming_content))).set_index("account_id")
    assert assignment.loc["A03", "rep_id"] == "R2"
    rows = api["planner"].get(f"/api/plans/{plan.pk}/requests").json()
    assert (rows[0]["status"], rows[0]["decided_by"], rows[0]["version"]) == ("accepted", "planner", 2)
    # decided once only
    assert api["planner"].post(f"/api/requests/{rid}/reject", {"reason": "late"}).status_code == 409


def test_reject_keeps_the_plan(api: dict, plan) -> None:
    rid = _request(api["manager2"], plan, "A09", "R4").json()["request"]
    r = api["planner"].post(f"/api/requests/{rid}/reject", {"reason": "not now"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert api["viewer"].get("/api/plans").json()[0]["latest_version"] == 1


def test_accept_on_a_submitted_plan_is_409(api: dict, plan) -> None:
    rid = _request(api["manager1"], plan, "A03", "R2").json()["request"]
    api["planner"].post(f"/api/plans/{plan.pk}/versions/1/transition", {"to": "submitted"})
    assert api["planner"].post(f"/api/requests/{rid}/accept", {"reason": "x"}).status_code == 409
    rows = api["planner"].get(f"/api/plans/{plan.pk}/requests").json()
    assert rows[0]["status"] == "open"


def test_unknown_request_is_404(api: dict, plan) -> None:
    assert api["planner"].post("/api/requests/9999/accept", {}).status_code == 404


def test_comments_round_trip_verbatim(api: dict, plan) -> None:
    text = '<script>alert("x")</script> & <b>bold</b>'
    r = api["finance"].post(f"/api/plans/{plan.pk}/comments", {"target": "plan", "text": text})
    assert r.status_code == 201
    api["planner"].post(
        f"/api/plans/{plan.pk}/comments", {"target": "rep", "target_id": "R3", "text": "busy"}
    )
    rows = api["viewer"].get(f"/api/plans/{plan.pk}/comments").json()
    assert [(c["target"], c["target_id"], c["text"], c["author"]) for c in rows] == [
        ("plan", None, text, "finance"),
        ("rep", "R3", "busy", "planner"),
    ]
    assert set(rows[0]) == {"id", "target", "target_id", "text", "author", "at"}
    raw = api["viewer"].get(f"/api/plans/{plan.pk}/comments")
    assert raw["Content-Type"] == "application/json"


def test_managers_comment_and_read_within_their_team(api: dict, plan) -> None:
    api["planner"].post(f"/api/plans/{plan.pk}/comments", {"target": "rep", "target_id": "R3", "text": "UK"})
    api["planner"].post(
        f"/api/plans/{plan.pk}/comments", {"target": "account", "target_id": "A01", "text": "US"}
    )
    assert (
        api["manager1"]
        .post(f"/api/plans/{plan.pk}/comments", {"target": "rep", "target_id": "R3", "text": "x"})
        .status_code
        == 403
    )
    assert (
        api["manager1"].post(f"/api/plans/{plan.pk}/comments", {"target": "plan", "text": "ok"}).status_code
        == 201
    )
    seen = [c["text"] for c in api["manager1"].get(f"/api/plans/{plan.pk}/comments").json()]
    assert seen == ["US", "ok"]
    assert (
        api["viewer"].post(f"/api/plans/{plan.pk}/comments", {"target": "plan", "text": "x"}).status_code
        == 403
    )


def test_bad_comments_are_400(api: dict, plan) -> None:
    assert (
        api["planner"].post(f"/api/plans/{plan.pk}/comments", {"target": "moon", "text": "x"}).status_code
        == 400
    )
    assert (
        api["planner"].post(f"/api/plans/{plan.pk}/comments", {"target": "plan", "text": " "}).status_code
        == 400
    )
    assert api["planner"].post(f"/api/plans/{plan.pk}/comments", {"target": "plan"}).status_code == 400
