"""Fixed targets by region and by segment at once: block amounts that meet both margins to the cent.

Finance fixes some region totals and some segment totals; the blocks (region
x segment) must then add up to every fixed region and every fixed segment
exactly, while the unfixed regions together take the rest of the company
target, and so do the unfixed segments. Three steps:

1. feasibility, as a max flow (company -> regions -> blocks -> segments):
   the margins can hold together only if the flow carries the whole target;
   otherwise its minimum cut names the targets that contradict each other;
2. iterative proportional fitting of the blocks' basis weights (today's
   shares) to the margins, so blocks keep their relative weights as far as
   the margins allow;
3. integer cents as a min-cost flow: the table of whole cents nearest the
   fitted one (least total absolute difference) that meets every margin
   exactly. The transportation matrix is totally unimodular, so the flow's
   integer optimum is that table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from solver.errors import ConservationError, InputError, InputProblem
from solver.money import cents_to_str

KEY = "quota.targets"
#: Cost of one cent of distance from the fitted table, in the rounding flow.
_UNIT = 1000
#: Proportional fitting stops when every margin is within this many cents, or after _IPF_ROUNDS.
_IPF_TOLERANCE = 1e-3
_IPF_ROUNDS = 5000


@dataclass(frozen=True)
class Margins:
    """The blocks and the fixed margins, in integer cents.

    ``block_region`` / ``block_segment`` name each block; ``open_`` says which
    blocks can carry quota (a rep with capacity and a positive basis weight);
    ``weight`` is each block's basis weight (today's share).
    """

    block_region: np.ndarray
    block_segment: np.ndarray
    weight: np.ndarray
    open_: np.ndarray
    regions: dict[str, int]
    segments: dict[str, int]
    total: int


@dataclass(frozen=True)
class _Axis:
    """One side of the table (regions or segments): names, each block's index, fixed amounts."""

    what: str
    names: list[str]
    index: np.ndarray  # block -> name index
    fixed: dict[str, int]

    @classmethod
    def of(cls, what: str, block_names: np.ndarray, fixed: dict[str, int]) -> _Axis:
        names, index = np.unique(block_names.astype(str), return_inverse=True)
        return cls(what, [str(n) for n in names], index, fixed)

    @property
    def is_fixed(self) -> np.ndarray:
        return np.array([n in self.fixed for n in self.names], dtype=bool)

    @property
    def amounts(self) -> np.ndarray:
        return np.array([self.fixed.get(n, 0) for n in self.names], dtype=np.int64)

    def rest(self, total: int) -> int:
        return total - sum(self.fixed.values())


def fit_blocks(m: Margins) -> np.ndarray:
    """Integer cents per block: every fixed margin exact, the unfixed ones sharing the rest.

    Raises
    ------
    InputError
        A target names a region or segment nobody works in, fixed targets add
        up to more than the company target, or the margins contradict each
        other (the message names the targets and their figures).
    """
    rows = _Axis.of("region", m.block_region, m.regions)
    cols = _Axis.of("segment", m.block_segment, m.segments)
    for axis in (rows, cols):
        _check_axis(axis, m.total)
    open_ = np.asarray(m.open_, dtype=bool) & (np.asarray(m.weight, dtype=float) > 0)
    _check_feasible(rows, cols, open_, m.total)
    fitted = _proportional_fit(rows, cols, np.where(open_, m.weight, 0.0), m.total)
    cents = _round_to_cents(rows, cols, open_, fitted, m.total)
    _check_margins(rows, cols, cents, m.total)
    return cents


def _check_axis(axis: _Axis, total: int) -> None:
    """Names that exist, and fixed amounts within the company target."""
    unknown = sorted(set(axis.fixed) - set(axis.names))
    if unknown:
        raise InputError(
            InputProblem(
                "scenario", None, f"{KEY}.{axis.what}", f"no rep belongs to {axis.what} {', '.join(unknown)}"
            )
        )
    if axis.rest(total) < 0:
        raise InputError(
            InputProblem(
                "scenario",
                None,
                f"{KEY}.{axis.what}",
                f"fixed {axis.what} targets add up to {cents_to_str(sum(axis.fixed.values()))}, "
                f"above the company target {cents_to_str(total)}",
            )
        )


def _check_feasible(rows: _Axis, cols: _Axis, open_: np.ndarray, total: int) -> None:
    """Max flow company -> regions -> open blocks -> segments; short of the total = contradiction."""
    if total == 0:
        return
    nr = len(rows.names)
    source, sink, free_rows, free_cols = 0, 1, 2, 3
    row0, col0 = 4, 4 + nr
    flow = max_flow.SimpleMaxFlow()
    for i, fixed in enumerate(rows.is_fixed):
        if fixed:
            flow.add_arc_with_capacity(source, row0 + i, int(rows.amounts[i]))
        else:
            flow.add_arc_with_capacity(free_rows, row0 + i, total)
    flow.add_arc_with_capacity(source, free_rows, rows.rest(total))
    for j, fixed in enumerate(cols.is_fixed):
        if fixed:
            flow.add_arc_with_capacity(col0 + j, sink, int(cols.amounts[j]))
        else:
            flow.add_arc_with_capacity(col0 + j, free_cols, total)
    flow.add_arc_with_capacity(free_cols, sink, cols.rest(total))
    for b in np.flatnonzero(open_):
        flow.add_arc_with_capacity(row0 + int(rows.index[b]), col0 + int(cols.index[b]), total)
    if flow.solve(source, sink) != flow.OPTIMAL:
        raise ConservationError("the feasibility flow of the fixed targets did not solve")
    if flow.optimal_flow() == total:
        return
    side = set(flow.get_source_side_min_cut())
    raise InputError(
        InputProblem(
            "scenario",
            None,
            KEY,
            _contradiction(rows, cols, side, (row0, col0, free_rows, free_cols), total),
        )
    )


def _contradiction(
    rows: _Axis, cols: _Axis, side: set[int], nodes: tuple[int, int, int, int], total: int
) -> str:
    """The cut in words: these targets need more than the segments their reps work in can take."""
    row0, col0, free_rows, free_cols = nodes

    def parts(axis: _Axis, first: int, free: int) -> tuple[list[str], int]:
        out, amount = [], 0
        for i, name in enumerate(axis.names):
            if first + i in side and name in axis.fixed:
                out.append(f"{axis.what} {name} {cents_to_str(axis.fixed[name])}")
                amount += axis.fixed[name]
        if free in side:
            out.append(f"the unfixed {axis.what}s (remaining {cents_to_str(axis.rest(total))})")
            amount += axis.rest(total)
        return out, amount

    need, need_sum = parts(rows, row0, free_rows)
    room, room_sum = parts(cols, col0, free_cols)
    where = f"only in {_listed(room, room_sum)}" if room else "in no segment"
    return (
        f"the fixed targets contradict each other: {_listed(need, need_sum)} must be carried by reps "
        f"who work {where}; the company target is {cents_to_str(total)}"
    )


def _listed(items: list[str], amount: int) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items)} (together {cents_to_str(amount)})"


def _proportional_fit(rows: _Axis, cols: _Axis, seed: np.ndarray, total: int) -> np.ndarray:
    """Scale the blocks' weights to the fixed margins and the two rests, in turn, until they hold."""
    y = np.asarray(seed, dtype=float).copy()
    if total == 0 or y.sum() <= 0:
        return np.zeros_like(y)
    y *= total / y.sum()
    for _ in range(_IPF_ROUNDS):
        for axis in (rows, cols):
            y = _scale_axis(axis, y, total)
        if _margin_error(rows, y, total) <= _IPF_TOLERANCE:
            break
    return y


def _groups(axis: _Axis, total: int) -> list[tuple[np.ndarray, float]]:
    """Each margin of an axis as (member mask over names, amount): fixed names, then the unfixed together."""
    fixed = axis.is_fixed
    out = [(np.arange(len(axis.names)) == i, float(axis.amounts[i])) for i in np.flatnonzero(fixed)]
    if (~fixed).any():
        out.append((~fixed, float(axis.rest(total))))
    return out


def _scale_axis(axis: _Axis, y: np.ndarray, total: int) -> np.ndarray:
    sums = np.bincount(axis.index, weights=y, minlength=len(axis.names))
    factor = np.ones(len(axis.names))
    for members, amount in _groups(axis, total):
        have = sums[members].sum()
        factor[members] = amount / have if have > 0 else 1.0
    return y * factor[axis.index]


def _margin_error(axis: _Axis, y: np.ndarray, total: int) -> float:
    sums = np.bincount(axis.index, weights=y, minlength=len(axis.names))
    return max((abs(sums[members].sum() - amount) for members, amount in _groups(axis, total)), default=0.0)


def _round_to_cents(
    rows: _Axis, cols: _Axis, open_: np.ndarray, fitted: np.ndarray, total: int
) -> np.ndarray:
    """Whole cents nearest ``fitted`` (least absolute difference) meeting every margin, by min-cost flow.

    Each block is floor(fitted) plus a flow: up one cent at cost (1 - 2 x fraction),
    further up or down at cost 1 a cent (a convex cost, so the flow's optimum is
    the nearest table). Unfixed regions (segments) hang off one node that
    supplies (takes) their common rest.
    """
    blocks = np.flatnonzero(open_)
    base = np.zeros(len(fitted), dtype=np.int64)
    base[blocks] = np.floor(np.maximum(fitted[blocks], 0.0)).astype(np.int64)
    frac = np.clip(fitted - base, 0.0, 1.0)
    nr = len(rows.names)
    free_rows, free_cols, row0, col0 = 0, 1, 2, 2 + nr
    flow = min_cost_flow.SimpleMinCostFlow()
    big = max(total, 1)
    for b in blocks:
        r, s = row0 + int(rows.index[b]), col0 + int(cols.index[b])
        flow.add_arc_with_capacity_and_unit_cost(r, s, 1, round((1 - 2 * float(frac[b])) * _UNIT))
        flow.add_arc_with_capacity_and_unit_cost(r, s, big, _UNIT)
        flow.add_arc_with_capacity_and_unit_cost(s, r, int(base[b]), _UNIT)
    row_base = _int_sums(rows.index, base, nr)
    col_base = _int_sums(cols.index, base, len(cols.names))
    supply = {free_rows: rows.rest(total), free_cols: -cols.rest(total)}
    for axis, first, free, sign, floor_sum in (
        (rows, row0, free_rows, 1, row_base),
        (cols, col0, free_cols, -1, col_base),
    ):
        for i, name in enumerate(axis.names):
            if name in axis.fixed:
                supply[first + i] = sign * (axis.fixed[name] - int(floor_sum[i]))
            else:
                supply[free] -= sign * int(floor_sum[i])
                node = first + i
                flow.add_arc_with_capacity_and_unit_cost(free, node, big, 0)
                flow.add_arc_with_capacity_and_unit_cost(node, free, big, 0)
    for at_node, amount in supply.items():
        flow.set_node_supply(at_node, int(amount))
    if flow.solve() != flow.OPTIMAL:
        raise ConservationError("the fixed targets' margins passed the feasibility flow but not the rounding")
    at = {(row0 + int(rows.index[b]), col0 + int(cols.index[b])): int(b) for b in blocks}
    out = base.copy()
    for arc in range(flow.num_arcs()):
        tail, head, moved = flow.tail(arc), flow.head(arc), flow.flow(arc)
        if moved and (tail, head) in at:
            out[at[tail, head]] += moved
        elif moved and (head, tail) in at:
            out[at[head, tail]] -= moved
    return out


def _int_sums(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Exact integer sums of ``values`` by ``index`` (bincount would go through floats)."""
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, index, np.asarray(values, dtype=np.int64))
    return out


def _check_margins(rows: _Axis, cols: _Axis, cents: np.ndarray, total: int) -> None:
    """Every fixed margin, both rests and the total, to the cent (a miss is a bug)."""
    if int(cents.sum()) != total or (cents < 0).any():
        raise ConservationError("the fitted blocks do not add up to the company target")
    for axis in (rows, cols):
        sums = _int_sums(axis.index, cents, len(axis.names))
        for members, amount in _groups(axis, total):
            if int(sums[members].sum()) != int(amount):
                raise ConservationError(f"the fitted blocks miss a fixed {axis.what} margin")
