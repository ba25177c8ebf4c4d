"""The sales structure: segments and regions, capacity factors, reps per block and hires."""

from solver.planning.capacity import (
    PLAN_MONTHS,
    month_bounds,
    monthly_capacity,
)
from solver.planning.capacity_plan import (
    CapacityPlan,
    capacity_plan,
    finance_view,
    hire_rows,
)
from solver.planning.segmentation import (
    derive_potential,
    derive_regions,
    derive_segments,
)
from solver.planning.weights import (
    fte_of,
    rep_weights,
    territory_weights,
)

__all__ = [
    "PLAN_MONTHS",
    "CapacityPlan",
    "capacity_plan",
    "derive_potential",
    "derive_regions",
    "derive_segments",
    "finance_view",
    "fte_of",
    "hire_rows",
    "month_bounds",
    "monthly_capacity",
    "rep_weights",
    "territory_weights",
]
