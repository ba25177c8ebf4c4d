"""Independent GAP checker: the specification every solver answer is held to."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from solver.gap.instance import GapInstance, gap_objective


def check_gap_solution(
    inst: GapInstance,
    agent_of_job: npt.ArrayLike,
    objective: float | None = None,
) -> list[str]:
    """Every way an assignment breaks the GAP; empty when it is feasible.

    This is the specification the solver is held to, written without any
    reference to the model: one agent per job, capacities respected, and (when
    ``objective`` is given) the claimed objective equal to the recomputed one.

    Parameters
    ----------
    inst : GapInstance
    agent_of_job : array-like of int, shape (n,)
        0-based agent of each job.
    objective : float, optional
        Claimed objective to verify.

    Returns
    -------
    list of str
        Human-readable violations, in a stable order.
    """
    raw = np.asarray(agent_of_job)
    if raw.ndim != 1 or raw.shape[0] != inst.n:
        return [f"expected one agent for each of the {inst.n} jobs, got shape {raw.shape}"]
    fractional = raw.size and not np.issubdtype(raw.dtype, np.integer)
    if fractional and not (np.all(np.isfinite(raw)) and np.all(raw == np.round(raw))):
        return ["agents must be whole numbers"]
    agents = raw.astype(np.int64)
    problems: list[str] = []
    bad = np.flatnonzero((agents < 0) | (agents >= inst.m))
    if bad.size:
        shown = ", ".join(f"job {j} -> {agents[j]}" for j in bad[:5])
        problems.append(f"{bad.size} job(s) have no valid agent (0..{inst.m - 1}): {shown}")
        return problems
    jobs = np.arange(inst.n)
    used = np.bincount(agents, weights=inst.weight[agents, jobs], minlength=inst.m)
    over = np.flatnonzero(used > inst.capacity)
    problems.extend(f"agent {i} over capacity: uses {int(used[i])} of {int(inst.capacity[i])}" for i in over)
    if objective is not None:
        actual = gap_objective(inst, agents)
        if abs(actual - objective) > 1e-6 * max(1.0, abs(actual)):
            problems.append(f"claimed objective {objective} but the assignment costs {actual}")
    return problems


def check_gap_matrix(inst: GapInstance, x: npt.ArrayLike) -> list[str]:
    """Violations of a 0/1 matrix ``x[i, j]`` (catches a job given to two agents)."""
    mat = np.asarray(x)
    if mat.shape != (inst.m, inst.n):
        return [f"expected a {inst.m} x {inst.n} matrix, got {mat.shape}"]
    problems: list[str] = []
    if not np.isin(mat, (0, 1)).all():
        problems.append("entries must be 0 or 1")
        return problems
    per_job = mat.sum(axis=0)
    for j in np.flatnonzero(per_job != 1):
        problems.append(f"job {j} is assigned to {int(per_job[j])} agents")
    if problems:
        return problems
    return check_gap_solution(inst, mat.argmax(axis=0))
