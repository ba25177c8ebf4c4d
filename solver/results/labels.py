"""How money and periods read for finance: currency codes and fiscal-quarter labels.

Run-folder tables keep ISO dates and plain numbers (scripts read them); the
report, the workbook and the terminal show ``USD 1,234,567`` and "FY27 Q1"
when the scenario names a currency and the month its fiscal year starts
(``[plan] currency``, ``fiscal_year_start``, ``fiscal_year_named_by``).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Labels:
    """A run's currency code and fiscal calendar (both optional: neutral without them)."""

    currency: str | None = None
    fiscal_year_start: int | None = None
    named_by: str = "start"

    @classmethod
    def of_plan(cls, plan: dict[str, Any] | None) -> Labels:
        """From a scenario's ``[plan]`` table (resolved TOML)."""
        plan = plan or {}
        start = plan.get("fiscal_year_start")
        return cls(
            plan.get("currency") or None,
            int(start) if start is not None else None,
            str(plan.get("fiscal_year_named_by") or "start"),
        )

    @classmethod
    def of_toml(cls, text: str | None) -> Labels:
        """From a run folder's scenario.toml text; neutral when absent or unreadable."""
        if not text:
            return cls()
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return cls()
        plan = doc.get("plan")
        return cls.of_plan(plan if isinstance(plan, dict) else None)

    def money(self, text: str) -> str:
        """A formatted amount with the currency code in front (``USD 1,234``), as is without one."""
        return f"{self.currency} {text}" if self.currency and text.strip("—-") else text

    def header(self, label: str) -> str:
        """A money column's header with the code: ``Quota (USD)``."""
        return f"{label} ({self.currency})" if self.currency else label

    def period(self, value: Any, periods: str = "quarter") -> str:
        """A period's first day as "FY27 Q1" (quarters) or "FY27 M01" (months); ISO without a calendar."""
        day = _date(value)
        if day is None:
            return "" if value is None else str(value)
        if self.fiscal_year_start is None:
            return day.isoformat()
        return fiscal_label(day, self.fiscal_year_start, self.named_by, periods)

    def period_fn(self, periods: str = "quarter") -> Callable[[Any], str]:
        return lambda v: self.period(v, periods)


def fiscal_label(day: dt.date, start_month: int, named_by: str = "start", periods: str = "quarter") -> str:
    """The fiscal period containing ``day``.

    The fiscal year starting in month ``start_month`` of year Y is "FY" + the
    last two digits of Y (``named_by="start"``) or of the year it ends in
    (``"end"``; the same year when it starts in January).
    """
    months_in = (day.month - start_month) % 12
    first_year = day.year if day.month >= start_month else day.year - 1
    year = first_year if named_by == "start" or start_month == 1 else first_year + 1
    fy = f"FY{year % 100:02d}"
    if periods == "month":
        return f"{fy} M{months_in + 1:02d}"
    return f"{fy} Q{months_in // 3 + 1}"


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
