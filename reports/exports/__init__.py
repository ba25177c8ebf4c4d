"""Files for other tools: the Excel workbook, Salesforce load files, and formula-safe cells."""

from reports.exports.safe_cells import (
    csv_bytes,
    looks_like_formula,
    neutralise,
    neutralise_frame,
    neutralise_series,
)
from reports.exports.salesforce import (
    developer_name,
    salesforce_files,
)
from reports.exports.workbook import (
    workbook_bytes,
)

__all__ = [
    "csv_bytes",
    "developer_name",
    "looks_like_formula",
    "neutralise",
    "neutralise_frame",
    "neutralise_series",
    "salesforce_files",
    "workbook_bytes",
]
