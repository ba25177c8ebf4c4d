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
from solver.planning.weights import rep_weights
from solver.quotas.caps import capped_split
from solver.quotas.margins import Margins, fit_blocks

MONTHS_PER_PERIOD = {"month": 1, "quarter": 3}
LEVELS = ("region", "segment", "manager", "rep")
NO_MANAGER = "(no manager)"
#: Separator of the parts of a node id ("NA|SMB|M01"); ids never contain it.
SEP = "|"


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
    tree = _Tree.of(reps, monthly_capacity, config, region_potential.index)
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


def _region_basis(tree: _Tree, region_potential: pd.Series, config: QuotaConfig) -> np.ndarray:
    """Each region's weight by the region basis (0 for a region nobody there can carry)."""
    regions = tree.names["region"]
    carrying_region = tree.sums("region", tree.carrying.astype(float)) > 0
    values = {
        "potential": np.where(carrying_region, region_potential.reindex(regions, fill_value=0.0), 0.0),
        "bookings": tree.sums("region", tree.bookings_value),
    }
    return _blend_weights(config.basis_of("region"), values, tree.sums("region", tree.weight_cf))


def _region_quotas(
    tree: _Tree,
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
        w = _region_basis(tree, region_potential, config)
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
    tree: _Tree,
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
    tree: _Tree, config: QuotaConfig, level: str, prev: str, prev_q: np.ndarray, region_q: list[int]
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
    tree: _Tree, kids: np.ndarray, total: int, config: QuotaConfig, team: str
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


def _refuse_overrides(tree: _Tree, reps: np.ndarray, why: str) -> NoReturn:
    """One problem per overriding rep ("rep ID: ..."), so each names the row its override came from."""
    raise InputError(
        [
            InputProblem(
                "reps", None, "quota_override", f"rep {rid}: quota override {cents_to_str(c)}; {why}"
            )
            for rid, c in zip(tree.reps.index[reps][:20], tree.override[reps][:20], strict=True)
        ]
    )


def fixed_targets(
    tree: _Tree, region_potential: pd.Series, config: QuotaConfig, target: int
) -> dict[str, np.ndarray]:
    """Unhedged cents per region (or per region x segment node) under ``[quota] targets``.

    Fixed regions or segments get their amount; the rest of the company
    target is shared by the basis over the others. With both, the blocks are
    fitted to both margins (`solver.quotas.margins`). Empty without targets.
    """
    if config.targets.get("region") and config.targets.get("segment"):
        return _both_margins(tree, config, target)
    if config.targets.get("region"):
        w = _region_basis(tree, region_potential, config)
        carrying = tree.sums("region", tree.carrying.astype(float)) > 0
        names = np.array([str(x) for x in tree.names["region"]], dtype=object)
        cents = _with_rest(names, names, config.targets["region"], w, carrying, target, "region")
        return {"region": cents}
    if config.targets.get("segment"):
        w, carrying, node_seg = _segment_blocks(tree, config)
        cents = _with_rest(
            node_seg, tree.names["segment"], config.targets["segment"], w, carrying, target, "segment"
        )
        region_cents = np.zeros(len(tree.names["region"]), dtype=object)
        for k, r in enumerate(tree.region_of["segment"]):
            region_cents[r] += int(cents[k])
        return {"region": region_cents, "segment": cents}
    return {}


def _segment_blocks(tree: _Tree, config: QuotaConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each segment node's (block's) basis weight, whether a rep there has capacity, its segment name."""
    if "segment" not in tree.levels:
        raise InputError(InputProblem("scenario", None, "quota.targets.segment", "the reps carry no segment"))
    values = {
        "potential": tree.sums("segment", tree.potential_value),
        "bookings": tree.sums("segment", tree.bookings_value),
    }
    w = _blend_weights(config.basis_of("segment"), values, tree.sums("segment", tree.weight_cf))
    carrying = tree.sums("segment", tree.carrying.astype(float)) > 0
    node_seg = np.array([str(x).split(SEP)[-1] for x in tree.names["segment"]], dtype=object)
    return w, carrying, node_seg


def _both_margins(tree: _Tree, config: QuotaConfig, target: int) -> dict[str, np.ndarray]:
    """Block cents meeting the fixed region and the fixed segment totals at once."""
    w, carrying, node_seg = _segment_blocks(tree, config)
    margins = Margins(
        block_region=np.array(
            [str(x) for x in tree.names["region"][tree.region_of["segment"]]], dtype=object
        ),
        block_segment=node_seg,
        weight=w,
        open_=carrying,
        regions={str(k): to_cents(v) for k, v in config.targets["region"].items()},
        segments={str(k): to_cents(v) for k, v in config.targets["segment"].items()},
        total=target,
    )
    cents = np.array([int(c) for c in fit_blocks(margins)], dtype=object)
    region_cents = np.zeros(len(tree.names["region"]), dtype=object)
    for k, r in enumerate(tree.region_of["segment"]):
        region_cents[r] += int(cents[k])
    return {"region": region_cents, "segment": cents}


def _with_rest(
    group: np.ndarray,
    nodes: np.ndarray,
    fixed: dict[str, float],
    w: np.ndarray,
    carrying: np.ndarray,
    target: int,
    what: str,
) -> np.ndarray:
    """Cents per node: each fixed group's amount over its nodes by ``w``, the rest over the others."""
    key = f"quota.targets.{what}"
    unknown = sorted(set(fixed) - {str(g) for g in group})
    if unknown:
        raise InputError(
            InputProblem("scenario", None, key, f"no rep belongs to {what} {', '.join(unknown)}")
        )
    cents = np.zeros(len(nodes), dtype=object)
    is_fixed = np.isin(group.astype(str), list(fixed))
    for name, amount in sorted(fixed.items()):
        members = np.flatnonzero((group == name) & carrying)
        c = to_cents(amount)
        if c and (len(members) == 0 or not (w[members] > 0).any()):
            raise InputError(
                InputProblem(
                    "scenario", None, f"{key}.{name}", f"no rep of {what} {name} has capacity this year"
                )
            )
        if c:
            cents[members] = allocate_cents(c, w[members])
    fixed_sum = sum(to_cents(a) for a in fixed.values())
    rest = target - fixed_sum
    if rest < 0:
        raise InputError(
            InputProblem(
                "scenario",
                None,
                key,
                f"fixed {what} targets add up to {cents_to_str(fixed_sum)}, "
                f"above the company target {cents_to_str(target)}",
            )
        )
    free = np.flatnonzero(~is_fixed & carrying & (w > 0))
    if rest and len(free) == 0:
        raise InputError(
            InputProblem(
                "scenario",
                None,
                key,
                f"fixed {what} targets add up to {cents_to_str(fixed_sum)} but the company target is "
                f"{cents_to_str(target)}: no other {what} can carry the remaining {cents_to_str(rest)}",
            )
        )
    if len(free):
        cents[free] = allocate_cents(rest, w[free])
    return cents


def _rep_and_region_tables(
    tree: _Tree, region_potential: pd.Series, region_q: list[int], rep_q: np.ndarray
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


def _overrides_table(tree: _Tree) -> pd.DataFrame:
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


@dataclass(frozen=True)
class _Tree:
    """Reps coded at every level: node names, each rep's node, each node's parent and region.

    Node names are sorted; rep arrays follow the reps' (sorted) order.
    """

    reps: pd.DataFrame
    levels: tuple[str, ...]
    names: dict[str, np.ndarray]  # level -> node ids
    code: dict[str, np.ndarray]  # level -> node index of each rep
    parent: dict[str, np.ndarray]  # level -> parent node index of each node (levels below region)
    region_of: dict[str, np.ndarray]  # level -> region index of each node
    carrying: np.ndarray  # rep has capacity this year
    cf: np.ndarray  # capacity factor (0 without capacity)
    potential_value: np.ndarray
    bookings_value: np.ndarray
    bookings_raw: np.ndarray
    monthly: np.ndarray
    weight_cf: np.ndarray  # capacity x quota weight (level, fte): the basis when no source has values
    override: np.ndarray  # int64 cents of the rep's fixed quota, -1 without one
    notes: tuple[str, ...] = ()

    @classmethod
    def of(cls, reps: pd.DataFrame, monthly: np.ndarray, config: QuotaConfig, regions: pd.Index) -> _Tree:
        if len(reps) != monthly.shape[0]:
            raise ValueError("reps and monthly capacity rows do not align")
        order = np.argsort(reps.index.astype(str).to_numpy(), kind="stable")
        reps, monthly = reps.iloc[order], monthly[order]
        cf = monthly.sum(axis=1) / PLAN_MONTHS
        carrying = cf > 0
        region = reps["region"].astype(str).to_numpy()
        ids: dict[str, np.ndarray] = {"region": region}
        levels = ["region"]
        if "segment" in reps and reps["segment"].notna().any():
            seg = reps["segment"].astype("string").fillna("").astype(str).to_numpy()
            levels.append("segment")
            ids["segment"] = np.char.add(np.char.add(region.astype(str), SEP), seg.astype(str))
        if "manager_id" in reps and reps["manager_id"].notna().any():
            mgr = reps["manager_id"].astype("string").fillna(NO_MANAGER).astype(str).to_numpy()
            levels.append("manager")
            ids["manager"] = np.char.add(np.char.add(ids[levels[-2]].astype(str), SEP), mgr.astype(str))
        levels.append("rep")
        ids["rep"] = reps.index.astype(str).to_numpy()
        names, code, parent, region_of = {}, {}, {}, {}
        region_names = np.array(sorted(set(regions.astype(str)) | set(region)), dtype=object)
        for i, level in enumerate(levels):
            if level == "region":
                names[level] = region_names
                code[level] = np.searchsorted(region_names.astype(str), region)
            else:
                names[level], code[level] = np.unique(ids[level].astype(str), return_inverse=True)
                names[level] = names[level].astype(object)
            n = len(names[level])
            first = np.full(n, -1)
            first[code[level][::-1]] = np.arange(len(reps))[::-1]
            region_of[level] = np.where(first >= 0, code["region"][np.maximum(first, 0)], -1)
            if level == "region":
                region_of[level] = np.arange(n)
            if i > 0:
                parent[level] = code[levels[i - 1]][first]
        factor, notes = rep_weights(reps, config)
        # the assignment already weighs each rep's book by level x FTE (as by capacity factor)
        pot = np.where(carrying, reps["potential"].astype(float).fillna(0.0).to_numpy(), 0.0)
        raw, value = _bookings(reps, cf, carrying, config)
        return cls(
            reps,
            tuple(levels),
            names,
            code,
            parent,
            region_of,
            carrying,
            np.where(carrying, cf, 0.0),
            pot,
            value * factor,
            raw,
            monthly,
            np.where(carrying, cf, 0.0) * factor,
            _override_cents(reps, carrying),
            tuple(notes),
        )

    def sums(self, level: str, values: np.ndarray) -> np.ndarray:
        """Per node of ``level``: the sum of a per-rep array."""
        return np.bincount(self.code[level], weights=values, minlength=len(self.names[level]))

    def parent_chain(self, level: str, upto: str) -> np.ndarray:
        """For each node of ``level``, the index of its ancestor at level ``upto``."""
        idx = np.arange(len(self.names[level]))
        i, j = self.levels.index(level), self.levels.index(upto)
        while i > j:
            idx = self.parent[self.levels[i]][idx]
            i -= 1
        return idx


def _override_cents(reps: pd.DataFrame, carrying: np.ndarray) -> np.ndarray:
    """Each rep's quota override in cents (-1: none); a rep without capacity cannot carry one."""
    out = np.full(len(reps), -1, dtype=np.int64)
    if "quota_override" not in reps:
        return out
    v = pd.to_numeric(reps["quota_override"], errors="coerce").astype(float).to_numpy()
    has = ~np.isnan(v)
    out[has] = [to_cents(x) for x in v[has]]
    idle = has & ~carrying & (out > 0)
    if idle.any():
        raise InputError(
            [
                InputProblem(
                    "reps",
                    None,
                    "quota_override",
                    f"rep {rid}: a quota override but no capacity in the plan year",
                )
                for rid in reps.index[idle][:20]
            ]
        )
    return out


def _bookings(
    reps: pd.DataFrame, cf: np.ndarray, carrying: np.ndarray, config: QuotaConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Raw last-year bookings, and the basis value: imputed where missing, times capacity."""
    uses = any("bookings" in config.basis_of(lv) for lv in LEVELS)
    raw = (
        pd.to_numeric(reps["last_year_bookings"], errors="coerce").astype(float)
        if "last_year_bookings" in reps
        else pd.Series(np.nan, index=reps.index)
    )
    if not uses:
        return raw.to_numpy(), np.zeros(len(reps))
    if raw.notna().sum() == 0:
        raise InputError(
            InputProblem(
                "reps",
                None,
                "last_year_bookings",
                "the quota basis uses bookings but no rep has a last_year_bookings value",
            )
        )
    seg = (
        reps["segment"].astype("string").fillna("") if "segment" in reps else pd.Series("", index=reps.index)
    )
    peer_mean = raw.groupby(seg.to_numpy()).transform("mean").fillna(raw.mean())
    filled = raw.fillna(peer_mean).to_numpy()
    return raw.to_numpy(), np.where(carrying, filled * cf, 0.0)


def _blend_weights(
    blend: dict[str, float], values: dict[str, np.ndarray], capacity: np.ndarray
) -> np.ndarray:
    """Children's weights: blended shares of each source; capacity when no source has any."""
    w = np.zeros(len(capacity))
    used = 0.0
    for source, a in blend.items():
        v = np.asarray(values[source], dtype=float)
        if v.sum() > 0:
            w += a * v / v.sum()
            used += a
    if used > 0:
        return w / used
    return np.asarray(capacity, dtype=float)


def _split(
    tree: _Tree, level: str, kids: np.ndarray, total: int, blend: dict[str, float], parent: str
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
    w = _blend_weights(blend, values, tree.sums(level, tree.weight_cf)[kids])
    if total and not (w > 0).any():
        raise ConservationError(f"{parent} has quota {total} but none of its members has capacity")
    split = allocate_cents(total, w) if (w > 0).any() else [0] * len(kids)
    return split, (w / w.sum() if w.sum() > 0 else w)


def _rep_split_capped(
    tree: _Tree, kids: np.ndarray, total: int, config: QuotaConfig
) -> tuple[list[int], pd.DataFrame]:
    """Rep level with year-over-year caps: the LP of `solver.quotas.caps`."""
    values = {"potential": tree.potential_value[kids], "bookings": tree.bookings_value[kids]}
    basis = _blend_weights(config.basis_of("rep"), values, tree.weight_cf[kids])
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
    tree: _Tree,
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
    tree: _Tree, rep_q: np.ndarray, config: QuotaConfig, plan_start: dt.date
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
