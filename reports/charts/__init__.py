"""Static charts as PNG bytes for the reports and the dashboard."""

from reports.charts.forecast import (
    manager_chart_png,
    period_chart_png,
)
from reports.charts.quota import (
    quota_chart_png,
)
from reports.charts.report_charts import (
    balance_chart_png,
    outside_band,
)
from reports.charts.tradeoff import (
    tradeoff_chart_png,
)

__all__ = [
    "balance_chart_png",
    "manager_chart_png",
    "outside_band",
    "period_chart_png",
    "quota_chart_png",
    "tradeoff_chart_png",
]
