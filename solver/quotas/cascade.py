"""The quota cascade, to the cent: company -> region -> segment -> manager -> rep -> period.

Levels below the region are used when the data has them: segment always
(reps carry one), manager when some rep has a ``manager_id`` (reps without
one form a "(no manager)" team). At every level a parent's amount is split
over its children by the level's allocation basis (`QuotaConfig.basis_of`):

- potential: the territory potential the children hold (which already
  follows each rep's capacity factor, through balance);
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

import numpy as np
import pandas as pd

from solver.config import QuotaConfig
from solver.errors import ConservationError, InputError, InputProblem
from solver.money import allocate_cents, scale_cents, to_cents
from solver.planning.capacity import PLAN_MONTHS, month_bounds
from solver.quotas.caps import capped_split

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


def period_starts(plan_start: dt.date, periods: str) -> list[dt.date]:
    step = MONTHS_PER_PERIOD[periods]
    bounds = month_bounds(plan_start)
    return [pd.Timestamp(bounds[m]).date() for m in range(0, PLAN_MONTHS, step)]


def hedge_factor(config: QuotaConfig, levels: tuple[str, ...], upto: str) -> Decimal:
    """prod(1 + hedge.l) over the levels below the region down to ``upto``, exactly."""
    f = Decimal(1)
    for level in levels[1 : levels.index(upto) + 1]:
        f *= Decimal(str(1 + config.hedge.get(level, 0.0)))
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
        ``manager_id``, ``last_year_bookings``, ``last_year_quota``.
    monthly_capacity
        reps x 12 productive share of each plan month (`solver.planning.capacity.monthly_capacity`).
    config
        Target, hedges, basis, periods, seasonality, caps.
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
        Nobody can carry a non-zero target, or a bookings basis without any bookings.
    ConservationError
        Any level does not add up to the cent (a bug).
    """
    if region_potential is None:
        region_potential = reps["potential"].groupby(reps["region"].astype(str).to_numpy()).sum()
    region_potential = region_potential.groupby(region_potential.index.astype(str)).sum()
    tree = _Tree.of(reps, monthly_capacity, config, region_potential.index)
    regions = tree.names["region"]
    target = to_cents(config.target)
    region_total = scale_cents(target, 1 + config.hedge.get("region", 0.0))

    carrying_region = tree.sums("region", tree.carrying.astype(float)) > 0
    values = {
        "potential": np.where(carrying_region, region_potential.reindex(regions, fill_value=0.0), 0.0),
        "bookings": tree.sums("region", tree.bookings_value),
    }
    w = _blend_weights(config.basis_of("region"), values, tree.sums("region", tree.cf))
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
    region_q = allocate_cents(region_total, w)
    quota = {"region": np.array(region_q, dtype=object)}
    weight = {"region": w / w.sum() if w.sum() > 0 else w}
    handed = {"company": np.array([region_total], dtype=object)}  # what each node's children share
    caps_rows: list[pd.DataFrame] = []
    for depth in range(1, len(tree.levels)):
        level, prev = tree.levels[depth], tree.levels[depth - 1]
        factor = hedge_factor(config, tree.levels, level)
        handed[prev] = np.zeros(len(tree.names[prev]), dtype=object)
        quota[level] = np.zeros(len(tree.names[level]), dtype=object)
        weight[level] = np.zeros(len(tree.names[level]))
        has_reps = tree.sums(prev, np.ones(len(tree.reps))) > 0
        for r, region in enumerate(regions):
            level_total = scale_cents(int(region_q[r]), factor)
            parents = np.flatnonzero((tree.region_of[prev] == r) & has_reps)
            if len(parents) == 0:
                if level_total:
                    raise ConservationError(f"region {region} has quota but no reps")
                continue
            parent_q = [int(x) for x in quota[prev][parents]]
            if sum(parent_q) > 0:
                shares = allocate_cents(level_total, parent_q)
            elif level_total:
                raise ConservationError(f"region {region}: {level_total} cents but no parent carries quota")
            else:
                shares = [0] * len(parents)
            handed[prev][parents] = shares
        for parent in np.flatnonzero(has_reps):
            kids = np.flatnonzero(tree.parent[level] == parent)
            total = int(handed[prev][parent])
            if level == "rep" and config.max_change is not None:
                split, table = _rep_split_capped(tree, kids, total, config)
                caps_rows.append(table)
                kid_w = np.asarray(split, dtype=float) / max(total, 1)
            else:
                split, kid_w = _split(
                    tree, level, kids, total, config.basis_of(level), tree.names[prev][parent]
                )
            quota[level][kids] = split
            weight[level][kids] = kid_w

    rep_q = quota["rep"]
    periods_df, notes = _periods(tree, rep_q, config, plan_start)
    notes += [
        f"hedge.{lvl} is ignored: the data has no {lvl} level"
        for lvl in config.hedge
        if lvl not in tree.levels
    ]
    nodes = _nodes_table(tree, target, quota, weight, handed, periods_df)
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
    check_nodes(nodes)
    _check_regions(regions_df, reps_df, region_total, config, tree.levels)
    caps = pd.concat(caps_rows, ignore_index=True) if caps_rows else None
    return QuotaPlan(
        target, region_total, regions_df, reps_df, periods_df, nodes, tree.levels, caps, tuple(notes)
    )


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
            value,
            raw,
            monthly,
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
    w = _blend_weights(blend, values, tree.sums(level, tree.cf)[kids])
    if total and not (w > 0).any():
        raise ConservationError(f"{parent} has quota {total} but none of its members has capacity")
    split = allocate_cents(total, w) if (w > 0).any() else [0] * len(kids)
    return split, (w / w.sum() if w.sum() > 0 else w)


def _rep_split_capped(
    tree: _Tree, kids: np.ndarray, total: int, config: QuotaConfig
) -> tuple[list[int], pd.DataFrame]:
    """Rep level with year-over-year caps: the LP of `solver.quotas.caps`."""
    values = {"potential": tree.potential_value[kids], "bookings": tree.bookings_value[kids]}
    basis = _blend_weights(config.basis_of("rep"), values, tree.cf[kids])
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
                    "segment": [str(x).split(SEP)[-1] for x in seg_col] if has_seg else "",
                    "manager": [str(x).split(SEP)[-1] for x in mgr_col] if has_mgr else "",
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
    rows = []
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
