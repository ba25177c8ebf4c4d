"""Round the units too big for their reps' bands first: place each where it displaces
least, then re-solve the LP around them from its basis.

Why: the LP spreads a unit larger than a band's width (an account near a rep's
whole target) in slices over many reps, each slice filling a small gap.
Rounded to its largest slice, the unit lands on a rep that must then give away
most of its book, and repair does that by moving the rep's own accounts.
Measured on a held-out block of 24k units x 125 reps (least disruption, +-2%,
three unowned accounts of 0.9-1.0 x a target): 1.88x of the LP bound after
rounding and repair. Placed first on the reps whose loads are cheapest to move
(new hires' empty books, unowned accounts), with the LP re-solved around them,
the same block rounds and repairs to 1.08x: only small units stay fractional.

The choice is greedy, largest unit first: a unit's price at a rep is its own
cost there plus what the rep would pay to shed the load it cannot keep, the
cheapest of its LP units per unit of the metric first (their cost to leave
for their next cheapest rep). The re-solve keeps the LP's basis, adds the
fixed pairs and prices no new columns: it is a guide for rounding, so its
objective is no bound.
"""

from __future__ import annotations

import time

import numpy as np

from solver.assignment.backends.highs_backend import IncrementalLp
from solver.assignment.block import BlockData
from solver.assignment.repair import Bands
from solver.assignment.result import Status

#: A unit is big when it adds more than this many band widths (upper - lower) of a
#: rep's unit-valued quantity (a balance metric or a capacity) to the median rep.
BIG_WIDTHS = 2.5
#: The re-solve around the placed units may take at most this share of the simplex
#: iterations the LP took (then the LP is rounded as it is): on a held-out 1M piece (18.5k
#: units x 36 reps) it took 25.6k iterations in 27 s where the LP had taken 31.2k in 8 s
#: (the warm dual simplex, without presolve, is slower per iteration), and the pieces ran
#: out of time. An iteration budget, not seconds, so the plan does not depend on load.
RESOLVE_ITERATIONS = 0.2
MIN_RESOLVE_ITERATIONS = 1_000
#: Big units are placed by regret when at most this many (each placement re-ranks the rest:
#: quadratic in their number); more, as under a +-1% band on a held-out 20k block (thousands of
#: big units, the block then out of time with no plan), largest first.
REGRET_UNITS = 64
#: LP values strictly between these are fractional.
FRACTION = 1e-6


def big_units(bands: Bands) -> tuple[np.ndarray, np.ndarray]:
    """Per local unit: whether it is big, and the quantity (row of ``bands.values``) it is
    biggest in, in band widths."""
    nq = len(bands.values)
    nu = bands.values.shape[1]
    if nq == 0:
        return np.zeros(nu, dtype=bool), np.zeros(nu, dtype=np.int64)
    width = bands.upper[:nq] - bands.lower[:nq]
    width = np.where(np.isfinite(width) & (width > 0), width, np.nan)
    typical = np.array([np.nanmedian(w) if np.isfinite(w).any() else np.inf for w in width])
    widths = bands.values / typical[:, None]
    metric = np.argmax(widths, axis=0)
    return widths[metric, np.arange(nu)] > BIG_WIDTHS, metric


def fractional_units(block: BlockData, x: np.ndarray) -> np.ndarray:
    """Local units with a fractional LP value on some pair (bool per unit)."""
    out = np.zeros(len(block.units), dtype=bool)
    out[block.pair_unit[(x > FRACTION) & (x < 1 - FRACTION)]] = True
    return out


class _ShedPrices:
    """What each rep pays to shed load of one quantity: its LP units, cheapest per unit of
    the quantity first, each at its cost to leave for its next cheapest rep (at least 0)."""

    def __init__(self, c: np.ndarray, held: np.ndarray, values: np.ndarray, skip: np.ndarray) -> None:
        nr = c.shape[1]
        finite = np.where(np.isfinite(c), c, np.inf)
        two = np.partition(finite, min(1, nr - 1), axis=1)[:, :2] if nr > 1 else np.c_[finite, finite]
        self.volume: list[np.ndarray] = []
        self.price: list[np.ndarray] = []
        for r in range(nr):
            mine = np.flatnonzero((held == r) & ~skip & (values > 0))
            own = c[mine, r]
            alt = np.where(own <= two[mine, 0], two[mine, 1], two[mine, 0])
            # never below 0: a unit the LP kept from a cheaper rep (an owner without room) is
            # not a gain to shed (negative prices drew two large units to one such rep)
            leave = np.where(np.isfinite(alt), np.maximum(alt - own, 0.0), np.inf)
            order = np.argsort(leave / values[mine], kind="stable")
            self.volume.append(np.r_[0.0, np.cumsum(values[mine][order])])
            self.price.append(np.r_[0.0, np.cumsum(leave[order])])

    def shed(self, r: int, amount: float) -> float:
        """Cost for rep ``r`` to shed ``amount`` (inf if its units hold less)."""
        if amount <= 0:
            return 0.0
        vol, price = self.volume[r], self.price[r]
        k = int(np.searchsorted(vol, amount))
        if k >= len(vol) or not np.isfinite(price[k]):
            return np.inf
        share = (amount - vol[k - 1]) / max(vol[k] - vol[k - 1], 1e-300)
        return float(price[k - 1] + share * (price[k] - price[k - 1]))


def place_big_units(
    bands: Bands, c: np.ndarray, x_dense: np.ndarray, units: np.ndarray, metric: np.ndarray
) -> np.ndarray:
    """A rep for each of ``units`` (local) where it costs least with the load its rep must
    shed; ``x_dense`` (units x reps LP values) gives the loads.

    The unit that would lose most by not getting its cheapest rep (its regret: second
    cheapest price less the cheapest) is placed first, then the prices at the rep it took
    are updated. Largest first, a departed owner's whale took the room an owner's own
    whale left in its book (the LP had kept that whale at home), and the owner's whale then
    displaced a new hire's whole book: a held-out 1M piece ended at 5.2x its LP bound.

    The slices of the units still to place do not count in any rep's load: each will be
    placed whole somewhere. Counted, they hid the room of the new hires that the LP had
    filled with them, and the largest unit of a held-out block went to an owner of a book of
    0.56 x a target (the re-solved LP at 1.144x of the first LP; now 1.014x).
    """
    held = np.argmax(x_dense, axis=1)
    skip = np.zeros(len(c), dtype=bool)
    skip[units] = True
    loads = x_dense[~skip].T @ bands.values[:, ~skip].T  # reps x q, without the units to place
    prices = {int(q): _ShedPrices(c, held, bands.values[q], skip) for q in np.unique(metric[units])}
    nr = c.shape[1]

    def price(u: int, r: int) -> float:
        if not np.isfinite(c[u, r]):
            return np.inf
        q = int(metric[u])
        over = loads[r, q] + bands.values[q, u] - bands.upper[q, r]
        return float(c[u, r] + prices[q].shed(r, float(over)))

    size = bands.values[metric[units], units]
    reps = np.full(len(units), -1, dtype=np.int64)
    if len(units) > REGRET_UNITS:  # largest first, each priced at its turn
        for i in np.lexsort((units, -size)):
            u = int(units[i])
            row = np.array([price(u, r) for r in range(nr)])
            reps[i] = int(np.lexsort((np.arange(nr), row))[0]) if np.isfinite(row).any() else int(held[u])
            loads[reps[i]] += bands.values[:, u]
        return reps
    table = np.array([[price(int(u), r) for r in range(nr)] for u in units]).reshape(len(units), nr)
    left = np.ones(len(units), dtype=bool)
    while left.any():
        open_ = np.flatnonzero(left)
        two = np.sort(table[open_], axis=1)[:, : min(2, nr)]
        second = two[:, 1] if nr > 1 else np.full(len(open_), np.inf)
        regret = np.where(np.isfinite(two[:, 0]), second - two[:, 0], -np.inf)
        regret = np.nan_to_num(regret, nan=np.inf)  # inf - inf: one candidate only
        i = int(open_[np.lexsort((units[open_], -size[open_], -regret))[0]])
        u = int(units[i])
        row = table[i]
        pick = int(np.lexsort((np.arange(nr), row))[0]) if np.isfinite(row).any() else int(held[u])
        reps[i] = pick
        left[i] = False
        loads[pick] += bands.values[:, u]
        for j in np.flatnonzero(left):
            table[j, pick] = price(int(units[j]), pick)
    return reps


def resolve_fixed(
    lp: IncrementalLp, block: BlockData, units: np.ndarray, reps: np.ndarray, deadline: float
) -> np.ndarray | None:
    """The LP re-solved with ``units`` fixed to ``reps`` (local) from its last basis, on the
    columns it has (it guides rounding, so pricing more in is not worth its time); None if
    that is infeasible, out of time or past `RESOLVE_ITERATIONS`."""
    nr = len(block.reps)
    key = block.pair_unit.astype(np.int64) * nr + block.pair_rep
    on_fixed = np.isin(block.pair_unit, units)
    chosen = np.isin(key, units.astype(np.int64) * nr + reps)
    spent = lp.iterations
    lp.fix(np.flatnonzero(chosen), np.flatnonzero(on_fixed & ~chosen))
    left = deadline - time.perf_counter()
    if left <= 0:
        return None
    status, x, _, _ = lp.solve(left, max(int(RESOLVE_ITERATIONS * spent), MIN_RESOLVE_ITERATIONS))
    return x if status == Status.OPTIMAL else None


def round_big_first(
    lp: IncrementalLp, block: BlockData, bands: Bands, c: np.ndarray, x: np.ndarray, deadline: float
) -> np.ndarray | None:
    """The LP's values with its big fractional units placed first (see the module); None when
    it has none or the re-solve fails.

    One round: fixing the big units the re-solve left fractional in turn, three rounds with
    pricing changed nothing measurable on a block of 24k units, each round costing 2 s.
    """
    big, metric = big_units(bands)
    todo = np.flatnonzero(big & fractional_units(block, x) & (block.pinned_rep < 0))
    if len(todo) == 0:
        return None
    dense = np.zeros(c.shape)
    dense[block.pair_unit, block.pair_rep] = x
    reps = place_big_units(bands, c, dense, todo, metric)
    return resolve_fixed(lp, block, todo, reps, deadline)
