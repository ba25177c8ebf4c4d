"""GAP benchmark suite: output files (fast, default) and the literature runs (bench)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from scenarios.bench.gap import (
    GAP_FAMILIES,
    RESULT_COLUMNS,
    format_gap_table,
    format_gap_text,
    gap_summary_lines,
    run_gap_suite,
)
from solver.errors import InputError
from solver.gap import check_gap_solution, read_gap_instance
from tests.tests_paths import TESTS_DATA, require_shared

TEST_DATA = TESTS_DATA / "gap"
SMALL = ["gap1-0", "gap1-1", "gap2-0"]


def shared_gap_dir() -> Path:
    """The shared GAP benchmark folder, or skip naming the missing folder."""
    return require_shared("benchmarks", "gap", "reference_values.csv").parent


@pytest.fixture
def small_data_dir(tmp_path: Path) -> Path:
    """A data folder laid out like the shared one, holding the shipped instances."""
    data = tmp_path / "data"
    (data / "cattrysse1994").mkdir(parents=True)
    (data / "chu1997").mkdir()
    (data / "yagiura2004").mkdir()
    for name in SMALL:
        shutil.copy(TEST_DATA / name, data / "cattrysse1994" / name)
    shutil.copy(TEST_DATA / "a05100", data / "chu1997" / "a05100")
    shutil.copy(TEST_DATA / "reference_values.csv", data / "reference_values.csv")
    return data


def read_sol(path: Path) -> np.ndarray:
    return np.array(path.read_text().splitlines(), dtype=np.int64)


def test_suite_writes_solutions_and_results(small_data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    lines: list[str] = []
    df = run_gap_suite(
        small_data_dir, out, time_limit=10.0, families=["cattrysse1994"], progress=lines.append
    )
    assert list(df.columns) == list(RESULT_COLUMNS)
    assert df["instance"].tolist() == sorted(SMALL)
    assert (df["status"] == "optimal").all() and df["proven"].all()
    assert df["feasible_checked"].all()
    assert (df["diff_to_ref_pct"] == 0).all()
    assert (df["ref_kind"] == "optimum").all()
    assert (df["load_1m"] >= 0).all()
    assert len(lines) == 3 and lines[0].startswith("[1/3] cattrysse1994/gap1-0")

    assert sorted(p.name for p in out.iterdir()) == sorted([*(f"{s}.sol" for s in SMALL), "results.csv"])
    for name in SMALL:
        inst = read_gap_instance(small_data_dir / "cattrysse1994" / name)
        agents = read_sol(out / f"{name}.sol")
        row = df.set_index("instance").loc[name]
        assert check_gap_solution(inst, agents, objective=row["objective"]) == []

    text = (out / "results.csv").read_text()
    assert text.splitlines()[0] == ",".join(RESULT_COLUMNS)
    assert text.splitlines()[1].startswith("cattrysse1994,gap1-0,5,15,optimal,261.0,")
    assert ",261.0,optimum,0.0000,true," in text.splitlines()[1]
    back = pd.read_csv(out / "results.csv")
    assert back["objective"].tolist() == df["objective"].tolist()


def test_suite_output_is_reproducible(small_data_dir: Path, tmp_path: Path) -> None:
    """Same input -> same .sol bytes and same results apart from the timings."""
    a = run_gap_suite(small_data_dir, tmp_path / "a", time_limit=10.0, instances=["gap2-0"])
    b = run_gap_suite(small_data_dir, tmp_path / "b", time_limit=10.0, instances=["gap2-0"])
    assert (tmp_path / "a" / "gap2-0.sol").read_bytes() == (tmp_path / "b" / "gap2-0.sol").read_bytes()
    timings = ["seconds", "load_1m"]
    pd.testing.assert_frame_equal(a.drop(columns=timings), b.drop(columns=timings))


def test_summary_and_tables(small_data_dir: Path, tmp_path: Path) -> None:
    df = run_gap_suite(small_data_dir, tmp_path / "o", time_limit=10.0)
    assert df["family"].tolist() == ["cattrysse1994"] * 3 + ["chu1997"]
    summary = gap_summary_lines(df)
    assert summary[0].startswith("cattrysse1994: 3/3 optimal, 3/3 feasible (checked), 3/3 at")
    assert summary[1].startswith("chu1997: 1/1 optimal")
    table = format_gap_table(df)
    assert table.row_count == 4
    console = Console(width=200, record=True)
    console.print(table)
    assert "gap1-0" in console.export_text()
    assert "a05100" in format_gap_text(df)


def test_suite_rejects_unknown_names(small_data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown GAP families"):
        run_gap_suite(small_data_dir, tmp_path / "x", families=["beasley"])
    with pytest.raises(InputError, match="instances not found"):
        run_gap_suite(small_data_dir, tmp_path / "x", instances=["gap99-9"])
    assert not (tmp_path / "x").exists()


@pytest.mark.bench
@pytest.mark.literature
@pytest.mark.parametrize("family", GAP_FAMILIES)
def test_literature_suite(family: str, tmp_path: Path) -> None:
    """Whole family at ``$TERRAQUOTA_BENCH_TIME`` seconds (default 20) per instance.

    Prints the table; asserts correctness only (never time): every answer passes
    the checker and no answer beats a proven optimum.
    """
    data = shared_gap_dir()
    limit = float(os.environ.get("TERRAQUOTA_BENCH_TIME", "20"))
    df = run_gap_suite(data, tmp_path, time_limit=limit, families=[family], progress=print)
    Console(width=160).print(format_gap_table(df))
    print("\n".join(gap_summary_lines(df)))
    assert df["feasible_checked"].all()
    optimum = df["ref_kind"] == "optimum"
    assert (df.loc[optimum, "objective"] >= df.loc[optimum, "reference"]).all()
    assert (df["bound"] <= df["objective"] + 1e-6).all()
    if family == "cattrysse1994":
        assert (df["diff_to_ref_pct"] == 0).all()
