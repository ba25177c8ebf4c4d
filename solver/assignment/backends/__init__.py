"""MIP backends behind one signature (HiGHS, CP-SAT, PuLP/CBC) and their status tables."""

from solver.assignment.backends.cpsat_backend import (
    CPSAT_STATUS,
    build_model,
    configure,
)
from solver.assignment.backends.highs_backend import (
    BackendOutcome,
    IncrementalLp,
    highs_version,
    solve_mip,
)
from solver.assignment.backends.registry import (
    backend_for,
    backend_version,
    solver_label,
)

__all__ = [
    "CPSAT_STATUS",
    "BackendOutcome",
    "IncrementalLp",
    "backend_for",
    "backend_version",
    "build_model",
    "configure",
    "highs_version",
    "solve_mip",
    "solver_label",
]
