"""Local branching (Fischetti & Lodi 2003): MIPs over the assignments near the incumbent.

On tight instances (chu1997 type D) HiGHS's tree search over the whole model,
or over a core of promising columns, neither proves nor improves much within
seconds. One added row, "at most ``k`` jobs change agent", cuts the model down
to a neighbourhood the solver does explore: each improvement moves the centre,
and a neighbourhood searched without success changes the radius.
"""

from __future__ import annotations

import time

import highspy
import numpy as np
import numpy.typing as npt

from solver.gap.highs import assignment_from_matrix, build_gap_model
from solver.gap.instance import GapInstance, IntArray, gap_objective
from solver.highs import quiet_highs

#: HiGHS ``mip_heuristic_effort`` of the neighbourhood MIPs (default 0.05): their
#: improvements come from the root's heuristics (RINS, RENS and the like) far more
#: than from branching, so the root gets more of them and the tree is cut at
#: `local_branching`'s ``node_limit`` (measured on chu1997 d20100, seeds 0-2:
#: 6213/6217/6224 with effort 0.5 and one node, 6213/6223/6242 with 0.05 and 30).
HEURISTIC_EFFORT = 0.5

#: Statuses after which the neighbourhood holds nothing better than its centre.
_EXHAUSTED = frozenset(
    {
        highspy.HighsModelStatus.kOptimal,
        highspy.HighsModelStatus.kInfeasible,
        highspy.HighsModelStatus.kObjectiveBound,
    }
)


def neighbourhood_model(
    inst: GapInstance, centre: IntArray, radius: int, allowed: npt.NDArray[np.bool_] | None = None
) -> tuple[highspy.HighsModel, tuple[float, npt.NDArray[np.int32]]]:
    """The GAP model and its local-branching row: at least ``n - radius`` jobs keep
    their agent in ``centre``. Returns the model and the row as (lower bound, columns)."""
    n = inst.n
    jobs = np.arange(n)
    model = build_gap_model(inst)
    if allowed is not None:
        keep = allowed.copy()
        keep[centre, jobs] = True
        model.lp_.col_upper_ = np.minimum(model.lp_.col_upper_, keep.reshape(-1).astype(np.float64))
    cols = (np.asarray(centre, dtype=np.int64) * n + jobs).astype(np.int32)
    return model, (float(n - radius), cols)


def local_branching(
    inst: GapInstance,
    agents: IntArray,
    *,
    deadline: float,
    seed: int,
    threads: int,
    lower_bound: float | None = None,
    radius: int = 10,
    node_limit: int = 1,
    max_rounds: int | None = None,
    patience: int | None = None,
    allowed: npt.NDArray[np.bool_] | None = None,
    options: dict[str, bool | int | float | str] | None = None,
) -> IntArray:
    """Improve a feasible assignment by MIPs in which at most ``k`` jobs change agent.

    Each MIP stops after ``node_limit`` branch-and-bound nodes (so, but for
    the last one, its result does not depend on the machine's speed) or at
    ``deadline`` (``time.perf_counter`` seconds), and only accepts assignments
    strictly cheaper than the centre. An improvement recentres the search at
    the same ``k``; a neighbourhood searched completely without one grows
    ``k`` by half; an unfinished one without improvement halves ``k``, back to
    ``radius`` once it is at 2. Stops at the deadline, after ``max_rounds``
    MIPs, after ``patience`` MIPs in a row without improvement, when
    ``lower_bound`` is met or when the whole model was searched. The result never costs more
    than ``agents``.
    """
    current = np.asarray(agents, dtype=np.int64).copy()
    obj = gap_objective(inst, current)
    n = inst.n
    integer_costs = bool(np.issubdtype(inst.cost.dtype, np.integer))
    step = 1.0 - 1e-6 if integer_costs else 1e-9
    k = max(2, min(radius, n))
    rounds = idle = 0
    while time.perf_counter() < deadline - 0.1:
        if lower_bound is not None and obj - lower_bound < step:
            break
        if max_rounds is not None and rounds >= max_rounds:
            break
        if patience is not None and idle >= patience:
            break
        rounds += 1
        idle += 1
        h = quiet_highs(threads, seed + rounds)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", step if integer_costs else 0.0)
        h.setOptionValue("time_limit", max(0.01, deadline - time.perf_counter()))
        h.setOptionValue("mip_max_nodes", int(node_limit))
        h.setOptionValue("objective_bound", float(obj) - step)
        h.setOptionValue("mip_heuristic_effort", HEURISTIC_EFFORT)
        for key, val in (options or {}).items():
            h.setOptionValue(key, val)
        model, (row_lower, cols) = neighbourhood_model(inst, current, k, allowed)
        h.passModel(model)
        h.addRow(row_lower, highspy.kHighsInf, n, cols, np.ones(n))
        h.run()
        status = h.getModelStatus()
        if h.getInfo().primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible:
            x = np.asarray(h.getSolution().col_value).reshape(inst.m, n)
            found = assignment_from_matrix(inst, x)
            if gap_objective(inst, found) < obj:
                current, obj = found, gap_objective(inst, found)
                idle = 0
                continue
        if status in _EXHAUSTED:
            if k >= n:
                break
            k = min(n, k + max(1, k // 2))
        elif k > 2:
            k = max(2, k // 2)
        else:
            k = max(2, min(radius, n))
    return current
