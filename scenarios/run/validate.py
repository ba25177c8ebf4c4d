"""`terraquota validate`: every check `run` makes before solving, all reported at once.

Reading, preparing (segments, regions, potential, capacity) and the block
pre-checks the solver runs before any model (a block with accounts and no
rep, a pin to a rep of another block, an account larger than any rep may
hold, a disruption budget below the moves nobody can avoid) are run in turn;
an unknown country does not stop the later checks, and the blocks are
checked whenever the tables make a problem at all, so one pass lists
everything a user has to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scenarios.run.prepare import Prepared, prepare_tables
from scenarios.run.scenario import Scenario
from solver.assignment.block import block_reps, block_units, build_block
from solver.assignment.prechecks import block_findings, budget_finding, forced_moves
from solver.errors import InputError, InputProblem
from solver.inputs.readers import read_inputs
from solver.inputs.salesforce_checks import check_credentials, check_push
from solver.inputs.salesforce_pull import salesforce_problems

#: Blocks with more (account, rep) pairs than this are not pre-checked by validate (memory).
MAX_CHECKED_PAIRS = 5_000_000


@dataclass
class Validation:
    """Input problems (exit 2), findings that make a block infeasible (exit 3), notes."""

    problems: list[InputProblem] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    prepared: Prepared | None = None


def validate_scenario(scenario: Scenario) -> Validation:
    """Run every pre-solve check of ``scenario``; never raises for what the user can fix."""
    out = Validation()
    _salesforce_checks(out, scenario)
    try:
        accounts, reps = read_inputs(
            scenario.accounts,
            scenario.reps,
            on_unknown_country="keep",
            numeric=list(scenario.params.scoring.weights),
        )
    except InputError as e:
        out.problems = e.problems
        return out
    # unknown countries are problems for `run`; kept here so the later checks still run
    out.problems += accounts.attrs.get("warnings", [])
    try:
        out.prepared = prepare_tables(scenario, accounts, reps)
    except InputError as e:
        seen = {(p.file, p.row, p.column) for p in out.problems}
        out.problems += [p for p in e.problems if (p.file, p.row, p.column) not in seen]
        return out
    # the tables made a problem: its blocks are checked too, whatever else was found
    _block_checks(out, scenario)
    return out


def _salesforce_checks(out: Validation, scenario: Scenario) -> None:
    """``[salesforce]`` as `pull` and `push` read it, and whether they could log in (no network)."""
    if "salesforce" not in scenario.resolved:
        return
    section = scenario.resolved["salesforce"]
    file = str(scenario.source)
    out.problems += salesforce_problems(section, file, tuple(scenario.params.scoring.weights))
    if isinstance(section, dict):
        out.problems += check_push(section.get("push"), file)
    source, problems = check_credentials()
    out.problems += problems
    if source is not None:
        out.notes.append(f"Salesforce login for pull and push: {source}")


def _block_checks(out: Validation, scenario: Scenario) -> None:
    assert out.prepared is not None
    problem, rules = out.prepared.problem, scenario.params.assignment
    built = []
    for b in range(len(problem.blocks)):
        pairs = len(block_units(problem, b)) * len(block_reps(problem, b))
        if pairs > MAX_CHECKED_PAIRS:
            out.notes.append(f"{problem.block_name(b)}: {pairs:,} pairs, pre-checked by `run` only")
            continue
        block = build_block(problem, b)
        built.append(block)
        out.findings += block_findings(problem, block, rules)
    budget = budget_finding(problem, forced_moves(problem, built), rules)
    if budget:
        out.findings.append(budget)
