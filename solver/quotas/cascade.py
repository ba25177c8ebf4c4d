"""The quota cascade, to the cent: company -> region -> segment -> manager -> rep -> period.

Levels below the region are used when the data has them: segment always
(reps carry one), manager when some rep has a ``manager_id`` (reps without
one form a "(no manager)" team). At every level a parent's amount is split
over its children by the level's allocation basis (`QuotaConfig.basis_of`):

- potential: the territory potential the children hold (which already
  follows each rep's capacity factor, level weight and FTE, through the
  assignment's balance targets, `solver.planning.weights`);
- bookings: last year's bookings of the children's reps, each scaled by the
  rep's capacity factor this year (a rep without history counts as the mean
  of its segment's reps that have one);
- a blend mixes the children's *shares* of each source.

A child with no rep that has capacity this year gets nothing. Hedges are
anchored on the region, as CONTRACT.md states them: region quotas add up to
``target x (1 + hedge.region)``; inside a region, the quotas of level L add
up to ``region quota x prod(1 + hedge.l)`` over the levels from segment down
to L (so with only a rep hedge, the rep quotas of a region add up to ``region
quota x (1 + hedge.rep)`` exactly), and each parent's children share that
level total in proportion to the parents' quotas (so they carry their
parent's quota x (1 + hedge) to within a cent). With ``max_change``, the
rep level is set by a small LP instead (`solver.quotas.caps`).

Period quotas split a rep's annual quota by its productive capacity in each
period (active days x ramp) times the seasonality weight of each plan month.
Every split is a largest-remainder allocation of integer cents, and every
level is checked to add up exactly: a dropped or invented cent raises
`ConservationError`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NoReturn

import numpy as np
import pandas as pd

from solver.config import QuotaConfig
from solver.errors import ConservationError, InputError, InputProblem
from solver.money import allocate_cents, cents_to_str, scale_cents, to_cents
from solver.planning.capacity import PLAN_MONTHS, month_bounds
from solver.quotas.caps import capped_split
from solver.quotas.targets import fixed_targets, region_basis
from solver.quotas.tree import SEP, QuotaTree, blend_weights

MONTHS_PER_PERIOD = {"month": 1, "quarter": 3}


@dataclass(frozen=True)
class QuotaPlan:
    """Quotas in integer cents at every level, with the totals they must meet.

    ``nodes`` has one row per node of every level (company, region, segment,
    manager, rep): level, node, parent, region, segment, manager, quota_cents,
    children_total_cents (what its children must add up to: the hedged split
    for a parent, the annual quota for a rep, whose children are periods),
    children_sum_cents, potential, bookings, capacity (sum of capacity
    factors) and weight (its share of the parent's split).
    """

    target_cents: int
    region_total_cents: int
    regions: pd.DataFrame  # region, potential, quota_cents, rep_total_cents
    reps: pd.DataFrame  # rep_id, region, quota_cents
    periods: pd.DataFrame  # rep_id, period (date), quota_cents
    nodes: pd.DataFrame = field(default_factory=pd.DataFrame)
    levels: tuple[str, ...] = ("region", "rep")
    caps: pd.DataFrame | None = None  # rep_id, reference, lower, upper, within
    notes: tuple[str, ...] = ()
    overrides: pd.DataFrame = field(default_factory=pd.DataFrame)  # rep_id, override_cents
    ote: pd.DataFrame | None = None  # rep_id, quota_cents, ote, ratio, breach (max_quota_to_ote)


def period_starts(plan_start: dt.date, periods: str) -> list[dt.date]:
    step = MONTHS_PER_PERIOD[periods]
    bounds = month_bounds(plan_start)
    return [pd.Timestamp(bounds[m]).date() for m in range(0, PLAN_MONTHS, step)]


def hedge_factor(config: QuotaConfig, levels: tuple[str, ...], upto: str) -> Decimal:
    """prod(1 + hedge.l) over the levels below the region down to ``upto``, exactly."""
    f = Decimal(1)
    hedge: dict[str, float] = {str(k): v for k, v in config.hedge.items()}
    for level in levels[1 : levels.index(upto) + 1]:
        f *= Decimal(str(1 + hedge.get(level, 0.0)))
    return f


def cascade(
    region_potential: pd.Series,
    rep_region: pd.Series,
    rep_potential: pd.Series,
    rep_monthly_capacity: np.ndarray,
    config: QuotaConfig,
    plan_start: dt.date,
) -> QuotaPlan:
    """Company -> region -> rep -> period (no segment or manager level).

    Rep series are indexed by rep_id (sorted); capacity rows align with them.
    """
    reps = pd.DataFrame(
        {
            "region": rep_region.to_numpy(),
            "potential": rep_potential.reindex(rep_region.index).fillna(0.0).to_numpy(dtype=float),
        },
        index=rep_region.index,
    )
    return quota_plan(reps, rep_monthly_capacity, config, plan_start, region_potential=region_potential)


def quota_plan(
    reps: pd.DataFrame,
    monthly_capacity: np.ndarray,
    config: QuotaConfig,
    plan_start: dt.date,
    *,
    region_potential: pd.Series | None = None,
) -> QuotaPlan:
    """Run the full cascade.

    Parameters
    ----------
    reps
        Indexed by rep_id (any order), rows aligned with ``monthly_capacity``:
        ``region``, ``potential`` (assigned potential), optional ``segment``,
        ``manager_id``, ``last_year_bookings``, ``last_year_quota``, ``ote``,
        ``quota_override`` (the rep's annual quota, fixed), ``level`` and
        ``fte`` (quota weights).
    monthly_capacity
        reps x 12 productive share of each plan month (`solver.planning.capacity.monthly_capacity`).
    config
        Target, fixed targets, hedges, basis, periods, seasonality, caps, level weights.
    plan_start
        First day of the plan year.
    region_potential
        Potential per region, including regions without reps (they get 0);
        defaults to the reps' potential summed by region.

    Returns
    -------
    QuotaPlan

    Raises
    ------
    InputError
        Nobody can carry a non-zero target, a bookings basis without any
        bookings, fixed targets or overrides that cannot be honoured.
    ConservationError
        Any level does not add up to the cent (a bug).
    """
    if region_potential is None:
        region_potential = reps["potential"].groupby(reps["region"].astype(str).to_numpy()).sum()
    region_potential = region_potential.groupby(region_potential.index.astype(str)).sum()
    tree = QuotaTree.of(reps, monthly_capacity, config, region_potential.index)
    target = to_cents(config.target)
    region_total = scale_cents(target, 1 + config.hedge.get("region", 0.0))
    fixed = fixed_targets(tree, region_potential, config, target)
    region_q, region_w = _region_quotas(tree, region_potential, config, target, region_total, fixed)
    quota, weight, handed, caps_rows = _cascade_down(tree, config, region_q, region_w, region_total, fixed)
    rep_q = quota["rep"]
    periods_df, notes = _periods(tree, rep_q, config, plan_start)
    notes = [*tree.notes, *notes] + [
        f"hedge.{lvl} is ignored: the data has no {lvl} level"
        for lvl in config.hedge
        if lvl not in tree.levels
    ]
    nodes = _nodes_table(tree, target, quota, weight, handed, periods_df)
    reps_df, regions_df = _rep_and_region_tables(tree, region_potential, region_q, rep_q)
    check_nodes(nodes)
    _check_regions(regions_df, reps_df, region_total, config, tree.levels)
    caps = pd.concat(caps_rows, ignore_index=True) if caps_rows else None
    ote, ote_notes = ote_check(tree.reps, reps_df, config)
    return QuotaPlan(
        target,
        region_total,
        regions_df,
        reps_df,
        periods_df,
        nodes,
        tree.levels,
        caps,
        tuple(notes + ote_notes),
        overrides=_overrides_table(tree),
        ote=ote,
    )


def _region_quotas(
    tree: QuotaTree,
    region_potential: pd.Series,
    config: QuotaConfig,
    target: int,
    region_total: int,
    fixed: dict[str, np.ndarray],
) -> tuple[list[int], np.ndarray]:
    """Region quotas (they add up to the hedged target) and each region's share."""
    if "region" in fixed:
        w = np.asarray(fixed["region"], dtype=float)
        cents = [int(c) for c in fixed["region"]]
    else:
        w = region_basis(tree, region_potential, config)
        cents = None
    if region_total and not (w > 0).any():
        raise InputError(
            InputProblem(
                "reps",
                None,
                "start_date",
                "no region has a rep with capacity and potential in the plan year: "
                "the quota target cannot be carried by anyone",
            )
        )
    # fixed amounts without a region hedge are the quotas themselves, to the cent
    region_q = cents if cents is not None and region_total == target else allocate_cents(region_total, w)
    return region_q, (w / w.sum() if w.sum() > 0 else w)


def _cascade_down(
    tree: QuotaTree,
    config: QuotaConfig,
    region_q: list[int],
    region_w: np.ndarray,
    region_total: int,
    fixed: dict[str, np.ndarray],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray], list[pd.DataFrame]]:
    """Quotas, weights and handed-down totals of every level below the region."""
    quota = {"region": np.array(region_q, dtype=object)}
    weight = {"region": region_w}
    handed = {"company": np.array([region_total], dtype=object)}  # what each node's children share
    caps_rows: list[pd.DataFrame] = []
    for depth in range(1, len(tree.levels)):
        level, prev = tree.levels[depth], tree.levels[depth - 1]
        handed[prev] = _level_totals(tree, config, level, prev, quota[prev], region_q)
        quota[level] = np.zeros(len(tree.names[level]), dtype=object)
        weight[level] = np.zeros(len(tree.names[level]))
        has_reps = tree.sums(prev, np.ones(len(tree.reps))) > 0
        for parent in np.flatnonzero(has_reps):
            kids = np.flatnonzero(tree.parent[level] == parent)
            total = int(handed[prev][parent])
            name = str(tree.names[prev][parent])
            if level == "rep":
                split, kid_w, table = _rep_split(tree, kids, total, config, name)
                if table is not None:
                    caps_rows.append(table)
            elif level in fixed:
                split, kid_w = _fixed_split(fixed[level][kids], total, name)
            else:
                split, kid_w = _split(tree, level, kids, total, config.basis_of(level), name)
            quota[level][kids] = split
            weight[level][kids] = kid_w
    return quota, weight, handed, caps_rows


def _level_totals(
    tree: QuotaTree, config: QuotaConfig, level: str, prev: str, prev_q: np.ndarray, region_q: list[int]
) -> np.ndarray:
    """What each ``prev`` node hands to its children: its region's hedged level total, by quota share."""
    factor = hedge_factor(config, tree.levels, level)
    out = np.zeros(len(tree.names[prev]), dtype=object)
    has_reps = tree.sums(prev, np.ones(len(tree.reps))) > 0
    for r, region in enumerate(tree.names["region"]):
        level_total = scale_cents(int(region_q[r]), factor)
        parents = np.flatnonzero((tree.region_of[prev] == r) & has_reps)
        if len(parents) == 0:
            if level_total:
                raise ConservationError(f"region {region} has quota but no reps")
            continue
        parent_q = [int(x) for x in prev_q[parents]]
        if sum(parent_q) > 0:
            shares = allocate_cents(level_total, parent_q)
        elif level_total:
            raise ConservationError(f"region {region}: {level_total} cents but no parent carries quota")
        else:
            shares = [0] * len(parents)
        out[parents] = shares
    return out


def _fixed_split(cents: np.ndarray, total: int, parent: str) -> tuple[list[int], np.ndarray]:
    """A parent's total split in proportion to fixed-target amounts (exact when they add up to it)."""
    given = [int(c) for c in cents]
    if sum(given) == total:
        split = given
    elif total and sum(given) == 0:
        raise ConservationError(f"{parent} has quota {total} but no fixed-target share")
    else:
        split = allocate_cents(total, given) if total else [0] * len(given)
    w = np.asarray(given, dtype=float)
    return split, (w / w.sum() if w.sum() > 0 else w)


def _rep_split(
    tree: QuotaTree, kids: np.ndarray, total: int, config: QuotaConfig, team: str
) -> tuple[list[int], np.ndarray, pd.DataFrame | None]:
    """A team's quota over its reps: overrides fixed, the remainder spread by the basis (or the caps LP)."""
    ov = tree.override[kids]
    has = ov >= 0
    fixed_sum = int(ov[has].sum())
    free = kids[~has]
    if fixed_sum > total:
        ids = ", ".join(str(x) for x in tree.reps.index[kids[has]])
        _refuse_overrides(
            tree,
            kids[has],
            f"team {team.replace(SEP, ' / ')}: the quota overrides of {ids} add up to "
            f"{cents_to_str(fixed_sum)}, above the team's quota {cents_to_str(total)}",
        )
    rest = total - fixed_sum
    if rest and not (tree.carrying[free]).any():
        _refuse_overrides(
            tree,
            kids[has],
            f"team {team.replace(SEP, ' / ')}: every rep with capacity has a quota override; they add "
            f"up to {cents_to_str(fixed_sum)} but the team's quota is {cents_to_str(total)}, "
            f"leaving {cents_to_str(rest)} to nobody",
        )
    table = None
    if len(free) == 0:
        split_free: list[int] = []
    elif config.max_change is not None:
        split_free, table = _rep_split_capped(tree, free, rest, config)
    else:
        split_free, _ = _split(tree, "rep", free, rest, config.basis_of("rep"), team)
    split = np.zeros(len(kids), dtype=np.int64)
    split[~has] = split_free
    split[has] = ov[has]
    out = [int(x) for x in split]
    return out, np.asarray(out, dtype=float) / max(total, 1), table


def _refuse_overrides(tree: QuotaTree, reps: np.ndarray, why: str) -> NoReturn:
    """One problem per overriding rep ("rep ID: ..."), so each names the row its override came from."""
    raise InputError(
        [
            InputProblem(
                "reps", None, "quota_override", f"rep {rid}: quota override {cents_to_str(c)}; {why}"
            )
            for rid, c in zip(tree.reps.index[reps][:20], tree.override[reps][:20], strict=True)
        ]
    )


def _rep_and_region_tables(
    tree: QuotaTree, region_potential: pd.Series, region_q: list[int], rep_q: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """QuotaPlan.reps (rep_id, region, quota_cents) and QuotaPlan.regions."""
    regions = tree.names["region"]
    reps_df = pd.DataFrame(
        {
            "rep_id": list(tree.reps.index),
            "region": regions[tree.code["region"]],
            "quota_cents": [int(x) for x in rep_q],
        }
    )
    rep_total = [sum(int(q) for q in rep_q[tree.code["region"] == r]) for r in range(len(regions))]
    regions_df = pd.DataFrame(
        {
            "region": [str(r) for r in regions],
            "potential": region_potential.reindex(regions, fill_value=0.0).to_numpy(dtype=float),
            "quota_cents": [int(q) for q in region_q],
            "rep_total_cents": rep_total,
        }
    )
    return reps_df, regions_df


def _overrides_table(tree: QuotaTree) -> pd.DataFrame:
    """rep_id, override_cents of the reps whose quota is fixed by hand."""
    has = tree.override >= 0
    return pd.DataFrame(
        {"rep_id": list(tree.reps.index[has]), "override_cents": [int(x) for x in tree.override[has]]}
    )


def ote_check(
    reps: pd.DataFrame, quotas: pd.DataFrame, config: QuotaConfig
) -> tuple[pd.DataFrame | None, list[str]]:
    """Quota / OTE of every rep with an OTE, and which exceed ``max_quota_to_ote``."""
    if config.max_quota_to_ote is None:
        return None, []
    ote = (
        pd.to_numeric(reps["ote"], errors="coerce").astype(float)
        if "ote" in reps
        else pd.Series(np.nan, index=reps.index)
    )
    q = quotas.set_index("rep_id")["quota_cents"].reindex(reps.index).fillna(0).astype(np.int64)
    has = (ote > 0).to_numpy()
    if not has.any():
        return None, ["max_quota_to_ote is set but no rep has an ote (on-target earnings)"]
    ratio = q.to_numpy()[has] / 100 / ote.to_numpy()[has]
    table = pd.DataFrame(
        {
            "rep_id": list(reps.index[has]),
            "quota_cents": q.to_numpy()[has],
            "ote": ote.to_numpy()[has],
            "ratio": ratio,
            "breach": ratio > config.max_quota_to_ote,
        }
    )
    return table, []


def _split(
    tree: QuotaTree, level: str, kids: np.ndarray, total: int, blend: dict[str, float], parent: str
) -> tuple[list[int], np.ndarray]:
    """A parent's children total split over its children by the level's basis."""
    if len(kids) == 0:
        if total:
            raise ConservationError(f"{parent} has quota {total} but no members")
        return [], np.zeros(0)
    values = {
        "potential": tree.sums(level, tree.potential_value)[kids],
        "bookings": tree.sums(level, tree.bookings_value)[kids],
    }
    w = blend_weights(blend, values, tree.sums(level, tree.weight_cf)[kids])
    if total and not (w > 0).any():
        raise ConservationError(f"{parent} has quota {total} but none of its members has capacity")
    split = allocate_cents(total, w) if (w > 0).any() else [0] * len(kids)
    return split, (w / w.sum() if w.sum() > 0 else w)


def _rep_split_capped(
    tree: QuotaTree, kids: np.ndarray, total: int, config: QuotaConfig
) -> tuple[list[int], pd.DataFrame]:
    """Rep level with year-over-year caps: the LP of `solver.quotas.caps`."""
    values = {"potential": tree.potential_value[kids], "bookings": tree.bookings_value[kids]}
    basis = blend_weights(config.basis_of("rep"), values, tree.weight_cf[kids])
    reference = _reference(tree.reps.iloc[kids])
    assert config.max_change is not None
    split, table = capped_split(total, basis, tree.cf[kids], reference, config.max_change)
    table.insert(0, "rep_id", list(tree.reps.index[kids]))
    return split, table


def _reference(reps: pd.DataFrame) -> np.ndarray:
    """Last year's figure each rep's change is capped against (quota, else bookings), in currency."""
    out = pd.Series(np.nan, index=reps.index)
    for col in ("last_year_bookings", "last_year_quota"):  # quota wins where both are given
        if col in reps:
            v = pd.to_numeric(reps[col], errors="coerce").astype(float)
            out = v.where(v.notna(), out)
    return out.to_numpy(dtype=float)


def _nodes_table(
    tree: QuotaTree,
    target: int,
    quota: dict[str, np.ndarray],
    weight: dict[str, np.ndarray],
    handed: dict[str, np.ndarray],
    periods: pd.DataFrame,
) -> pd.DataFrame:
    """One row per node of every level, company first, then level by level."""
    per_rep = periods.groupby("rep_id")["quota_cents"].apply(lambda s: int(sum(s)))
    pot = tree.reps["potential"].astype(float).fillna(0.0).to_numpy()
    book = np.nan_to_num(tree.bookings_raw)
    frames = [
        pd.DataFrame(
            {
                "depth": [-1],
                "level": ["company"],
                "node": ["company"],
                "parent": [""],
                "region": [""],
                "segment": [""],
                "manager": [""],
                "quota_cents": [target],
                "children_total_cents": [int(handed["company"][0])],
                "children_sum_cents": [sum(int(q) for q in quota["region"])],
                "potential": [pot.sum()],
                "bookings": [book.sum()],
                "capacity": [tree.cf.sum()],
                "weight": [1.0],
            }
        )
    ]
    for depth, level in enumerate(tree.levels):
        names = tree.names[level]
        n = len(names)
        q = quota[level]
        if level == "rep":
            kids_sum = [int(per_rep.get(r, 0)) for r in names]
            handed_down = [int(x) for x in q]
        else:
            below = tree.levels[depth + 1]
            kids_sum = [0] * n
            for k, p in enumerate(tree.parent[below]):
                kids_sum[p] += int(quota[below][k])
            handed_down = [int(x) for x in handed[level]]
        parent = (
            np.full(n, "company", dtype=object)
            if level == "region"
            else tree.names[tree.levels[depth - 1]][tree.parent[level]]
        )
        has_seg = "segment" in tree.levels and depth >= tree.levels.index("segment")
        has_mgr = "manager" in tree.levels and depth >= tree.levels.index("manager")
        seg_col = tree.names["segment"][tree.parent_chain(level, "segment")] if has_seg else None
        mgr_col = tree.names["manager"][tree.parent_chain(level, "manager")] if has_mgr else None
        frames.append(
            pd.DataFrame(
                {
                    "depth": depth,
                    "level": level,
                    "node": [str(x) for x in names],
                    "parent": [str(x) for x in parent],
                    "region": [str(x) for x in tree.names["region"][tree.region_of[level]]],
                    "segment": [str(x).split(SEP)[-1] for x in seg_col] if seg_col is not None else "",
                    "manager": [str(x).split(SEP)[-1] for x in mgr_col] if mgr_col is not None else "",
                    "quota_cents": [int(x) for x in q],
                    "children_total_cents": handed_down,
                    "children_sum_cents": kids_sum,
                    "potential": tree.sums(level, pot),
                    "bookings": tree.sums(level, book),
                    "capacity": tree.sums(level, tree.cf),
                    "weight": weight[level],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _periods(
    tree: QuotaTree, rep_q: np.ndarray, config: QuotaConfig, plan_start: dt.date
) -> tuple[pd.DataFrame, list[str]]:
    """Each rep's annual quota split by capacity x seasonality per period."""
    step = MONTHS_PER_PERIOD[config.periods]
    n = len(tree.reps)
    season = np.asarray(config.seasonality if config.seasonality else [1.0] * PLAN_MONTHS, dtype=float)
    weighted = tree.monthly * season[None, :]
    per_period = weighted.reshape(n, PLAN_MONTHS // step, step).sum(axis=2)
    plain = tree.monthly.reshape(n, PLAN_MONTHS // step, step).sum(axis=2)
    starts = period_starts(plan_start, config.periods)
    notes = []
    rows: list[tuple[object, dt.date, int]] = []
    for i, rep in enumerate(tree.reps.index):
        q = int(rep_q[i])
        cf = plain[i].sum()
        if cf <= 0:
            if q:
                raise ConservationError(f"rep {rep} has quota but no capacity")
            split = [0] * len(starts)
        else:
            w = per_period[i] if per_period[i].sum() > 0 else plain[i]
            if per_period[i].sum() <= 0:
                notes.append(f"rep {rep} works only in months of zero seasonality: split by capacity")
            split = allocate_cents(q, w)
        rows.extend((rep, s, c) for s, c in zip(starts, split, strict=True))
    return pd.DataFrame(rows, columns=["rep_id", "period", "quota_cents"]), notes


def check_nodes(nodes: pd.DataFrame) -> None:
    """Every node's children (periods, for a rep) add up to exactly what they must carry."""
    bad = nodes[nodes["children_total_cents"] != nodes["children_sum_cents"]]
    if len(bad):
        row = bad.iloc[0]
        raise ConservationError(
            f"{row['level']} {row['node']}: children add up to {row['children_sum_cents']} cents, "
            f"not {row['children_total_cents']} ({len(bad)} node(s) off)"
        )


def _check_regions(
    regions: pd.DataFrame,
    reps: pd.DataFrame,
    region_total: int,
    config: QuotaConfig,
    levels: tuple[str, ...],
) -> None:
    """The contract's two sums: regions to the hedged target, reps to each region's hedged quota."""
    if int(sum(regions["quota_cents"])) != region_total:
        raise ConservationError("regions do not add up to the hedged company target")
    factor = hedge_factor(config, levels, "rep")
    by_region = reps.groupby("region")["quota_cents"].apply(lambda s: int(sum(s)))
    for row in regions.itertuples():
        got = int(by_region.get(row.region, 0))
        want = scale_cents(int(row.quota_cents), factor)
        if got != want or got != int(row.rep_total_cents):
            raise ConservationError(f"reps of {row.region} add up to {got}, not {want}")
