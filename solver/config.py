"""Typed, validated parameters of one plan (the solver-facing part of a scenario).

The TOML scenario file (see `scenarios.scenario`) is parsed into these models;
the solver never sees TOML or file paths. Every model is frozen: a what-if is a
``model_copy(update=...)``, never an in-place edit.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlanConfig(_Frozen):
    """The plan year and the ramp profile of new hires."""

    start: dt.date
    ramp: tuple[float, ...] = ()

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


class AssignmentConfig(_Frozen):
    """Rules and solver settings of the account -> rep assignment."""

    balance: dict[str, float] = Field(default_factory=lambda: {"potential": 0.05})
    max_moved_share: float | None = None
    weights: dict[str, float] = Field(default_factory=lambda: {"disruption": 1.0, "distance": 0.1})
    solver: Literal["auto", "highs"] = "auto"
    time_limit: float = 60.0
    seed: int = 0
    mip_gap: float = 5e-3

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


class QuotaConfig(_Frozen):
    """The finance target and how it cascades."""

    target: float
    hedge: dict[Literal["region", "rep"], float] = Field(default_factory=dict)
    periods: Literal["quarter", "month"] = "quarter"

    @field_validator("target")
    @classmethod
    def _nonneg(cls, v: float) -> float:
        if not (v >= 0 and math.isfinite(v)):
            raise ValueError("quota target must be a finite amount >= 0")
        return v

    @field_validator("hedge")
    @classmethod
    def _hedge_range(cls, v: dict[str, float]) -> dict[str, float]:
        for k, h in v.items():
            if not -0.5 < h < 5:
                raise ValueError(f"hedge of level {k} must lie in (-0.5, 5), got {h}")
        return v


class PlanParams(_Frozen):
    """Everything the solver needs besides the two tables."""

    plan: PlanConfig
    segments: SegmentsConfig = SegmentsConfig()
    regions: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    scoring: ScoringConfig = ScoringConfig()
    assignment: AssignmentConfig = AssignmentConfig()
    quota: QuotaConfig

    @model_validator(mode="after")
    def _country_in_one_region(self) -> PlanParams:
        seen: dict[str, str] = {}
        for region, codes in self.regions.items():
            for c in codes:
                if c.upper() in seen:
                    raise ValueError(f"country {c} is listed in regions {seen[c.upper()]} and {region}")
                seen[c.upper()] = region
        return self

    def region_of_country(self) -> dict[str, str]:
        """ISO alpha-2 code -> region name."""
        return {c.upper(): r for r, codes in self.regions.items() for c in codes}
