"""Explanations: minimal conflicts of infeasible blocks and why one account sits with its rep."""

from solver.assignment.explain.account import (
    explain_account,
    render_account,
)
from solver.assignment.explain.core import (
    explain_infeasible,
)

__all__ = [
    "explain_account",
    "explain_infeasible",
    "render_account",
]
