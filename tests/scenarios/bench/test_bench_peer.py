"""Peer baseline (bench, not run by default): terraquota vs the greedy LPT split.

Needs the PyPI package ``b2b-territory-optimization`` (skipped without it).
Asserts correctness, never time: our plans keep every rule, the LP bound is
below every plan's moves, and the retention matching is the best matching.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from scenarios.bench.peer import (
    RESULT_COLUMNS,
    TOLERANCE,
    format_peer_table,
    greedy_territories,
    peer_summary_lines,
    retention_matching,
    run_peer_suite,
)
from solver.assignment.terms import active_reps
from solver.synthetic import SyntheticSpec, generate_problem

pytestmark = pytest.mark.bench


def test_peer_suite_small_instance(tmp_path: Path) -> None:
    pytest.importorskip("b2b_territory_optimization")
    outcome = run_peer_suite(tmp_path, n_accounts=2_000, n_reps=20, time_limit=20.0, progress=print)
    Console(width=200).print(format_peer_table(outcome))
    print("\n".join(peer_summary_lines(outcome)))
    t = outcome.table.set_index("metric")
    assert list(outcome.table.columns) == list(RESULT_COLUMNS)
    for ours in ("terraquota", "terraquota_min_moves"):
        assert t.loc["worst_balance_dev", ours] <= TOLERANCE + 1e-7
        assert t.loc["pins_broken", ours] == 0 and t.loc["family_accounts_split", ours] == 0
        assert t.loc["moved_vs_lp_bound", ours] >= 1 - 1e-9
    assert t.loc["moved_vs_lp_bound", "greedy_lpt"] >= 1 - 1e-9
    assert t.loc["moved_potential", "terraquota_min_moves"] <= t.loc["moved_potential", "terraquota"] + 1e-6
    ratio = t.loc["moved_potential", "greedy_lpt"] / t.loc["moved_potential", "terraquota"]
    assert t.loc["moved_potential", "greedy_vs_terraquota"] == pytest.approx(ratio)
    back = pd.read_csv(tmp_path / "results.csv")
    assert back["metric"].iloc[-1] == "lp_bound_moved_potential"
    assert back["terraquota_min_moves"].iloc[-1] == pytest.approx(outcome.lp_bound_moved, rel=1e-5)


def test_retention_matching_is_the_best_matching() -> None:
    pytest.importorskip("b2b_territory_optimization")
    problem = generate_problem(SyntheticSpec(300, 14, seed=5))
    territory = greedy_territories(problem)
    plan = retention_matching(problem, territory)
    act = active_reps(problem)
    acc_block = problem.account_block()
    assert (problem.rep_block[plan] == acc_block).all()
    for b in range(len(problem.blocks)):
        reps = np.flatnonzero(act & (problem.rep_block == b))
        accs = np.flatnonzero(acc_block == b)
        assert sorted(set(territory[accs])) == list(range(len(reps)))

        def kept(rep_of_territory: np.ndarray, accs: np.ndarray = accs) -> float:
            r = rep_of_territory[territory[accs]]
            return float(problem.potential[accs][problem.owner[accs] == r].sum())

        got = kept(np.array([plan[accs][territory[accs] == t][0] for t in range(len(reps))]))
        best = max(kept(np.array(p)) for p in itertools.permutations(reps))
        assert got == pytest.approx(best, abs=len(reps))  # costs are rounded to whole units
