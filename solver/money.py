"""Exact money arithmetic: integer cents and largest-remainder allocation.

Every split of money in terraquota goes through `allocate_cents`, so that the
parts always add up to the whole, to the cent, whatever the weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from solver.errors import ConservationError

#: Largest amount of money an input may hold. Beyond any sales plan, and its
#: cents (1e15) stay well inside float64's exact integers (2**53 ~ 9e15), so
#: sums of many accounts still round to the cent.
MAX_AMOUNT = 1e13
#: Largest head count of an account (employees) an input may hold.
MAX_EMPLOYEES = 1e7


#: Weights are scaled to integers (the largest weight becomes this number)
#: before the exact split, so the allocation does not depend on float
#: summation order and keeps ~15 significant digits of every weight.
WEIGHT_SCALE = 2**52


def to_cents(amount: float | str | Decimal) -> int:
    """Currency amount -> integer cents, rounding half away from zero."""
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def scale_cents(cents: int, factor: float | str | Decimal) -> int:
    """``cents x factor`` rounded half up to a whole cent (used for hedges)."""
    return int((Decimal(cents) * Decimal(str(factor))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def cents_to_str(cents: int) -> str:
    """Integer cents -> '1234.50' (no float ever touches the figure)."""
    sign = "-" if cents < 0 else ""
    q, r = divmod(abs(int(cents)), 100)
    return f"{sign}{q}.{r:02d}"


def allocate_cents(total: int, weights: Sequence[float] | np.ndarray) -> list[int]:
    """Split ``total`` cents in proportion to ``weights`` by largest remainders.

    Ties in the remainder go to the earlier index, so the split is
    deterministic given a sorted input. All-zero weights split evenly; an
    empty weight list is only valid for a zero total.
    """
    w = np.asarray(weights, dtype=float)
    if w.size == 0:
        if total != 0:
            raise ConservationError(f"cannot allocate {total} cents over nobody")
        return []
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ValueError("allocation weights must be finite and >= 0")
    top = float(w.max())
    iw = [int(x) for x in np.rint(w / top * WEIGHT_SCALE)] if top > 0 else [0] * len(w)
    if sum(iw) == 0:
        iw = [1] * len(iw)
    big_w = sum(iw)
    shares = [total * x // big_w for x in iw]
    remainders = [total * x - s * big_w for x, s in zip(iw, shares, strict=True)]
    short = total - sum(shares)
    order = sorted(range(len(iw)), key=lambda i: (-remainders[i], i))
    for i in order[:short]:
        shares[i] += 1
    if sum(shares) != total:
        raise ConservationError(f"allocation of {total} cents summed to {sum(shares)}")
    return shares


def largest_remainder(total: int, weights: Sequence[float] | np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split ``total`` whole units in proportion to ``weights``, each part at least ``minimum``.

    The floors are given first and the rest is split by `allocate_cents`, so
    counts (accounts, reps, hires) and money share one largest-remainder rule.
    """
    w = np.asarray(weights, dtype=float)
    free = int(total) - minimum * len(w)
    if free < 0:
        raise ValueError(f"cannot give {minimum} to each of {len(w)} parts out of {total}")
    return np.asarray(allocate_cents(free, w), dtype=np.int64) + minimum
