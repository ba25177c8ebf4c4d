"""GAP instances: the read-only data class and the OR-Library / fontanf reader.

Instance files hold ``m n``, then ``cost`` (m rows of n), ``weight`` (m rows
of n) and ``capacity`` (m values), whitespace separated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from solver.errors import InputError, InputProblem

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class GapInstance:
    """One GAP instance as read-only integer arrays.

    Parameters
    ----------
    name : str
        Instance name (the file name, e.g. ``gap1-0``).
    cost : ndarray of int64, shape (m, n)
        Cost of giving job ``j`` to agent ``i`` (minimised).
    weight : ndarray of int64, shape (m, n)
        Capacity job ``j`` uses when given to agent ``i``.
    capacity : ndarray of int64, shape (m,)
        Capacity of each agent.
    """

    name: str
    cost: IntArray
    weight: IntArray
    capacity: IntArray

    def __post_init__(self) -> None:
        m, n = self.cost.shape
        if self.weight.shape != (m, n) or self.capacity.shape != (m,):
            raise ValueError(
                f"{self.name}: shapes disagree: cost {self.cost.shape}, "
                f"weight {self.weight.shape}, capacity {self.capacity.shape}"
            )
        for arr in (self.cost, self.weight, self.capacity):
            arr.setflags(write=False)

    @property
    def m(self) -> int:
        """Number of agents."""
        return int(self.cost.shape[0])

    @property
    def n(self) -> int:
        """Number of jobs."""
        return int(self.cost.shape[1])


def read_gap_instance(path: str | Path) -> GapInstance:
    """Read an OR-Library / fontanf GAP instance file.

    Parameters
    ----------
    path : str or Path
        File holding ``m n``, cost[m][n], weight[m][n], capacity[m].

    Returns
    -------
    GapInstance

    Raises
    ------
    InputError
        When the file is not a well-formed GAP instance (names the file and why).
    """
    path = Path(path)
    text = path.read_text(encoding="ascii", errors="replace")
    try:
        values = np.array(text.split(), dtype=np.int64)
    except ValueError as exc:
        raise InputError(InputProblem(str(path), None, None, f"non-integer token: {exc}")) from exc
    if values.size < 2:
        raise InputError(InputProblem(str(path), None, None, "missing the 'm n' header"))
    m, n = int(values[0]), int(values[1])
    if m < 1 or n < 1:
        raise InputError(InputProblem(str(path), None, None, f"bad sizes m={m}, n={n}"))
    expected = 2 + 2 * m * n + m
    if values.size != expected:
        raise InputError(
            InputProblem(
                str(path),
                None,
                None,
                f"expected {expected} numbers for m={m}, n={n}, found {values.size}",
            )
        )
    body = values[2:]
    cost = body[: m * n].reshape(m, n).copy()
    weight = body[m * n : 2 * m * n].reshape(m, n).copy()
    capacity = body[2 * m * n :].copy()
    if (weight < 0).any() or (capacity < 0).any():
        raise InputError(InputProblem(str(path), None, None, "negative weight or capacity"))
    return GapInstance(name=path.name, cost=cost, weight=weight, capacity=capacity)


def gap_objective(inst: GapInstance, agent_of_job: npt.ArrayLike) -> int:
    """Total cost of an assignment, from the raw arrays (agents must be in range)."""
    agents = np.asarray(agent_of_job, dtype=np.int64)
    return int(inst.cost[agents, np.arange(inst.n)].sum())
