"""Why a block is infeasible: a minimal conflict over named rule groups (CP-SAT).

When the pre-checks find nothing but the solver proves a block infeasible,
each rule group gets one Boolean enforcement literal ("balance of potential
for rep R0012", "pins of rep X", "max_accounts of rep Y", "disruption
budget", "eligibility lists of rep Z", "forbidden pairs with rep Z").
CP-SAT, solving with every literal assumed true, single worker,
linearization level 2 and no objective, returns a sufficient subset of
assumptions. That core is verified (re-solved with only its groups
enforced: it must stay infeasible; with presolve on, CP-SAT cores can name
literals that are not needed, or miss some) and shrunk by a deletion filter
(drop one group at a time, keep the drop while still infeasible), so the
result is an irreducible conflict. "Each account to one rep", families and
the segment x region blocks hold throughout (they are structure, not choices).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from solver.assignment.backends.cpsat_backend import CPSAT_STATUS, build_model, configure
from solver.assignment.block import BlockData, build_block, unit_eligibility
from solver.assignment.result import Status
from solver.assignment.rules import Rows, balance_targets, block_rows
from solver.config import AssignmentConfig
from solver.problem import Problem

#: Seconds for each verification / deletion solve at most.
SOLVE_SECONDS = 5.0


@dataclass(frozen=True)
class RuleGroup:
    """One named group of rows that the core may switch off."""

    key: str  # stable id, e.g. "balance:potential:R1", "pins:R1", "max_moved_share"
    label: str  # business words
    detail: str  # the figures


@dataclass(frozen=True)
class Core:
    """A conflict: its groups, whether it was verified infeasible, and whether it is minimal."""

    block: str
    groups: tuple[RuleGroup, ...]
    verified: bool
    minimal: bool
    status: Status  # of the solve with every group enforced


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.4g}"


class CoreModel:
    """The block model with one enforcement literal per rule group.

    Pins are a group too, so the model uses every eligible pair of the block
    (``build_block`` of the problem without pins) and re-imposes each rep's
    pins as ``x = 1`` under that rep's literal.
    """

    def __init__(self, problem: Problem, block: BlockData, rules: AssignmentConfig, budget: float | None):
        self.problem, self.rules, self.budget = problem, rules, budget
        self.block_name = problem.block_name(block.index)
        # every pair of the block, without pins or eligibility lists: both are groups below
        loose = problem.replace(
            pin=np.full(problem.n_accounts, -1), rep_countries=None, rep_languages=None, forbidden=None
        )
        free = build_block(loose, block.index)
        self.free = free
        rows = block_rows(problem, free, rules, budget)
        model, xs, _, matrix, ids = build_model(len(free.pair_unit), rows, fixed_one=np.zeros(0, np.int64))
        self.model = model
        self.groups: list[RuleGroup] = []
        self.literals: list[cp_model.IntVar] = []
        offsets = np.cumsum([0] + [r.n for r in rows])
        by_key: dict[str, int] = {}
        proto = model.proto
        for i in range(matrix.n):
            g = int(matrix.group[i])
            rule = rows[g]
            if rule.rule == "assign":
                continue  # structure: every unit goes to exactly one rep
            local = i - int(offsets[g])
            key, label, detail = self._describe(rule, local)
            if key not in by_key:
                by_key[key] = len(self.groups)
                self.groups.append(RuleGroup(key, label, detail))
                self.literals.append(model.new_bool_var(key))
            proto.constraints[ids[i]].enforcement_literal.append(self.literals[by_key[key]].index)
        self._eligibility_groups(block, xs)
        # pins: per rep, x = 1 on the pinned units' pairs with that rep
        pinned = block.pinned_rep
        for r in np.unique(pinned[pinned >= 0]):
            units = np.flatnonzero(pinned == r)
            rep_id = str(problem.rep_ids[block.reps[r]])
            key = f"pins:{rep_id}"
            self.groups.append(RuleGroup(key, f"pins of rep {rep_id}", self._pin_detail(block, units, r)))
            lit = model.new_bool_var(key)
            self.literals.append(lit)
            for u in units:
                pair = np.flatnonzero((free.pair_unit == u) & (free.pair_rep == r))
                if len(pair):
                    model.add(xs[int(pair[0])] == 1).only_enforce_if(lit)
                else:  # the pinned rep may not take the unit at all: the pin alone fails
                    model.add_bool_or([lit.Not()])

    def _eligibility_groups(self, block: BlockData, xs: list[cp_model.IntVar]) -> None:
        """Per rep: its countries / languages lists, and its forbidden pairs, as x = 0 groups."""
        pb, free = self.problem, self.free
        accs = np.flatnonzero(np.isin(pb.unit, free.units))
        local = np.full(pb.n_units, -1)
        local[free.units] = np.arange(len(free.units))
        acc_unit = local[pb.unit[accs]]
        variants = (
            ("lists", pb.replace(forbidden=None)),
            ("forbidden", pb.replace(rep_countries=None, rep_languages=None)),
        )
        for kind, view in variants:
            ok = unit_eligibility(view, accs, acc_unit, free.reps, len(free.units))
            if ok is None:
                continue
            banned = ~ok[free.pair_unit, free.pair_rep]
            for r in np.unique(free.pair_rep[banned]):
                pairs = np.flatnonzero(banned & (free.pair_rep == r))
                j = int(free.reps[r])
                rep_id = str(pb.rep_ids[j])
                units = free.units[free.pair_unit[pairs]]
                names = pb.account_ids[np.isin(pb.unit, units)]
                shown = ", ".join(map(str, names[:5])) + (", ..." if len(names) > 5 else "")
                if kind == "lists":
                    lists = []
                    for word, values in (("countries", pb.rep_countries), ("languages", pb.rep_languages)):
                        if values is not None and str(values[j]):
                            lists.append(f"{word} {str(values[j]).replace(';', ', ')}")
                    key, label = f"eligibility:{rep_id}", f"eligibility lists of rep {rep_id}"
                    detail = (
                        f"covers {' and '.join(lists)} only, which excludes {len(names)} account(s) ({shown})"
                    )
                else:
                    key, label = f"forbidden:{rep_id}", f"forbidden pairs with rep {rep_id}"
                    detail = f"{len(names)} account(s) may not go to {rep_id} ({shown})"
                self.groups.append(RuleGroup(key, label, detail))
                lit = self.model.new_bool_var(key)
                self.literals.append(lit)
                self.model.add(sum(xs[int(k)] for k in pairs) == 0).only_enforce_if(lit)

    def _describe(self, rule: Rows, local: int) -> tuple[str, str, str]:
        pb, block = self.problem, self.free
        subject = rule.labels[local]
        if rule.rule.startswith("balance:"):
            metric = rule.rule.split(":", 1)[1]
            tol = self.rules.balance[metric]
            r = int(np.flatnonzero(pb.rep_ids[block.reps] == subject)[0])
            target = float(balance_targets(pb, block, metric)[r])
            return (
                f"balance:{metric}:{subject}",
                f"balance of {metric} for rep {subject}",
                f"target {_fmt(target)} at tolerance {tol:.1%}: between {_fmt((1 - tol) * target)} "
                f"and {_fmt((1 + tol) * target)}",
            )
        if rule.rule in ("max_accounts", "max_workload", "max_accounts_lost", "max_accounts_gained"):
            j = int(np.flatnonzero(pb.rep_ids == subject)[0])
            limit = float(pb.limit(rule.rule)[j])
            extra = ""
            if rule.rule == "max_accounts_lost":
                owned = int((pb.owner == j).sum())
                extra = f" (it owns {owned} accounts today)"
            return f"{rule.rule}:{subject}", f"{rule.rule} of rep {subject}", f"at most {limit:g}{extra}"
        if rule.rule == "max_moved_share":
            share = self.rules.max_moved_share or 0.0
            return (
                "max_moved_share",
                "disruption budget",
                f"at most {_fmt(float(rule.upper[0]))} of potential may change owner in this block "
                f"(its share of max_moved_share = {share:.1%} of the plan's potential)",
            )
        return f"{rule.rule}:{subject}", f"{rule.rule} ({subject})", ""

    def _pin_detail(self, block: BlockData, units: np.ndarray, r: int) -> str:
        pb = self.problem
        accs = np.flatnonzero(np.isin(pb.unit, block.units[units]))
        names = ", ".join(str(a) for a in pb.account_ids[accs[:5]]) + (", ..." if len(accs) > 5 else "")
        parts = [f"{len(accs)} pinned account(s) ({names})"]
        for metric in sorted(self.rules.balance):
            load = float(block.unit_values[metric][units].sum())
            target = float(balance_targets(pb, block, metric)[r])
            share = f" = {load / target:.0%} of its target {_fmt(target)}" if target > 0 else ""
            parts.append(f"{metric} {_fmt(load)}{share}")
        return "; ".join(parts)

    def solve(self, enforced: list[int], time_limit: float) -> tuple[Status, list[int]]:
        """Status with the given groups enforced, and (when infeasible) CP-SAT's core among them."""
        self.model.clear_assumptions()
        self.model.add_assumptions([self.literals[g] for g in enforced])
        solver = cp_model.CpSolver()
        configure(solver, time_limit=time_limit, seed=self.rules.seed, num_workers=1)
        solver.parameters.linearization_level = 2
        code = solver.solve(self.model)
        status = CPSAT_STATUS.get(code, Status.ERROR)
        core: list[int] = []
        if status == Status.INFEASIBLE:
            index = {lit.index: g for g, lit in zip(range(len(self.literals)), self.literals, strict=True)}
            core = sorted(
                {index[v] for v in solver.sufficient_assumptions_for_infeasibility() if v in index}
                & set(enforced)
            )
        return status, core


def infeasible_core(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    budget: float | None,
    time_limit: float = 20.0,
) -> Core:
    """A verified conflict among the block's rule groups, shrunk to minimal when time allows."""
    deadline = time.perf_counter() + time_limit
    cm = CoreModel(problem, block, rules, budget)

    def left() -> float:
        return min(SOLVE_SECONDS, max(deadline - time.perf_counter(), 0.05))

    everything = list(range(len(cm.groups)))
    status, core = cm.solve(everything, left())
    if status != Status.INFEASIBLE:
        return Core(cm.block_name, (), False, False, status)
    verified = False
    if core:
        verified = cm.solve(core, left())[0] == Status.INFEASIBLE
    if not verified:
        core = everything
        verified = True
    minimal = True
    for g in list(core):  # deletion filter, in group order (deterministic)
        if time.perf_counter() > deadline:
            minimal = False
            break
        trial = [h for h in core if h != g]
        st, _ = cm.solve(trial, left())
        if st == Status.INFEASIBLE:
            core = trial
        elif not st.has_plan:  # unknown in time: g stays, but minimality is not proven
            minimal = False
    return Core(cm.block_name, tuple(cm.groups[g] for g in core), verified, minimal, status)


def render_core(core: Core) -> str:
    """The conflict in business words, one rule per line with its figures."""
    if not core.groups:
        return (
            f"{core.block}: CP-SAT could not confirm the conflict ({core.status}); "
            "no smaller explanation is available."
        )
    how = "a minimal set" if core.minimal else "a set (not fully shrunk in the time given)"
    lines = [
        f"{core.block}: these rules cannot all hold together ({how} of conflicting rules, verified by "
        "CP-SAT; relaxing any one of them removes this conflict):"
    ]
    lines += [f"  - {g.label}: {g.detail}" if g.detail else f"  - {g.label}" for g in core.groups]
    return "\n".join(lines)


def explain_infeasible(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    budget: float | None,
    time_limit: float = 20.0,
) -> str:
    """Business-words explanation of an infeasible block (see the module docstring)."""
    return render_core(infeasible_core(problem, block, rules, budget, time_limit))
