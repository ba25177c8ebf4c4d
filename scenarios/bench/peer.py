"""`terraquota bench peer`: terraquota against the greedy split of a peer package.

The peer is the PyPI package ``b2b-territory-optimization`` (run, never
copied): its ``TerritoryAllocator`` carves each (segment, region) bucket into
as many territories as the block has reps, by a greedy longest-processing-time
split of potential (largest account to the currently poorest territory). It
knows neither owners nor ramping reps, so its territories are mapped to reps
by the best retention matching: a linear assignment (OR-Tools'
``SimpleLinearSumAssignment``) that maximises the potential each rep keeps of
its current book.

terraquota plans twice: with the default weights (disruption + 0.1 x
distance) and disruption first (`MIN_MOVES_WEIGHTS`). All plans are measured
on one generated instance (default 20k x 150, see
`solver.synthetic`) with the same, solver-independent yardsticks: balance
against the tenure-adjusted targets (worst deviation and coefficient of
variation of load / target), potential moved (against terraquota's plan and
against the LP bound on the least potential moved), how far ramping hires are
from their targets, pins and families kept, and seconds.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from rich.table import Table

from reports.exports.safe_cells import csv_bytes
from scenarios.run.runfolder import write_file_atomically
from solver.problem import Problem

PEER_PACKAGE = "b2b_territory_optimization"
PEER_DIST = "b2b-territory-optimization"
N_ACCOUNTS, N_REPS, SEED = 20_000, 150, 0
TOLERANCE = 0.02
WEIGHTS = {"disruption": 1.0, "distance": 0.1}
#: The least-moves plan: disruption first, distance only as a tie-break. With
#: distance at 0 the model is so degenerate that the engine found no plan for
#: 20k x 150 in 60 s (measured); 0.001 x distance costs < 0.5% more moves.
MIN_MOVES_WEIGHTS = {"disruption": 1.0, "distance": 0.001}
#: Tie-break of the least-moves LP, as a share of each block's potential (see `lp_bound_moved`).
TIE_BREAK_SHARE = 1e-4

PLANS: tuple[str, ...] = ("terraquota", "terraquota_min_moves", "greedy_lpt")
RESULT_COLUMNS: tuple[str, ...] = ("metric", *PLANS, "greedy_vs_terraquota")

#: Table rows: metric key, label, display format.
METRICS: tuple[tuple[str, str, str], ...] = (
    ("seconds", "seconds", "{:.1f}"),
    ("reps_outside_band", f"reps outside +-{TOLERANCE:.0%} of target", "{:.0f}"),
    ("worst_balance_dev", "worst deviation from tenure-adjusted target", "{:.2%}"),
    ("balance_cv", "CV of load / target", "{:.4f}"),
    ("moved_potential", "potential moved", "{:,.0f}"),
    ("moved_share", "potential moved, share of all", "{:.2%}"),
    ("moved_vs_lp_bound", "potential moved / LP bound (least moves)", "{:.3f}"),
    ("ramping_load_max", "ramping hires: load / target, max", "{:.2f}"),
    ("ramping_load_mean", "ramping hires: load / target, mean", "{:.2f}"),
    ("pins_broken", "pins broken", "{:.0f}"),
    ("family_accounts_split", "accounts in split families", "{:.0f}"),
    ("mean_km", "potential-weighted mean km to rep", "{:.1f}"),
)


@dataclass(frozen=True)
class PeerOutcome:
    """The comparison table and the facts quoted in the summary."""

    table: pd.DataFrame  # RESULT_COLUMNS, one row per metric
    lp_bound_moved: float
    peer_available: bool
    statuses: dict[str, str]
    n_accounts: int
    n_reps: int
    bound_kind: str = "exact"  # or "lagrangian" when an LP stopped before pricing ended
    bound_seconds: float = float("nan")


def peer_available() -> bool:
    """Is the peer package importable in this environment?"""
    return importlib.util.find_spec(PEER_PACKAGE) is not None


def plan_metrics(
    problem: Problem, rep_of_account: np.ndarray, ramping: np.ndarray, lp_bound_moved: float
) -> dict[str, float]:
    """Solver-independent figures of one complete plan (``rep_of_account`` indexes reps)."""
    from solver.assignment.checker import objective_terms, rep_targets, rep_totals
    from solver.assignment.terms import active_reps

    r = np.asarray(rep_of_account, dtype=np.int64)
    act = active_reps(problem)
    got = rep_totals(problem, r, problem.potential)
    target = rep_targets(problem, problem.potential)
    ok = act & (target > 0)
    ratio = got[ok] / target[ok]
    dev = np.abs(ratio - 1.0)
    ramp = ramping[ok]
    terms = objective_terms(problem, r)
    first = np.full(problem.n_units, -1)
    first[problem.unit[::-1]] = r[::-1]
    pinned = problem.pin >= 0
    return {
        "reps_outside_band": float((dev > TOLERANCE * (1 + 1e-7)).sum()),
        "worst_balance_dev": float(dev.max(initial=0.0)),
        "balance_cv": float(ratio.std() / ratio.mean()) if len(ratio) else float("nan"),
        "moved_potential": terms["moved_potential"],
        "moved_share": terms["disruption"],
        "moved_vs_lp_bound": terms["moved_potential"] / lp_bound_moved
        if lp_bound_moved > 0
        else float("nan"),
        "ramping_load_max": float(ratio[ramp].max()) if ramp.any() else float("nan"),
        "ramping_load_mean": float(ratio[ramp].mean()) if ramp.any() else float("nan"),
        "pins_broken": float((pinned & (r != problem.pin)).sum()),
        "family_accounts_split": float((r != first[problem.unit]).sum()),
        "mean_km": terms["mean_km"],
    }


def lp_bound_moved(problem: Problem, tolerance: float, time_limit: float) -> tuple[float, str]:
    """LP bound on the least potential moved with every rep within +-tolerance of target.

    Solved directly, block by block, with the engine's column-generation LP
    (`solver.assignment.lp.pricing.priced_lp`): the bound must not depend on the
    disruption-only plan being found. The pure "potential moved" LP is highly
    degenerate (every rep costs 0 for an unowned account) and HiGHS stalls on
    it (measured: > 120 s on a 391k-pair block whose weighted LP takes 4 s),
    so the cost gets a tie-break: moved + eps x potential_km, with eps such
    that eps x sum over units of their largest potential_km is S =
    `TIE_BREAK_SHARE` of the block's potential. For every assignment,
    moved = cost - eps x potential_km >= cost - S, so LP value - S is a
    valid lower bound on the least potential moved, within S of the exact
    one. A block whose LP runs out of time contributes its Lagrangian bound
    (still valid).

    Returns
    -------
    (bound, status)
        The bound in currency units (-inf when a block has no LP value) and
        ``exact`` (LP optimal; within `TIE_BREAK_SHARE` of the potential of
        the pure LP) or ``lagrangian`` (some block stopped before pricing ended).
    """
    from solver.assignment.block import build_block
    from solver.assignment.lp.pricing import priced_lp
    from solver.config import AssignmentConfig

    rules = AssignmentConfig(balance={"potential": tolerance}, weights={"disruption": 1.0})
    blocks = [build_block(problem, b) for b in range(len(problem.blocks))]
    sizes = np.array([max(len(b.pair_unit), 1) for b in blocks], dtype=float)
    deadline = time.perf_counter() + time_limit
    total, exact = 0.0, True
    order = np.argsort(-sizes, kind="stable")
    remaining = np.cumsum(sizes[order][::-1])[::-1]  # this block's pairs and those after it
    for k, i in enumerate(order):
        block = blocks[i]
        share = max((deadline - time.perf_counter()) * sizes[i] / remaining[k], 0.5)
        worst_km = np.zeros(len(block.units))
        np.maximum.at(worst_km, block.pair_unit, block.potential_km)
        slack = TIE_BREAK_SHARE * float(block.unit_values["potential"].sum())
        eps = slack / max(float(worst_km.sum()), 1e-12)
        cost = block.moved + eps * block.potential_km
        out = priced_lp(problem, block, rules, cost, None, time.perf_counter() + share)
        if not np.isfinite(out.bound):
            return float("-inf"), "no LP value"
        exact &= out.x is not None and abs(out.objective - out.bound) <= 1e-9 * max(1.0, abs(out.bound))
        total += max(float(out.bound) - slack, 0.0)
    return total, "exact" if exact else "lagrangian"


def greedy_territories(problem: Problem) -> np.ndarray:
    """The peer's greedy LPT split: local territory number per account (per block).

    Calls the package as a user would: one ``TaxonomySchema`` over (segment,
    region) and ``allocate_all_taxonomies`` with one territory per active rep.
    """
    from b2b_territory_optimization import TaxonomySchema, TerritoryAllocator

    from solver.assignment.terms import active_reps

    acc_block = problem.account_block()
    seg = np.array([problem.blocks[b][0] for b in range(len(problem.blocks))], dtype=object)[acc_block]
    reg = np.array([problem.blocks[b][1] for b in range(len(problem.blocks))], dtype=object)[acc_block]
    df = pd.DataFrame(
        {
            "Account_ID": problem.account_ids,
            "Account_Segment": seg,
            "Region": reg,
            "Estimated_TAM": problem.potential,
        }
    )
    act = active_reps(problem)
    k = {
        (problem.blocks[b][0], problem.blocks[b][1]): int((act & (problem.rep_block == b)).sum())
        for b in range(len(problem.blocks))
    }
    schema = TaxonomySchema(df, ["Account_Segment", "Region"])
    out = TerritoryAllocator(target_metric="Estimated_TAM").allocate_all_taxonomies(schema, k)
    territory = out.set_index("Account_ID")["Territory_ID"].reindex(problem.account_ids)
    if territory.isna().any():
        raise RuntimeError("the peer left accounts without a territory")
    # "<segment>_<region>_Territory_<i>" -> i - 1
    return territory.str.rsplit("_", n=1).str[1].astype(np.int64).to_numpy() - 1


def retention_matching(problem: Problem, territory: np.ndarray) -> np.ndarray:
    """Rep per account: each block's territories matched to its reps keeping the most owned potential.

    A linear assignment per block (OR-Tools, integer costs = minus the
    potential kept, rounded to whole currency units).
    """
    from ortools.graph.python import linear_sum_assignment

    from solver.assignment.terms import active_reps

    act = active_reps(problem)
    acc_block = problem.account_block()
    rep_of_account = np.full(problem.n_accounts, -1)
    for b in range(len(problem.blocks)):
        reps = np.flatnonzero(act & (problem.rep_block == b))
        accs = np.flatnonzero(acc_block == b)
        k = len(reps)
        local = np.full(problem.n_reps, -1)
        local[reps] = np.arange(k)
        owner = problem.owner[accs]
        owner_local = np.where(owner >= 0, local[np.maximum(owner, 0)], -1)
        held = owner_local >= 0
        kept = np.zeros((k, k))
        np.add.at(kept, (territory[accs][held], owner_local[held]), problem.potential[accs][held])
        lsa = linear_sum_assignment.SimpleLinearSumAssignment()
        t_idx, r_idx = np.divmod(np.arange(k * k), k)
        lsa.add_arcs_with_cost(t_idx, r_idx, -np.round(kept).astype(np.int64).ravel())
        if lsa.solve() != lsa.OPTIMAL:
            raise RuntimeError(f"retention matching failed in block {problem.block_name(b)}")
        rep_of_territory = reps[np.array([lsa.right_mate(t) for t in range(k)], dtype=np.int64)]
        rep_of_account[accs] = rep_of_territory[territory[accs]]
    return rep_of_account


def run_peer_suite(
    out_dir: Path,
    *,
    n_accounts: int = N_ACCOUNTS,
    n_reps: int = N_REPS,
    seed: int = SEED,
    time_limit: float = 60.0,
    progress: Callable[[str], None] | None = None,
) -> PeerOutcome:
    """Solve one generated instance with terraquota and the peer; write ``results.csv``.

    Parameters
    ----------
    time_limit
        Seconds for each terraquota solve (default weights, and
        `MIN_MOVES_WEIGHTS`) and for the LP bound on the least potential moved.

    Returns
    -------
    PeerOutcome
        The table (one row per metric; greedy columns nan when the peer
        package is not installed) and the LP bound.
    """
    from solver.assignment import solve
    from solver.config import AssignmentConfig
    from solver.problem import build_problem
    from solver.synthetic import REP_STATUS_HIRE, SyntheticSpec, generate_tables

    say = progress or (lambda _msg: None)
    accounts, reps = generate_tables(SyntheticSpec(n_accounts, n_reps, seed=seed))
    problem = build_problem(accounts, reps)
    status = reps.set_index("rep_id")["rep_status"].reindex(problem.rep_ids).to_numpy()
    ramping = status == REP_STATUS_HIRE

    plans: dict[str, np.ndarray] = {}
    seconds: dict[str, float] = {}
    statuses: dict[str, str] = {}
    for name, weights in (("terraquota", WEIGHTS), ("terraquota_min_moves", MIN_MOVES_WEIGHTS)):
        say(f"{name}: {n_accounts:,} accounts x {n_reps} reps, {time_limit:g} s")
        rules = AssignmentConfig(
            balance={"potential": TOLERANCE}, weights=weights, time_limit=time_limit, seed=seed
        )
        t0 = time.perf_counter()
        result = solve(problem, rules)
        seconds[name] = time.perf_counter() - t0
        statuses[name] = str(result.status)
        if result.status.has_plan:
            plans[name] = result.rep_of_account
    say(f"LP bound on potential moved: column-generation LP per block, {time_limit:g} s")
    t0 = time.perf_counter()
    bound_moved, bound_kind = lp_bound_moved(problem, TOLERANCE, time_limit)
    seconds["lp_bound"] = time.perf_counter() - t0

    available = peer_available()
    if available:
        say("greedy_lpt: b2b-territory-optimization TerritoryAllocator + retention matching")
        t0 = time.perf_counter()
        territory = greedy_territories(problem)
        plans["greedy_lpt"] = retention_matching(problem, territory)
        seconds["greedy_lpt"] = time.perf_counter() - t0
        statuses["greedy_lpt"] = "feasible" if (plans["greedy_lpt"] >= 0).all() else "incomplete"
    else:
        statuses["greedy_lpt"] = "not installed"

    figures = {
        name: {**plan_metrics(problem, plans[name], ramping, bound_moved), "seconds": seconds[name]}
        if name in plans
        else {}
        for name in PLANS
    }
    rows = []
    for key, _label, _fmt in METRICS:
        vals = {name: figures[name].get(key, float("nan")) for name in PLANS}
        ours, theirs = vals["terraquota"], vals["greedy_lpt"]
        ratio = theirs / ours if np.isfinite(ours) and ours != 0 and np.isfinite(theirs) else float("nan")
        rows.append({"metric": key, **vals, "greedy_vs_terraquota": ratio})
    table = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_file_atomically(out_dir / "results.csv", results_to_csv(table, bound_moved))
    return PeerOutcome(
        table, bound_moved, available, statuses, n_accounts, n_reps, bound_kind, seconds["lp_bound"]
    )


def results_to_csv(table: pd.DataFrame, lp_bound_moved: float) -> str:
    """results.csv: the table plus the LP bound as its own row (fixed float format)."""
    bound_row = {"metric": "lp_bound_moved_potential", "terraquota_min_moves": lp_bound_moved}
    out = pd.concat([table, pd.DataFrame([bound_row])], ignore_index=True)
    for col in (*PLANS, "greedy_vs_terraquota"):
        out[col] = ["" if pd.isna(v) else f"{float(v):.6g}" for v in out[col]]
    return csv_bytes(out).decode("utf-8")


def _cell(v: float, fmt: str) -> str:
    return "-" if v is None or not np.isfinite(v) else fmt.format(v)


def format_peer_table(outcome: PeerOutcome) -> Table:
    """Metrics x plans, with the greedy / terraquota ratio."""
    table = Table(
        title=(
            f"peer baseline: {outcome.n_accounts:,} accounts x {outcome.n_reps} reps (generated, seed {SEED})"
        )
    )
    table.add_column("metric")
    for name in PLANS:
        table.add_column(name, justify="right")
    table.add_column("greedy / terraquota", justify="right")
    by_key = outcome.table.set_index("metric")
    for key, label, fmt in METRICS:
        row = by_key.loc[key]
        table.add_row(
            label,
            *(_cell(float(row[name]), fmt) for name in PLANS),
            _cell(float(row["greedy_vs_terraquota"]), "{:.2f}x"),
        )
    return table


def peer_summary_lines(outcome: PeerOutcome) -> list[str]:
    """The targets, each said to hold or not, with the figures."""
    t = outcome.table.set_index("metric")
    lines = [
        "plans: " + ", ".join(f"{k} {v}" for k, v in outcome.statuses.items()),
        f"LP bound on potential moved (balance +-{TOLERANCE:.0%}): {outcome.lp_bound_moved:,.0f} "
        f"({outcome.bound_kind}, {outcome.bound_seconds:.1f} s)",
    ]
    if not outcome.peer_available:
        lines.append(
            f"peer package {PEER_DIST} is not installed: greedy columns empty "
            f"(pip install {PEER_DIST} to run it)"
        )
        return lines
    ours_dev = float(t.loc["worst_balance_dev", "terraquota"])
    peer_dev = float(t.loc["worst_balance_dev", "greedy_lpt"])
    lines.append(
        f"target 'balance as good': worst deviation terraquota {ours_dev:.2%} vs greedy {peer_dev:.2%} -> "
        f"{'holds' if ours_dev <= peer_dev + 1e-12 else 'does not hold'}"
    )
    for name in ("terraquota", "terraquota_min_moves"):
        r = float(t.loc["moved_vs_lp_bound", name])
        verdict = "holds" if r <= 1.02 else "does not hold"
        got = f"{r:.3f} x bound -> {verdict}" if np.isfinite(r) else f"no value ({outcome.statuses[name]})"
        lines.append(f"target 'potential moved within 2% of the LP bound' ({name}): {got}")
    lines.append(
        f"greedy moved {float(t.loc['moved_vs_lp_bound', 'greedy_lpt']):.2f}x the LP bound; ramping hires "
        f"got up to {float(t.loc['ramping_load_max', 'greedy_lpt']):.2f}x their tenure-adjusted target "
        f"(terraquota: {float(t.loc['ramping_load_max', 'terraquota']):.2f}x)"
    )
    return lines
