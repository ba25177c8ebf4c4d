"""The HTML report of one run."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd

from reports import render_run_report
from solver.results.run_data import RunData
from tests.reports import fixtures as fx

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def _rep_ids_in_rep_table(html: str) -> list[str]:
    table = html[html.index('id="reps"') :]
    table = table[: table.index("</table>")]
    return re.findall(r"<tr[^>]*><td[^>]*>([^<]+)</td>", table)


def test_report_shows_kpis_reps_and_map() -> None:
    run = fx.make_run()
    png = fx.tiny_png()
    html = render_run_report(run, png)
    m = run.metrics
    assert html.startswith("<!DOCTYPE html>")
    assert "fy27-baseline" in html
    assert 'class="badge optimal"' in html
    assert f">{m['moved']['accounts']}<" in html  # moved accounts tile
    assert f"{m['moved']['potential_share'] * 100:.1f}% of potential" in html
    assert "1,155,000.00" in html  # quota total to the cent
    assert "1,000,000.00" in html  # target
    assert "hedge region 5.0%, rep 10.0%" in html
    assert f"{m['balance']['potential']['max_abs_deviation'] * 100:.1f}%" in html
    assert "data:image/png;base64," + base64.b64encode(png).decode() in html
    assert _rep_ids_in_rep_table(html) == ["R1", "R2", "R3", "R4"]
    assert ">TBH<" in html  # the planned hire has no name
    assert ">Ada Lovelace<" in html
    assert ">MM|EMEA<" in html and ">MM|NA<" in html  # per-block table
    # Money in tables without decimals, thousands separated.
    potential = run.reps.set_index("rep_id").loc["R1", "potential"]
    assert f">{potential:,.0f}<" in html


def test_report_is_self_contained() -> None:
    html = render_run_report(fx.make_run(), fx.tiny_png())
    assert not EXTERNAL.search(html)
    assert "<link" not in html.lower()
    assert not re.search(r"<script[^>]+src", html, re.IGNORECASE)
    assert "Content-Security-Policy" in html


def test_rep_names_and_run_names_are_escaped() -> None:
    evil = "<script>alert(1)</script>"
    run = fx.make_run(name='<b onmouseover="x">', rep_names={"R2": evil})
    html = render_run_report(run, None)
    assert evil not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<b onmouseover="x">' not in html
    # Only the report's own sorting script is a script.
    assert html.count("<script>") == 1


def test_no_map_gives_a_note_and_the_chart_stays() -> None:
    html = render_run_report(fx.make_run(), None)
    assert "No map for this run" in html
    assert html.count("data:image/png;base64,") == 2  # the balance and quota charts


def test_same_run_same_html() -> None:
    assert render_run_report(fx.make_run(), fx.tiny_png()) == render_run_report(fx.make_run(), fx.tiny_png())


def test_reps_outside_the_tolerance_are_flagged() -> None:
    run = fx.make_run()
    ratios = run.reps.set_index("rep_id")["balance_ratio"]
    tight = replace(run, scenario_toml=run.scenario_toml.replace("potential = 0.1 ", "potential = 0.05 "))
    html = render_run_report(tight, None)
    expected = sorted(ratios.index[(ratios - 1).abs() > 0.05])
    assert expected  # the fixture has reps outside +-5%
    table = html[html.index('id="reps"') :]
    flagged = re.findall(r'<tr class="out"><td[^>]*>([^<]+)</td>', table)
    assert flagged == expected
    assert "tolerance ±5.0%" in html
    wide = render_run_report(run, None)  # +-10%: nobody outside
    assert '<tr class="out">' not in wide


def test_unparseable_scenario_omits_the_band() -> None:
    html = render_run_report(replace(fx.make_run(), scenario_toml="not = [toml"), None)
    assert "No tolerance band" in html
    assert '<tr class="out">' not in html


def test_old_or_infeasible_run_renders_with_dashes() -> None:
    run = RunData(
        name="fy27-tight",
        assignment=pd.DataFrame(),
        reps=pd.DataFrame(),
        quotas=pd.DataFrame(),
        metrics={"status": "infeasible"},
        extras={"explanation": "Block MM|EMEA: needs 4.2 FTE, has 3.0 <see rules>"},
    )
    html = render_run_report(run, None)
    assert 'class="badge infeasible"' in html
    assert "needs 4.2 FTE, has 3.0 &lt;see rules&gt;" in html
    assert "No reps table in this run." in html
    assert "No per-block figures" in html
    assert "—" in html  # unknown figures are dashes, not zeros
    assert "1,155,000" not in html


def test_run_read_back_from_its_folder_renders_alike(tmp_path: Path) -> None:
    import json

    from reports import salesforce_files, workbook_bytes

    run = fx.make_run()
    run.assignment.to_csv(tmp_path / "assignment.csv", index=False)
    run.reps.to_csv(tmp_path / "reps.csv", index=False)
    run.quotas.to_csv(tmp_path / "quotas.csv", index=False)
    (tmp_path / "metrics.json").write_text(json.dumps(run.metrics), encoding="utf-8")
    (tmp_path / "scenario.toml").write_text(run.scenario_toml, encoding="utf-8")
    back = RunData.from_folder(tmp_path)
    html = render_run_report(back, None)
    assert _rep_ids_in_rep_table(html) == ["R1", "R2", "R3", "R4"]
    assert ">TBH<" in html and "1,155,000.00" in html
    assert salesforce_files(back) == salesforce_files(run)
    assert workbook_bytes(back)[:2] == b"PK"
