"""Numbers formatted for people, and tables prepared for the HTML templates.

Money in tables is shown without decimals, exact totals with their cents;
shares as percentages with one decimal; counts with thousands separators.
Missing figures are shown as a dash so a reader never mistakes them for 0.
Each table cell also carries a raw sort key (``data-v``) so that the
click-to-sort script orders numbers as numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pandas as pd

from solver.results.kpis import num

DASH = "—"


def fmt_count(value: Any) -> str:
    """``1234`` -> ``'1,234'``."""
    x = num(value)
    return DASH if math.isnan(x) else f"{round(x):,}"


def fmt_money(value: Any) -> str:
    """Money without decimals, for tables: ``1234567.8`` -> ``'1,234,568'``."""
    x = num(value)
    return DASH if math.isnan(x) else f"{x:,.0f}"


def fmt_money_exact(value: Any) -> str:
    """Money to the cent, computed in decimal so no float rounding shows."""
    if value is None or isinstance(value, bool):
        return DASH
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return DASH
    if not d.is_finite():
        return DASH
    return f"{d.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def fmt_pct(value: Any, decimals: int = 1) -> str:
    """Share as a percentage: ``0.1234`` -> ``'12.3%'``."""
    x = num(value)
    return DASH if math.isnan(x) else f"{x * 100:,.{decimals}f}%"


def fmt_gap(value: Any) -> str:
    """Optimality gap: like `fmt_pct` but a tiny non-zero gap reads '<0.1%'."""
    x = num(value)
    if math.isnan(x):
        return DASH
    if 0 < abs(x) < 0.0005:
        return "<0.1%"
    return fmt_pct(x)


def fmt_factor(value: Any) -> str:
    """Capacity factors, CVs and similar unit-less figures: three decimals."""
    x = num(value)
    return DASH if math.isnan(x) else f"{x:,.3f}"


def fmt_number(value: Any) -> str:
    """Objective and bound: up to 2 decimals, thousands separated."""
    x = num(value)
    if math.isnan(x):
        return DASH
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.2f}"


def fmt_seconds(value: Any) -> str:
    """Seconds with one decimal."""
    x = num(value)
    return DASH if math.isnan(x) else f"{x:,.1f} s"


def fmt_text(value: Any) -> str:
    """Text, or a dash when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return DASH
    text = str(value)
    return text if text.strip() else DASH


def fmt_date(value: Any) -> str:
    """ISO date (first 10 characters of whatever date-like value we get)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value)[:10]


def _signed(x: float, spec: str, suffix: str = "") -> str:
    """Signed figure; a value that rounds to zero shows unsigned, as plain 0."""
    shown = format(x, "+" + spec)
    if shown.lstrip("+-").strip("0.,") == "":
        shown = shown.lstrip("+-")
    return shown + suffix


def fmt_signed_count(value: Any) -> str:
    """Delta of a count: ``+3`` / ``-2`` / ``0``."""
    x = num(value)
    return DASH if math.isnan(x) else _signed(round(x), ",")


def fmt_signed_money(value: Any) -> str:
    """Delta of money without decimals, signed."""
    x = num(value)
    return DASH if math.isnan(x) else _signed(x, ",.0f")


def fmt_signed_pct(value: Any) -> str:
    """Delta of a share in percentage points, signed."""
    x = num(value)
    return DASH if math.isnan(x) else _signed(x * 100, ",.1f", " pp")


def fmt_signed_factor(value: Any) -> str:
    """Delta of a unit-less figure, signed, three decimals."""
    x = num(value)
    return DASH if math.isnan(x) else _signed(x, ",.3f")


def fmt_signed_number(value: Any) -> str:
    """Delta of an objective-like figure, signed."""
    x = num(value)
    if math.isnan(x):
        return DASH
    return _signed(x, ",.0f") if abs(x) >= 1000 else _signed(x, ",.2f")


#: Kind used for the difference of two figures of a given kind.
DELTA_KIND = {
    "count": "d_count",
    "money": "d_money",
    "share": "d_share",
    "factor": "d_factor",
    "number": "d_number",
    "seconds": "d_number",
}

FORMATTERS: dict[str, Callable[[Any], str]] = {
    "count": fmt_count,
    "money": fmt_money,
    "money_exact": fmt_money_exact,
    "share": fmt_pct,
    "gap": fmt_gap,
    "factor": fmt_factor,
    "number": fmt_number,
    "seconds": fmt_seconds,
    "text": fmt_text,
    "date": fmt_date,
    "d_count": fmt_signed_count,
    "d_money": fmt_signed_money,
    "d_share": fmt_signed_pct,
    "d_factor": fmt_signed_factor,
    "d_number": fmt_signed_number,
}

#: Kinds sorted as numbers by the click-to-sort script.
_NUMERIC_KINDS = frozenset(FORMATTERS) - {"text", "date"}


def fmt(value: Any, kind: str) -> str:
    """Format one value by kind (see `FORMATTERS`)."""
    return FORMATTERS[kind](value)


@dataclass(frozen=True)
class Column:
    """One column of an HTML table: source key, header label, formatting kind."""

    key: str
    label: str
    kind: str = "text"
    group_start: bool = False

    @property
    def numeric(self) -> bool:
        """Right-aligned, sorted as numbers."""
        return self.kind in _NUMERIC_KINDS

    @property
    def css(self) -> str:
        """CSS classes of the column's cells."""
        return " ".join(c for c, on in (("num", self.numeric), ("gs", self.group_start)) if on)


@dataclass(frozen=True)
class Table:
    """A table ready for the template: formatted cells with raw sort keys."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[tuple[str, str], ...], ...]
    row_classes: tuple[str, ...]


#: Kinds whose values are money (their headers carry the run's currency code).
MONEY_KINDS = frozenset({"money", "money_exact", "d_money"})


def priced(columns: Sequence[Column], currency: str | None) -> tuple[Column, ...]:
    """The columns with the currency code in the headers of money columns ("Quota (USD)")."""
    if not currency:
        return tuple(columns)
    return tuple(replace(c, label=f"{c.label} ({currency})") if c.kind in MONEY_KINDS else c for c in columns)


def _sort_keys(values: pd.Series, kind: str) -> list[str]:
    if kind in _NUMERIC_KINDS:
        x = pd.to_numeric(values, errors="coerce").astype(float)
        return [repr(v) if math.isfinite(v) else "" for v in x.tolist()]
    return [fmt_date(v) if kind == "date" else ("" if pd.isna(v) else str(v)) for v in values]


def build_table(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    row_classes: Sequence[str] | None = None,
) -> Table:
    """Format ``frame`` column by column; absent columns show as dashes."""
    n = len(frame)
    cells: list[list[tuple[str, str]]] = []
    for col in columns:
        values = frame[col.key] if col.key in frame else pd.Series([None] * n, index=frame.index)
        shown = [FORMATTERS[col.kind](v) for v in values.tolist()]
        cells.append(list(zip(shown, _sort_keys(values, col.kind), strict=True)))
    rows = tuple(tuple(c[i] for c in cells) for i in range(n))
    classes = tuple(row_classes) if row_classes is not None else ("",) * n
    return Table(columns=tuple(columns), rows=rows, row_classes=classes)
