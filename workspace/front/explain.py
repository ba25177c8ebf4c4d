"""Why an account sits with its rep: the text `terraquota explain` prints, for the account panel.

Preparing a run's problem takes seconds at 20k accounts, so the prepared
problem and the plan are kept per run folder (keyed by its files' change
times); each click then only explains one account.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from solver.errors import InputError


def _stamp(run_dir: Path) -> tuple[int, ...]:
    return tuple((run_dir / name).stat().st_mtime_ns for name in ("scenario.toml", "assignment.csv"))


@functools.lru_cache(maxsize=4)
def _prepared(run_dir: str, stamp: tuple[int, ...]) -> tuple[Any, Any, Any, Any, frozenset[str]]:
    """The run's scenario, problem, plan and reasons (InputError when it cannot be explained)."""
    from scenarios.cli.explain import read_plan
    from scenarios.run.prepare import prepare
    from scenarios.run.scenario import load_scenario

    scenario = load_scenario(Path(run_dir) / "scenario.toml")
    problem = prepare(scenario).problem
    plan, reason = read_plan(Path(run_dir), problem)
    return scenario, problem, plan, reason, frozenset(problem.account_ids.tolist())


def explain_text(run_dir: Path, account_id: str) -> str:
    """The explanation of ``account_id`` in a finished run (the problem's text when it cannot be given)."""
    from solver.assignment.explain import explain_account, render_account

    try:
        scenario, problem, plan, reason, ids = _prepared(str(run_dir), _stamp(run_dir))
    except InputError as e:
        return "; ".join(p.why for p in e.problems)
    if account_id not in ids:
        return f"account {account_id!r} is not in this run"
    explanation = explain_account(
        problem, scenario.params.assignment, plan, account_id, str(reason.get(account_id, ""))
    )
    return render_account(explanation)
