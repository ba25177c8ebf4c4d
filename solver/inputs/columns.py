"""Canonical columns of the accounts and reps tables, their aliases and value kinds.

Users bring tables from spreadsheets and from Salesforce (Data Loader exports
use UPPERCASE API names, the API and the CLI use CamelCase API names, report
exports use field labels such as "Billing State/Province"). Every header is
matched by its *key*: lower-cased with everything but letters and digits
removed, so ``BillingState``, ``BILLINGSTATE`` and ``Billing State`` are one
name.

Several source columns may feed one canonical column (a Data Loader export
can carry both ``BillingCountryCode`` and ``BillingCountry``). Sources are
ranked by the order of `ColumnSpec.aliases` (the canonical name first); the
best-ranked source gives the value and blanks are filled from the next ones.

Each column has a *kind* that says how its text is parsed:

- ``id``: a key; text, stripped. Salesforce 15-character ids may be widened
  to 18 characters (`solver.inputs.sfid`).
- ``text``: free text, stripped.
- ``int``: a whole number; ``"9000"``, ``"9000.0"``, ``"9e3"`` and
  ``"9,000"`` are all 9000; ``"12.5"`` is rejected.
- ``float``: a finite number; ``"3.5E8"`` and ``"350,000,000"`` are accepted.
- ``date``: ISO 8601 ``YYYY-MM-DD`` (a time part, as Salesforce datetimes have,
  is ignored). ``03/04/2027`` is rejected: it means two different days in the
  US and in Europe.

`normalise` names an extra step: ``country`` (ISO alpha-2), ``country_list``
(``;``-separated ISO codes), ``lower`` (lower case), ``lower_list``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from solver.money import MAX_AMOUNT, MAX_EMPLOYEES

Kind = Literal["id", "text", "int", "float", "date"]
Normalise = Literal["country", "country_list", "lower", "lower_list"]

__all__ = [
    "ACCOUNTS",
    "DTYPES",
    "REPS",
    "ColumnSpec",
    "TableSpec",
    "header_key",
    "parse_dates",
    "parse_numbers",
]

#: pandas dtype of each kind in the tables `solver.inputs.readers` returns.
DTYPES: dict[str, str] = {
    "id": "string",
    "text": "string",
    "int": "Int64",
    "float": "float64",
    "date": "datetime64[ns]",
}


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column.

    Attributes
    ----------
    name
        Canonical name (as in CONTRACT.md).
    kind
        How the text is parsed (see the module docstring).
    required
        The table is rejected without this column.
    aliases
        Other accepted headers in priority order (after ``name``).
    salesforce
        Which of ``aliases`` are Salesforce API names or report labels: an id
        column that arrives under one of them holds Salesforce ids.
    lower, upper
        Inclusive bounds of numeric values (None: unbounded).
    normalise
        Extra normalisation step after parsing.
    """

    name: str
    kind: Kind
    required: bool = False
    aliases: tuple[str, ...] = ()
    salesforce: tuple[str, ...] = ()
    lower: float | None = None
    upper: float | None = None
    normalise: Normalise | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        """Header keys in priority order, without repeats."""
        return tuple(dict.fromkeys(header_key(h) for h in (self.name, *self.aliases)))

    @property
    def dtype(self) -> str:
        return DTYPES[self.kind]


@dataclass(frozen=True)
class TableSpec:
    """The columns of one input table, in output order."""

    name: str
    columns: tuple[ColumnSpec, ...]

    def __getitem__(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def id_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.kind == "id")

    def match(self, headers: list[str]) -> tuple[dict[str, list[int]], list[int]]:
        """Assign each header position to a canonical column.

        Returns
        -------
        tuple[dict[str, list[int]], list[int]]
            Canonical name -> header positions in priority order (alias rank,
            then file order), and the positions of headers nothing claims.
        """
        keys = [header_key(h) for h in headers]
        claimed: dict[str, list[int]] = {}
        used: set[int] = set()
        for spec in self.columns:
            ranked = [pos for k in spec.keys for pos, hk in enumerate(keys) if hk == k and pos not in used]
            if ranked:
                claimed[spec.name] = ranked
                used.update(ranked)
        unknown = [pos for pos in range(len(headers)) if pos not in used]
        return claimed, unknown

    def is_salesforce_header(self, name: str, header: str) -> bool:
        """True when ``header`` is a Salesforce name or label of column ``name``.

        The canonical spelling itself (``account_id``) is not, even though the
        report label "Account ID" has the same key.
        """
        spec = self[name]
        if header.strip().casefold() == spec.name:
            return False
        return header_key(header) in {header_key(a) for a in spec.salesforce}


#: Largest account count and workload an input may hold (beyond: a typo or a unit mix-up).
MAX_COUNT = 1e7
MAX_WORKLOAD = 1e9


def header_key(header: str) -> str:
    """Matching key of a header: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", str(header).casefold())


ACCOUNTS = TableSpec(
    "accounts",
    (
        ColumnSpec(
            "account_id",
            "id",
            required=True,
            aliases=("Id", "Account ID", "AccountId"),
            salesforce=("Id", "Account ID", "AccountId"),
        ),
        ColumnSpec("name", "text", aliases=("Name", "Account Name"), salesforce=("Name", "Account Name")),
        ColumnSpec(
            "employees",
            "int",
            aliases=("NumberOfEmployees", "Number of Employees"),
            salesforce=("NumberOfEmployees", "Employees"),
            lower=0.0,
            upper=MAX_EMPLOYEES,
        ),
        ColumnSpec(
            "annual_revenue",
            "float",
            aliases=("AnnualRevenue", "Annual Revenue"),
            salesforce=("AnnualRevenue",),
            lower=0.0,
            upper=MAX_AMOUNT,
        ),
        ColumnSpec("industry", "text", aliases=("Industry",), salesforce=("Industry",)),
        ColumnSpec(
            "country",
            "text",
            required=True,
            normalise="country",
            aliases=("BillingCountryCode", "Billing Country Code", "BillingCountry", "Billing Country"),
            salesforce=("BillingCountryCode", "BillingCountry"),
        ),
        ColumnSpec(
            "state",
            "text",
            aliases=(
                "BillingStateCode",
                "Billing State Code",
                "Billing State/Province Code",
                "BillingState",
                "Billing State",
                "Billing State/Province",
            ),
            salesforce=("BillingStateCode", "BillingState", "Billing State/Province"),
        ),
        ColumnSpec(
            "city",
            "text",
            aliases=("BillingCity", "Billing City"),
            salesforce=("BillingCity",),
        ),
        ColumnSpec(
            "postal_code",
            "text",
            aliases=(
                "BillingPostalCode",
                "Billing Zip/Postal Code",
                "Billing Postal Code",
                "zip",
                "zip_code",
                "postcode",
            ),
            salesforce=("BillingPostalCode", "Billing Zip/Postal Code"),
        ),
        ColumnSpec("nuts", "text", aliases=("nuts_code", "nuts_id", "nuts2")),
        ColumnSpec(
            "lat",
            "float",
            lower=-90.0,
            upper=90.0,
            aliases=("latitude", "BillingLatitude", "Billing Latitude"),
            salesforce=("BillingLatitude",),
        ),
        ColumnSpec(
            "lon",
            "float",
            lower=-180.0,
            upper=180.0,
            aliases=("lng", "long", "longitude", "BillingLongitude", "Billing Longitude"),
            salesforce=("BillingLongitude",),
        ),
        ColumnSpec("segment", "text"),
        ColumnSpec("potential", "float", lower=0.0, upper=MAX_AMOUNT),
        ColumnSpec("workload", "float", lower=0.0, upper=MAX_WORKLOAD),
        ColumnSpec(
            "current_owner",
            "id",
            aliases=("OwnerId", "Owner ID", "Account Owner ID"),
            salesforce=("OwnerId", "Account Owner ID"),
        ),
        ColumnSpec(
            "parent_id",
            "id",
            aliases=("ParentId", "Parent Account ID"),
            salesforce=("ParentId", "Parent Account ID"),
        ),
        ColumnSpec("locked_owner", "id"),
        ColumnSpec("arr", "float", aliases=("annual_recurring_revenue",), lower=0.0, upper=MAX_AMOUNT),
        ColumnSpec("language", "text", normalise="lower"),
        ColumnSpec("forbidden_reps", "text"),
    ),
)
"""The accounts table. ``Employees`` (report label) is an alias of ``employees`` by key."""

REPS = TableSpec(
    "reps",
    (
        ColumnSpec(
            "rep_id",
            "id",
            required=True,
            aliases=("Id", "User ID", "UserId"),
            salesforce=("Id", "User ID", "UserId"),
        ),
        ColumnSpec("name", "text", aliases=("Name", "Full Name"), salesforce=("Name", "Full Name")),
        ColumnSpec("segment", "text", required=True),
        ColumnSpec("region", "text", required=True),
        ColumnSpec(
            "manager_id", "id", aliases=("ManagerId", "Manager ID"), salesforce=("ManagerId", "Manager ID")
        ),
        ColumnSpec("start_date", "date"),
        ColumnSpec("end_date", "date"),
        ColumnSpec("lat", "float", lower=-90.0, upper=90.0, aliases=("latitude",)),
        ColumnSpec("lon", "float", lower=-180.0, upper=180.0, aliases=("lng", "long", "longitude")),
        ColumnSpec("max_accounts", "int", lower=0.0, upper=MAX_COUNT),
        ColumnSpec("max_workload", "float", lower=0.0, upper=MAX_WORKLOAD),
        ColumnSpec("ote", "float", lower=0.0, upper=MAX_AMOUNT),
        ColumnSpec("last_year_bookings", "float", lower=0.0, upper=MAX_AMOUNT),
        ColumnSpec("last_year_quota", "float", lower=0.0, upper=MAX_AMOUNT),
        ColumnSpec("quota_override", "float", lower=0.0, upper=MAX_AMOUNT),
        ColumnSpec("level", "text"),
        ColumnSpec("fte", "float", lower=0.0, upper=1.0),
        ColumnSpec("countries", "text", normalise="country_list"),
        ColumnSpec("languages", "text", normalise="lower_list"),
        ColumnSpec("max_accounts_lost", "int", lower=0.0, upper=MAX_COUNT),
        ColumnSpec("max_accounts_gained", "int", lower=0.0, upper=MAX_COUNT),
    ),
)
"""The reps table (one row per rep or planned hire)."""


_THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"


def parse_numbers(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse text to float64, vectorised.

    Accepts plain and scientific notation (``"3.5E8"``) and comma thousands
    separators in the unambiguous form ``"1,234,567.5"``. Blank (NA) gives NaN
    and is not bad; ``"nan"``, ``"inf"`` and any other non-number are bad.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        Values (NaN where blank or bad) and the mask of bad values.
    """
    s = raw.astype("string")
    grouped = s.str.fullmatch(_THOUSANDS).fillna(False).to_numpy(dtype=bool)
    if grouped.any():
        s = s.copy()
        s[grouped] = s[grouped].str.replace(",", "", regex=False)
    values = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    present = s.notna().to_numpy(dtype=bool)
    bad = present & ~np.isfinite(values)
    values = np.where(bad, np.nan, values)
    return values, bad


_ISO_DATE = r"(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.]*(?:Z|[+-]\d{2}:?\d{2})?)?"


def parse_dates(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse ISO dates (``YYYY-MM-DD``, optionally with a time part that is dropped).

    Returns
    -------
    tuple[pandas.Series, numpy.ndarray]
        ``datetime64[ns]`` values (NaT where blank or bad) and the mask of bad
        values. Years outside 1900-2199 are bad: they are typos.
    """
    s = raw.astype("string")
    day = s.str.extract(f"^{_ISO_DATE}$", expand=False)
    parsed = pd.to_datetime(day, format="%Y-%m-%d", errors="coerce")
    in_range = parsed.dt.year.between(1900, 2199).fillna(False).to_numpy(dtype=bool)
    bad = s.notna().to_numpy(dtype=bool) & ~in_range
    parsed = parsed.where(in_range).astype("datetime64[ns]")
    return pd.Series(parsed.to_numpy(), index=raw.index, dtype="datetime64[ns]"), bad
