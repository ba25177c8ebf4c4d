"""PuLP/CBC backend: the cross-check solver behind the same signature as HiGHS.

Never trust the label: after a time limit with a plan, PuLP's ``LpStatus``
says "Optimal" while CBC's solution status says "integer feasible"; the
mapping below reads both. CBC's own bound is read from its log (it is not
part of PuLP's API); without it the bound is the objective less the gap CBC
was allowed when it proved optimality, and -inf otherwise.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

import numpy as np
import pulp
from pulp import constants as pc

from solver.assignment.backends.highs_backend import BackendOutcome
from solver.assignment.lp.rowwise import row_matrix
from solver.assignment.result import Status
from solver.assignment.rules import Rows

#: Explicit, tested mapping of (PuLP status, CBC solution status). A plan
#: exists only for the two solution statuses "optimal" and "integer feasible".
PULP_STATUS = {
    (pc.LpStatusOptimal, pc.LpSolutionOptimal): Status.OPTIMAL,
    (pc.LpStatusOptimal, pc.LpSolutionIntegerFeasible): Status.FEASIBLE,  # "Optimal" after a time limit
    (pc.LpStatusNotSolved, pc.LpSolutionNoSolutionFound): Status.NO_SOLUTION,
    (pc.LpStatusNotSolved, pc.LpSolutionIntegerFeasible): Status.FEASIBLE,
    (pc.LpStatusInfeasible, pc.LpSolutionInfeasible): Status.INFEASIBLE,
    (pc.LpStatusInfeasible, pc.LpSolutionNoSolutionFound): Status.INFEASIBLE,  # "Integer infeasible"
    (pc.LpStatusUnbounded, pc.LpSolutionUnbounded): Status.ERROR,  # binaries cannot be unbounded
    (pc.LpStatusUndefined, pc.LpSolutionNoSolutionFound): Status.NO_SOLUTION,
}

_BOUND = re.compile(r"^(?:Lower bound|Objective bound):\s*([-+0-9.eE]+)", re.MULTILINE)

#: Share of the remaining time limit given to CBC, and seconds kept back for its process and files.
CBC_TIME_SHARE = 0.9
CBC_OVERHEAD_S = 0.05


def pulp_version() -> str:
    return f"pulp {pulp.__version__} (cbc)"


def map_status(status: int, sol_status: int) -> Status:
    """Backend-independent status of a PuLP solve (ERROR for any pair not in the table)."""
    return PULP_STATUS.get((status, sol_status), Status.ERROR)


def cbc_bound(log: str) -> float | None:
    """CBC's final lower bound from its log, lowered by half its last printed digit.

    CBC prints the bound rounded (``Lower bound: 0.322``); rounding can go up,
    and a bound must never exceed the true one.
    """
    found = _BOUND.findall(log)
    if not found:
        return None
    text = found[-1]
    mantissa = text.lower().split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(text.lower().split("e")[1]) if "e" in text.lower() else 0
    return float(text) - 0.5 * 10.0 ** (exponent - decimals)


def _cbc() -> str | None:
    """The CBC binary bundled with PuLP (used through COIN_CMD: PULP_CBC_CMD is
    deprecated), or None to let COIN_CMD find ``cbc`` on the PATH."""
    bundled = str(pulp.apis.coin_api.pulp_cbc_path)
    return bundled if os.access(bundled, os.X_OK) else None


def solve_block_mip(
    n_cols: int,
    cost: np.ndarray,
    rows: list[Rows],
    *,
    fixed_one: np.ndarray,
    time_limit: float,
    seed: int,
    mip_gap: float,
    start: np.ndarray | None = None,
    node_limit: int | None = None,
    col_upper: np.ndarray | None = None,
    continuous: np.ndarray | None = None,
) -> BackendOutcome:
    """Minimise ``cost @ x`` over binary x subject to ``rows`` with CBC (same contract as HiGHS)."""
    t0 = time.perf_counter()
    upper = np.ones(n_cols) if col_upper is None else np.asarray(col_upper, dtype=float)
    cont = np.zeros(n_cols, dtype=bool) if continuous is None else np.asarray(continuous, dtype=bool)
    lower = np.zeros(n_cols)
    lower[np.asarray(fixed_one, dtype=np.int64)] = 1.0
    prob = pulp.LpProblem("block", pulp.LpMinimize)
    xs = [
        prob.add_variable(
            f"x{j}",
            float(lower[j]),
            float(upper[j]),
            cat="Continuous" if cont[j] else ("Binary" if upper[j] == 1 else "Integer"),
        )
        for j in range(n_cols)
    ]
    cost = np.asarray(cost, dtype=float)
    nz = np.flatnonzero(cost)
    prob += pulp.LpAffineExpression([(xs[j], float(cost[j])) for j in nz])
    m = row_matrix(rows)
    for i in range(m.n):
        cols, vals = m.entries(i)
        expr = pulp.LpAffineExpression([(xs[int(j)], float(v)) for j, v in zip(cols, vals, strict=True)])
        lo, hi = float(m.lower[i]), float(m.upper[i])
        if np.isfinite(lo) and np.isfinite(hi) and lo == hi:
            prob += expr == lo, f"r{i}"
            continue
        if np.isfinite(lo):
            prob += expr >= lo, f"r{i}_lo"
        if np.isfinite(hi):
            prob += expr <= hi, f"r{i}_hi"
    if start is not None:
        for j, v in enumerate(np.asarray(start, dtype=float)):
            xs[j].setInitialValue(float(v))
    with tempfile.TemporaryDirectory(prefix="terraquota-cbc-") as tmp:
        log_path = Path(tmp) / "cbc.log"
        # CBC runs in its own process: keep back time for starting it and reading its answer.
        left = max(CBC_TIME_SHARE * (time_limit - (time.perf_counter() - t0)) - CBC_OVERHEAD_S, 0.05)
        solver = pulp.COIN_CMD(
            path=_cbc(),
            msg=False,
            timeLimit=left,
            gapRel=float(mip_gap),
            threads=1,
            warmStart=start is not None,
            maxNodes=node_limit,
            logPath=str(log_path),
            # CBC counts CPU seconds by default: on a busy machine the wall clock would overrun.
            options=[f"randomSeed {int(seed) + 1}", f"randomCbcSeed {int(seed) + 1}", "timeMode elapsed"],
        )
        prob.solve(solver)
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
    status = map_status(prob.status, prob.sol_status)
    x = None
    objective, bound = float("inf"), -np.inf
    if status.has_plan:
        x = np.array([v.varValue if v.varValue is not None else 0.0 for v in xs], dtype=float)
        x = np.where(cont, x, np.round(x))
        objective = float(cost @ x)
        logged = cbc_bound(log)
        if logged is not None:
            bound = min(logged, objective)
        elif status == Status.OPTIMAL:
            bound = objective - float(mip_gap) * abs(objective)
    elif status == Status.INFEASIBLE:
        objective = bound = float("inf")
    raw = f"{pc.LpStatus.get(prob.status, prob.status)} / {pc.LpSolution.get(prob.sol_status, '?')}"
    return BackendOutcome(status, x, objective, bound, time.perf_counter() - t0, raw)
