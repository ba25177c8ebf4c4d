"""One test battery for every MIP backend (HiGHS, CP-SAT, PuLP/CBC) behind one signature.

Same small instances, same optimal objective, checker clean, infeasibility
detected, time limit honoured (within 10%), same seed same answer; and each
backend's status-mapping table.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import pytest
from ortools.sat.python import cp_model
from pulp import constants as pc

from solver.assignment import violations
from solver.assignment.backends.cpsat_backend import CPSAT_STATUS, integer_objective, integer_rows
from solver.assignment.backends.pulp_backend import PULP_STATUS, cbc_bound, map_status
from solver.assignment.backends.registry import BACKENDS, backend_for
from solver.assignment.block import BlockData, build_block
from solver.assignment.lp.rowwise import row_matrix
from solver.assignment.result import Status
from solver.assignment.rules import Rows, block_rows, pair_costs
from solver.assignment.terms import block_distance_reference_km, total_potential
from solver.config import AssignmentConfig
from solver.highs import HIGHS_STATUS, highs_status
from solver.problem import Problem
from tests.solver.assignment.helpers import make_problem

NAMES = sorted(BACKENDS)


@dataclass(frozen=True)
class Instance:
    problem: Problem
    rules: AssignmentConfig
    block: BlockData
    rows: list[Rows]
    cost: np.ndarray
    fixed: np.ndarray


def _instance(p: Problem, rules: AssignmentConfig) -> Instance:
    block = build_block(p, 0)
    budget = None if rules.max_moved_share is None else rules.max_moved_share * float(p.potential.sum())
    rows = block_rows(p, block, rules, budget)
    cost = pair_costs(block, rules, total_potential(p), float(block_distance_reference_km(p)[0]))
    return Instance(p, rules, block, rows, cost, np.flatnonzero(block.pinned_rep[block.pair_unit] >= 0))


def _balanced() -> Instance:
    rng = np.random.default_rng(1)
    reps = ["R0", "R1", "R2"]
    p = make_problem(
        rng.integers(10, 60, 14).astype(float).tolist(), [reps[i] for i in rng.integers(0, 3, 14)], reps
    )
    return _instance(p, AssignmentConfig(balance={"potential": 0.1}))


def _every_rule() -> Instance:
    rng = np.random.default_rng(2)
    reps = ["R0", "R1", "R2", "R3"]
    n = 16
    p = make_problem(
        rng.integers(10, 60, n).astype(float).tolist(),
        [reps[i] for i in rng.integers(0, 4, n)],
        reps,
        pins=["R1"] + [None] * (n - 1),
        parents=[None, "A000", None, None, "A003"] + [None] * (n - 5),
        max_accounts=[6, 6, 6, 6],
    ).replace(
        max_accounts_lost=np.array([3.0, np.nan, 3.0, np.nan]),
        max_accounts_gained=np.array([np.nan, 4.0, np.nan, 4.0]),
    )
    rules = AssignmentConfig(balance={"potential": 0.25, "accounts": 0.5}, max_moved_share=0.6)
    return _instance(p, rules)


def _infeasible() -> Instance:
    # potential 60 | 20 20 20 with both potential and accounts balanced exactly
    p = make_problem([60.0, 20.0, 20.0, 20.0], [None] * 4, ["R1", "R2"])
    return _instance(p, AssignmentConfig(balance={"potential": 0.0, "accounts": 0.0}))


def _hard() -> Instance:
    # 8-way number partitioning within 0.01%: no backend finishes in a second or two
    rng = np.random.default_rng(7)
    reps = [f"R{i}" for i in range(8)]
    p = make_problem(
        rng.integers(100, 10000, 120).astype(float).tolist(),
        [reps[i] for i in rng.integers(0, 8, 120)],
        reps,
        seed=7,
    )
    return _instance(p, AssignmentConfig(balance={"potential": 0.0001}))


def _solve(name: str, inst: Instance, time_limit: float = 20.0, seed: int = 0, **kw):
    return backend_for(name)(
        len(inst.block.pair_unit),
        inst.cost,
        inst.rows,
        fixed_one=inst.fixed,
        time_limit=time_limit,
        seed=seed,
        mip_gap=0.0,
        **kw,
    )


def _plan(inst: Instance, x: np.ndarray) -> np.ndarray:
    chosen = x > 0.5
    rep_of_unit = np.full(inst.problem.n_units, -1)
    rep_of_unit[inst.block.units[inst.block.pair_unit[chosen]]] = inst.block.reps[inst.block.pair_rep[chosen]]
    return rep_of_unit[inst.problem.unit]


@pytest.fixture(scope="module")
def optimal_runs():
    instances = {"balanced": _balanced(), "every_rule": _every_rule()}
    return instances, {(i, n): _solve(n, inst) for i, inst in instances.items() for n in NAMES}


@pytest.mark.parametrize("instance", ["balanced", "every_rule"])
def test_same_optimal_objective_on_every_backend(optimal_runs, instance: str) -> None:
    _, runs = optimal_runs
    values = {n: runs[(instance, n)].objective for n in NAMES}
    for n in NAMES:
        assert runs[(instance, n)].status == Status.OPTIMAL, (n, runs[(instance, n)].raw_status)
    ref = values["highs"]
    for n, v in values.items():
        assert v == pytest.approx(ref, rel=1e-6, abs=1e-9), (n, values)
        assert runs[(instance, n)].bound <= v + 1e-9


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("instance", ["balanced", "every_rule"])
def test_checker_clean_and_objective_recomputed(optimal_runs, instance: str, name: str) -> None:
    instances, runs = optimal_runs
    inst, out = instances[instance], runs[(instance, name)]
    plan = _plan(inst, out.x)
    assert (plan >= 0).all()
    assert violations(inst.problem, plan, inst.rules) == []
    assert float(inst.cost @ out.x) == pytest.approx(out.objective, abs=1e-12)
    pinned = inst.problem.pin >= 0
    assert (plan[pinned] == inst.problem.pin[pinned]).all()


@pytest.mark.parametrize("name", NAMES)
def test_infeasible_detected(name: str) -> None:
    out = _solve(name, _infeasible(), time_limit=10)
    assert out.status == Status.INFEASIBLE, out.raw_status
    assert out.x is None


@pytest.mark.parametrize("name", NAMES)
def test_time_limit_honoured_within_ten_percent(name: str) -> None:
    inst = _hard()
    limit = 1.5
    t0 = time.perf_counter()
    out = _solve(name, inst, time_limit=limit)
    took = time.perf_counter() - t0
    assert took <= 1.1 * limit, (name, took)
    assert took >= 0.5 * limit  # the instance really ran into the limit
    assert out.status in (Status.NO_SOLUTION, Status.FEASIBLE), out.raw_status


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_answer(name: str) -> None:
    inst = _every_rule()
    a = _solve(name, inst, seed=3)
    b = _solve(name, inst, seed=3)
    assert a.x is not None and b.x is not None
    assert a.x.tolist() == b.x.tolist()


# ----------------------------------------------------------------------------- status tables


def test_cpsat_status_table_is_explicit_and_complete() -> None:
    assert CPSAT_STATUS == {
        cp_model.OPTIMAL: Status.OPTIMAL,
        cp_model.FEASIBLE: Status.FEASIBLE,
        cp_model.INFEASIBLE: Status.INFEASIBLE,
        cp_model.UNKNOWN: Status.NO_SOLUTION,
        cp_model.MODEL_INVALID: Status.ERROR,
    }


def test_pulp_status_table_reads_the_cbc_solution_status() -> None:
    # PuLP labels a time-limited plan "Optimal"; the solution status says "integer feasible"
    assert PULP_STATUS[(pc.LpStatusOptimal, pc.LpSolutionIntegerFeasible)] == Status.FEASIBLE
    assert map_status(pc.LpStatusOptimal, pc.LpSolutionOptimal) == Status.OPTIMAL
    assert map_status(pc.LpStatusNotSolved, pc.LpSolutionNoSolutionFound) == Status.NO_SOLUTION
    assert map_status(pc.LpStatusInfeasible, pc.LpSolutionInfeasible) == Status.INFEASIBLE
    assert map_status(pc.LpStatusInfeasible, pc.LpSolutionNoSolutionFound) == Status.INFEASIBLE
    assert map_status(pc.LpStatusUnbounded, pc.LpSolutionUnbounded) == Status.ERROR
    assert map_status(pc.LpStatusOptimal, pc.LpSolutionNoSolutionFound) == Status.ERROR  # not in the table


def test_pulp_stopped_early_with_a_plan_is_feasible_not_optimal() -> None:
    rng = np.random.default_rng(7)
    reps = [f"R{i}" for i in range(6)]
    p = make_problem(
        rng.integers(100, 10000, 60).astype(float).tolist(),
        [reps[i] for i in rng.integers(0, 6, 60)],
        reps,
        seed=7,
    )
    inst = _instance(p, AssignmentConfig(balance={"potential": 0.01}))
    out = _solve("pulp", inst, node_limit=1)
    assert out.raw_status.startswith("Optimal")  # PuLP's label
    assert out.status == Status.FEASIBLE
    assert out.bound < out.objective
    assert violations(p, _plan(inst, out.x), inst.rules) == []


def test_highs_status_table_maps_every_model_status_it_names() -> None:
    m = highspy.HighsModelStatus
    assert highs_status(m.kOptimal, True) == Status.OPTIMAL
    assert highs_status(m.kInfeasible, False) == Status.INFEASIBLE
    assert highs_status(m.kTimeLimit, False) == Status.NO_SOLUTION
    assert highs_status(m.kTimeLimit, True) == Status.FEASIBLE
    assert highs_status(m.kSolveError, True) == Status.ERROR


def test_highs_status_table_names_every_status_but_the_errors() -> None:
    m = highspy.HighsModelStatus
    errors = {m.kNotset, m.kLoadError, m.kModelError, m.kPresolveError, m.kSolveError}
    errors |= {m.kPostsolveError, m.kUnbounded}
    assert set(HIGHS_STATUS) | errors == set(m.__members__.values())
    assert not set(HIGHS_STATUS) & errors


def test_cbc_bound_never_rounds_up() -> None:
    assert cbc_bound("Result - Stopped on time limit\nLower bound:                    0.322\n") == (
        pytest.approx(0.3215)
    )
    assert cbc_bound("Objective value: 3\n") is None


def test_backend_for_auto_and_unknown() -> None:
    assert backend_for("auto") is BACKENDS["highs"]
    with pytest.raises(ValueError, match="unknown solver"):
        backend_for("gurobi")


# ----------------------------------------------------------------------------- CP-SAT scaling


def test_integer_rows_are_exact_for_decimal_rows() -> None:
    rows = [
        Rows(
            "balance:potential",
            np.array([0, 0, 0]),
            np.array([0, 1, 2]),
            np.array([10.25, 20.5, 0.75]),
            np.array([10.3]),
            np.array([21.25]),
            ("R1",),
        )
    ]
    m = row_matrix(rows)
    coef, lo, hi = integer_rows(m, np.ones(3), np.ones(3))
    assert coef.tolist() == [1025, 2050, 75] and lo.tolist() == [1030] and hi.tolist() == [2125]


def test_integer_objective_bounds_the_rounding() -> None:
    ints, scale, err = integer_objective(np.array([1.0, 2.0, 3.0]))
    assert ints.tolist() == [1, 2, 3] and scale == 1.0 and err == 0.0
    cost = np.array([1 / 3, 2 / 7, 0.1])
    ints, scale, err = integer_objective(cost)
    assert np.abs(ints / scale - cost).sum() <= err + 1e-15 and err > 0
