"""The re-solve suite on a small demo: every change row, never a time assertion."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from scenarios.bench.resolve import TARGET_GAP, format_resolve_table, resolve_summary_lines, run_resolve_suite

pytestmark = pytest.mark.bench


def test_resolve_suite_on_a_small_demo(tmp_path: Path) -> None:
    table = run_resolve_suite(tmp_path, n_accounts=1_500, n_reps=36, progress=print)
    Console(width=200).print(format_resolve_table(table))
    print("\n".join(resolve_summary_lines(table)))
    assert (tmp_path / "results.csv").is_file()
    assert pd.read_csv(tmp_path / "results.csv")["change"].tolist() == table["change"].tolist()
    rows = table.set_index("change")
    assert rows.loc["quota target +10%", "blocks"] == 0
    assert rows.loc["quota target +10%", "moved_accounts"] == 0
    assert rows.loc["pin 1 account", "blocks"] == 1 and rows.loc["pin 1 account", "moved_accounts"] >= 1
    assert rows.loc["tolerance 5% -> 4% (all blocks)", "blocks"] == 6
    assert (table["status"].isin(["optimal", "feasible"])).all()
    # a cold bound is below every plan of the same problem, the re-solve's included
    assert (table["gap_vs_cold_bound"] >= -1e-9).all()
    assert (table["vs_cold_objective"] <= TARGET_GAP).all()
