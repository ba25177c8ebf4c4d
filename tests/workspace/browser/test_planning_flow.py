"""The workspace in a real headless Chromium: sign in, map, move an account, comment, approve, publish."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.workspace.browser.conftest import PASSWORD, Live, Shots

pytestmark = pytest.mark.browser

SOLVE_TIMEOUT_MS = 240_000


def sign_in(page: Any, base: str, user: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", user)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def sign_out(page: Any) -> None:
    page.click("header.top button")
    page.wait_for_url(re.compile(r".*/login/"))


def wait_for_plan(page: Any) -> None:
    """Wait until the version's run has finished (the page reloads itself) and the map has drawn."""
    page.wait_for_selector("#summary", timeout=SOLVE_TIMEOUT_MS)
    page.wait_for_selector("#map[data-ready='1']", timeout=30_000)
    page.wait_for_selector("#reps-table", timeout=30_000)


def rep_row(page: Any, rep_id: str) -> dict[str, str]:
    row = page.locator(f"#reps-table tr[data-rep='{rep_id}']")
    return {
        "balance": row.locator("td.balance").inner_text(),
        "quota": row.locator("td.quota").inner_text(),
        "quota_delta": row.locator("td.quota-delta").inner_text(),
        "balance_delta": row.locator("td.balance-delta").inner_text(),
    }


def _opportunities_export(live: Live, tmp_path: Path) -> Path:
    """A CRM export for the published plan (the demo's generator, as `terraquota demo` makes one)."""
    import datetime as dt

    import pandas as pd

    from scenarios.demo.opportunities import demo_opportunities

    run = live.folder / "plans" / "1" / "v2" / "run"
    assignment = pd.read_csv(run / "assignment.csv", dtype=str, keep_default_na=False)
    path = tmp_path / "opportunities.csv"
    demo_opportunities(assignment, dt.date(2027, 2, 1)).to_csv(path, index=False)
    return path


MAP_DOT = """() => {
    const el = document.getElementById('map'), d = el.tqData.accounts, map = el.tqMap;
    const size = map.getSize(), box = el.getBoundingClientRect();
    for (const i of el.tqDots.shown) {
        const p = map.latLngToContainerPoint([d.lat[i], d.lon[i]]);
        if (p.x > 20 && p.y > 20 && p.x < size.x - 20 && p.y < size.y - 20) {
            return [box.left + p.x, box.top + p.y];
        }
    }
}"""


def open_plan_and_move_an_account(page: Any, shots: Shots) -> str:
    """From the plans list to v2: the map, a dot's panel, its explanation, the move; the rep moved to."""
    page.click("text=Demo: FY27 baseline")
    wait_for_plan(page)
    assert page.locator(".leaflet-overlay-pane canvas").count() >= 1  # the basemap
    assert page.locator("canvas.tq-dots").count() == 1  # the accounts
    status = page.inner_text("#map-status")
    assert re.match(r"[\d,]+ of 2,000 accounts shown", status), status
    shots.take(page, "plan")

    page.select_option("#map-filters select[name=region]", index=1)  # one region only
    assert page.inner_text("#map-status") != status
    page.locator("#map").scroll_into_view_if_needed()
    x, y = page.evaluate(MAP_DOT)
    page.mouse.click(x, y)
    page.wait_for_selector("#move-form")
    assert page.locator("#side h3").first.inner_text().startswith("Account ")
    account_id = page.locator("#move-form input[name=account_id]").input_value()
    current = page.locator("#move-rep").input_value()
    options = page.locator("#move-rep option").evaluate_all("els => els.map(e => e.value)")
    target = next(o for o in options if o != current)
    page.click("text=Explain")
    page.wait_for_selector("#explain-out pre", timeout=60_000)
    assert account_id in page.inner_text("#explain-out")
    shots.take(page, "account")

    page.select_option("#move-rep", target)
    page.fill("#move-form input[name=note]", f"move {account_id} to {target}")
    page.click("#move-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/v/2/$"))
    wait_for_plan(page)
    page.fill("#reps input[name=q]", target)
    page.wait_for_selector(f"#reps-table tr[data-rep='{target}']")
    page.wait_for_function("document.querySelectorAll('#reps-table tbody tr').length === 1")
    moved = rep_row(page, target)
    assert moved["quota_delta"].strip() and moved["balance_delta"].strip(), moved
    shots.take(page, "after-move")
    return target


def comment_and_take_through_approval(page: Any, base: str, shots: Shots) -> None:
    page.fill(".thread textarea[name=text]", "Moved <b>one</b> account & checked the balance")
    page.click(".thread button[type=submit]")
    page.wait_for_selector("text=Moved <b>one</b> account & checked the balance")
    page.click("button[data-move=submitted]")
    page.wait_for_selector("#version-status:has-text('submitted')")
    shots.take(page, "submitted")
    sign_out(page)

    sign_in(page, base, "finance")
    page.goto(base + "/plans/1/v/2/")
    assert page.locator("button[data-move=submitted]").count() == 0
    page.click("button[data-move=approved]")
    page.wait_for_selector("#version-status:has-text('approved')")
    shots.take(page, "approved")
    sign_out(page)

    sign_in(page, base, "planner")
    page.goto(base + "/plans/1/v/2/")
    page.click("button[data-move=published]")
    page.wait_for_selector("#version-status:has-text('published')")
    shots.take(page, "published")


def test_plan_review_from_sign_in_to_publication(
    live_server: Live, browser: Any, shots: Shots, tmp_path: Path
) -> None:
    base = live_server.url
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    sign_in(page, base, "planner")
    assert "Demo: FY27 baseline" in page.content()
    shots.take(page, "plans")
    target = open_plan_and_move_an_account(page, shots)
    comment_and_take_through_approval(page, base, shots)

    page.goto(base + "/plans/1/compare/?a=1&b=2")
    page.wait_for_selector("#map[data-ready='1']", timeout=30_000)
    assert target in page.inner_text("#rep-deltas")
    shots.take(page, "compare")

    page.goto(base + "/plans/1/v/2/tracking/")
    page.set_input_files("#opp-file", str(_opportunities_export(live_server, tmp_path)))
    page.click("text=Upload")
    page.wait_for_selector("#attainment-table")
    page.select_option("#attainment select[name=level]", "manager")
    page.wait_for_selector("#attainment-table th:has-text('manager')")
    assert "%" in page.inner_text("#attainment-table")
    shots.take(page, "tracking")

    page.goto(base + "/plans/1/audit/")
    audit = page.inner_text("#audit-table")
    done = (
        "plan.change",
        "comment.create",
        "version.submitted",
        "version.approved",
        "version.publish",
        "tracking.upload",
    )
    for action in done:
        assert action in audit
    shots.take(page, "audit")

    assert not errors, errors
    context.close()
