"""Self-contained HTML pages: the run report, the comparison report and the tracking dashboard."""

from reports.html.compare_report import (
    comparison_csvs,
    render_comparison_report,
)
from reports.html.dashboard import (
    render_dashboard,
)
from reports.html.run_report import (
    render_run_report,
)

__all__ = [
    "comparison_csvs",
    "render_comparison_report",
    "render_dashboard",
    "render_run_report",
]
