"""The comparison report (HTML) and the comparison CSV files."""

from __future__ import annotations

import base64
import dataclasses
import io
import re

import pandas as pd

from reports import comparison_csvs, render_comparison_report
from solver.results.compare import compare_runs
from tests.reports import fixtures as fx

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def _runs() -> list:
    base = fx.make_run("fy27-baseline")
    alt = fx.make_run(
        "fy27-hire",
        reassign={"A003": "R2", "A017": "R4", "A020": "R3"},
        rep_names={"R4": "=cmd|' /C calc'!A0"},
    )
    return [base, alt]


def test_comparison_report_content() -> None:
    runs = _runs()
    c = compare_runs(runs)
    png = fx.tiny_png()
    html = render_comparison_report(runs, c, png)
    assert "fy27-baseline" in html and "fy27-hire" in html
    assert html.count('class="badge optimal"') == 2
    (pair,) = c.summary["pairs"]
    assert pair["moved_accounts"] == 3
    assert f">{pair['moved_accounts']}<" in html
    assert f"{pair['moved_potential_share'] * 100:.1f}% of potential" in html
    assert "data:image/png;base64," + base64.b64encode(png).decode() in html
    table = html[html.index('id="rep-deltas"') :]
    rows = re.findall(r'<tr( class="changed")?><td[^>]*>(R\d)</td>', table)
    assert [rep for _, rep in rows] == ["R1", "R2", "R3", "R4"]
    d = c.rep_deltas.set_index("rep_id")
    moved = d.index[(d["accounts_delta"] != 0) | (d["potential_delta"].abs() > 0.005)].tolist()
    assert moved  # the alternative moves accounts between reps
    assert [rep for cls, rep in rows if cls] == moved
    for account in ("A003", "A017", "A020"):
        assert f">{account}<" in html
    assert ">Moved potential<" in html  # KPI table row
    assert not EXTERNAL.search(html)
    assert "<link" not in html.lower()
    assert html == render_comparison_report(runs, compare_runs(runs), png)


def test_comparison_report_escapes_names() -> None:
    base = fx.make_run("a")
    evil = fx.make_run("<script>alert(1)</script>", rep_names={"R1": "<img src=x onerror=alert(1)>"})
    runs = [base, evil]
    html = render_comparison_report(runs, compare_runs(runs), None)
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "No map for this run" in html


def test_csvs_round_trip_and_are_neutralised() -> None:
    c = compare_runs(_runs())
    files = comparison_csvs(c)
    assert sorted(files) == ["kpis.csv", "moves.csv", "rep_deltas.csv"]
    assert all(b"\r" not in b for b in files.values())
    moves = pd.read_csv(io.BytesIO(files["moves.csv"]), dtype=str, keep_default_na=False)
    assert moves["account_id"].tolist() == c.moves["account_id"].tolist()
    assert moves["rep_b"].tolist() == c.moves["rep_b"].tolist()
    assert pd.to_numeric(moves["potential"]).tolist() == c.moves["potential"].tolist()
    deltas = pd.read_csv(io.BytesIO(files["rep_deltas.csv"]), keep_default_na=False)
    assert deltas.columns.tolist() == [*c.rep_deltas.columns, "currency"]
    assert set(deltas["currency"]) == {""}  # the fixture names no currency
    # The formula-looking rep name is written as text.
    r4 = deltas.set_index("rep_id").loc["R4", "name"]
    assert r4 == "'=cmd|' /C calc'!A0"
    assert deltas["potential_delta"].tolist() == c.rep_deltas["potential_delta"].tolist()
    kpis = pd.read_csv(io.BytesIO(files["kpis.csv"]), keep_default_na=False)
    assert kpis.columns.tolist() == ["kpi", "label", "fy27-baseline", "fy27-hire", "currency"]
    row = kpis.set_index("kpi").loc["moved_accounts"]
    assert int(row["fy27-hire"]) == c.kpis.loc["moved_accounts", "fy27-hire"]
    assert comparison_csvs(compare_runs(_runs())) == files


def test_every_money_figure_carries_the_baseline_currency() -> None:
    eur = fx.SCENARIO_TOML.replace("[plan]\n", '[plan]\ncurrency = "EUR"\n')
    runs = [dataclasses.replace(r, scenario_toml=eur) for r in _runs()]
    c = compare_runs(runs)
    html = render_comparison_report(runs, c, None)
    # rep table groups, moved-accounts table, largest moves, the tile's moved potential
    for head in (">Potential (EUR)<", ">Quota (EUR)<", ">Moved potential (EUR)<"):
        assert head in html, head
    (pair,) = c.summary["pairs"]
    assert f"(EUR {pair['moved_potential']:,.0f})" in html
    assert ">Accounts<" in html and ">Accounts (EUR)<" not in html
    files = comparison_csvs(c, "EUR")
    deltas = pd.read_csv(io.BytesIO(files["rep_deltas.csv"]), keep_default_na=False)
    assert set(deltas["currency"]) == {"EUR"}
    kpis = pd.read_csv(io.BytesIO(files["kpis.csv"]), keep_default_na=False).set_index("kpi")
    assert kpis.loc["quota_total", "currency"] == "EUR" and kpis.loc["moved_accounts", "currency"] == ""
    moves = pd.read_csv(io.BytesIO(files["moves.csv"]), keep_default_na=False)
    assert len(moves) == 3 and set(moves["currency"]) == {"EUR"}
