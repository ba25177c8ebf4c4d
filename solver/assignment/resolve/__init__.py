"""Instant re-solves: a solved plan and a small change in, only the touched blocks solved again."""

from solver.assignment.resolve.carry import (
    block_objectives,
    kept_block,
)
from solver.assignment.resolve.core import (
    Resolved,
    base_plan_on,
    continuity_problem,
    resolve,
)
from solver.assignment.resolve.touched import (
    rules_touch_all,
    touched_blocks,
)

__all__ = [
    "Resolved",
    "base_plan_on",
    "block_objectives",
    "continuity_problem",
    "kept_block",
    "resolve",
    "rules_touch_all",
    "touched_blocks",
]
