"""The tracking page: an opportunities export tracked against a plan; managers' override history."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.workspace.front.conftest import Browser

OPPORTUNITIES = (
    "Id,OwnerId,AccountId,Name,Amount,CloseDate,StageName\n"
    "O1,R1,A01,deal one,1000.00,2027-03-15,Closed Won\n"
    "O2,R1,A02,deal two,500.00,2027-04-20,Closed Lost\n"
    "O3,R3,A07,deal three,2500.00,2027-05-02,Closed Won\n"
    "O4,R2,A03,deal four,800.00,2027-06-01,Negotiation/Review\n"
)


def _upload(browser: Browser, plan: Any, text: str, name: str = "opps.csv") -> Any:
    token = browser.client.cookies["csrftoken"].value if "csrftoken" in browser.client.cookies else None
    if token is None:
        browser.client.get("/login/")
        token = browser.client.cookies["csrftoken"].value
    return browser.client.post(
        f"/plans/{plan.pk}/v/1/tracking/",
        {"file": SimpleUploadedFile(name, text.encode())},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )


def test_attainment_by_level_from_an_uploaded_export(plan: Any, browsers: dict[str, Browser]) -> None:
    r = _upload(browsers["planner"], plan, OPPORTUNITIES)
    assert r.status_code == 204, r.content
    page = browsers["viewer"].get(f"/plans/{plan.pk}/v/1/tracking/", data={"level": "rep"}).content.decode()
    assert "4 opportunities" in page and 'id="attainment-table"' in page
    table = page[page.index('id="attainment-table"') :]
    assert "<td>R1</td>" in table and "1,000.00" in table and "2,500.00" in table
    region = (
        browsers["viewer"]
        .get(f"/plans/{plan.pk}/v/1/tracking/", htmx=True, data={"level": "region"})
        .content.decode()
    )
    assert "<html" not in region and "<td>NA</td>" in region and "<td>EMEA</td>" in region


def test_a_bad_export_is_refused_with_row_and_column(plan: Any, browsers: dict[str, Browser]) -> None:
    bad = OPPORTUNITIES.replace("1000.00", "lots")
    r = _upload(browsers["planner"], plan, bad)
    assert r.status_code == 400
    body = r.content.decode()
    assert "opportunities-1.csv" in body and "Amount" in body and "/tmp" not in body
    assert _upload(browsers["viewer"], plan, OPPORTUNITIES).status_code == 403


def test_managers_keep_a_history_of_their_own_overrides(plan: Any, browsers: dict[str, Browser]) -> None:
    from workspace.front.models import ForecastOverride

    _upload(browsers["planner"], plan, OPPORTUNITIES)
    url = f"/plans/{plan.pk}/v/1/tracking/"
    m1 = browsers["manager1"]
    first = {"form": "override", "manager_id": "M1", "period": "2027-02-01", "commit": "900", "note": "first"}
    assert m1.post(url, first).status_code == 204
    assert m1.post(url, {**first, "commit": "1200", "note": "second"}).status_code == 204
    assert m1.post(url, {**first, "manager_id": "M2"}).status_code == 403
    assert browsers["viewer"].post(url, first).status_code == 403
    assert [str(o.commit) for o in ForecastOverride.objects.order_by("id")] == ["900.00", "1200.00"]
    page = m1.get(url).content.decode()
    forecast = page[page.index('id="forecast"') : page.index('id="override-history"')]
    assert "1,200.00" in forecast and "second" in forecast and "<td>M2</td>" not in forecast
    history = page[page.index('id="override-history"') :]
    assert "first" in history and "second" in history
