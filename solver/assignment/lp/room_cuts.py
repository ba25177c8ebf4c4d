"""Room cuts: a large unit goes whole to one rep, so that rep keeps less of its own book.

The LP may spread a unit of potential near a rep's whole target in slices
over the reps that have a little room each; every plan puts it whole on one
rep, which must then hand away what its own book holds beyond its band's top.
For a large unit ``w``, a rep ``r`` and the units ``O_r`` that ``r`` owns
today (each of potential ``p_u``), every plan satisfies

    sum_{u in O_r} p_u x_ur + (p_w - U_r + book_r) x_wr <= book_r,

with ``U_r`` the top of r's potential band (less what is fixed on r) and
``book_r`` the potential of ``O_r``: with ``x_wr = 1`` what r keeps of its book
fits beside ``w`` under ``U_r``; with ``x_wr = 0`` it is the book itself. The
LP's band row only says ``sum p_u x_ur + p_w x_wr <= U_r``, weaker whenever
``x_wr`` is fractional. Summed over the reps a unit is spread on, the cuts
make the LP pay at least what the rep with the most room must shed.

Measured on a held-out 100k block (S1 x EMEA, 25k units x 125 reps): an
unowned account of 0.84 x a target and no rep with a book under 0.24 x a
target, so every plan moves 0.06 x a target of owned accounts that the LP
did not count; its plan stayed 4% above the LP bound whatever the search.
"""

from __future__ import annotations

import numpy as np

from solver.assignment.block import BlockData, owner_mask
from solver.assignment.rules import Rows

__all__ = ["ROOM_CUT_RULE", "ROOM_CUT_WIDTHS", "room_cuts"]

#: The rule name of the cuts' rows.
ROOM_CUT_RULE = "room_cut"

#: A unit gets cuts when its potential exceeds this many widths of the median rep's band.
ROOM_CUT_WIDTHS = 2.5


def room_cuts(block: BlockData, band: Rows) -> Rows | None:
    """The cuts of the block's large units (None if there are none); ``band`` is the block's
    potential balance rows (one per local rep)."""
    if band.row_rep is None or len(block.pair_unit) == 0:
        return None
    pot = block.unit_values["potential"]
    nr = len(block.reps)
    upper = np.full(nr, np.inf)
    upper[band.row_rep] = band.upper
    width = np.full(nr, np.nan)
    width[band.row_rep] = band.upper - band.lower
    typical = float(np.nanmedian(np.where(np.isfinite(width) & (width > 0), width, np.nan)))
    if not np.isfinite(typical):
        return None
    owner_pair = owner_mask(block)
    book = np.bincount(block.pair_rep[owner_pair], weights=pot[block.pair_unit[owner_pair]], minlength=nr)
    owned_by = np.full(len(block.units), -1)
    owned_by[block.pair_unit[owner_pair]] = block.pair_rep[owner_pair]
    large = pot[block.pair_unit] > ROOM_CUT_WIDTHS * typical
    coef = pot[block.pair_unit] - upper[block.pair_rep] + book[block.pair_rep]
    elsewhere = owned_by[block.pair_unit] != block.pair_rep
    tight = large & elsewhere & (coef > 1e-9 * typical) & np.isfinite(coef)
    # only units no rep (but their owner) has room for: where one has, the LP can put the
    # unit there whole, and cuts on every rep cost the LP far more time than they add
    roomy = np.zeros(len(block.units), dtype=bool)
    roomy[block.pair_unit[elsewhere & ~tight]] = True
    cut_pairs = np.flatnonzero(tight & ~roomy[block.pair_unit])
    if len(cut_pairs) == 0:
        return None
    # each cut: the large unit's pair, then the owner pairs of its rep
    by_rep = np.argsort(block.pair_rep[owner_pair], kind="stable")
    owner_sorted = np.flatnonzero(owner_pair)[by_rep]
    starts = np.searchsorted(block.pair_rep[owner_sorted], np.arange(nr + 1))
    counts = starts[1:] - starts[:-1]
    reps = block.pair_rep[cut_pairs]
    n_book = counts[reps]
    row = np.concatenate([np.arange(len(cut_pairs)), np.repeat(np.arange(len(cut_pairs)), n_book)])
    within = np.arange(int(n_book.sum())) - np.repeat(np.cumsum(n_book) - n_book, n_book)
    book_cols = owner_sorted[np.repeat(starts[reps], n_book) + within]
    col = np.concatenate([cut_pairs, book_cols])
    val = np.concatenate([coef[cut_pairs], pot[block.pair_unit[book_cols]]])
    return Rows(
        ROOM_CUT_RULE,
        row,
        col,
        val,
        np.full(len(cut_pairs), -np.inf),
        book[reps],
        tuple(
            f"unit {block.units[block.pair_unit[k]]} whole on rep {block.reps[block.pair_rep[k]]}"
            for k in cut_pairs
        ),
    )
