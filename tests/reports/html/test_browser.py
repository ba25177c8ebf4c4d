"""The HTML reports in a real headless Chromium: sorting works, no console errors."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from reports import render_comparison_report, render_run_report
from solver.results.compare import compare_runs
from tests.reports import fixtures as fx

pytestmark = pytest.mark.browser


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no headless Chromium on PATH")


def _dump_dom(html: str, clicks: str) -> tuple[str, str]:
    """Load the page, run ``clicks`` after the page's own script, return (DOM, log)."""
    page = html.replace("</body>", f"<script>{clicks}</script></body>")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.html"
        path.write_text(page, encoding="utf-8")
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
                f"--user-data-dir={tmp}/profile",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                path.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=90,
        )
    return proc.stdout, proc.stderr


def _first_cells(dom: str, table_id: str) -> list[str]:
    table = dom[dom.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    return re.findall(r"<tr[^>]*><td[^>]*>([^<]+)</td>", table)


def test_rep_table_sorts_by_clicked_column_without_console_errors() -> None:
    run = fx.make_run()
    html = render_run_report(run, fx.tiny_png())
    th = 'document.querySelector("#reps thead tr:last-child th:nth-child(10)")'
    dom, log = _dump_dom(html, f"{th}.click(); {th}.click(); console.log('clicked');")
    assert "clicked" in log
    assert "Uncaught" not in log and "Refused" not in log
    by_potential = run.reps.sort_values("potential", ascending=False)["rep_id"].tolist()
    assert _first_cells(dom, "reps") == by_potential
    assert 'aria-sort="descending"' in dom


def test_comparison_deltas_sort_numerically() -> None:
    runs = [fx.make_run("a"), fx.make_run("b", reassign={"A017": "R4", "A019": "R4", "A003": "R2"})]
    c = compare_runs(runs)
    html = render_comparison_report(runs, c, None)
    # Column 10 of the last header row is the potential delta: negative,
    # zero and positive numbers must sort as numbers, not as text.
    th = 'document.querySelector("#rep-deltas thead tr:last-child th:nth-child(10)")'
    dom, log = _dump_dom(html, f"{th}.click(); console.log('clicked');")
    assert "clicked" in log and "Uncaught" not in log
    deltas = c.rep_deltas.set_index("rep_id")["potential_delta"]
    assert (deltas < 0).sum() == 2 and (deltas > 0).any()
    want = deltas.sort_values(kind="stable").index.tolist()
    assert _first_cells(dom, "rep-deltas") == want
