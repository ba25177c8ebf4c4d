"""Split a large block into pieces of reps and units that are solved as blocks of their own.

The exact LP of a block grows like n^1.5-1.8 in its units (measured, 1k to 100k),
and its dense pairs outgrow memory near a million accounts. A block with more
than `PIECE_UNITS` units is therefore cut into pieces (into more when the
time limit cannot plan them: `solver.assignment.split.sizing`). Every rep keeps the
*whole block's* targets and bands, so a plan of every piece is a plan of the
block: the split only removes options (a unit may not go to a rep of another
piece). What that costs is measured, not assumed: the block's bound is a
Lagrangian bound over all of its pairs (`solver.assignment.split.block_bound`).

How the cut is made, so that it removes few options the optimum would use:

1. reps are grouped by recursive bisection along the longer axis of their
   homes, each side holding its share of the capacity factors;
2. the LP of a random sample of the block's units (each rep's band measured
   from its own sampled book, scaled to the sample; fewer units where the
   block has many reps and time is short) gives prices for every rep's rows;
   priced with them (half of them where only ownership sets a unit's costs
   apart or a rep has few sampled units, `PRICE_TRUST`), each unit learns
   its cheapest rep in every group (one pass over all pairs, in chunks);
3. large unowned units (a departed owner's whale), and owned ones too large
   for their owner's band, first get a group with a rep that has room for
   them whole, and go with it as pinned units do
   (`solver.assignment.split.whales`);
4. down the tree, each unit follows its cheaper side (pinned units their
   pinned rep), and the heavier side hands over the units that lose least by
   crossing until each side holds the potential its reps' targets call for;
   when that leaves a metric out of balance (metrics that pull apart), the
   units cross by a small LP over every metric (`solver.assignment.split.transfer`).

A split whose pieces cannot hold their reps' bands in aggregate is not made,
unless the block is too large to solve whole (``must_split``): its pieces are
then kept all the same (a piece that cannot balance says so when solved),
and without a sample's prices the units follow their cheapest reps on cost
alone, so that no block is ever built whole beyond what memory holds.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solver.assignment.block import (
    BlockData,
    block_reps,
    block_targets,
    block_units,
    build_block,
    unit_owners,
    unit_totals,
)
from solver.assignment.lp.pricing import priced_lp
from solver.assignment.rules import block_rows
from solver.assignment.split.block_bound import PieceDuals, lagrangian_bound, piece_duals
from solver.assignment.split.rebalance import REBALANCE_TRIGGER, Leaves, rebalance, worst_deviation
from solver.assignment.split.sizing import MIN_PIECE_REPS
from solver.assignment.split.transfer import TRANSFER_MARGIN, Wanted, transfer
from solver.assignment.split.whales import whale_groups
from solver.config import AssignmentConfig
from solver.problem import Problem

log = logging.getLogger(__name__)

#: A unit enters the sample only if each balanced metric is at most this share of the
#: median rep's band scaled to the sample (so that the sample LP stays feasible).
SAMPLE_UNIT_SHARE = 0.5
#: Price of breaking a sample's band by one average unit, in units of the dearest pair.
ELASTIC_PRICE = 10.0
#: Seconds the sample LP may take at most (no prices: the block is solved whole).
SAMPLE_SECONDS = 60.0

#: Blocks with more units than this are split into pieces of about this size. A whole
#: block of 35k units x 132 reps solves within 0.5% of its LP bound in ~27 s; pieces
#: cost a little optimality at their borders, so only blocks past this size are cut.
PIECE_UNITS = 40_000
#: Units in the sample whose LP prices the split (a sample of 12k units x 267 reps: ~10 s).
SAMPLE_UNITS = 12_000
#: Pairs of the sample per second the split has left for it (at most `SAMPLE_SECONDS`):
#: blocks with many reps sample fewer units when time is short (12k units x 1,000 reps
#: took 27-33 s, cut short by the split's 15 s of a minute; 4k units: 8 s).
SAMPLE_PAIRS_PER_SECOND = 250_000
#: Share of the sample's prices that guides each unit's side. The LP is degenerate: every
#: unit of a rep that must shed ties, at its prices, with every rep that must gain, and
#: the LP moves only as many as it needs; the cut sends each unit on its own, so at full
#: prices it sent them all (a 50k x 1,000-rep block: 27-50% of each piece's potential
#: away from its owners where its bound says 7.7% must move; its plan 5.3x the bound).
#: At half, a unit leaves its cheapest rep's group only where the prices gain twice what
#: the move costs (the ties above gain once); they still steer units that cost alike.
#: Used where nothing but ownership sets a unit's costs apart (no distance term), or where
#: the sample holds fewer than `FEW_SAMPLED_PER_REP` units a rep (its prices are noise: a
#: 50k x 1,000-rep block with distances, 4 a rep, 1.20x its bound at full prices, 1.07x at
#: half). Elsewhere distances break the ties and the prices' full strength cuts well (the
#: bench's 1M, every rule, 22-45 sampled units a rep: 1.028x at full prices, 1.061x at half).
PRICE_TRUST = 0.5
FEW_SAMPLED_PER_REP = 10
#: Among groups whose priced costs tie to this share of a unit's cost, it goes to its owner's.
OWNER_TIE = 1e-6
#: A piece's total of each balanced metric must sit this deep inside its reps' band sum.
BAND_MARGIN = 0.75


@dataclass(frozen=True)
class Piece:
    """Units and reps (global ids, sorted) of one piece of block ``block``."""

    block: int
    part: int
    parts: int
    units: np.ndarray
    reps: np.ndarray


def _axis(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, float]:
    """Coordinates along the longer axis of the points (east-west scaled by latitude)."""
    x = lon * np.cos(np.radians(np.nanmean(lat) if len(lat) else 0.0))
    if len(x) == 0:
        return x, 0.0
    return (x, 0.0) if np.ptp(x) >= np.ptp(lat) else (lat, 1.0)


def _bands_hold(
    problem: Problem,
    b: int,
    units: np.ndarray,
    reps: np.ndarray,
    pieces: list[tuple[np.ndarray, np.ndarray]],
    rules: AssignmentConfig,
) -> bool:
    """Every piece's total of each balanced metric sits well inside its reps' band sum."""
    if any(len(gu) == 0 or len(gr) == 0 for gu, gr in pieces):
        return False
    values = unit_totals(problem, units)
    targets = block_targets(problem, b, reps)
    for metric, tol in rules.balance.items():
        for gu, gr in pieces:
            total = float(values[metric][gu].sum())
            target = float(targets[metric][gr].sum())
            if abs(total - target) > BAND_MARGIN * tol * target + 1e-9:
                return False
    return True


@dataclass(frozen=True)
class Split:
    """The pieces of one block, and the Lagrangian bound the sample's prices give the whole block."""

    pieces: list[Piece]
    sample_bound: float = -np.inf


@dataclass
class _Node:
    reps: np.ndarray  # local rep indices
    groups: np.ndarray  # leaf group ids under this node
    left: _Node | None = None
    right: _Node | None = None


def _rep_tree(lat: np.ndarray, lon: np.ndarray, cf: np.ndarray, parts: int) -> tuple[_Node, np.ndarray]:
    """Recursive bisection of the reps by capacity share; returns the root and each rep's leaf group."""
    group = np.zeros(len(cf), dtype=np.int64)
    counter = [0]

    def grow(reps: np.ndarray, k: int) -> _Node:
        if k == 1:
            g = counter[0]
            counter[0] += 1
            group[reps] = g
            return _Node(reps, np.array([g]))
        pos, _ = _axis(lat[reps], lon[reps])
        order = reps[np.lexsort((reps, pos))]
        cum = np.cumsum(cf[order])
        k_left = k // 2
        n_left = int(np.searchsorted(cum, cum[-1] * k_left / k)) + 1
        n_left = min(max(n_left, 1), len(order) - 1)
        left = grow(np.sort(order[:n_left]), k_left)
        right = grow(np.sort(order[n_left:]), k - k_left)
        return _Node(reps, np.concatenate([left.groups, right.groups]), left, right)

    return grow(np.arange(len(cf)), parts), group


def _descend(
    node: _Node,
    units: np.ndarray,
    minima: np.ndarray,
    values: dict[str, np.ndarray],
    tolerance: dict[str, float],
    cf: np.ndarray,
    pin_group: np.ndarray,
    out: list[tuple[np.ndarray, np.ndarray]],
) -> None:
    """Send each unit down the tree to its cheaper side, then even out the sides' totals.

    The side heavier in potential hands over its units in order of least
    regret; how many is chosen so that the worst balanced metric, measured in
    its own tolerance, ends closest to the sides' capacity shares. When even the
    best count leaves a metric further out than `BAND_MARGIN` (metrics that pull
    apart: heavy units clustered on one side), the units cross by a small LP
    over every metric instead (`solver.assignment.split.transfer`).
    """
    if node.left is None or node.right is None:
        out.append((units, node.reps))
        return
    m_left = minima[np.ix_(units, node.left.groups)].min(axis=1)
    m_right = minima[np.ix_(units, node.right.groups)].min(axis=1)
    pinned = pin_group[units] >= 0
    pin_left = np.isin(pin_group[units], node.left.groups)
    cheaper = np.where(pinned, pin_left, m_left <= m_right)
    left = cheaper.copy()
    share = float(cf[node.left.reps].sum() / cf[node.reps].sum())
    pot = values["potential"][units]
    from_left = float(pot[left].sum()) > share * float(pot.sum())
    regret = (m_right - m_left) if from_left else (m_left - m_right)
    cand = np.flatnonzero((left == from_left) & ~pinned & np.isfinite(regret))
    cand = cand[np.lexsort((units[cand], regret[cand]))]
    worst = np.zeros(len(cand) + 1)
    for metric, tol in tolerance.items():
        v = values[metric][units]
        want = share * float(v.sum())
        held = float(v[left].sum())
        handed = np.concatenate([[0.0], np.cumsum(v[cand])])
        after = held - handed if from_left else held + handed
        worst = np.maximum(worst, np.abs(after - want) / max(tol * want, 1e-12))
    k = int(np.argmin(worst))
    left[cand[:k]] = not from_left
    if worst[k] > BAND_MARGIN:
        log.info("a cut's sides pull apart (%.2f tolerances at best): units cross by LP", worst[k])
        left = _crossed(units, cheaper, m_left, m_right, pinned, values, tolerance, share)
    _descend(node.left, units[left], minima, values, tolerance, cf, pin_group, out)
    _descend(node.right, units[~left], minima, values, tolerance, cf, pin_group, out)


def _crossed(
    units: np.ndarray,
    cheaper: np.ndarray,
    m_left: np.ndarray,
    m_right: np.ndarray,
    pinned: np.ndarray,
    values: dict[str, np.ndarray],
    tolerance: dict[str, float],
    share: float,
) -> np.ndarray:
    """The sides after the least-regret crossing that brings both within `TRANSFER_MARGIN`
    of their share of every metric (or as close as any crossing can)."""
    movable = ~pinned & np.isfinite(m_left) & np.isfinite(m_right)
    regret = np.where(movable, np.abs(m_right - m_left), 0.0)
    metrics = sorted(tolerance)
    stacked = np.vstack([values[m][units] for m in metrics])
    total = stacked.sum(axis=1)
    tol = np.array([tolerance[m] for m in metrics])
    want_left, want_right = share * total, (1.0 - share) * total
    wanted = Wanted(
        want_left, want_right, TRANSFER_MARGIN * tol * want_left, TRANSFER_MARGIN * tol * want_right
    )
    return transfer(cheaper, regret, movable, stacked, wanted)


def _owners_first(
    problem: Problem, units: np.ndarray, reps: np.ndarray, group: np.ndarray, minima: np.ndarray
) -> np.ndarray:
    """Each unit's least priced cost per group, its owner's group a hair cheaper (`OWNER_TIE`).

    The sample's prices can make a unit cost the same in every group: on the
    held-out 1M, the sample's reps (48 units each, heavy-tailed) all sat at a
    band, priced at what moving a unit costs, so a unit's owner was worth
    nothing. Ties went to the left side and crossed at zero regret, and the
    cut left 18% of the potential away from its owners (the block's bound:
    1.3% must move).
    """
    owner_rep = unit_owners(problem, units, reps)
    owned = np.flatnonzero(owner_rep >= 0)
    owner_group = group[owner_rep[owned]]
    out = minima.copy()
    scale = np.where(np.isfinite(minima[owned]), np.abs(minima[owned]), 0.0).max(axis=1, initial=0.0)
    out[owned, owner_group] -= OWNER_TIE * np.maximum(scale, 1e-300)
    return out


def _evened(
    problem: Problem,
    b: int,
    rules: AssignmentConfig,
    reps: np.ndarray,
    values: dict[str, np.ndarray],
    minima: np.ndarray,
    pin: np.ndarray,
    found: list[tuple[np.ndarray, np.ndarray]],
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The pieces, with units moved between them when one ended further out of its wanted
    totals than `REBALANCE_TRIGGER` (the cuts' errors add down the tree)."""
    metrics = sorted(rules.balance)
    if not metrics or len(found) < 2:
        return found
    targets = block_targets(problem, b, reps)
    stacked = np.vstack([values[m] for m in metrics])
    target = np.vstack([[float(targets[m][gr].sum()) for _, gr in found] for m in metrics])
    # the block's own surplus or shortfall is spread over its pieces by their targets
    want = target * (stacked.sum(axis=1) / np.maximum(target.sum(axis=1), 1e-12))[:, None]
    leaves = Leaves(stacked, want, np.array([rules.balance[m] for m in metrics]))
    piece = np.zeros(len(minima), dtype=np.int64)
    for i, (gu, _) in enumerate(found):
        piece[gu] = i
    before = worst_deviation(leaves, piece)
    if before <= REBALANCE_TRIGGER:
        return found
    # the tree numbers its groups in the order `_descend` finds its pieces: column i is piece i
    evened = rebalance(piece, minima, pin < 0, leaves)
    log.info(
        "%s: its pieces held their wanted totals within %.2f tolerances; units moved between "
        "them by LP: %.2f",
        problem.block_name(b),
        before,
        worst_deviation(leaves, evened),
    )
    return [(np.flatnonzero(evened == i), gr) for i, (_, gr) in enumerate(found)]


def _sample_prices(
    problem: Problem,
    b: int,
    rules: AssignmentConfig,
    units: np.ndarray,
    reps: np.ndarray,
    cost_of: Callable[[BlockData], np.ndarray],
    size: int,
    deadline: float,
) -> PieceDuals | None:
    """Duals of the balance rows from the LP of a random sample of the block's units.

    Each rep's band in the sample is measured from its sampled book
    (`_sample_bands`). Units too big for a scaled band, and pinned units, stay out of it: they could make the
    sample infeasible while the block is not (their prices are what the
    pricing pass over the whole block is for).
    """
    totals = unit_totals(problem, units)
    targets = block_targets(problem, b, reps)
    ratio = min(1.0, size / max(len(units), 1))
    fits = np.ones(len(units), dtype=bool)
    for metric, tol in rules.balance.items():
        band = ratio * (1 + tol) * float(np.median(targets[metric])) if len(reps) else 0.0
        fits &= totals[metric] <= SAMPLE_UNIT_SHARE * band
    local = np.full(problem.n_units, -1)
    local[units] = np.arange(len(units))
    pinned_units = local[problem.unit[problem.pin >= 0]]
    fits[pinned_units[pinned_units >= 0]] = False
    pool = units[fits]
    if len(pool) == 0:
        return None
    rng = np.random.default_rng(rules.seed)
    sample = np.sort(rng.choice(pool, size=min(size, len(pool)), replace=False))
    block = build_block(problem, b, sample, reps)
    kept = ("assign", *_balance_rules(rules))
    bands = _sample_bands(problem, block, units, targets, totals, rules.balance)
    rows = [
        dataclasses.replace(r, lower=bands[r.rule][0], upper=bands[r.rule][1]) if r.rule in bands else r
        for r in block_rows(problem, block, rules, None)
        if r.rule in kept
    ]
    cost = cost_of(block)
    # breaking a band by one average unit costs ELASTIC_PRICE x the dearest pair
    dearest = float(cost.max(initial=1e-9))
    elastic = {
        f"balance:{m}": ELASTIC_PRICE * dearest / max(float(block.unit_values[m].mean()), 1e-12)
        for m in rules.balance
    }
    deadline = min(deadline, time.perf_counter() + SAMPLE_SECONDS)
    lp = priced_lp(problem, block, rules, cost, None, deadline, rows=rows, elastic=elastic)
    if lp.row_dual is None:
        return None
    return piece_duals(problem, block, rules, None, lp.row_dual, rows=rows)


def _sample_bands(
    problem: Problem,
    block: BlockData,
    units: np.ndarray,
    targets: dict[str, np.ndarray],
    totals: dict[str, np.ndarray],
    tolerance: dict[str, float],
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each rep's band in the sample (rule -> lower, upper): its sampled book, plus how far its
    whole book is from its band in the block, scaled to the sample.

    A sampled rep holds a few dozen of its units, not its book: on the held-out 1M
    (48 heavy-tailed units a rep, bands of +-2%) its sampled book was off its
    scaled target by about 20% by sampling alone. With targets only scaled, every
    sampled rep sat at a band, priced at what a move costs, a unit cost the same
    in every group, and the cut left 18% of a block's potential away from its
    owners. Measured from each rep's own sampled book, a band binds only where the
    block's rep is short or over (new hires, departed owners' accounts to place).
    A rep that must shed more than the sample holds of its book (one account near
    its whole band, too large for the sample) may hold nothing but keeps one band's
    width, and always what has nowhere else to go: the sample stays feasible (an
    empty band broke it by a few units and its elastic prices broke the bound).
    """
    owner = unit_owners(problem, units, block.reps)
    in_sample = np.isin(units, block.units)
    owned = owner >= 0
    # units of the sample with one eligible rep go there whatever its band says
    single = np.bincount(block.pair_unit, minlength=len(block.units))[block.pair_unit] == 1
    bands = {}
    for metric, tol in tolerance.items():
        values = totals[metric]
        ratio = float(block.unit_values[metric].sum()) / max(float(values.sum()), 1e-12)
        book = np.bincount(owner[owned], weights=values[owned], minlength=len(block.reps))
        pick = owned & in_sample
        sampled = np.bincount(owner[pick], weights=values[pick], minlength=len(block.reps))
        forced = np.bincount(
            block.pair_rep[single],
            weights=block.unit_values[metric][block.pair_unit[single]],
            minlength=len(block.reps),
        )
        lower = sampled + ratio * ((1 - tol) * targets[metric] - book)
        width = 2 * tol * ratio * targets[metric]
        upper = np.maximum(sampled + ratio * ((1 + tol) * targets[metric] - book), np.maximum(forced, width))
        bands[f"balance:{metric}"] = (np.clip(lower, 0.0, upper), upper)
    return bands


def _price_trust(
    problem: Problem, rules: AssignmentConfig, units: np.ndarray, reps: np.ndarray, sampled: int
) -> float:
    """The share of the sample's prices that guides the cut (`PRICE_TRUST` or all of them)."""
    few = sampled < FEW_SAMPLED_PER_REP * len(reps)
    return PRICE_TRUST if few or _owners_alone(problem, rules, units, reps) else 1.0


def _owners_alone(problem: Problem, rules: AssignmentConfig, units: np.ndarray, reps: np.ndarray) -> bool:
    """Whether a unit costs the same at every rep but its owner: no distance term, or no
    coordinates on one side (`PRICE_TRUST`)."""
    if not rules.weights.get("distance", 0.0):
        return True
    accounts = np.isin(problem.unit, units)
    return not (np.isfinite(problem.rep_lat[reps]).any() and np.isfinite(problem.lat[accounts]).any())


def _balance_rules(rules: AssignmentConfig) -> tuple[str, ...]:
    return tuple(f"balance:{m}" for m in sorted(rules.balance))


def split_block(
    problem: Problem,
    b: int,
    rules: AssignmentConfig,
    cost_of: Callable[[BlockData], np.ndarray],
    deadline: float,
    max_units: int | None = None,
    must_split: bool = False,
    parts: int | None = None,
) -> Split:
    """Block ``b`` in ``parts`` pieces, or (None) in pieces of about ``max_units`` units
    (default `PIECE_UNITS`) each (`solver.assignment.split.sizing` counts them for a run).

    The whole block when it is small or will not split well, unless ``must_split``.
    """
    max_units = max_units or PIECE_UNITS
    units = block_units(problem, b)
    reps = block_reps(problem, b)
    whole = Split([Piece(b, 0, 1, units, reps)])
    parts = min(parts or -(-len(units) // max_units), len(reps) // MIN_PIECE_REPS)
    if parts < 2 or rules.objective == "lexicographic" or not rules.balance:
        return whole
    cf = problem.capacity_factor[reps]
    lat = problem.rep_lat[reps]
    lon = problem.rep_lon[reps]
    lat = np.nan_to_num(lat, nan=float(np.nanmean(lat)) if np.isfinite(lat).any() else 0.0)
    lon = np.nan_to_num(lon, nan=float(np.nanmean(lon)) if np.isfinite(lon).any() else 0.0)
    root, group = _rep_tree(lat, lon, cf, parts)
    t0 = time.perf_counter()
    seconds = min(SAMPLE_SECONDS, max(deadline - time.perf_counter(), 0.0))
    size = max(1, min(SAMPLE_UNITS, int(SAMPLE_PAIRS_PER_SECOND * seconds) // max(len(reps), 1)))
    prices = _sample_prices(problem, b, rules, units, reps, cost_of, size, deadline)
    if prices is None and not must_split:
        return whole
    if prices is None:
        log.warning("%s: no prices from its sample; split on cost alone", problem.block_name(b))
        prices = PieceDuals({})
    t1 = time.perf_counter()
    trust = _price_trust(problem, rules, units, reps, size)
    bound, _, minima = lagrangian_bound(
        problem, b, rules, [prices], cost_of, rep_group=group, shift=True, trust=trust
    )
    log.info(
        "%s: sample LP %.1f s, pricing %d units x %d reps %.1f s",
        problem.block_name(b),
        t1 - t0,
        len(units),
        len(reps),
        time.perf_counter() - t1,
    )
    if minima is None or not np.isfinite(bound):
        return whole
    # pinned units go with their pinned rep's group
    local_rep = np.full(problem.n_reps, -1)
    local_rep[reps] = np.arange(len(reps))
    pin = np.full(len(units), -1)
    local_unit = np.full(problem.n_units, -1)
    local_unit[units] = np.arange(len(units))
    accs = np.flatnonzero((local_unit[problem.unit] >= 0) & (problem.pin >= 0))
    pinned_local = local_rep[problem.pin[accs]]
    ok = pinned_local >= 0
    pin[local_unit[problem.unit[accs[ok]]]] = group[pinned_local[ok]]
    minima = _owners_first(problem, units, reps, group, minima)
    pin = whale_groups(problem, b, rules, units, reps, group, minima, pin)
    values = unit_totals(problem, units)
    tolerance = {"potential": 1.0} | dict(rules.balance)
    found: list[tuple[np.ndarray, np.ndarray]] = []
    _descend(root, np.arange(len(units)), minima, values, tolerance, cf, pin, found)
    found = _evened(problem, b, rules, reps, values, minima, pin, found)
    if not _bands_hold(problem, b, units, reps, found, rules):
        if not must_split:
            return whole
        log.warning(
            "%s: its pieces hold their reps' bands only loosely; split all the same (too large "
            "to solve whole)",
            problem.block_name(b),
        )
    return Split(
        [Piece(b, i, len(found), np.sort(units[gu]), np.sort(reps[gr])) for i, (gu, gr) in enumerate(found)],
        bound,
    )
