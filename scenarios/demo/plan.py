"""The plan the demo scenarios describe (mirrored in the demo's base.toml)."""

from __future__ import annotations

import math

# --- the plan the demo scenarios describe (mirrored in base.toml) -------------
PLAN_START = "2027-02-01"
RAMP: tuple[float, ...] = (0.25, 0.5, 0.75)
SEGMENT_BANDS: dict[str, tuple[float, float]] = {
    "SMB": (0, 200),
    "MM": (200, 2000),
    "ENT": (2000, math.inf),
}
SEGMENTS: tuple[str, ...] = tuple(SEGMENT_BANDS)
# Share of accounts per country inside its region (normalised below): a B2B
# footprint, not a population census (GB/DE/FR weigh more than ZA or SA).
_COUNTRY_WEIGHTS: dict[str, dict[str, float]] = {
    "NA": {"US": 0.88, "CA": 0.12},
    "EMEA": {
        "GB": 0.20,
        "DE": 0.17,
        "FR": 0.12,
        "NL": 0.06,
        "BE": 0.03,
        "IE": 0.025,
        "ES": 0.06,
        "PT": 0.015,
        "IT": 0.07,
        "CH": 0.035,
        "AT": 0.02,
        "SE": 0.03,
        "DK": 0.02,
        "NO": 0.02,
        "FI": 0.015,
        "PL": 0.03,
        "AE": 0.025,
        "SA": 0.02,
        "ZA": 0.02,
        "IL": 0.02,
    },
}
REGIONS: dict[str, tuple[str, ...]] = {r: tuple(c) for r, c in _COUNTRY_WEIGHTS.items()}
REGION_SHARES: dict[str, float] = {"NA": 0.6, "EMEA": 0.4}
SCORING_WEIGHTS: dict[str, float] = {"employees": 0.6, "annual_revenue": 0.4}
POTENTIAL_SCALE = 250_000.0
BALANCE_TOLERANCE = 0.05

ACCOUNT_COLUMNS: tuple[str, ...] = (
    "account_id",
    "name",
    "employees",
    "annual_revenue",
    "industry",
    "country",
    "state",
    "lat",
    "lon",
    "current_owner",
    "parent_id",
    "locked_owner",
    "arr",
)
REP_COLUMNS: tuple[str, ...] = (
    "rep_id",
    "name",
    "segment",
    "region",
    "manager_id",
    "start_date",
    "end_date",
    "lat",
    "lon",
    "max_accounts",
    "max_workload",
    "ote",
)
EVENT_COLUMNS: tuple[str, ...] = ("event", "date", "rep_id", "segment", "region", "account_id")
