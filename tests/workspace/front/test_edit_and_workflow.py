"""Edits, workflow buttons, comments and requests from the pages: roles, CSRF, escaping."""

from __future__ import annotations

from typing import Any

from tests.workspace.front.conftest import Browser


def test_a_planner_moves_an_account_and_lands_on_the_new_draft(
    plan: Any, browsers: dict[str, Browser]
) -> None:
    r = browsers["planner"].post(
        f"/plans/{plan.pk}/v/1/edit/", {"type": "pin", "account_id": "A01", "rep_id": "R2", "note": "closer"}
    )
    assert r.status_code == 204 and r["HX-Redirect"] == f"/plans/{plan.pk}/v/2/"
    v2 = plan.latest()
    assert v2.number == 2 and v2.note == "closer"
    assert list(v2.changes.values_list("payload", flat=True)) == [
        {"type": "pin", "account_id": "A01", "rep_id": "R2"}
    ]
    page = browsers["planner"].get(f"/plans/{plan.pk}/v/2/").content.decode()
    assert 'hx-get="/jobs/' in page  # the run's progress bar polls


def test_quota_form_sets_target_hedge_and_tolerance(plan: Any, browsers: dict[str, Browser]) -> None:
    b = browsers["planner"]
    assert (
        b.post(
            f"/plans/{plan.pk}/v/1/edit/", {"type": "set", "key": "quota.hedge.rep", "value": "12.5"}
        ).status_code
        == 204
    )
    assert plan.latest().changes.get().payload == {"type": "set", "key": "quota.hedge.rep", "value": 0.125}
    r = b.post(f"/plans/{plan.pk}/v/2/edit/", {"type": "set", "key": "data.accounts", "value": "1"})
    assert r.status_code == 400 and r["HX-Retarget"] == "#messages"


def test_a_hire_and_new_dates_become_changes(plan: Any, browsers: dict[str, Browser]) -> None:
    b = browsers["planner"]
    hire = {"rep_id": "R9", "segment": "SMB", "region": "NA", "start_date": "2027-05-01"}
    assert b.post(f"/plans/{plan.pk}/v/1/edit/", {"type": "add_rep", **hire}).status_code == 204
    assert plan.latest().changes.get().payload == {"type": "add_rep", "rep": hire}
    assert (
        b.post(
            f"/plans/{plan.pk}/v/2/edit/",
            {"type": "rep", "rep_id": "R1", "start_date": "2020-01-06", "end_date": "2027-07-31"},
        ).status_code
        == 204
    )
    assert plan.latest().changes.get().payload["end_date"] == "2027-07-31"


def test_an_unknown_account_is_refused_with_where_and_why(plan: Any, browsers: dict[str, Browser]) -> None:
    r = browsers["planner"].post(
        f"/plans/{plan.pk}/v/1/edit/", {"type": "pin", "account_id": "NOPE", "rep_id": "R1"}
    )
    assert r.status_code == 400 and "unknown account" in r.content.decode()
    assert plan.latest().number == 1


def test_roles_that_may_not_edit_get_403(plan: Any, browsers: dict[str, Browser]) -> None:
    for name in ("viewer", "finance", "manager1"):
        r = browsers[name].post(f"/plans/{plan.pk}/v/1/edit/", {"type": "unpin", "account_id": "A01"})
        assert r.status_code == 403, name
    assert plan.latest().number == 1


def test_forms_without_the_csrf_token_are_refused(plan: Any, browsers: dict[str, Browser]) -> None:
    r = browsers["planner"].client.post(f"/plans/{plan.pk}/v/1/edit/", {"type": "unpin", "account_id": "A01"})
    assert r.status_code == 403 and plan.latest().number == 1


def test_editing_an_old_version_is_a_conflict(plan: Any, browsers: dict[str, Browser]) -> None:
    b = browsers["planner"]
    b.post(f"/plans/{plan.pk}/v/1/edit/", {"type": "unpin", "account_id": "A01"})
    r = b.post(f"/plans/{plan.pk}/v/1/edit/", {"type": "unpin", "account_id": "A02"})
    assert r.status_code == 409 and "latest" in r.content.decode()


def test_workflow_buttons_follow_the_transition_table(plan: Any, browsers: dict[str, Browser]) -> None:
    url = f"/plans/{plan.pk}/v/1/transition/"
    assert browsers["finance"].post(url, {"to": "submitted"}).status_code == 403
    assert browsers["planner"].post(url, {"to": "approved"}).status_code == 409
    assert browsers["planner"].post(url, {"to": "submitted"}).status_code == 204
    page = browsers["finance"].get(f"/plans/{plan.pk}/v/1/").content.decode()
    assert 'data-move="approved"' in page and 'data-move="draft"' in page
    assert browsers["planner"].post(url, {"to": "approved"}).status_code == 403
    assert browsers["finance"].post(url, {"to": "approved"}).status_code == 204
    assert browsers["planner"].post(url, {"to": "published"}).status_code == 204
    plan.latest().refresh_from_db()
    assert plan.latest().status == "published"


def test_comments_are_escaped_and_shown_where_their_object_appears(
    plan: Any, browsers: dict[str, Browser]
) -> None:
    evil = "<script>alert('x')</script> & more"
    r = browsers["finance"].post(
        f"/plans/{plan.pk}/comments/", {"target": "account", "target_id": "A01", "text": evil}
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in body
    panel = browsers["viewer"].get(f"/plans/{plan.pk}/v/1/accounts/A01/", htmx=True).content.decode()
    assert "&lt;script&gt;" in panel and "<script>alert" not in panel
    assert (
        browsers["viewer"]
        .post(f"/plans/{plan.pk}/comments/", {"target": "plan", "target_id": "", "text": "hi"})
        .status_code
        == 403
    )


def test_a_managers_request_is_decided_by_a_planner(plan: Any, browsers: dict[str, Browser]) -> None:
    from workspace import engine

    v = plan.latest()
    _, accounts = engine.team(v.inputs_dir, v.scenario_file, v.run_dir, "M1")
    account = sorted(accounts)[0]
    r = browsers["manager1"].post(
        f"/plans/{plan.pk}/requests/", {"account_id": account, "rep_id": "R2", "reason": "knows them"}
    )
    assert r.status_code == 200 and "recorded" in r.content.decode()
    req = plan.requests.get()
    assert browsers["manager1"].post(f"/requests/{req.pk}/decide/", {"decision": "accept"}).status_code == 403
    page = browsers["planner"].get(f"/plans/{plan.pk}/v/1/").content.decode()
    assert f"/requests/{req.pk}/decide/" in page and "knows them" in page
    r = browsers["planner"].post(f"/requests/{req.pk}/decide/", {"decision": "accept", "reason": "ok"})
    assert r.status_code == 204 and r["HX-Redirect"] == f"/plans/{plan.pk}/v/2/"
    assert plan.latest().changes.get().payload == {"type": "pin", "account_id": account, "rep_id": "R2"}


def test_a_draft_after_an_approved_version_links_its_diff(plan: Any, browsers: dict[str, Browser]) -> None:
    url = f"/plans/{plan.pk}/v/1/transition/"
    assert browsers["planner"].post(url, {"to": "submitted"}).status_code == 204
    assert browsers["finance"].post(url, {"to": "approved"}).status_code == 204
    assert 'id="diff-approved"' not in browsers["viewer"].get(f"/plans/{plan.pk}/v/1/").content.decode()
    v1 = plan.latest()
    v2 = type(v1).objects.create(plan=plan, number=2, parent=v1, note="next round")  # a later draft
    page = browsers["viewer"].get(f"/plans/{plan.pk}/v/{v2.number}/").content.decode()
    assert f'href="/plans/{plan.pk}/compare/?a=1&amp;b=2" id="diff-approved"' in page
