"""The plan-wide disruption budget (``max_moved_share``): the one rule that ties blocks together.

- `passes`: which passes a budget adds to a solve (without it first; then
  least disruption and the budgeted pass, or a repair when those would not fit);
- `repair`: the plan without the budget, brought under it piece by piece by
  pricing moves;
- `choice`: which priced plan each piece keeps so that together they keep the
  budget at least cost.
"""

from solver.assignment.budget.choice import choose_points, hull_steps, slack_shares
from solver.assignment.budget.passes import LeastFailed, least_disruption_pass, solve_with_budget
from solver.assignment.budget.repair import repair_under_budget

__all__ = [
    "LeastFailed",
    "choose_points",
    "hull_steps",
    "least_disruption_pass",
    "repair_under_budget",
    "slack_shares",
    "solve_with_budget",
]
