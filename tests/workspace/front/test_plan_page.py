"""The plans list and the plan page: what each role sees, the map data, the tables."""

from __future__ import annotations

import gzip
import json
from typing import Any

from tests.workspace.front.conftest import Browser


def test_signed_out_users_are_sent_to_sign_in(db: Any) -> None:
    from django.test import Client

    response = Client().get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_plans_list_shows_versions_status_and_figures(plan: Any, browsers: dict[str, Browser]) -> None:
    page = browsers["viewer"].get("/").content.decode()
    assert plan.name in page and "v1" in page and "draft" in page
    assert "Import" not in page  # viewers do not upload
    assert 'name="file"' in browsers["planner"].get("/").content.decode()


def test_plan_page_shows_summary_map_and_workflow_buttons(plan: Any, browsers: dict[str, Browser]) -> None:
    page = browsers["planner"].get(f"/plans/{plan.pk}/v/1/").content.decode()
    assert "Balance" in page and "Disruption" in page and "data-tq-map" in page
    assert 'data-move="submitted"' in page and "Edit this draft" in page
    finance = browsers["finance"].get(f"/plans/{plan.pk}/v/1/").content.decode()
    assert 'data-move="submitted"' not in finance and "Edit this draft" not in finance


def test_map_data_is_compact_and_limited_to_a_managers_team(plan: Any, browsers: dict[str, Browser]) -> None:
    data = json.loads(browsers["viewer"].get(f"/plans/{plan.pk}/v/1/map.json").content)
    assert len(data["accounts"]["id"]) == 12 and len(data["reps"]) == 4
    assert all(r[5].startswith("#") and len(r[5]) == 7 for r in data["reps"])
    mine = json.loads(browsers["manager1"].get(f"/plans/{plan.pk}/v/1/map.json").content)
    reps = {r[0] for r in mine["reps"]}
    assert reps == {"R1", "R2"}
    assert all(mine["reps"][i][0] in reps for i in mine["accounts"]["rep"])
    assert 0 < len(mine["accounts"]["id"]) < 12


def test_map_data_is_gzipped_when_the_browser_accepts_it(plan: Any, browsers: dict[str, Browser]) -> None:
    response = browsers["viewer"].get(f"/plans/{plan.pk}/v/1/map.json", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["accounts"]["id"]


def test_basemap_is_geojson_of_the_shipped_layers(db: Any, browsers: dict[str, Browser]) -> None:
    doc = json.loads(browsers["viewer"].get("/basemap.json").content)
    kinds = {f["properties"]["k"] for f in doc["features"]}
    assert doc["type"] == "FeatureCollection" and kinds == {"c", "a"} and len(doc["features"]) > 200


def test_rep_table_sorts_filters_and_scopes(plan: Any, browsers: dict[str, Browser]) -> None:
    url = f"/plans/{plan.pk}/v/1/reps/"
    page = browsers["viewer"].get(url, htmx=True, data={"region": "EMEA", "sort": "rep_id", "dir": "desc"})
    body = page.content.decode()
    assert "<html" not in body  # an htmx fragment
    assert body.index('data-rep="R4"') < body.index('data-rep="R3"') and 'data-rep="R1"' not in body
    full = browsers["viewer"].get(url).content.decode()
    assert "<html" in full and 'data-rep="R1"' in full
    mine = browsers["manager2"].get(url, htmx=True).content.decode()
    assert 'data-rep="R3"' in mine and 'data-rep="R1"' not in mine


def test_account_table_searches_and_pages(plan: Any, browsers: dict[str, Browser]) -> None:
    url = f"/plans/{plan.pk}/v/1/accounts/"
    body = browsers["viewer"].get(url, htmx=True, data={"q": "A01"}).content.decode()
    assert 'data-account="A01"' in body and body.count("data-account=") >= 1


def test_account_detail_offers_a_move_to_planners_and_a_request_to_managers(
    plan: Any, browsers: dict[str, Browser]
) -> None:
    url = f"/plans/{plan.pk}/v/1/accounts/A01/"
    assert 'id="move-form"' in browsers["planner"].get(url, htmx=True).content.decode()
    viewer = browsers["viewer"].get(url, htmx=True).content.decode()
    assert 'id="move-form"' not in viewer and 'id="request-form"' not in viewer


def test_a_manager_cannot_open_another_teams_account(plan: Any, browsers: dict[str, Browser]) -> None:
    from workspace import engine

    v = plan.latest()
    theirs, _ = engine.team(v.inputs_dir, v.scenario_file, v.run_dir, "M2")
    _, accounts = engine.team(v.inputs_dir, v.scenario_file, v.run_dir, "M2")
    other = sorted(accounts)[0]
    assert browsers["manager1"].get(f"/plans/{plan.pk}/v/1/accounts/{other}/").status_code == 403
    assert browsers["manager2"].get(f"/plans/{plan.pk}/v/1/accounts/{other}/").status_code == 200
    assert theirs


def test_explain_says_why_an_account_sits_with_its_rep(plan: Any, browsers: dict[str, Browser]) -> None:
    body = browsers["viewer"].get(f"/plans/{plan.pk}/v/1/accounts/A01/explain/", htmx=True).content.decode()
    assert "A01" in body and "<pre" in body


def test_an_infeasible_run_says_why_there_is_no_plan(plan: Any, browsers: dict[str, Browser]) -> None:
    run = plan.latest().run_dir
    (run / "assignment.csv").unlink()
    (run / "explanation.txt").write_text("Block SMB x NA: balance <5%> and pins conflict\n", encoding="utf-8")
    page = browsers["viewer"].get(f"/plans/{plan.pk}/v/1/").content.decode()
    assert 'id="explanation"' in page and "balance &lt;5%&gt; and pins conflict" in page
    assert "data-tq-map" not in page  # no plan: no map
