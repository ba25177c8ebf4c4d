"""Runs from the pages (progress bar, cancel) and what a manager's pages hold."""

from __future__ import annotations

from typing import Any

from tests.workspace.front.conftest import Browser


def test_run_button_queues_a_job_whose_bar_polls_and_can_be_cancelled(
    plan: Any, browsers: dict[str, Browser]
) -> None:
    from workspace.jobs.models import Job

    planner = browsers["planner"]
    r = planner.post(f"/plans/{plan.pk}/v/1/run/")
    job = Job.objects.get()
    body = r.content.decode()
    assert (
        r.status_code == 200 and f'hx-get="/jobs/{job.pk}/?poll=1"' in body and 'role="progressbar"' in body
    )
    poll = planner.get(f"/jobs/{job.pk}/?poll=1", htmx=True)
    assert "HX-Refresh" not in poll  # still queued: keep polling
    assert browsers["viewer"].post(f"/jobs/{job.pk}/cancel/").status_code == 403
    cancelled = planner.post(f"/jobs/{job.pk}/cancel/")
    assert cancelled.status_code == 200 and "cancelled" in cancelled.content.decode()
    done = planner.get(f"/jobs/{job.pk}/?poll=1", htmx=True)
    assert done["HX-Refresh"] == "true" and "hx-get" not in done.content.decode()


def test_a_manager_sees_the_summary_and_their_team_only(plan: Any, browsers: dict[str, Browser]) -> None:
    m1 = browsers["manager1"]
    page = m1.get(f"/plans/{plan.pk}/v/1/").content.decode()
    assert "Balance" in page and "Edit this draft" not in page and "data-move=" not in page
    assert ">audit<" not in page
    reps = m1.get(f"/plans/{plan.pk}/v/1/reps/", htmx=True).content.decode()
    assert 'data-rep="R1"' in reps and 'data-rep="R2"' in reps and 'data-rep="R3"' not in reps
    accounts = m1.get(f"/plans/{plan.pk}/v/1/accounts/", htmx=True).content.decode()
    assert "data-account=" in accounts
    assert m1.get(f"/plans/{plan.pk}/v/1/reps/R3/").status_code == 403


def test_a_manager_proposes_a_move_from_the_account_panel(plan: Any, browsers: dict[str, Browser]) -> None:
    from workspace import engine

    v = plan.latest()
    _, accounts = engine.team(v.inputs_dir, v.scenario_file, v.run_dir, "M1")
    panel = browsers["manager1"].get(f"/plans/{plan.pk}/v/1/accounts/{sorted(accounts)[0]}/", htmx=True)
    body = panel.content.decode()
    assert 'id="request-form"' in body and 'id="move-form"' not in body
    assert 'value="R3"' not in body  # only their own reps are offered


def test_pages_of_unknown_plans_and_versions_are_404(plan: Any, browsers: dict[str, Browser]) -> None:
    assert browsers["viewer"].get("/plans/999/v/1/").status_code == 404
    assert browsers["viewer"].get(f"/plans/{plan.pk}/v/9/").status_code == 404
    assert browsers["viewer"].get(f"/plans/{plan.pk}/v/1/accounts/NOPE/").status_code == 404


def test_run_and_published_files_download_for_roles_that_read_files(
    plan: Any, browsers: dict[str, Browser]
) -> None:
    page = browsers["viewer"].get(f"/plans/{plan.pk}/v/1/").content.decode()
    assert f'href="/plans/{plan.pk}/v/1/files/run/assignment.csv"' in page and "/.terraquota" not in page
    r = browsers["viewer"].get(f"/plans/{plan.pk}/v/1/files/run/assignment.csv")
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == (plan.latest().run_dir / "assignment.csv").read_bytes()
    assert browsers["viewer"].get(f"/plans/{plan.pk}/v/1/files/run/../inputs/accounts.csv").status_code == 404
    assert browsers["viewer"].get(f"/plans/{plan.pk}/v/1/files/inputs/accounts.csv").status_code == 404
    assert browsers["manager1"].get(f"/plans/{plan.pk}/v/1/files/run/assignment.csv").status_code == 403
    assert "files/run/" not in browsers["manager1"].get(f"/plans/{plan.pk}/v/1/").content.decode()
    url = f"/plans/{plan.pk}/v/1/transition/"
    for who, to in (("planner", "submitted"), ("finance", "approved"), ("planner", "published")):
        assert browsers[who].post(url, {"to": to}).status_code == 204
    page = browsers["viewer"].get(f"/plans/{plan.pk}/v/1/").content.decode()
    assert "files/published/salesforce/Account.csv" in page
    r = browsers["viewer"].get(f"/plans/{plan.pk}/v/1/files/published/salesforce/Account.csv")
    assert r.status_code == 200 and b"OwnerId" in b"".join(r.streaming_content)


def test_a_planner_imports_a_scenario_zip_from_the_plans_list(
    users: Any, browsers: dict[str, Browser], tiny_zip: bytes
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from workspace.plans.models import Plan

    b = browsers["planner"]
    b.client.get("/login/")
    token = b.client.cookies["csrftoken"].value
    r = b.client.post(
        "/plans/import/",
        {"file": SimpleUploadedFile("tiny.zip", tiny_zip)},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    plan = Plan.objects.get()
    assert r.status_code == 204 and r["HX-Redirect"] == f"/plans/{plan.pk}/v/1/"
    bad = b.client.post(
        "/plans/import/",
        {"file": SimpleUploadedFile("x.zip", b"not a zip")},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert bad.status_code == 400 and "not a zip" in bad.content.decode() and Plan.objects.count() == 1
    v = browsers["viewer"]
    v.client.get("/login/")
    refused = v.client.post(
        "/plans/import/",
        {"file": SimpleUploadedFile("tiny.zip", tiny_zip)},
        headers={"X-CSRFToken": v.client.cookies["csrftoken"].value},
    )
    assert refused.status_code == 403
