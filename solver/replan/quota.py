"""Quotas follow the accounts when they change owner mid-year, to the cent.

When accounts go from a giver to receivers on date d:

- each of the giver's period quotas is cut at d in proportion to the
  giver's planned capacity x seasonality before and after d (the periods
  already worked stay with the giver, the period that holds d is prorated by
  days of capacity);
- the giver's quota after d is shared between what it keeps and each
  receiver, in proportion to the potential kept and moved;
- each receiver spreads what it gets over its own capacity x seasonality
  after d (a ramping joiner carries little in its first months);
- a giver who leaves its territory without handing any account over (a rep
  with no accounts) passes its quota after d to the reps of its old block by
  their capacity after d (weighed by level x FTE, as book targets are).

Every split is a largest-remainder allocation of integer cents, so the
company total and every rep's before/after bookkeeping are exact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.errors import ConservationError
from solver.money import allocate_cents
from solver.planning.capacity import PLAN_MONTHS, month_bounds


def after_fraction(plan_start: dt.date, date: dt.date) -> np.ndarray:
    """Share of each plan month's days on or after ``date``."""
    b = month_bounds(plan_start)
    lo, hi = b[:-1], b[1:]
    d = np.datetime64(date, "D")
    days = (hi - lo).astype(np.int64)
    after = np.clip((hi - np.maximum(lo, d)).astype(np.int64), 0, None)
    return after / days


@dataclass
class QuotaBook:
    """Period quotas (cents) per rep, mutable while events are applied in date order."""

    periods: list[dt.date]
    cents: dict[str, list[int]]

    @classmethod
    def of(cls, table: pd.DataFrame) -> QuotaBook:
        """From a (rep_id, period, quota_cents) table."""
        periods = sorted({pd.Timestamp(p).date() for p in table["period"]})
        pos = {p: i for i, p in enumerate(periods)}
        cents: dict[str, list[int]] = {}
        for rep, period, c in zip(table["rep_id"], table["period"], table["quota_cents"], strict=True):
            row = cents.setdefault(str(rep), [0] * len(periods))
            row[pos[pd.Timestamp(period).date()]] += int(c)
        return cls(periods, cents)

    def total(self) -> int:
        return sum(sum(v) for v in self.cents.values())

    def annual(self, rep: str) -> int:
        return sum(self.cents.get(rep, []))

    def table(self, rep_ids: list[str]) -> pd.DataFrame:
        rows = [
            (r, p, c)
            for r in sorted(rep_ids)
            for p, c in zip(self.periods, self.cents.get(r, [0] * len(self.periods)), strict=True)
        ]
        return pd.DataFrame(rows, columns=["rep_id", "period", "quota_cents"])


def _period_weights(monthly: np.ndarray, season: np.ndarray, frac: np.ndarray, step: int) -> np.ndarray:
    return (monthly * season * frac).reshape(PLAN_MONTHS // step, step).sum(axis=1)


def move_quotas(
    book: QuotaBook,
    moves: pd.DataFrame,
    holdings: pd.Series,
    date: dt.date,
    *,
    plan_start: dt.date,
    step: int,
    season: np.ndarray,
    monthly_before: dict[str, np.ndarray],
    monthly_after: dict[str, np.ndarray],
    orphans: dict[str, list[str]],
) -> pd.Series:
    """Apply one date's account moves to ``book``; return the cents each moved account carried.

    Parameters
    ----------
    book
        Period quotas, updated in place.
    moves
        account_id, giver, receiver, potential (one row per account that changes owner).
    holdings
        Potential each giver held just before the date (rep_id -> potential).
    date
        Effective date of the changes.
    plan_start, step, season
        Plan year start, months per period, the 12 seasonality weights.
    monthly_before, monthly_after
        Each rep's capacity per plan month under the team before / after the date.
    orphans
        Givers that leave their territory without accounts to hand over ->
        the reps of their old block who share their quota after the date.

    Returns
    -------
    pandas.Series
        account_id -> cents moved with it (a row per account of ``moves``);
        orphan hand-overs appear as ``"(no accounts) giver->receiver"`` keys.
    """
    before_total = book.total()
    f = after_fraction(plan_start, date)
    carried: dict[str, int] = {}
    # phase 1: every giver's cut and split, from the book as it was before the date
    new_rows: dict[str, list[int]] = {}
    handed: list[tuple[str, str, int, list[int]]] = []  # giver, receiver, cents, giver's post profile
    for giver in sorted(set(moves["giver"].astype(str)) | set(orphans)):
        mine = moves[moves["giver"].astype(str) == giver]
        row = book.cents.get(giver)
        if row is None or not any(row):
            carried.update(dict.fromkeys(mine["account_id"].astype(str), 0))
            continue
        pre, post = _cut(row, monthly_before.get(giver), season, f, step)
        post_total = sum(post)
        by_receiver = mine.groupby("receiver", sort=True)["potential"].sum()
        if len(mine) == 0:  # an orphan: its old team shares its quota after the date
            receivers = list(orphans[giver])
            if receivers:
                w = np.array([_period_weights(monthly_after[r], season, f, step).sum() for r in receivers])
                shares = allocate_cents(post_total, w if w.sum() > 0 else np.ones(len(receivers)))
                kept = 0
            else:  # nobody left to take it: the giver keeps it (the caller notes it)
                shares, kept = [], post_total
        else:
            held = float(holdings.get(giver, 0.0))
            kept_pot = 0.0 if giver in orphans else max(held - float(by_receiver.sum()), 0.0)
            receivers = [str(r) for r in by_receiver.index]
            split = allocate_cents(post_total, [kept_pot, *by_receiver.to_numpy(dtype=float)])
            kept, shares = split[0], split[1:]
        kept_split = allocate_cents(kept, post) if sum(post) > 0 else allocate_cents(kept, [1] * len(post))
        new_rows[giver] = [a + b for a, b in zip(pre, kept_split, strict=True)]
        for receiver, amount in zip(receivers, shares, strict=True):
            handed.append((giver, receiver, amount, post))
            accs = mine[mine["receiver"].astype(str) == receiver]
            if len(accs):
                per_acc = allocate_cents(amount, accs["potential"].to_numpy(dtype=float))
                carried.update(zip(accs["account_id"].astype(str), per_acc, strict=True))
            else:
                carried[f"(no accounts) {giver}->{receiver}"] = amount
    # phase 2: write the givers' rows, then add what each receiver gets, by its own capacity
    book.cents.update(new_rows)
    _hand_over(book, handed, monthly_after, season, f, step)
    if book.total() != before_total:
        raise ConservationError(f"replan on {date}: quotas add up to {book.total()}, not {before_total}")
    return pd.Series(carried, dtype=object)


def _hand_over(
    book: QuotaBook,
    handed: list[tuple[str, str, int, list[int]]],
    monthly_after: dict[str, np.ndarray],
    season: np.ndarray,
    f: np.ndarray,
    step: int,
) -> None:
    """Add each receiver's share to its periods, by its own capacity after the date (else the giver's)."""
    for _giver, receiver, amount, post in handed:
        w = _period_weights(monthly_after.get(receiver, np.zeros(PLAN_MONTHS)), season, f, step)
        if w.sum() <= 0:
            w = np.asarray(post, dtype=float) if sum(post) > 0 else np.ones(len(post))
        add = allocate_cents(amount, w)
        cur = book.cents.setdefault(receiver, [0] * len(book.periods))
        book.cents[receiver] = [a + b for a, b in zip(cur, add, strict=True)]


def _cut(
    row: list[int], monthly: np.ndarray | None, season: np.ndarray, f: np.ndarray, step: int
) -> tuple[list[int], list[int]]:
    """Each period's cents split into before / after the date by planned capacity."""
    cap = monthly if monthly is not None else np.ones(PLAN_MONTHS)
    w_post = _period_weights(cap, season, f, step)
    w_pre = _period_weights(cap, season, 1 - f, step)
    day_post = f.reshape(PLAN_MONTHS // step, step).mean(axis=1)
    pre, post = [], []
    for k, c in enumerate(row):
        if c == 0:
            pre.append(0)
            post.append(0)
            continue
        w = [w_pre[k], w_post[k]] if w_pre[k] + w_post[k] > 0 else [1 - day_post[k], day_post[k]]
        a, b = allocate_cents(int(c), w)
        pre.append(a)
        post.append(b)
    return pre, post
