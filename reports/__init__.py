"""Render finished runs for people and other tools: HTML, Excel, CSV.

Everything here returns ``str`` or ``bytes``; writing files is the job of the
``scenarios`` package, and solving is never done here.
"""

from reports.compare_report import comparison_csvs, render_comparison_report
from reports.run_data import RunData
from reports.run_report import render_run_report
from reports.safe_cells import neutralise, neutralise_frame, neutralise_series
from reports.salesforce import developer_name, salesforce_files
from reports.workbook import workbook_bytes

__all__ = [
    "RunData",
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
