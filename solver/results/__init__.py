"""Finished runs as data: tables, key figures, comparisons and trade-offs (scenarios and reports read it)."""

from solver.results.compare import (
    Comparison,
    compare_runs,
)
from solver.results.kpis import (
    balance_metrics,
    get,
    kpi_kind,
    kpi_label,
    num,
    run_kpis,
    tbh_mask,
    tolerances,
    worst_balance,
)
from solver.results.run_data import (
    RunData,
)
from solver.results.tradeoff import (
    DEFAULT_X,
    DEFAULT_Y,
    axis_problem,
    tradeoff_frame,
)

__all__ = [
    "DEFAULT_X",
    "DEFAULT_Y",
    "Comparison",
    "RunData",
    "axis_problem",
    "balance_metrics",
    "compare_runs",
    "get",
    "kpi_kind",
    "kpi_label",
    "num",
    "run_kpis",
    "tbh_mask",
    "tolerances",
    "tradeoff_frame",
    "worst_balance",
]
