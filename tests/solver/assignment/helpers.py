"""Build small assignment problems in code for rule tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from solver.assignment.block import BlockData
from solver.assignment.rules import pair_costs
from solver.assignment.terms import block_distance_reference_km, total_potential
from solver.config import AssignmentConfig
from solver.problem import Problem, build_problem

#: Rules of the tests of split blocks and their bounds (loose bands, distance in the objective).
SPLIT_RULES = AssignmentConfig(
    balance={"potential": 0.05, "accounts": 0.5},
    weights={"disruption": 1.0, "distance": 0.1},
    time_limit=60,
)


def cost_per_pair(problem: Problem, rules: AssignmentConfig) -> Callable[[BlockData], np.ndarray]:
    """The objective per pair of any block or chunk of ``problem`` (as a solve prices it)."""
    total_p = total_potential(problem)
    d_ref = block_distance_reference_km(problem)
    return lambda block: pair_costs(block, rules, total_p, float(d_ref[block.index]))


def make_problem(
    potentials: list[float],
    owners: list[str | None],
    reps: list[str],
    cf: list[float] | None = None,
    *,
    segments: list[str] | None = None,
    rep_segments: list[str] | None = None,
    pins: list[str | None] | None = None,
    parents: list[str | None] | None = None,
    max_accounts: list[float] | None = None,
    seed: int = 0,
) -> Problem:
    n = len(potentials)
    rng = np.random.default_rng(seed)
    ids = [f"A{i:03d}" for i in range(n)]
    fam = [p if p else a for a, p in zip(ids, parents or [None] * n, strict=True)]
    acc = pd.DataFrame(
        {
            "account_id": ids,
            "segment": segments or ["SMB"] * n,
            "region": ["NA"] * n,
            "potential": potentials,
            "workload": 1.0,
            "arr": 0.0,
            "lat": rng.uniform(35, 45, n),
            "lon": rng.uniform(-100, -80, n),
            "current_owner": owners,
            "locked_owner": pins or [None] * n,
            "family_id": fam,
        }
    )
    rp = pd.DataFrame(
        {
            "rep_id": reps,
            "segment": rep_segments or ["SMB"] * len(reps),
            "region": "NA",
            "capacity_factor": cf or [1.0] * len(reps),
            "lat": rng.uniform(35, 45, len(reps)),
            "lon": rng.uniform(-100, -80, len(reps)),
            "max_accounts": max_accounts or [np.nan] * len(reps),
            "max_workload": np.nan,
        }
    )
    return build_problem(acc, rp)
