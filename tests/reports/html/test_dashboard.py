"""The tracking dashboard: figures shown, names escaped, sortable in a real headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reports.html.dashboard import render_dashboard
from solver.tracking.rollup import track

PERIODS = ("2027-02-01", "2027-05-01", "2027-08-01", "2027-11-01")
REPS = pd.DataFrame(
    {
        "rep_id": ["R1", "R2", "R3", "R4"],
        "name": ["Ada Lovelace", "<script>alert(1)</script>", "Émile Borel", "Dev Patel"],
        "segment": ["MM", "MM", "ENT", "ENT"],
        "region": ["NA", "NA", "EMEA", "EMEA"],
        "manager_id": ["M1", "M1", "M2", "M2"],
    }
)


def _tracking(with_override: bool = True):
    rng = np.random.default_rng(5)
    n = 60
    stage = rng.integers(0, 4, n)  # won, lost, open pipeline, open commit
    opps = pd.DataFrame(
        {
            "rep_id": pd.array(rng.choice(["R1", "R2", "R3", "R4", "R8"], n), dtype="string"),
            "amount": np.round(rng.uniform(1_000, 50_000, n), 2),
            "close_date": pd.Timestamp("2027-02-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "is_closed": stage < 2,
            "is_won": stage == 0,
            "probability": np.select([stage == 0, stage == 1, stage == 2], [1.0, 0.0, 0.3], 0.8),
            "forecast_category": pd.array(
                np.select([stage == 0, stage == 1, stage == 2], ["Closed", "Omitted", "Pipeline"], "Commit"),
                dtype="string",
            ),
        }
    )
    quotas = pd.DataFrame(
        [(r, p, 60_000.0) for r in REPS["rep_id"] for p in PERIODS], columns=["rep_id", "period", "quota"]
    )
    overrides = None
    if with_override:
        overrides = pd.DataFrame(
            {
                "manager_id": ["M2"],
                "period": pd.to_datetime(["2027-08-01"]),
                "commit": [99_000.0],
                "best_case": [np.nan],
                "note": ["<b>bold</b> call"],
            }
        )
    return track(opps, REPS, quotas, overrides)


def test_dashboard_shows_the_figures_and_escapes_names() -> None:
    t = _tracking()
    html = render_dashboard(t, name="fy27 <plan>", sources={"opportunities": "opps.csv"})
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; call" in html and "fy27 &lt;plan&gt;" in html
    assert "Content-Security-Policy" in html and not re.search(r"(src|href)=\"https?:", html)
    assert html.count("data:image/png;base64,") == 2
    bookings = t.reps["bookings"].sum() / 100
    assert f"{bookings:,.0f}" in html
    assert 'id="overrides"' in html and "99,000" in html
    assert "opportunity owners are not reps of this plan" in html  # R8
    plain = render_dashboard(_tracking(with_override=False), name="x")
    assert "No manager overrides" in plain
    assert render_dashboard(t, name="fy27 <plan>", sources={"opportunities": "opps.csv"}) == html


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no headless Chromium on PATH")


@pytest.mark.browser
def test_dashboard_sorts_in_chromium_without_console_errors(tmp_path: Path) -> None:
    t = _tracking()
    html = render_dashboard(t, name="fy27")
    th = 'document.querySelector("#reps thead tr:last-child th:nth-child(5)")'  # Bookings
    page = html.replace(
        "</body>", f"<script>{th}.click(); {th}.click(); console.log('clicked');</script></body>"
    )
    path = tmp_path / "dashboard.html"
    path.write_text(page, encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [
                _chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                path.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=90,
        )
    dom, log = proc.stdout, proc.stderr
    assert "clicked" in log and "Uncaught" not in log and "Refused" not in log
    table = dom[dom.index('id="reps"') :]
    table = table[: table.index("</table>")]
    first = re.findall(r"<tr[^>]*><td[^>]*>([^<]+)</td>", table)
    year = t.reps.groupby("rep_id")["bookings"].sum().sort_values(ascending=False, kind="stable")
    assert first[0] == year.index[0]
