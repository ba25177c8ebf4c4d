"""Re-assign what dated events free up, within a disruption budget.

Mid-year, most territories must stay as they are. In the blocks the events
touch, units (accounts or families) fall into three kinds:

- pinned: a ``locked_owner`` still on the team, or a transferred account
  (fixed to its receiver);
- freed: their owner left, moved to another block, or can no longer take
  them; they must go to an eligible rep of the block;
- staying: their owner is still there. They may move only to lower the
  imbalance, to one of the few nearest reps that are below target, and the
  potential they move is limited by the budget.

Balance is a soft goal here (hard tolerance bands could make a mid-year
change impossible): for each rep and balance metric, the deviation from its
target counts in the objective: barely inside the scenario's tolerance
band, heavily beyond it (so a rep outside its band, a joiner with no
accounts, is served first, and no staying account moves to polish a balance
that already holds). Targets share the
block total by each rep's ``capacity_factor`` in the problem given (the
caller's territory capacity). Candidate pairs come from
`solver.assignment.block.build_block`, so every eligibility rule of the
annual plan (segment and region, pins, countries, languages, forbidden
pairs) holds here too.

    min  sum_b sum_m sum_r (k_in (a+_rm + a-_rm) + k_out (b+_rm + b-_rm)) / (V_bm |M|)
         + w_dis sum moved_ur x_ur / P_b + w_km sum pkm_ur x_ur / (P_b D_b)
         + PENALTY sum_r e_r / limit_r
    s.t. sum_r x_ur = 1                                       (every unit once)
         sum_u v_um x_ur - a+ - b+ + a- + b- = T_rm          (soft balance)
         0 <= a+_rm, a-_rm <= t_m T_rm; b >= 0                (inside / beyond the band)
         sum_u n_u x_ur - e_r <= limit_r                      (soft capacity)
         sum_(u staying, r != owner) p_u x_ur <= budget       (disruption budget)
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import highspy
import numpy as np

from solver.assignment.block import BlockData, build_block, unit_owners
from solver.assignment.result import Status
from solver.assignment.rules import balance_targets
from solver.config import AssignmentConfig
from solver.highs import highs_status
from solver.problem import Problem

#: Objective weight of exceeding max_accounts / max_workload (per unit of the limit).
CAPACITY_PENALTY = 100.0
#: Weight of a deviation inside the tolerance band (per unit of the block
#: total; the disruption weight is per unit of potential moved). Inside the
#: band a deviation is nearly free, as in the annual plan's hard bands, so
#: staying accounts never move just to polish a balance that already holds.
INSIDE_BAND = 0.01
#: Beyond the band, the weight is this many times the largest cost per unit of
#: potential of any candidate pair (disruption plus distance): large enough
#: that serving a rep outside its band always pays, small enough to keep the
#: MIP well conditioned (a rounding residue does not dwarf everything else).
OUT_OF_BAND_MARGIN = 2.0
#: Relative gap at which the re-assignment stops (at least the scenario's mip_gap).
MIP_GAP = 0.01
#: Branch-and-bound nodes of the restricted MIP (deterministic work limit).
NODE_LIMIT = 500
#: Cheapest pairs per unit kept beside the LP's support in the restricted MIP.
CHEAPEST = 2
#: Nearest below-target reps a staying unit may move to.
NEIGHBOURS = 3


@dataclass(frozen=True)
class ReassignOutcome:
    """Chosen rep per unit of the touched blocks (global indices; -1 elsewhere)."""

    status: Status
    rep_of_unit: np.ndarray
    objective: float
    freed_potential: float
    moved_beyond_freed: float
    budget: float
    seconds: float
    explanation: str | None = None


@dataclass(frozen=True)
class _Part:
    """One block's share of the model: kept pairs and their kinds."""

    block: BlockData
    keep: np.ndarray  # pair indices kept
    staying_move: np.ndarray  # per kept pair: potential moved counted in the budget
    freed: np.ndarray  # per local unit
    targets: dict[str, np.ndarray]
    limits: dict[str, np.ndarray]  # metric -> per local rep limit (nan: none)
    tolerance: dict[str, float]  # metric -> band half-width (share of target)


def _part(problem: Problem, b: int, rules: AssignmentConfig, neighbours: int) -> _Part:
    block = build_block(problem, b)
    nu = len(block.units)
    if len(block.reps) == 0:  # nobody left in the block: every unit is freed and has nowhere to go
        none = np.zeros(0, dtype=np.int64)
        return _Part(block, none, np.zeros(0), np.ones(nu, dtype=bool), {}, {}, {})
    owner = unit_owners(problem, block.units, block.reps)
    pinned = block.pinned_rep >= 0
    own_pair = (block.pair_rep == owner[block.pair_unit]) & (owner[block.pair_unit] >= 0)
    has_own = np.zeros(nu, dtype=bool)
    has_own[block.pair_unit[own_pair]] = True
    staying = (owner >= 0) & ~pinned & has_own
    freed = ~staying & ~pinned

    targets = {m: balance_targets(problem, block, m) for m in sorted(rules.balance) or ["potential"]}
    pot = block.unit_values["potential"]
    fixed = staying | pinned
    holder = np.where(pinned, block.pinned_rep, owner)
    load = np.bincount(holder[fixed], weights=pot[fixed], minlength=len(block.reps))
    t = balance_targets(problem, block, "potential")
    deficit = load < t - 1e-9
    surplus_unit = staying & (load[np.maximum(owner, 0)] > t[np.maximum(owner, 0)] + 1e-9)

    pu, pr = block.pair_unit, block.pair_rep
    keep = freed[pu] | pinned[pu] | own_pair
    cand = surplus_unit[pu] & deficit[pr] & ~own_pair
    if cand.any():
        idx = np.flatnonzero(cand)
        order = idx[np.lexsort((pr[idx], block.potential_km[idx], pu[idx]))]
        first = np.searchsorted(pu[order], pu[order], side="left")
        rank = np.arange(len(order)) - first
        keep[order[rank < neighbours]] = True
    kept = np.flatnonzero(keep)
    staying_move = np.where(staying[pu[kept]] & ~own_pair[kept], pot[pu[kept]], 0.0)
    limits = {
        "accounts": np.asarray(problem.max_accounts, dtype=float)[block.reps],
        "workload": np.asarray(problem.max_workload, dtype=float)[block.reps],
    }
    tolerance = {m: float(rules.balance.get(m, 0.0)) for m in targets}
    return _Part(block, kept, staying_move, freed, targets, limits, tolerance)


def reassign(
    problem: Problem,
    blocks: list[int],
    rules: AssignmentConfig,
    budget: float,
    *,
    neighbours: int = NEIGHBOURS,
    time_limit: float | None = None,
) -> ReassignOutcome:
    """Place the freed units of ``blocks`` (and a few others, within ``budget``).

    Parameters
    ----------
    problem
        The plan after the events: reps with their new blocks and dates
        (``capacity_factor`` = capacity for the rest of the year), accounts
        with their current owner and pins (transfers included).
    blocks
        Indices of the blocks the events touch.
    rules
        Balance metrics, objective weights, time limit, seed and gap.
    budget
        Potential of staying units that may change owner, over all blocks.
    """
    t0 = time.perf_counter()
    rep_of_unit = np.full(problem.n_units, -1)
    parts = []
    for b in blocks:
        part = _part(problem, b, rules, neighbours)
        lonely = part.freed & ~np.isin(np.arange(len(part.block.units)), part.block.pair_unit[part.keep])
        if lonely.any():
            u = int(np.flatnonzero(lonely)[0])
            acc = problem.account_ids[np.flatnonzero(problem.unit == part.block.units[u])[0]]
            text = (
                f"{problem.block_name(b)}: account {acc} must change owner but no rep of the block "
                f"can take it ({len(part.block.reps)} active reps after the events). "
                "Rules: eligibility vs the team after the events."
            )
            return ReassignOutcome(
                Status.INFEASIBLE, rep_of_unit, np.inf, 0.0, 0.0, budget, time.perf_counter() - t0, text
            )
        parts.append(part)
    if not parts:
        return ReassignOutcome(Status.OPTIMAL, rep_of_unit, 0.0, 0.0, 0.0, budget, time.perf_counter() - t0)
    limit = time_limit or rules.time_limit
    x_lp, _, _ = _solve(parts, rules, budget, limit, relax=True)
    if x_lp is not None:
        parts = _restrict(parts, x_lp)
    x, status, objective = _solve(parts, rules, budget, max(limit - (time.perf_counter() - t0), 1.0))
    freed_p = sum(float(p.block.unit_values["potential"][p.freed].sum()) for p in parts)
    if x is None:
        return ReassignOutcome(
            status,
            rep_of_unit,
            np.inf,
            freed_p,
            0.0,
            budget,
            time.perf_counter() - t0,
            f"the re-assignment model found no plan ({status})",
        )
    moved_beyond = 0.0
    col = 0
    for p in parts:
        n = len(p.keep)
        chosen = x[col : col + n] > 0.5
        pairs = p.keep[chosen]
        rep_of_unit[p.block.units[p.block.pair_unit[pairs]]] = p.block.reps[p.block.pair_rep[pairs]]
        moved_beyond += float(p.staying_move[chosen].sum())
        col += n
    return ReassignOutcome(
        status, rep_of_unit, objective, freed_p, moved_beyond, budget, time.perf_counter() - t0
    )


class _Builder:
    """Sparse MIP under construction: columns with costs, rows with bounds, entries."""

    def __init__(self) -> None:
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.hi: list[np.ndarray] = []
        self.cost: list[np.ndarray] = []
        self.integer: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.n_rows = 0
        self.n_cols = 0

    def rows(self, lo: np.ndarray, hi: np.ndarray) -> int:
        start = self.n_rows
        self.lo.append(np.asarray(lo, dtype=float))
        self.hi.append(np.asarray(hi, dtype=float))
        self.n_rows += len(self.lo[-1])
        return start

    def cols(self, cost: np.ndarray, integer: bool, upper: np.ndarray | None = None) -> int:
        start = self.n_cols
        self.cost.append(np.asarray(cost, dtype=float))
        self.integer.append(np.full(len(self.cost[-1]), integer))
        n = len(self.cost[-1])
        self.upper.append(np.ones(n) if integer else (np.full(n, np.inf) if upper is None else upper))
        self.n_cols += n
        return start

    def add(self, r: np.ndarray, c: np.ndarray, v: np.ndarray) -> None:
        self.r.append(np.asarray(r, dtype=np.int64))
        self.c.append(np.asarray(c, dtype=np.int64))
        self.v.append(np.asarray(v, dtype=float))

    def lp(self) -> highspy.HighsLp:
        r, c, v = np.concatenate(self.r), np.concatenate(self.c), np.concatenate(self.v)
        order = np.lexsort((r, c))
        inf = highspy.kHighsInf
        is_int = np.concatenate(self.integer)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.n_cols, self.n_rows
        lp.col_cost_ = np.concatenate(self.cost)
        lp.col_lower_ = np.zeros(self.n_cols)
        lp.col_upper_ = np.nan_to_num(np.concatenate(self.upper), posinf=inf)
        lp.row_lower_ = np.nan_to_num(np.concatenate(self.lo), neginf=-inf, posinf=inf)
        lp.row_upper_ = np.nan_to_num(np.concatenate(self.hi), neginf=-inf, posinf=inf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.searchsorted(c[order], np.arange(self.n_cols + 1)).astype(np.int32)
        lp.a_matrix_.index_ = r[order].astype(np.int32)
        lp.a_matrix_.value_ = v[order]
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[int(k)] for k in is_int]
        return lp


def _add_part(m: _Builder, p: _Part, rules: AssignmentConfig) -> np.ndarray:
    """One block's columns and rows; returns its pair columns."""
    blk = p.block
    pu, pr = blk.pair_unit[p.keep], blk.pair_rep[p.keep]
    total_p = max(float(blk.unit_values["potential"].sum()), 1e-9)
    nearest = np.full(len(blk.units), np.inf)
    np.minimum.at(nearest, pu, blk.potential_km[p.keep])
    d_ref = float(nearest[np.isfinite(nearest)].sum()) / total_p
    d_ref = d_ref if d_ref > 1e-9 else 1.0
    w_dis = rules.weights.get("disruption", 0.0)
    w_km = rules.weights.get("distance", 0.0)
    cost = w_dis * p.staying_move / total_p + w_km * blk.potential_km[p.keep] / (total_p * d_ref)
    cols = m.cols(cost, True) + np.arange(len(p.keep))
    unit_p = blk.unit_values["potential"][pu]
    per_potential = np.where(unit_p > 0, cost * total_p / np.where(unit_p > 0, unit_p, 1.0), 0.0)
    out_of_band = OUT_OF_BAND_MARGIN * (w_dis + float(per_potential.max(initial=0.0))) + 1.0
    units, inv = np.unique(pu, return_inverse=True)
    r0 = m.rows(np.ones(len(units)), np.ones(len(units)))
    m.add(r0 + inv, cols, np.ones(len(cols)))
    nr = len(blk.reps)
    for metric in sorted(p.targets):
        # rows in shares of the block total: well scaled whatever the currency
        total = max(float(blk.unit_values[metric].sum()), 1e-9)
        vals = blk.unit_values[metric] / total
        target = p.targets[metric] / total
        r1 = m.rows(target, target)
        m.add(r1 + pr, cols, vals[pu])
        band = p.tolerance[metric] * target
        k = len(p.targets)
        for sign in (-1.0, 1.0):
            inside = m.cols(np.full(nr, INSIDE_BAND / k), False, upper=band)
            beyond = m.cols(np.full(nr, out_of_band / k), False)
            m.add(r1 + np.arange(nr), inside + np.arange(nr), np.full(nr, sign))
            m.add(r1 + np.arange(nr), beyond + np.arange(nr), np.full(nr, sign))
    for metric, limit in p.limits.items():
        has = np.isfinite(limit)
        if not has.any():
            continue
        k = int(has.sum())
        row_of = np.cumsum(has) - 1
        r2 = m.rows(np.full(k, -np.inf), limit[has])
        use = has[pr]
        m.add(r2 + row_of[pr[use]], cols[use], blk.unit_values[metric][pu[use]])
        e = m.cols(CAPACITY_PENALTY / np.maximum(limit[has], 1.0), False)
        m.add(r2 + np.arange(k), e + np.arange(k), -np.ones(k))
    return cols


def _restrict(parts: list[_Part], x_lp: np.ndarray) -> list[_Part]:
    """Keep the LP's support, each staying unit's own pair and each unit's cheapest pairs.

    The LP of this model is nearly integral: the restricted MIP is small and
    reaches the LP bound closely, in a deterministic amount of work.
    """
    out, col = [], 0
    for p in parts:
        n = len(p.keep)
        x = x_lp[col : col + n]
        col += n
        blk = p.block
        pu = blk.pair_unit[p.keep]
        own = p.staying_move == 0
        order = np.lexsort((blk.potential_km[p.keep], pu))
        first = np.searchsorted(pu[order], pu[order], side="left")
        cheap = np.zeros(n, dtype=bool)
        cheap[order[(np.arange(n) - first) < CHEAPEST]] = True
        mask = (x > 1e-6) | own | cheap
        out.append(dataclasses.replace(p, keep=p.keep[mask], staying_move=p.staying_move[mask]))
    return out


def _solve(
    parts: list[_Part], rules: AssignmentConfig, budget: float, time_limit: float, *, relax: bool = False
) -> tuple[np.ndarray | None, Status, float]:
    """Build and solve the MIP (or its LP) over all parts; x = each part's pair columns in order."""
    m = _Builder()
    pair_cols = [_add_part(m, p, rules) for p in parts]
    # the budget row in shares of the budget (well scaled)
    rb = m.rows(np.array([-np.inf]), np.array([1.0 if budget > 0 else 0.0]))
    for cols, p in zip(pair_cols, parts, strict=True):
        nz = p.staying_move > 0
        m.add(np.full(int(nz.sum()), rb), cols[nz], p.staying_move[nz] / max(budget, 1.0))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", int(rules.seed))
    h.setOptionValue("mip_rel_gap", max(float(rules.mip_gap), MIP_GAP))
    # a deterministic budget of work: the same inputs give the same plan (time is a safety net)
    h.setOptionValue("mip_max_nodes", NODE_LIMIT)
    h.setOptionValue("time_limit", float(max(time_limit, 1.0)))
    lp = m.lp()
    if relax:
        lp.integrality_ = []
    h.passModel(lp)
    h.run()
    info = h.getInfo()
    status = highs_status(h.getModelStatus(), info.primal_solution_status == 2)
    if info.primal_solution_status != 2:
        return None, status, np.inf
    x = np.asarray(h.getSolution().col_value, dtype=float)
    order = np.concatenate(pair_cols)
    return x[order], status, float(info.objective_function_value)
