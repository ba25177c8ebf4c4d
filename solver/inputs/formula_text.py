"""Text a spreadsheet would run as a formula: one definition for readers and writers.

The writers (`reports.exports.safe_cells`) prefix such text with an
apostrophe; the readers refuse it in identifiers, which must reach Salesforce
exact and so can never be altered.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: First characters that make a spreadsheet treat a cell as a formula (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: A cell starting with one of them (as a regular expression).
FORMULA_START = r"^[=+\-@\t\r]"
#: A plain number: ``-12.5`` or ``+3e2`` is a value, never a formula.
PLAIN_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(PLAIN_NUMBER)


def looks_like_formula(value: str) -> bool:
    """True when a spreadsheet could run ``value`` as a formula (a plain number cannot)."""
    return value.startswith(FORMULA_PREFIXES) and _NUMBER_RE.fullmatch(value) is None


def formula_mask(values: pd.Series) -> np.ndarray:
    """Vectorised `looks_like_formula` over a column (non-text and blank cells: False)."""
    text = values.astype("string")
    starts = text.str.match(FORMULA_START, na=False).to_numpy(dtype=bool)
    if starts.any():  # the number test only where a prefix is: most cells have none
        suspects = text[starts]
        starts[starts] = ~suspects.str.fullmatch(PLAIN_NUMBER, na=False).to_numpy(dtype=bool)
    return starts
