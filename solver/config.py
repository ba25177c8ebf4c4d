"""Typed, validated parameters of one plan (the solver-facing part of a scenario).

The TOML scenario file (see `scenarios.run.scenario`) is parsed into these models;
the solver never sees TOML or file paths. Every model is frozen: a what-if is a
``model_copy(update=...)``, never an in-place edit.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from solver.money import MAX_AMOUNT


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlanConfig(_Frozen):
    """The plan year, the ramp profile of new hires, and how money and periods read.

    ``currency`` (an ISO 4217 code such as ``"USD"``) is shown beside every
    money figure in reports, the workbook and the terminal; ``fiscal_year_start``
    (the month, 1-12, a fiscal year begins) makes periods read "FY27 Q1" there
    (quotas.csv keeps ISO dates). A fiscal year is named after the calendar
    year it starts in, or ends in with ``fiscal_year_named_by = "end"``.
    Without them, money has no code and periods read as ISO dates.
    """

    start: dt.date
    ramp: tuple[float, ...] = ()
    currency: str | None = None
    fiscal_year_start: int | None = None
    fiscal_year_named_by: Literal["start", "end"] = "start"

    @field_validator("currency")
    @classmethod
    def _iso_code(cls, v: str | None) -> str | None:
        if v is not None and not (len(v) == 3 and v.isascii() and v.isalpha() and v.isupper()):
            raise ValueError(
                f"currency must be an ISO 4217 code of three capital letters (USD, EUR), got {v!r}"
            )
        return v

    @field_validator("fiscal_year_start")
    @classmethod
    def _month(cls, v: int | None) -> int | None:
        if v is not None and not 1 <= v <= 12:
            raise ValueError(f"fiscal_year_start is the month a fiscal year begins (1-12), got {v}")
        return v

    @field_validator("ramp")
    @classmethod
    def _ramp_in_unit_interval(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        for x in v:
            if not 0.0 <= x <= 1.0:
                raise ValueError(f"ramp values must lie in [0, 1], got {x}")
        return v


class SegmentsConfig(_Frozen):
    """Employee bands: segment -> [lower inclusive, upper exclusive)."""

    bands: dict[str, tuple[float, float]] = Field(default_factory=dict)

    @field_validator("bands")
    @classmethod
    def _bands_do_not_overlap(cls, v: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        spans = sorted((lo, hi, name) for name, (lo, hi) in v.items())
        for lo, hi, name in spans:
            if not lo < hi:
                raise ValueError(f"segment {name}: lower bound {lo} must be below upper {hi}")
        for (_, hi1, n1), (lo2, _, n2) in itertools.pairwise(spans):
            if lo2 < hi1:
                raise ValueError(f"segments {n1} and {n2} overlap")
        return v


class ScoringConfig(_Frozen):
    """Weighted score of data points -> potential (currency).

    Each data point is turned into its percentile rank among all accounts
    (robust to heavy tails and to units), the ranks are combined with the
    weights (renormalised over the points an account has), and the score in
    [0, 1] is multiplied by ``potential_scale``.
    """

    weights: dict[str, float] = Field(default_factory=lambda: {"employees": 1.0})
    potential_scale: float = 100_000.0

    @field_validator("weights")
    @classmethod
    def _positive(cls, v: dict[str, float]) -> dict[str, float]:
        if not v:
            raise ValueError("at least one scoring weight is needed")
        for k, w in v.items():
            if w < 0 or not math.isfinite(w):
                raise ValueError(f"weight of {k} must be a finite number >= 0")
        if sum(v.values()) <= 0:
            raise ValueError("scoring weights must not all be zero")
        return v


BALANCE_METRICS = ("potential", "workload", "accounts", "arr")
OBJECTIVE_TERMS = ("disruption", "distance")
#: Terms a lexicographic objective may order ("balance": the block's worst
#: relative deviation from target over the balance metrics).
LEX_TERMS = ("balance", "disruption", "distance")


class AssignmentConfig(_Frozen):
    """Rules and solver settings of the account -> rep assignment."""

    balance: dict[str, float] = Field(default_factory=lambda: {"potential": 0.05})
    max_moved_share: float | None = None
    weights: dict[str, float] = Field(default_factory=lambda: {"disruption": 1.0, "distance": 0.1})
    solver: Literal["auto", "highs", "cpsat", "pulp"] = "auto"
    time_limit: float = Field(default=60.0, le=7 * 24 * 3600)
    #: the solvers take 32-bit seeds
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    mip_gap: float = Field(default=5e-3, ge=0.0, le=1.0)
    #: "weighted": minimise the weighted sum of the terms; "lexicographic":
    #: minimise the terms of ``order`` one after the other, each within
    #: ``lex_tolerance`` (relative) of its best value once fixed.
    objective: Literal["weighted", "lexicographic"] = "weighted"
    order: tuple[str, ...] = LEX_TERMS
    lex_tolerance: float = 1e-3
    #: CP-SAT search workers (1 = deterministic; more use interleaved search).
    num_workers: int = 1

    @field_validator("balance")
    @classmethod
    def _known_metrics(cls, v: dict[str, float]) -> dict[str, float]:
        for k, t in v.items():
            if k not in BALANCE_METRICS:
                raise ValueError(f"unknown balance metric {k!r}; known: {', '.join(BALANCE_METRICS)}")
            if not t >= 0:
                raise ValueError(f"tolerance of {k} must be >= 0")
        return v

    @field_validator("weights")
    @classmethod
    def _known_terms(cls, v: dict[str, float]) -> dict[str, float]:
        for k, w in v.items():
            if k not in OBJECTIVE_TERMS:
                raise ValueError(f"unknown objective term {k!r}; known: {', '.join(OBJECTIVE_TERMS)}")
            if w < 0:
                raise ValueError(f"weight of {k} must be >= 0")
        return v

    @field_validator("order")
    @classmethod
    def _known_order(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("order needs at least one term")
        for k in v:
            if k not in LEX_TERMS:
                raise ValueError(f"unknown objective term {k!r} in order; known: {', '.join(LEX_TERMS)}")
        if len(set(v)) != len(v):
            raise ValueError("order lists a term twice")
        return v

    @field_validator("lex_tolerance")
    @classmethod
    def _lex_tolerance(cls, v: float) -> float:
        if not 0 <= v < 1:
            raise ValueError("lex_tolerance must lie in [0, 1)")
        return v

    @field_validator("num_workers")
    @classmethod
    def _workers(cls, v: int) -> int:
        if v < 1:
            raise ValueError("num_workers must be >= 1")
        return v

    @field_validator("max_moved_share")
    @classmethod
    def _share(cls, v: float | None) -> float | None:
        if v is not None and not 0 <= v <= 1:
            raise ValueError("max_moved_share must lie in [0, 1]")
        return v

    @field_validator("time_limit")
    @classmethod
    def _positive_time(cls, v: float) -> float:
        if not v > 0:
            raise ValueError("time_limit must be > 0 seconds")
        return v


QUOTA_LEVELS = ("region", "segment", "manager", "rep")
BASIS_SOURCES = ("potential", "bookings")
Blend = dict[str, float]


def _blend(value: object, where: str) -> Blend:
    """``"potential"`` / ``"bookings"`` / ``{potential = 0.7, bookings = 0.3}`` -> weights summing to 1."""
    if isinstance(value, str):
        if value not in BASIS_SOURCES:
            raise ValueError(f"{where}: unknown basis {value!r}; known: {', '.join(BASIS_SOURCES)}")
        return {value: 1.0}
    if not isinstance(value, dict) or not value:
        raise ValueError(f"{where}: a basis is a source name or a table of source weights")
    out = {}
    for k, w in value.items():
        if k not in BASIS_SOURCES:
            raise ValueError(f"{where}: unknown basis {k!r}; known: {', '.join(BASIS_SOURCES)}")
        if not isinstance(w, int | float) or isinstance(w, bool) or not (w >= 0 and math.isfinite(w)):
            raise ValueError(f"{where}: weight of {k} must be a number >= 0")
        out[k] = float(w)
    total = sum(out.values())
    if total <= 0:
        raise ValueError(f"{where}: basis weights must not all be zero")
    return {k: out[k] / total for k in BASIS_SOURCES if out.get(k, 0.0) > 0}


class QuotaConfig(_Frozen):
    """The finance target and how it cascades (see `solver.quotas.cascade`).

    ``basis`` is one source for every level (``"potential"``, ``"bookings"``),
    one blend (``{potential = 0.7, bookings = 0.3}``), or a table by level
    (``{region = "potential", rep = {potential = 0.5, bookings = 0.5}}``;
    levels not named use potential). ``seasonality`` weights the 12 plan
    months (first = the plan's first month). ``penetration`` (a share, or a
    table by segment) turns potential into the bottom-up quota; ``max_change``
    caps each rep's change against last year (see `solver.quotas.caps`).
    """

    target: float
    hedge: dict[Literal["region", "segment", "manager", "rep"], float] = Field(default_factory=dict)
    periods: Literal["quarter", "month"] = "quarter"
    basis: str | dict[str, Any] = "potential"
    seasonality: tuple[float, ...] | None = None
    penetration: float | dict[str, float] | None = None
    max_change: float | None = None
    attainment_spread: float | None = None
    #: Fixed targets (before hedges) by region, by segment or both; the rest of
    #: the company target is shared by the basis as without them.
    targets: dict[Literal["region", "segment"], dict[str, float]] = Field(default_factory=dict)
    #: Quota weight of each value of the reps' ``level`` column (e.g. junior = 0.8).
    level_weights: dict[str, float] = Field(default_factory=dict)
    #: Highest quota / on-target earnings ratio; every rep above it is reported.
    max_quota_to_ote: float | None = None

    @field_validator("targets")
    @classmethod
    def _fixed_amounts(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for level, amounts in v.items():
            for name, x in amounts.items():
                if not (x >= 0 and math.isfinite(x)):
                    raise ValueError(f"target of {level} {name} must be a finite amount >= 0, got {x}")
        return v

    @field_validator("level_weights")
    @classmethod
    def _level_weights(cls, v: dict[str, float]) -> dict[str, float]:
        for name, w in v.items():
            if not (w > 0 and math.isfinite(w)):
                raise ValueError(f"weight of level {name} must be a finite number > 0, got {w}")
        return v

    @field_validator("max_quota_to_ote")
    @classmethod
    def _ratio(cls, v: float | None) -> float | None:
        if v is not None and not (v > 0 and math.isfinite(v)):
            raise ValueError(f"max_quota_to_ote must be a finite ratio > 0, got {v}")
        return v

    @field_validator("target")
    @classmethod
    def _nonneg(cls, v: float) -> float:
        if not (v >= 0 and math.isfinite(v)):
            raise ValueError("quota target must be a finite amount >= 0")
        if v > MAX_AMOUNT:
            raise ValueError(
                f"quota target {v:g} is above {MAX_AMOUNT:g}, the largest amount terraquota plans"
            )
        return v

    @field_validator("hedge")
    @classmethod
    def _hedge_range(cls, v: dict[str, float]) -> dict[str, float]:
        for k, h in v.items():
            if not -0.5 < h < 5:
                raise ValueError(f"hedge of level {k} must lie in (-0.5, 5), got {h}")
        return v

    @field_validator("basis")
    @classmethod
    def _basis_known(cls, v: str | dict[str, Any]) -> str | dict[str, Any]:
        if isinstance(v, dict) and v and set(v) <= set(QUOTA_LEVELS):
            for level, b in v.items():
                _blend(b, f"basis of level {level}")
        elif isinstance(v, dict) and set(v) & set(QUOTA_LEVELS):
            raise ValueError("basis: name either levels (region, segment, manager, rep) or sources, not both")
        else:
            _blend(v, "basis")
        return v

    @field_validator("seasonality")
    @classmethod
    def _twelve_weights(cls, v: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if v is None:
            return v
        if len(v) != 12:
            raise ValueError(f"seasonality needs 12 monthly weights (plan months 1-12), got {len(v)}")
        if any(not (x >= 0 and math.isfinite(x)) for x in v) or sum(v) <= 0:
            raise ValueError("seasonality weights must be finite, >= 0 and not all zero")
        return v

    @field_validator("penetration")
    @classmethod
    def _share(cls, v: float | dict[str, float] | None) -> float | dict[str, float] | None:
        values = v.values() if isinstance(v, dict) else [] if v is None else [v]
        for x in values:
            if not (0 < x <= 10 and math.isfinite(x)):
                raise ValueError(f"penetration must lie in (0, 10], got {x}")
        return v

    @field_validator("max_change", "attainment_spread")
    @classmethod
    def _positive_share(cls, v: float | None) -> float | None:
        if v is not None and not (0 < v < 10 and math.isfinite(v)):
            raise ValueError(f"must lie in (0, 10), got {v}")
        return v

    def basis_of(self, level: str) -> Blend:
        """Normalised source weights of one level's allocation basis."""
        b = self.basis
        if isinstance(b, dict) and b and set(b) <= set(QUOTA_LEVELS):
            return _blend(b.get(level, "potential"), f"basis of level {level}")
        return _blend(b, "basis")

    def penetration_of(self, segment: str) -> float | None:
        """Target penetration of a segment's potential (None: not given)."""
        p = self.penetration
        if isinstance(p, dict):
            return p.get(segment)
        return p


class CapacityBlock(_Frozen):
    """Capacity inputs of one segment x region block (``[capacity.blocks.REGION.SEGMENT]``)."""

    target: float | None = None
    share: float | None = None
    productivity: float | None = None
    min_reps: int = 0
    max_reps: int | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CapacityBlock:
        if self.target is not None and self.share is not None:
            raise ValueError("give a block either a revenue target or a share of the company target")
        if self.target is not None and not (self.target >= 0 and math.isfinite(self.target)):
            raise ValueError("target must be a finite amount >= 0")
        if self.share is not None and not 0 <= self.share <= 1:
            raise ValueError("share must lie in [0, 1]")
        if self.productivity is not None and not self.productivity > 0:
            raise ValueError("productivity must be > 0")
        if self.min_reps < 0:
            raise ValueError("min_reps must be >= 0")
        if self.max_reps is not None and self.max_reps < self.min_reps:
            raise ValueError(f"max_reps {self.max_reps} is below min_reps {self.min_reps}")
        return self


class CapacityConfig(_Frozen):
    """Capacity planning inputs (``[capacity]``; see `solver.planning.capacity_plan`).

    ``productivity`` is the yearly bookings of one fully ramped rep: one
    figure, or a table by segment (the rep's role). ``ramp`` overrides the
    plan ramp by segment for the capacity model. ``ote`` is the on-target
    earnings of a hire (one figure or by segment), used for the budget and
    for the cost of planned hires. ``headcount`` (total reps) or ``budget``
    (total prorated OTE) turn on the sizing optimisation (`solver.planning.sizing`).
    """

    productivity: float | dict[str, float]
    attainment: float = 1.0
    attrition: float = 0.0
    lead_time_months: int = 0
    earliest_start: dt.date | None = None
    ramp: dict[str, tuple[float, ...]] = Field(default_factory=dict)
    ote: float | dict[str, float] | None = None
    headcount: int | None = None
    budget: float | None = None
    blocks: dict[str, dict[str, CapacityBlock]] = Field(default_factory=dict)

    @field_validator("productivity", "ote")
    @classmethod
    def _positive_amounts(cls, v: float | dict[str, float] | None) -> float | dict[str, float] | None:
        values = v.values() if isinstance(v, dict) else [] if v is None else [v]
        for x in values:
            if not (x > 0 and math.isfinite(x)):
                raise ValueError(f"must be a finite amount > 0, got {x}")
        return v

    @field_validator("attainment")
    @classmethod
    def _attainment(cls, v: float) -> float:
        if not 0 < v <= 3:
            raise ValueError(f"attainment must lie in (0, 3], got {v}")
        return v

    @field_validator("attrition")
    @classmethod
    def _attrition(cls, v: float) -> float:
        if not 0 <= v < 1:
            raise ValueError(f"attrition (annual rate) must lie in [0, 1), got {v}")
        return v

    @field_validator("lead_time_months")
    @classmethod
    def _lead(cls, v: int) -> int:
        if not 0 <= v <= 24:
            raise ValueError(f"lead_time_months must lie in [0, 24], got {v}")
        return v

    @field_validator("ramp")
    @classmethod
    def _ramps(cls, v: dict[str, tuple[float, ...]]) -> dict[str, tuple[float, ...]]:
        for role, ramp in v.items():
            if any(not 0.0 <= x <= 1.0 for x in ramp):
                raise ValueError(f"ramp of {role}: values must lie in [0, 1]")
        return v

    @field_validator("headcount")
    @classmethod
    def _heads(cls, v: int | None) -> int | None:
        if v is not None and v < 0:
            raise ValueError("headcount must be >= 0")
        return v

    @field_validator("budget")
    @classmethod
    def _budget(cls, v: float | None) -> float | None:
        if v is not None and not (v >= 0 and math.isfinite(v)):
            raise ValueError("budget must be a finite amount >= 0")
        return v

    @model_validator(mode="after")
    def _shares(self) -> CapacityConfig:
        shares = [b.share for by_seg in self.blocks.values() for b in by_seg.values() if b.share is not None]
        if sum(shares) > 1 + 1e-9:
            raise ValueError(f"block shares add up to {sum(shares):.4f}, more than 1")
        return self

    def productivity_of(self, region: str, segment: str) -> float | None:
        """Bookings of a ramped rep of the block per year (None: not given)."""
        block = self.block(region, segment)
        if block.productivity is not None:
            return block.productivity
        p = self.productivity
        return p.get(segment) if isinstance(p, dict) else p

    def ote_of(self, segment: str) -> float | None:
        o = self.ote
        return o.get(segment) if isinstance(o, dict) else o

    def block(self, region: str, segment: str) -> CapacityBlock:
        return self.blocks.get(region, {}).get(segment, CapacityBlock())


RegionKind = Literal["country", "subdivision", "zip", "nuts", "polygons"]
_REGION_PATTERNS: tuple[tuple[RegionKind, re.Pattern[str]], ...] = (
    ("country", re.compile(r"^[A-Za-z]{2}$")),
    ("subdivision", re.compile(r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$")),
    ("zip", re.compile(r"^zip:(\d{1,5})$", re.IGNORECASE)),
    ("nuts", re.compile(r"^(?:nuts:)?([A-Za-z]{2}[A-Za-z0-9]{1,3})$", re.IGNORECASE)),
    (
        "polygons",
        re.compile(
            r"^(?:file:)?(.+\.(?:geojson|json|gpkg|shp|parquet)(?:#[A-Za-z0-9_.,-]+)?)$", re.IGNORECASE
        ),
    ),
)


def region_entry(text: str) -> tuple[RegionKind, str]:
    """Kind and normalised value of one ``[regions]`` entry.

    ``"US"`` a country (ISO alpha-2); ``"US-CA"``, ``"CA-ON"``, ``"DE-BY"`` an
    ISO 3166-2 subdivision; ``"zip:941"`` US ZIP codes starting 941;
    ``"DE21"`` or ``"nuts:DE21"`` a NUTS region (accounts' ``nuts`` column,
    any finer level included); ``"west.geojson"`` (or ``"file:..."``) the
    polygons of a file, by the accounts' coordinates, and
    ``"NUTS_2021.geojson#DE2,AT"`` only its features with an id starting
    with one of the codes (e.g. NUTS regions by coordinates).
    """
    for kind, pattern in _REGION_PATTERNS:
        found = pattern.match(text.strip())
        if found:
            value = found.group(1) if pattern.groups else found.group(0)
            return kind, value if kind == "polygons" else value.upper()
    raise ValueError(
        f"region entry {text!r} is not a country (US), subdivision (US-CA), ZIP prefix (zip:941), "
        "NUTS code (DE21) or polygon file (west.geojson)"
    )


class WarningsConfig(_Frozen):
    """Thresholds of the plan's warnings (``[warnings]``; see `solver.results.warnings`)."""

    #: Expected bookings below this share of the quota total warn.
    min_bookings_vs_quota: float = 0.8
    #: Below this expected share of reps reaching quota warns.
    min_share_reaching_quota: float = 0.5
    #: A capacity gap above this many full-time reps warns (company and each block).
    max_capacity_gap: float = 0.5
    #: More reps than this outside the year-over-year change cap warn.
    max_reps_outside_cap: int = 0
    #: A quota override above this multiple of what the rep's territory is expected to book warns.
    max_override_to_expected: float = 1.0

    @field_validator("min_bookings_vs_quota", "min_share_reaching_quota")
    @classmethod
    def _share(cls, v: float) -> float:
        if not (0 <= v <= 10 and math.isfinite(v)):
            raise ValueError(f"must lie in [0, 10], got {v}")
        return v

    @field_validator("max_capacity_gap", "max_reps_outside_cap", "max_override_to_expected")
    @classmethod
    def _nonneg(cls, v: float) -> float:
        if not (v >= 0 and math.isfinite(v)):
            raise ValueError(f"must be a finite number >= 0, got {v}")
        return v


class PlanParams(_Frozen):
    """Everything the solver needs besides the two tables."""

    plan: PlanConfig
    segments: SegmentsConfig = SegmentsConfig()
    regions: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    scoring: ScoringConfig = ScoringConfig()
    assignment: AssignmentConfig = AssignmentConfig()
    quota: QuotaConfig
    capacity: CapacityConfig | None = None
    warnings: WarningsConfig = WarningsConfig()

    @field_validator("regions")
    @classmethod
    def _known_countries(cls, regions: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        from solver.inputs.countries import country_names  # the shipped ISO 3166 table

        iso = country_names()
        for region, entries in regions.items():
            for text in entries:
                kind, value = region_entry(text)
                if kind in ("country", "subdivision") and value[:2] not in iso:
                    hint = "; the United Kingdom is GB" if value[:2] == "UK" else ""
                    raise ValueError(f"{text!r} in region {region} is not an ISO 3166 country code{hint}")
        return regions

    @model_validator(mode="after")
    def _entry_in_one_region(self) -> PlanParams:
        seen: dict[tuple[str, str], str] = {}
        for region, entries in self.regions.items():
            for text in entries:
                kind, value = region_entry(text)
                if (kind, value) in seen:
                    what = "country" if kind == "country" else "entry"
                    raise ValueError(f"{what} {value} is listed in regions {seen[kind, value]} and {region}")
                seen[kind, value] = region
        return self

    def region_entries(self) -> dict[str, tuple[tuple[RegionKind, str], ...]]:
        """Region -> its parsed entries (see `region_entry`)."""
        return {r: tuple(region_entry(t) for t in entries) for r, entries in self.regions.items()}

    def countries_only(self) -> bool:
        """True when every ``[regions]`` entry is a country (the plain country -> region map)."""
        return all(kind == "country" for es in self.region_entries().values() for kind, _ in es)

    @model_validator(mode="after")
    def _capacity_blocks_known(self) -> PlanParams:
        if self.capacity is None:
            return self
        for region, by_segment in self.capacity.blocks.items():
            if self.regions and region not in self.regions:
                raise ValueError(f"capacity.blocks: {region!r} is not a [regions] entry")
            for segment in by_segment:
                if self.segments.bands and segment not in self.segments.bands:
                    raise ValueError(f"capacity.blocks.{region}: {segment!r} is not a [segments] entry")
        return self

    def region_of_country(self) -> dict[str, str]:
        """ISO alpha-2 code -> region name, for the entries that are whole countries."""
        return {v: r for r, es in self.region_entries().items() for kind, v in es if kind == "country"}
