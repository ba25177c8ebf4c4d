"""The frozen value a solve returns: status, objective, bound, gap and the plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class Status(StrEnum):
    """Outcome of a solve, backend-independent (see each backend's mapping table)."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_SOLUTION = "no_solution"
    ERROR = "error"

    @property
    def has_plan(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)


@dataclass(frozen=True)
class BlockResult:
    """Outcome of one block (segment x region)."""

    block: str
    segment: str
    region: str
    accounts: int
    units: int
    reps: int
    status: Status
    objective: float
    bound: float
    seconds: float
    moved_budget: float | None = None
    #: pieces the block was solved in (`solver.assignment.split.pieces`); 1 = whole
    pieces: int = 1

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound)


def relative_gap(objective: float, bound: float) -> float:
    """(objective - bound) / |objective|; 0 when they meet, inf without a plan."""
    if not np.isfinite(objective):
        return float("inf")
    diff = objective - bound
    if diff <= 1e-12 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-12)


@dataclass(frozen=True)
class Result:
    """What `solve` returns. ``rep_of_account`` indexes ``problem.rep_ids`` (-1: none)."""

    status: Status
    objective: float
    bound: float
    seconds: float
    seed: int
    solver: str
    rep_of_account: np.ndarray
    blocks: tuple[BlockResult, ...] = ()
    terms: dict[str, float] = field(default_factory=dict)
    explanation: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound)
