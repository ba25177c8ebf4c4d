"""Comparison of runs: KPIs, per-rep deltas and account moves on hand-made runs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from solver.results.compare import compare_runs, run_labels
from solver.results.run_data import RunData


def _run(name: str, owners: dict[str, str], reps: list[tuple], moved: dict, **metrics) -> RunData:
    """A run from {account: rep}; potentials are fixed per account."""
    potential = {"a1": 100.0, "a2": 200.0, "a3": 300.0, "a4": 400.0, "a5": 500.0}
    ids = sorted(owners)
    assignment = pd.DataFrame(
        {
            "account_id": ids,
            "rep_id": [owners[a] for a in ids],
            "potential": [potential[a] for a in ids],
        }
    )
    table = pd.DataFrame(reps, columns=["rep_id", "name", "segment", "region", "quota"])
    agg = assignment.groupby("rep_id")["potential"].agg(["size", "sum"])
    table["accounts"] = table["rep_id"].map(agg["size"]).fillna(0).astype(int)
    table["potential"] = table["rep_id"].map(agg["sum"]).fillna(0.0)
    table["capacity_factor"] = 1.0
    table["target_potential"] = table["potential"].sum() / len(table)
    table["balance_ratio"] = table["potential"] / table["target_potential"]
    m = {"name": name, "status": "optimal", "moved": moved, **metrics}
    return RunData(name=name, assignment=assignment, reps=table, quotas=pd.DataFrame(), metrics=m)


BASE = _run(
    "base",
    {"a1": "r1", "a2": "r1", "a3": "r2", "a4": "r2", "a5": "r3"},
    [("r1", "Ann", "MM", "NA", 1000.0), ("r2", "Bob", "MM", "NA", 1500.0), ("r3", "Cy", "MM", "NA", 900.0)],
    {"accounts": 1, "accounts_share": 0.2, "potential": 100.0, "potential_share": 100 / 1500},
    objective=100.0,
    gap=0.0,
    balance={"potential": {"max_abs_deviation": 0.4, "cv": 0.2}},
    quota={"target": 3000.0, "total": 3400.0},
)
# The alternative hires r4 (no name) and gives it a4; a1 goes from r1 to r3.
ALT = _run(
    "hire",
    {"a1": "r3", "a2": "r1", "a3": "r2", "a4": "r4", "a5": "r3"},
    [
        ("r1", "Ann", "MM", "NA", 800.0),
        ("r2", "Bob B.", "MM", "NA", 1000.0),
        ("r3", "Cy", "MM", "NA", 1000.0),
        ("r4", None, "MM", "NA", 600.0),
    ],
    {"accounts": 2, "accounts_share": 0.4, "potential": 500.0, "potential_share": 500 / 1500},
    objective=500.0,
    gap=0.01,
    balance={
        "potential": {"max_abs_deviation": 0.6, "cv": 0.3},
        "accounts": {"max_abs_deviation": 0.5, "cv": 0.25},
    },
    quota={"target": 3000.0, "total": 3400.0},
)


def test_moves_between_the_reference_and_the_other_run() -> None:
    c = compare_runs([BASE, ALT])
    assert c.moves.to_dict("records") == [
        {
            "account_id": "a1",
            "run_a": "base",
            "run_b": "hire",
            "rep_a": "r1",
            "rep_b": "r3",
            "potential": 100.0,
        },
        {
            "account_id": "a4",
            "run_a": "base",
            "run_b": "hire",
            "rep_a": "r2",
            "rep_b": "r4",
            "potential": 400.0,
        },
    ]
    (pair,) = c.summary["pairs"]
    assert pair["moved_accounts"] == 2
    assert pair["accounts_compared"] == 5
    assert pair["moved_potential"] == pytest.approx(500.0)
    assert pair["moved_potential_share"] == pytest.approx(500 / 1500)
    assert pair["moved_accounts_share"] == pytest.approx(0.4)


def test_rep_deltas_last_minus_first_with_absent_reps_as_zero() -> None:
    c = compare_runs([BASE, ALT])
    d = c.rep_deltas.set_index("rep_id")
    assert list(d.index) == ["r1", "r2", "r3", "r4"]
    assert d.loc["r1", "accounts[base]"] == 2 and d.loc["r1", "accounts[hire]"] == 1
    assert d.loc["r1", "accounts_delta"] == -1
    assert d.loc["r1", "potential_delta"] == pytest.approx(-100.0)
    assert d.loc["r3", "potential_delta"] == pytest.approx(100.0)
    assert d.loc["r2", "quota_delta"] == pytest.approx(-500.0)
    # r4 exists only in the second run: absent in base, delta counts it from zero.
    assert math.isnan(d.loc["r4", "accounts[base]"])
    assert d.loc["r4", "accounts_delta"] == 1
    assert d.loc["r4", "quota_delta"] == pytest.approx(600.0)
    assert math.isnan(d.loc["r4", "balance_ratio_delta"])
    # base: target 500 per rep -> r1 300/500; hire: target 375 -> r1 200/375.
    assert d.loc["r1", "balance_ratio_delta"] == pytest.approx(200 / 375 - 300 / 500)
    # Descriptive columns come from the latest run knowing the rep.
    assert d.loc["r2", "name"] == "Bob B."
    assert pd.isna(d.loc["r4", "name"])


def test_kpis_one_row_per_figure_one_column_per_run() -> None:
    c = compare_runs([BASE, ALT])
    k = c.kpis
    assert list(k.columns) == ["base", "hire"]
    assert k.index.name == "kpi"
    assert k.loc["status"].tolist() == ["optimal", "optimal"]
    assert k.loc["accounts"].tolist() == [5, 5]
    assert k.loc["reps"].tolist() == [3, 4]
    assert k.loc["reps_to_be_hired"].tolist() == [0, 1]
    assert k.loc["moved_accounts"].tolist() == [1, 2]
    assert k.loc["moved_potential"].tolist() == [100.0, 500.0]
    assert k.loc["objective"].tolist() == [100.0, 500.0]
    assert k.loc["balance.potential.max_abs_deviation"].tolist() == [0.4, 0.6]
    # A metric only the second run reports is present, unknown for the first.
    assert math.isnan(k.loc["balance.accounts.cv", "base"])
    assert k.loc["balance.accounts.cv", "hire"] == 0.25
    assert k.loc["quota_total"].tolist() == [3400.0, 3400.0]
    assert k.loc["capacity_fte"].tolist() == [3.0, 4.0]
    # Not in the metrics: unknown, not zero.
    assert all(math.isnan(v) for v in k.loc["moved_arr"])
    assert all(math.isnan(v) for v in k.loc["bound"])


def test_three_runs_each_compared_with_the_first() -> None:
    third = _run(
        "third",
        {"a1": "r1", "a2": "r1", "a3": "r2", "a4": "r2", "a5": "r1"},
        [
            ("r1", "Ann", "MM", "NA", 1000.0),
            ("r2", "Bob", "MM", "NA", 1500.0),
            ("r3", "Cy", "MM", "NA", 900.0),
        ],
        {},
    )
    c = compare_runs([BASE, ALT, third])
    assert c.runs == ("base", "hire", "third")
    assert c.moves[["account_id", "run_b"]].values.tolist() == [
        ["a1", "hire"],
        ["a4", "hire"],
        ["a5", "third"],
    ]
    assert [p["moved_accounts"] for p in c.summary["pairs"]] == [2, 1]
    d = c.rep_deltas.set_index("rep_id")
    assert d.loc["r3", "accounts_delta"] == -1  # third minus base
    assert "accounts[hire]" in d.columns


def test_order_of_input_rows_does_not_matter() -> None:
    shuffled = RunData(
        name=ALT.name,
        assignment=ALT.assignment.sample(frac=1, random_state=3),
        reps=ALT.reps.sample(frac=1, random_state=4),
        quotas=ALT.quotas,
        metrics=ALT.metrics,
    )
    a, b = compare_runs([BASE, ALT]), compare_runs([BASE, shuffled])
    pd.testing.assert_frame_equal(a.moves, b.moves)
    pd.testing.assert_frame_equal(a.rep_deltas, b.rep_deltas)
    pd.testing.assert_frame_equal(a.kpis, b.kpis)


def test_identical_runs_have_no_moves_and_zero_deltas() -> None:
    c = compare_runs([BASE, BASE])
    assert c.runs == ("base", "base #2")
    assert c.moves.empty
    assert list(c.moves.columns) == ["account_id", "run_a", "run_b", "rep_a", "rep_b", "potential"]
    deltas = c.rep_deltas[[f"{m}_delta" for m in ("accounts", "potential", "quota")]]
    assert np.allclose(deltas.to_numpy(dtype=float), 0.0)


def test_labels_and_errors() -> None:
    assert run_labels([BASE, ALT, BASE, BASE]) == ("base", "hire", "base #2", "base #3")
    with pytest.raises(ValueError, match="at least one run"):
        compare_runs([])


def test_money_deltas_are_whole_cents() -> None:
    owners = {"a1": "r1", "a2": "r1", "a3": "r1", "a4": "r1", "a5": "r1"}
    a = _run("a", owners, [("r1", "Ann", "MM", "NA", 1006063.38)], {})
    b = _run("b", owners, [("r1", "Ann", "MM", "NA", 894615.22)], {})
    # in binary floats 894615.22 - 1006063.38 is -111448.16000000003; the delta reads -111448.16
    assert 894615.22 - 1006063.38 != -111448.16
    d = compare_runs([a, b]).rep_deltas.set_index("rep_id")
    assert d.loc["r1", "quota_delta[b]"] == -111448.16
    assert d.loc["r1", "quota_delta"] == -111448.16
