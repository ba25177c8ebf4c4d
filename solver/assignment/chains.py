"""Cost-reducing chains of two moves that keep every band.

Single moves (`solver.assignment.repair.improve`) stall under tight bands: the
rep a unit would rather have is full, or the unit's own rep would fall below
its band without it. A chain moves unit ``w`` to a cheaper rep ``r`` and, to
make room, one unit ``u`` of ``r`` on to any rep ``t`` (``t`` = ``w``'s old rep
is a swap). Only units away from their cheapest rep can start a chain (under
least disruption: the few units away from their owner), so a round is one
short loop over those, each step a vectorised scan over (u, t).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from solver.assignment.repair import Bands

#: Cheaper reps tried per unit and round (in order of cost).
TARGETS_PER_UNIT = 3
MAX_ROUNDS = 20
#: Units that may start a chain per round: those with the most to gain (a deterministic budget).
CHAIN_STARTS = 1_500


class _State:
    """The plan, its loads and moved potential, updated move by move."""

    def __init__(self, bands: Bands, moved: np.ndarray, rep_of_unit: np.ndarray) -> None:
        self.bands = bands
        self.r_of = rep_of_unit.copy()
        nr = moved.shape[1]
        self.load = bands.loads(self.r_of, nr)
        self.moved_now = float(moved[np.arange(len(self.r_of)), self.r_of].sum())
        self.every = bands.at_every()  # Q x units x (reps or 1)
        self.tol = 1e-9 * bands.scale[:, None]

    def add(self, units: np.ndarray | int, reps: np.ndarray | int) -> np.ndarray:
        """Q x ...: what each unit adds to each rep (broadcast over both)."""
        at = reps if self.every.shape[2] > 1 else 0
        return self.every[:, units, at]

    def move(self, u: int, r: int, moved: np.ndarray) -> None:
        s = int(self.r_of[u])
        self.load[:, s] -= self.add(u, s)
        self.load[:, r] += self.add(u, r)
        self.moved_now += float(moved[u, r] - moved[u, s])
        self.r_of[u] = r


def _best_chain(
    st: _State,
    c: np.ndarray,
    moved: np.ndarray,
    budget: float | None,
    movable: np.ndarray,
    w: int,
    r: int,
) -> tuple[int, int, float] | None:
    """Best (u, t, cost change) moving w to r and a unit u of r to rep t; u = -1: w alone."""
    b, load, tol = st.bands, st.load, st.tol
    s = int(st.r_of[w])
    gain_w = c[w, r] - c[w, s]
    vw_s, vw_r = st.add(w, s), st.add(w, r)
    s_after = load[:, s] - vw_s
    s_ok_alone = bool(np.all(s_after >= b.lower[:, s] - tol[:, 0]))
    r_after = load[:, r] + vw_r
    dm_w = moved[w, r] - moved[w, s]
    if (
        s_ok_alone
        and np.all(r_after <= b.upper[:, r] + tol[:, 0])
        and (budget is None or st.moved_now + dm_w <= budget + 1e-9)
    ):
        return -1, -1, float(gain_w)
    mine = np.flatnonzero((st.r_of == r) & movable)
    if len(mine) == 0:
        return None
    # r after taking w and giving u: within its band on both sides
    r_new = r_after[:, None] - st.add(mine, r)  # Q x U
    r_ok = np.all((r_new >= b.lower[:, r, None] - tol) & (r_new <= b.upper[:, r, None] + tol), axis=0)
    mine = mine[r_ok]
    if len(mine) == 0:
        return None
    nr = c.shape[1]
    reps = np.arange(nr)
    vu_t = st.add(mine[:, None], reps[None, :])  # Q x U x R
    t_new = load[:, None, :] + vu_t
    t_new[:, :, s] -= vw_s[:, None]  # t = s: a swap, s loses w too
    ok = np.all((t_new <= b.upper[:, None, :] + tol[:, :, None]), axis=0)
    # s must keep its lower band: alone (t != s) or with u (t = s, checked through t_new)
    ok[:, s] &= np.all(t_new[:, :, s] >= b.lower[:, s, None] - tol, axis=0)
    if not s_ok_alone:
        ok[:, np.arange(nr) != s] = False
    ok[:, r] = False
    ok &= np.isfinite(c[mine])
    delta = gain_w + c[mine] - c[mine, r][:, None]
    if budget is not None:
        dm = dm_w + moved[mine] - moved[mine, r][:, None]
        ok &= st.moved_now + dm <= budget + 1e-9
    delta = np.where(ok, delta, np.inf)
    k = int(np.argmin(delta))
    ui, t = np.unravel_index(k, delta.shape)
    if not delta[ui, t] < -1e-12:
        return None
    return int(mine[ui]), int(t), float(delta[ui, t])


def improve_chains(
    bands: Bands,
    c: np.ndarray,
    moved: np.ndarray,
    budget: float | None,
    rep_of_unit: np.ndarray,
    movable: np.ndarray,
    deadline: float,
    enough: float = -np.inf,
    on_move: Callable[[np.ndarray, float], None] | None = None,
) -> np.ndarray:
    """A plan at least as cheap as ``rep_of_unit`` that keeps every band it kept.

    Rounds stop once the plan costs at most ``enough`` (close enough to the
    block's bound that chains would only polish what is already good).
    ``on_move`` sees the plan and its moved potential after every chain.
    """
    st = _State(bands, moved, rep_of_unit)
    units = np.arange(c.shape[0])
    for _ in range(MAX_ROUNDS):
        if float(c[units, st.r_of].sum()) <= enough:
            break
        gain = c[units, st.r_of] - np.min(c, axis=1)
        unhappy = np.flatnonzero((gain > 1e-12) & movable)
        unhappy = unhappy[np.lexsort((unhappy, -gain[unhappy]))][:CHAIN_STARTS]
        applied = 0
        for w in unhappy:
            if time.perf_counter() > deadline:
                return st.r_of
            s = int(st.r_of[w])
            cheaper = np.flatnonzero(c[w] < c[w, s] - 1e-12)
            targets = cheaper[np.lexsort((cheaper, c[w, cheaper]))][:TARGETS_PER_UNIT]
            for r in targets:
                found = _best_chain(st, c, moved, budget, movable, int(w), int(r))
                if found is None:
                    continue
                u, t, _ = found
                st.move(int(w), int(r), moved)
                if u >= 0:
                    st.move(u, t, moved)
                applied += 1
                if on_move is not None:
                    on_move(st.r_of, st.moved_now)
                break
        if applied == 0:
            break
    return st.r_of
