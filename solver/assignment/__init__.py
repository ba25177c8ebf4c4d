"""The account -> rep assignment model, its backends and its checker."""

from solver.assignment.checker import Violation, objective_terms, violations
from solver.assignment.result import BlockResult, Result, Status
from solver.assignment.solve import solve

__all__ = [
    "BlockResult",
    "Result",
    "Status",
    "Violation",
    "objective_terms",
    "solve",
    "violations",
]
