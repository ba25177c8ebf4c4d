"""Reading and checking what users bring: tables, columns, countries, Salesforce ids and pulls."""

from solver.inputs.columns import (
    ColumnSpec,
    TableSpec,
    header_key,
    parse_dates,
)
from solver.inputs.readers import (
    read_inputs,
    read_reps,
    read_table,
)
from solver.inputs.sfid import (
    id18_mask,
    to_id18_series,
)
from solver.inputs.typed_table import (
    typed_table,
)
from solver.inputs.validation import (
    family_ids,
    row_problems,
)

__all__ = [
    "ColumnSpec",
    "TableSpec",
    "family_ids",
    "header_key",
    "id18_mask",
    "parse_dates",
    "read_inputs",
    "read_reps",
    "read_table",
    "row_problems",
    "to_id18_series",
    "typed_table",
]
