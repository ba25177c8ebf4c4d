"""The finance view of a comparison: money and capacity per run, and every run's per-rep deltas
against the first (the baseline)."""

from __future__ import annotations

import math

import pytest

from solver.results.compare import compare_runs
from tests.solver.results.test_compare import ALT, BASE, _run


def _capacity(cost: float, capacity: float, bookings: float, quota: float, gap: float) -> dict:
    return {
        "total": {
            "cost": cost,
            "productive_capacity": capacity,
            "expected_bookings": bookings,
            "bookings_vs_quota": bookings / quota,
            "capacity_gap": gap,
        }
    }


def test_finance_kpis_per_run() -> None:
    # ten hires: +0.98M of cost, +4.4M of expected bookings, the gap closes from 7.3 to 2.0 FTE
    base = _run(
        "base",
        {"a1": "r1"},
        [("r1", "Ann", "MM", "NA", 1.0)],
        {},
        capacity=_capacity(22.84e6, 135.9, 113.97e6, 138.6e6, 7.3),
        quota={"fairness": {"expected_share_reaching_quota": 0.27}},
        warnings=[{"code": "x"}],
    )
    hires = _run(
        "hires",
        {"a1": "r1"},
        [("r1", "Ann", "MM", "NA", 1.0)],
        {},
        capacity=_capacity(23.82e6, 141.2, 118.37e6, 138.6e6, 2.0),
        quota={"fairness": {"expected_share_reaching_quota": 0.31}},
        warnings=[],
    )
    k = compare_runs([base, hires]).kpis
    assert k.loc["cost", "hires"] - k.loc["cost", "base"] == pytest.approx(0.98e6)
    assert k.loc["expected_bookings", "hires"] - k.loc["expected_bookings", "base"] == pytest.approx(4.4e6)
    assert k.loc["bookings_vs_quota", "base"] == pytest.approx(113.97 / 138.6)
    assert (k.loc["capacity_gap", "base"], k.loc["capacity_gap", "hires"]) == (7.3, 2.0)
    assert k.loc["productive_capacity", "hires"] == 141.2
    assert k.loc["share_reaching_quota", "hires"] == 0.31
    assert (k.loc["warnings", "base"], k.loc["warnings", "hires"]) == (1, 0)
    assert math.isnan(compare_runs([BASE, ALT]).kpis.loc["cost", "base"])  # old runs: unknown, not 0


def test_every_run_against_the_first() -> None:
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
    d = compare_runs([BASE, ALT, third]).rep_deltas.set_index("rep_id")
    # hire minus base: r1 800 - 1000, r4 (only in hire) 600 - 0; third minus base: r3 lost a5
    assert d.loc["r1", "quota_delta[hire]"] == pytest.approx(-200.0)
    assert d.loc["r4", "quota_delta[hire]"] == pytest.approx(600.0)
    assert math.isnan(d.loc["r4", "quota_delta[third]"])  # in neither run: no figure
    assert d.loc["r3", "accounts_delta[hire]"] == 1
    assert d.loc["r3", "accounts_delta[third]"] == -1
    assert d.loc["r3", "accounts_delta"] == -1  # the last run minus the first, as before
    assert "accounts_delta[base]" not in d.columns
