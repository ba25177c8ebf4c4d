"""Render finished runs for people and other tools: HTML, charts, Excel, CSV.

Everything here returns ``str`` or ``bytes``; writing files is the job of the
``scenarios`` package, and solving is never done here.
"""

from reports.exports import (
    developer_name,
    neutralise,
    neutralise_frame,
    neutralise_series,
    salesforce_files,
    workbook_bytes,
)
from reports.html import comparison_csvs, render_comparison_report, render_run_report

__all__ = [
    "comparison_csvs",
    "developer_name",
    "neutralise",
    "neutralise_frame",
    "neutralise_series",
    "render_comparison_report",
    "render_run_report",
    "salesforce_files",
    "workbook_bytes",
]
