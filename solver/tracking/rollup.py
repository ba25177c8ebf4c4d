"""Attainment and forecast roll-up of a plan during its year.

Inputs: a run's reps (rep_id, name, manager_id, segment, region) and quotas
(rep_id, period, quota), and opportunities whose owner is resolved
(`solver.tracking.opportunities.resolve_owners`, column ``rep_id``).

Per rep and plan period (an opportunity belongs to the period holding its
close date), in integer cents so that every roll-up adds up exactly:

- ``bookings``: closed-won amount; ``attainment`` = bookings / quota.
- ``open_pipeline``: open amount; ``weighted_pipeline``: open amount x the
  stage probability, rounded to the cent per opportunity;
  ``weighted_forecast`` = bookings + weighted pipeline.
- ``commit_rollup`` = bookings + open amount in the Commit forecast category;
  ``best_case_rollup`` = commit_rollup + open amount in Best Case
  (Salesforce's cumulative forecast categories).
- ``commit`` / ``best_case``: the roll-up, or the manager's override for that
  period. An override replaces the roll-up of exactly the reps whose
  manager_id is that manager: it is split over them in proportion to their
  roll-up (largest remainders, to the cent; evenly when the roll-up is 0),
  so region, segment and company totals stay sums of rep figures.
  ``commit_adjustment`` = commit - commit_rollup (same for best case).
- ``pipeline_coverage`` = open pipeline / (quota - bookings) when quota is
  not yet met.

Owners who are not reps of the run (people who left, other teams) keep their
bookings in the tables (``in_plan`` false, no manager, region or segment), so
the rep, manager and company totals always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from solver.errors import InputError, InputProblem
from solver.money import allocate_cents

__all__ = [
    "LEVELS",
    "MEASURES",
    "Periods",
    "Tracking",
    "apply_overrides",
    "attainment_table",
    "forecast_table",
    "overrides_table",
    "plan_periods",
    "rep_measures",
    "rollup",
    "track",
]

#: Money measures (integer cents in `Tracking.reps`), then counts.
MONEY = (
    "quota",
    "bookings",
    "open_pipeline",
    "weighted_pipeline",
    "weighted_forecast",
    "commit_rollup",
    "commit",
    "commit_adjustment",
    "best_case_rollup",
    "best_case",
    "best_case_adjustment",
)
COUNTS = ("won_deals", "lost_deals", "open_deals")
MEASURES = MONEY + COUNTS

Level = Literal["rep", "manager", "region", "segment", "total"]
#: Roll-up levels and the column that keys them.
LEVELS: dict[str, str | None] = {
    "rep": "rep_id",
    "manager": "manager_id",
    "region": "region",
    "segment": "segment",
    "total": None,
}
TOTAL = "total"
_REP_DIMS = ("rep_id", "name", "manager_id", "segment", "region")


@dataclass(frozen=True)
class Periods:
    """The plan periods: first days (sorted) and the end of the last one (exclusive)."""

    starts: pd.DatetimeIndex
    end: pd.Timestamp

    @property
    def labels(self) -> list[str]:
        """ISO dates of the first days, as quotas.csv writes them."""
        return [d.strftime("%Y-%m-%d") for d in self.starts]

    def index_of(self, dates: pd.Series) -> np.ndarray:
        """Position of each date's period; -1 when blank or outside the plan year."""
        d = pd.to_datetime(dates, errors="coerce").to_numpy(dtype="datetime64[ns]")
        starts = self.starts.to_numpy(dtype="datetime64[ns]")
        pos = np.searchsorted(starts, d, side="right") - 1
        inside = ~np.isnat(d) & (pos >= 0) & (d < np.datetime64(self.end, "ns"))
        return np.where(inside, pos, -1)


def plan_periods(quotas: pd.DataFrame) -> Periods:
    """The periods of a run's quotas table (months or quarters from the plan start).

    The last period lasts as long as the one before it (a single period
    lasts 12 months).
    """
    starts = pd.DatetimeIndex(pd.to_datetime(quotas["period"].astype(str)).unique()).sort_values()
    if len(starts) == 0:
        raise InputError(InputProblem("quotas.csv", None, "period", "the run has no quota periods"))
    if len(starts) > 1:
        last, before = starts[-1], starts[-2]
        months = (last.year - before.year) * 12 + last.month - before.month
    else:
        months = 12
    return Periods(starts=starts, end=starts[-1] + pd.DateOffset(months=months))


def _cents(values: pd.Series) -> np.ndarray:
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.rint(np.where(np.isfinite(x), x, 0.0) * 100.0).astype(np.int64)


#: Totals stay far inside int64 (every roll-up and forecast adds a few of them).
_MAX_TOTAL_CENTS = 2**60


def _check_total(amount: np.ndarray, file: str) -> None:
    """Money adds up exactly in int64 cents: refuse amounts whose total could overflow."""
    if len(amount) == 0 or int(amount.max()) * len(amount) < _MAX_TOTAL_CENTS:
        return
    total = sum(int(a) for a in amount)  # exact, whatever the size
    if total >= _MAX_TOTAL_CENTS:
        why = f"the amounts add up to {total / 100:.6g}, more than terraquota can add up to the cent"
        raise InputError(InputProblem(file, None, "amount", why))


def _rep_frame(reps: pd.DataFrame, owners: pd.DataFrame) -> pd.DataFrame:
    """Reps of the run, then owners outside it, one row each, sorted by rep_id."""
    plan = pd.DataFrame({c: reps[c].astype("string") if c in reps else pd.NA for c in _REP_DIMS})
    plan = plan.astype("string")
    plan["in_plan"] = True
    extra = owners[~owners["rep_id"].isin(plan["rep_id"])].drop_duplicates("rep_id")
    other = pd.DataFrame({c: pd.Series(pd.NA, index=extra.index, dtype="string") for c in _REP_DIMS})
    other["rep_id"] = extra["rep_id"].astype("string")
    other["name"] = extra["name"].astype("string")
    other["in_plan"] = False
    frame = pd.concat([plan, other], ignore_index=True)
    return frame.sort_values("rep_id", kind="stable").reset_index(drop=True)


def rep_measures(
    opportunities: pd.DataFrame, reps: pd.DataFrame, quotas: pd.DataFrame
) -> tuple[pd.DataFrame, Periods, dict[str, Any]]:
    """Every measure (before overrides) per rep and period, in cents.

    Parameters
    ----------
    opportunities
        Resolved opportunities (rep_id, amount, close_date, is_closed, is_won,
        probability, forecast_category; owner_name and owner_source optional).
    reps, quotas
        The run's tables.

    Returns
    -------
    tuple
        (rep x period frame with the rep columns, ``in_plan``, ``period``
        (ISO) and the measures; periods; counts of what was left out and why).
    """
    periods = plan_periods(quotas)
    labels = periods.labels
    opp = opportunities
    pos = periods.index_of(opp["close_date"])
    amount = _cents(opp["amount"])
    _check_total(amount, str(opp.attrs.get("source", "opportunities")))
    no_amount = pd.to_numeric(opp["amount"], errors="coerce").isna().to_numpy(dtype=bool)
    closed = opp["is_closed"].to_numpy(dtype=bool)
    won = opp["is_won"].to_numpy(dtype=bool) & closed
    open_ = ~closed
    prob = pd.to_numeric(opp["probability"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    cat = opp["forecast_category"].astype("string").fillna("Pipeline").to_numpy(dtype=object)
    in_commit = open_ & np.isin(cat, ["Commit", "Closed"])
    in_best = open_ & (cat == "Best Case")
    weighted = np.rint(amount * prob).astype(np.int64)
    per_opp = pd.DataFrame(
        {
            "rep_id": opp["rep_id"].astype("string").to_numpy(),
            "p": pos,
            "bookings": np.where(won, amount, 0),
            "open_pipeline": np.where(open_, amount, 0),
            "weighted_pipeline": np.where(open_, weighted, 0),
            "commit_open": np.where(in_commit, amount, 0),
            "best_open": np.where(in_best, amount, 0),
            "won_deals": won.astype(np.int64),
            "lost_deals": (closed & ~won).astype(np.int64),
            "open_deals": open_.astype(np.int64),
        }
    )
    source = opp["owner_source"] if "owner_source" in opp else pd.Series("owner_id", index=opp.index)
    names = opp["owner_name"].astype("string") if "owner_name" in opp else pd.Series(pd.NA, index=opp.index)
    owners = pd.DataFrame(
        {
            "rep_id": per_opp["rep_id"].to_numpy(),
            "name": names.where(source.to_numpy() == "owner_name").astype("string").to_numpy(),
        }
    )
    frame = _rep_frame(reps, owners)
    inside = pos >= 0
    sums = per_opp[inside].groupby(["rep_id", "p"], sort=True).sum()

    grid = pd.MultiIndex.from_product([frame["rep_id"], range(len(labels))], names=["rep_id", "p"])
    m = sums.reindex(grid, fill_value=0).reset_index()
    q = quotas.assign(
        rep_id=quotas["rep_id"].astype("string"),
        p=periods.index_of(quotas["period"].astype(str)),
        cents=_cents(quotas["quota"]),
    )
    qsum = q.groupby(["rep_id", "p"])["cents"].sum()
    m["quota"] = qsum.reindex(pd.MultiIndex.from_frame(m[["rep_id", "p"]]), fill_value=0).to_numpy()
    m["weighted_forecast"] = m["bookings"] + m["weighted_pipeline"]
    m["commit_rollup"] = m["bookings"] + m["commit_open"]
    m["best_case_rollup"] = m["commit_rollup"] + m["best_open"]
    m["commit"] = m["commit_rollup"]
    m["best_case"] = m["best_case_rollup"]
    m["commit_adjustment"] = 0
    m["best_case_adjustment"] = 0
    m["period"] = np.asarray(labels, dtype=object)[m["p"].to_numpy()]
    out = frame.merge(m[["rep_id", "period", *MEASURES]], on="rep_id", how="left", sort=False)
    out[list(MEASURES)] = out[list(MEASURES)].astype(np.int64)

    outside = ~inside
    unknown_owner = ~opp["rep_id"].astype("string").isin(reps["rep_id"].astype("string")).to_numpy(bool)
    no_date = opp["close_date"].isna().to_numpy(dtype=bool)
    counts: dict[str, Any] = {
        "opportunities": len(opp),
        "counted": int(inside.sum()),
        "no_close_date": int(no_date.sum()),
        "outside_periods": int((outside & ~no_date).sum()),
        "bookings_outside_periods": int(amount[outside & won].sum()),
        "open_without_amount": int((open_ & no_amount).sum()),
        "won_without_amount": int((won & no_amount).sum()),
        "owners_outside_plan": int(frame["in_plan"].eq(False).sum()),
        "opportunities_outside_plan": int((unknown_owner & inside).sum()),
        "bookings_outside_plan": int(amount[unknown_owner & inside & won].sum()),
        "owner_sources": {str(k): int(v) for k, v in source.value_counts().sort_index().items()},
    }
    return out, periods, counts


def apply_overrides(
    measures: pd.DataFrame, overrides: pd.DataFrame | None, periods: Periods
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replace the commit / best case of each overridden manager and period.

    Parameters
    ----------
    measures
        From `rep_measures`.
    overrides
        From `solver.tracking.overrides.read_overrides` (manager_id, period, commit,
        best_case, note), or None.
    periods
        The plan periods.

    Returns
    -------
    tuple[pandas.DataFrame, pandas.DataFrame]
        The measures with commit, best_case and their adjustments set, and one
        row per override: manager_id, period, reps, commit_rollup, commit,
        commit_difference, best_case_rollup, best_case, best_case_difference,
        note (cents; a measure the override leaves blank keeps its roll-up).

    Raises
    ------
    InputError
        An override for a manager who manages no rep of the run, or for a day
        that is not the first day of a plan period.
    """
    out = measures.copy()
    columns = [
        "manager_id",
        "period",
        "reps",
        "commit_rollup",
        "commit",
        "commit_difference",
        "best_case_rollup",
        "best_case",
        "best_case_difference",
        "note",
    ]
    if overrides is None or overrides.empty:
        return out, pd.DataFrame(columns=columns)
    file = str(overrides.attrs.get("source", "overrides"))
    headers = dict(overrides.attrs.get("columns", {}))
    labels = periods.labels
    managers = set(out.loc[out["in_plan"], "manager_id"].dropna())
    period_text = overrides["period"].dt.strftime("%Y-%m-%d")
    problems: list[InputProblem] = []
    rows = overrides.index.to_numpy(dtype=np.int64)
    for row, manager, period in zip(rows, overrides["manager_id"], period_text, strict=True):
        if manager not in managers:
            problems.append(
                InputProblem(
                    file,
                    int(row),
                    headers.get("manager_id", "manager_id"),
                    f"manager {manager!r} manages no rep of this run",
                )
            )
        if period not in labels:
            problems.append(
                InputProblem(
                    file,
                    int(row),
                    headers.get("period", "period"),
                    f"{period} is not the first day of a plan period ({', '.join(labels)})",
                )
            )
    if problems:
        raise InputError(problems)

    by_key = {
        key: idx.to_numpy() for key, idx in out.groupby(["manager_id", "period"], sort=False).groups.items()
    }
    applied = []
    for manager, period, commit, best, note in zip(
        overrides["manager_id"],
        period_text,
        overrides["commit"],
        overrides["best_case"],
        overrides["note"],
        strict=True,
    ):
        idx = by_key[(manager, period)]
        idx = idx[out.loc[idx, "in_plan"].to_numpy(dtype=bool)]
        idx = idx[np.argsort(out.loc[idx, "rep_id"].to_numpy(dtype=object), kind="stable")]
        entry: dict[str, Any] = {"manager_id": manager, "period": period, "reps": len(idx), "note": note}
        for measure, value in (("commit", commit), ("best_case", best)):
            rollup_values = out.loc[idx, f"{measure}_rollup"].to_numpy(dtype=np.int64)
            entry[f"{measure}_rollup"] = int(rollup_values.sum())
            if pd.isna(value):
                entry[measure] = entry[f"{measure}_rollup"]
            else:
                total = int(np.rint(float(value) * 100.0))
                out.loc[idx, measure] = np.asarray(allocate_cents(total, rollup_values), dtype=np.int64)
                entry[measure] = total
            entry[f"{measure}_difference"] = entry[measure] - entry[f"{measure}_rollup"]
        applied.append(entry)
    out["commit_adjustment"] = out["commit"] - out["commit_rollup"]
    out["best_case_adjustment"] = out["best_case"] - out["best_case_rollup"]
    table = pd.DataFrame(applied, columns=columns).sort_values(["manager_id", "period"], kind="stable")
    return out, table.reset_index(drop=True)


@dataclass(frozen=True)
class Tracking:
    """Tracking of one run: rep-level measures (cents), applied overrides, counts."""

    periods: Periods
    reps: pd.DataFrame
    overrides: pd.DataFrame
    counts: dict[str, Any] = field(default_factory=dict)


def _period_managers(measures: pd.DataFrame, quotas: pd.DataFrame) -> pd.DataFrame:
    """A quotas table with ``manager_id`` (a re-plan with manager events) sets the manager per period."""
    if "manager_id" not in quotas:
        return measures
    q = quotas.assign(period=pd.to_datetime(quotas["period"].astype(str)).dt.strftime("%Y-%m-%d"))
    q = q[q["manager_id"].astype("string").fillna("") != ""]
    by = pd.Series(
        q["manager_id"].astype("string").to_numpy(),
        index=pd.MultiIndex.from_arrays([q["rep_id"].astype(str), q["period"]]),
    )
    keys = pd.MultiIndex.from_arrays([measures["rep_id"].astype(str), measures["period"].astype(str)])
    mapped = pd.Series(by.reindex(keys).to_numpy(), index=measures.index, dtype="string")
    out = measures.copy()
    out["manager_id"] = mapped.fillna(out["manager_id"].astype("string"))
    return out


def track(
    opportunities: pd.DataFrame,
    reps: pd.DataFrame,
    quotas: pd.DataFrame,
    overrides: pd.DataFrame | None = None,
) -> Tracking:
    """Attainment and forecast of a run from its opportunities (see the module doc)."""
    measures, periods, counts = rep_measures(opportunities, reps, quotas)
    measures = _period_managers(measures, quotas)
    measures, applied = apply_overrides(measures, overrides, periods)
    return Tracking(periods=periods, reps=measures, overrides=applied, counts=counts)


def rollup(tracking: Tracking, level: Level) -> pd.DataFrame:
    """Measures summed to ``level`` per period, plus a ``total`` period row per key.

    Returns
    -------
    pandas.DataFrame
        key column (rep_id, manager_id, region or segment; none for
        ``total``), ``reps`` (reps of the plan counted), ``period`` (ISO date
        or ``"total"``), the measures in cents. A missing key (reps without
        a manager, owners outside the plan) is its own group.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
    key = LEVELS[level]
    data = tracking.reps.copy()
    data["reps"] = data["in_plan"].astype(np.int64)
    data["group"] = TOTAL if key is None else data[key].astype("string").fillna("\x00")
    order = {p: i for i, p in enumerate(tracking.periods.labels)}
    data["p"] = data["period"].map(order)
    cols = ["reps", *MEASURES]
    per = data.groupby(["group", "p"], sort=True)[cols].sum().reset_index()
    year = per.groupby("group", sort=True)[cols].sum().reset_index()
    year["reps"] = per.groupby("group", sort=True)["reps"].max().to_numpy()
    year["p"] = len(order)
    out = pd.concat([per, year], ignore_index=True).sort_values(["group", "p"], kind="stable")
    labels = [*tracking.periods.labels, TOTAL]
    out["period"] = np.asarray(labels, dtype=object)[out["p"].to_numpy()]
    out = out.drop(columns="p").reset_index(drop=True)
    if key is None:
        return out.drop(columns="group")[["period", *cols]]
    out[key] = out.pop("group").replace("\x00", pd.NA).astype("string")
    if level == "rep":
        dims = tracking.reps.drop_duplicates("rep_id")[[*_REP_DIMS, "in_plan"]]
        out = out.drop(columns="reps").merge(dims, on="rep_id", how="left")
        return out[[*_REP_DIMS, "in_plan", "period", *MEASURES]]
    return out[[key, "reps", "period", *MEASURES]]


def _money(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    out = frame.copy()
    for c in columns:
        out[c] = out[c].to_numpy(dtype=np.int64) / 100.0
    return out


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    n = num.to_numpy(dtype=float)
    d = den.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(d > 0, n / np.where(d > 0, d, 1.0), np.nan)
    return pd.Series(r, index=num.index)


def attainment_table(tracking: Tracking, level: Level) -> pd.DataFrame:
    """Quota, bookings, won deals and attainment per ``level`` and period (currency units).

    ``attainment`` = bookings / quota (blank when the quota is 0).
    """
    data = rollup(tracking, level)
    key_cols = [c for c in data.columns if c not in MEASURES]
    out = data[[*key_cols, "quota", "bookings", "won_deals", "lost_deals"]].copy()
    out["attainment"] = _ratio(data["bookings"], data["quota"])
    return _money(out, ("quota", "bookings"))


FORECAST_COLUMNS = (
    "quota",
    "bookings",
    "open_pipeline",
    "weighted_pipeline",
    "weighted_forecast",
    "commit_rollup",
    "commit",
    "commit_adjustment",
    "best_case_rollup",
    "best_case",
    "best_case_adjustment",
)


def forecast_table(tracking: Tracking) -> pd.DataFrame:
    """Forecast of every level in one long table (currency units).

    Columns: level, key (rep_id, manager_id, region, segment; blank for the
    company total), name (reps only), period (ISO date or ``total``),
    reps, quota, bookings, open_pipeline, weighted_pipeline,
    weighted_forecast, commit_rollup, commit, commit_adjustment,
    best_case_rollup, best_case, best_case_adjustment, open_deals,
    attainment, weighted_attainment (weighted forecast / quota),
    pipeline_coverage (open pipeline / (quota - bookings) while quota is
    not met), overridden (a manager override set commit or best case) and note.
    """
    parts = []
    notes = (
        tracking.overrides.set_index(["manager_id", "period"])["note"] if len(tracking.overrides) else None
    )
    for level, key in LEVELS.items():
        data = rollup(tracking, level)  # type: ignore[arg-type]
        part = pd.DataFrame({"level": level}, index=data.index)
        part["key"] = data[key] if key is not None else pd.NA
        part["name"] = data["name"] if level == "rep" else pd.NA
        part["period"] = data["period"]
        part["reps"] = data["in_plan"].astype(np.int64) if level == "rep" else data["reps"]
        for c in (*FORECAST_COLUMNS, "open_deals"):
            part[c] = data[c]
        part["attainment"] = _ratio(data["bookings"], data["quota"])
        part["weighted_attainment"] = _ratio(data["weighted_forecast"], data["quota"])
        remaining = data["quota"] - data["bookings"]
        part["pipeline_coverage"] = _ratio(data["open_pipeline"], remaining)
        overridden = (data["commit_adjustment"] != 0) | (data["best_case_adjustment"] != 0)
        part["overridden"] = overridden.to_numpy(dtype=bool) if level != "rep" else False
        part["note"] = pd.NA
        if level == "manager" and notes is not None:
            idx = pd.MultiIndex.from_arrays([data["manager_id"].astype(object), data["period"]])
            found = notes.reindex(idx)
            part["note"] = found.to_numpy()
            part["overridden"] = part["overridden"].to_numpy(dtype=bool) | idx.isin(notes.index)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["key"] = out["key"].astype("string")
    out["name"] = out["name"].astype("string")
    out["note"] = out["note"].astype("string")
    return _money(out, FORECAST_COLUMNS)


def overrides_table(tracking: Tracking) -> pd.DataFrame:
    """The applied overrides with roll-up, override and difference (currency units)."""
    money = (
        "commit_rollup",
        "commit",
        "commit_difference",
        "best_case_rollup",
        "best_case",
        "best_case_difference",
    )
    return _money(tracking.overrides, money)
