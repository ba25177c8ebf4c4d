"""Give each large unowned unit (or one its owner cannot keep) a piece with a rep with room for it.

A unit of potential near a rep's whole target (an account of a departed owner,
or one nobody owned) can only go where a rep's own book leaves that much room,
or that rep must hand its own accounts away. The whole block usually has such
a rep (a new hire, a rep whose book left with its accounts); a piece cut
without looking may not. The sample's prices do not see it: such units are
kept out of the sample (its LP would be infeasible), and a linear price treats
them as divisible. Measured on a held-out 1M block (S3 x NA, 7 pieces): one
piece got a departed owner's account of 0.85 x a target and no rep with a book
under 0.65 x a target, so the piece had to move 0.48 x a target of owned
accounts; its plan ended at 2.3x the piece's LP bound.

So, before the cut, the unowned units larger than `WHALE_SHARE` of the median
target are placed, largest first, on the rep whose room (its band's top less
its own book and the large units placed before) holds them, in the group
cheapest for the unit at the sample's prices (between groups priced alike, the
one with most room left among its reps that can hold the unit: a greenfield
block prices every group at 0, and all its large units went to the first group,
whose piece then found no plan); they then go with that group, as pinned units
do. So are owned units larger than their owner's band's top (a ramping or
leaving owner's whale): the owner cannot keep them even alone. On the held-out
1M (seed 12), S1 x EMEA's account of 0.86 x a target, owned by a rep at half
capacity, stayed in its owner's piece, where no rep had room for more than
0.28 x a target: the piece ended 28% above its bound. Other owned units are
left to the prices: their owner's group keeps them (see `_owners_first` in
`solver.assignment.split.pieces`).
"""

from __future__ import annotations

import numpy as np

from solver.assignment.block import block_targets, unit_owners, unit_totals
from solver.config import AssignmentConfig
from solver.problem import Problem

__all__ = ["WHALE_SHARE", "whale_groups"]

#: An unowned unit is placed before the cut when its potential exceeds this share of the
#: median rep's potential target.
WHALE_SHARE = 0.25


def whale_groups(
    problem: Problem,
    b: int,
    rules: AssignmentConfig,
    units: np.ndarray,
    reps: np.ndarray,
    group: np.ndarray,
    minima: np.ndarray,
    pin: np.ndarray,
) -> np.ndarray:
    """``pin`` (group per local unit, -1 if free) with the large unowned units given a group.

    ``group`` is each local rep's group; ``minima`` (units x groups) each unit's least
    priced cost per group (inf where no rep of the group may take it).
    """
    tol = rules.balance.get("potential")
    if tol is None or len(reps) == 0:
        return pin
    pot = unit_totals(problem, units)["potential"]
    target = block_targets(problem, b, reps)["potential"]
    owner = unit_owners(problem, units, reps)
    owned = owner >= 0
    top = (1.0 + tol) * target
    room = top - np.bincount(owner[owned], weights=pot[owned], minlength=len(reps))
    # a unit its owner cannot keep even with nothing else (a ramping or leaving owner's whale)
    # must go elsewhere whole, as an unowned one does; its owner's book is the lighter for it
    homeless = owned & (pot > top[np.where(owned, owner, 0)])
    np.add.at(room, owner[homeless], pot[homeless])
    large = np.flatnonzero((~owned | homeless) & (pin < 0) & (pot > WHALE_SHARE * float(np.median(target))))
    out = pin.copy()
    for w in large[np.lexsort((large, -pot[large]))]:
        priced = np.isfinite(minima[w, group])  # reps whose group may take the unit
        if not priced.any():
            continue
        fits = priced & (room >= pot[w])
        if fits.any():
            groups = np.unique(group[fits])
            spare = np.bincount(group[fits], weights=room[fits], minlength=int(group.max()) + 1)[groups]
            g = int(groups[np.lexsort((groups, -spare, minima[w, groups]))[0]])
            holders = np.flatnonzero(fits & (group == g))
        else:  # no rep has room: the one that must shed least
            holders = np.flatnonzero(priced)
            g = int(group[holders[np.argmax(room[holders])]])
            holders = holders[group[holders] == g]
        r = int(holders[np.lexsort((holders, -room[holders]))[0]])
        out[w] = g
        room[r] -= pot[w]
    return out
