"""Scale ladder (bench, not run by default): the small rungs and the stop paths.

Never asserts time: correctness of the rows only (plans pass the checker
inside `solve`, bands and budget hold, bound below objective).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from scenarios.bench.scale import (
    BALANCE,
    MAX_MOVED_SHARE,
    RESULT_COLUMNS,
    SIZES,
    format_scale_table,
    parse_sizes,
    run_scale_suite,
    run_size,
    scale_summary_lines,
)
from solver.errors import InputError

pytestmark = pytest.mark.bench


def test_parse_sizes_orders_and_rejects() -> None:
    assert [s.name for s in parse_sizes("10k, 1k")] == ["1k", "10k"]
    assert [s.name for s in parse_sizes(None)] == ["1k", "10k", "100k", "1m"]
    assert [s.name for s in parse_sizes("1M")] == ["1m"]
    with pytest.raises(InputError, match="unknown sizes"):
        parse_sizes("5k")


def test_small_ladder_rows(tmp_path: Path) -> None:
    table, details = run_scale_suite(tmp_path, sizes=parse_sizes("1k"), progress=print)
    Console(width=200).print(format_scale_table(table))
    print("\n".join(scale_summary_lines(table, details)))
    assert list(table.columns) == list(RESULT_COLUMNS)
    row = table.iloc[0]
    assert row["size"] == "1k" and bool(row["baseline"])
    assert row["status"] in ("optimal", "feasible")
    assert row["worst_balance_dev"] <= BALANCE["potential"] + 1e-7
    assert 0 < row["moved_share"] <= MAX_MOVED_SHARE + 1e-9
    assert row["bound"] <= row["objective"] + 1e-12 and row["gap"] >= 0
    assert row["s_per_account_vs_1k"] == pytest.approx(1.0)
    assert row["peak_rss_mb"] > 50
    back = pd.read_csv(tmp_path / "results.csv")
    assert list(back.columns) == list(RESULT_COLUMNS) and len(back) == 1


def test_baseline_is_added_and_stops_are_reported(tmp_path: Path) -> None:
    """A 10k run with a 0.3 s limit is stopped at 2x that; 1k still runs as baseline."""
    table, _ = run_scale_suite(tmp_path, sizes=parse_sizes("10k"), time_limit=0.3)
    assert table["size"].tolist() == ["1k", "10k"]
    assert table.iloc[1]["status"] == "stopped:time"
    assert pd.isna(table.iloc[1]["objective"])


def test_memory_cap_stops_a_size() -> None:
    row = run_size(SIZES["1k"], 10.0, memory_cap_mb=40.0)
    assert row["status"] == "stopped:memory"
    assert float(row["peak_rss_mb"]) > 40.0


def test_parse_sizes_names_generators() -> None:
    sizes = parse_sizes("heldout:100k, 20k, greenfield:1k")
    assert [s.label for s in sizes] == ["greenfield:1k", "20k", "heldout:100k"]
    assert sizes[1].rules == "least"
    with pytest.raises(InputError, match="unknown sizes"):
        parse_sizes("other:1k")
