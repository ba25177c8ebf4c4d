"""`terraquota explain RUN_DIR ACCOUNT_ID`: why this account went to this rep.

The run folder's ``scenario.toml`` is the fully resolved scenario (absolute
data paths), so the Problem is rebuilt exactly as the run built it; the plan
is read back from ``assignment.csv``. The logic lives in
`solver.assignment.explain.account`.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console

from scenarios.run.inputs_digest import check_inputs_unchanged
from scenarios.run.prepare import prepare
from scenarios.run.scenario import load_scenario
from solver.assignment.explain.account import explain_account, render_account
from solver.errors import InputError, InputProblem
from solver.problem import Problem


def _check_folder(run_dir: Path) -> None:
    if not run_dir.is_dir():
        raise InputError(InputProblem(str(run_dir), None, None, "not a folder"))
    missing = [f for f in ("scenario.toml", "metrics.json") if not (run_dir / f).is_file()]
    if missing:
        raise InputError(
            InputProblem(str(run_dir), None, None, f"not a run folder (no {' and no '.join(missing)})")
        )
    if not (run_dir / "assignment.csv").is_file():
        raise InputError(
            InputProblem(
                str(run_dir),
                None,
                None,
                "this run has no plan (infeasible or unsolved; see its explanation.txt): nothing to explain",
            )
        )


def read_plan(run_dir: Path, problem: Problem) -> tuple[np.ndarray, pd.Series]:
    """The run's rep index per account of ``problem``, and the reason column by account id."""
    path = run_dir / "assignment.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in ("account_id", "rep_id"):
        if col not in table.columns:
            raise InputError(InputProblem(str(path), None, col, "required column is missing"))
    by_account = table.set_index("account_id")
    rep_index = pd.Series(np.arange(problem.n_reps), index=problem.rep_ids)
    reps = by_account["rep_id"].reindex(problem.account_ids)
    missing = reps.isna().to_numpy()
    unknown = ~reps.isin(rep_index.index).to_numpy() & ~missing
    if missing.any() or unknown.any() or len(table) != problem.n_accounts:
        raise InputError(
            InputProblem(
                str(path),
                None,
                None,
                "the run's plan does not match its inputs any more (accounts or reps changed since the "
                f"run: {int(missing.sum())} accounts missing from the plan, {int(unknown.sum())} with an "
                "unknown rep); re-run the scenario",
            )
        )
    reason = by_account["reason"] if "reason" in by_account else pd.Series("", index=by_account.index)
    return reps.map(rep_index).to_numpy(dtype=np.int64), reason


def explain_in_run(run_dir: Path, account_id: str, *, console: Console) -> int:
    """Print the explanation for ``account_id`` of the run in ``run_dir``; returns the exit code."""
    run_dir = Path(run_dir)
    _check_folder(run_dir)
    check_inputs_unchanged(run_dir)
    scenario = load_scenario(run_dir / "scenario.toml")
    problem = prepare(scenario).problem
    if account_id not in set(problem.account_ids.tolist()):
        close = difflib.get_close_matches(account_id, problem.account_ids.tolist(), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError(
            InputProblem(
                str(run_dir / "assignment.csv"),
                None,
                "account_id",
                f"account {account_id!r} is not in this run ({problem.n_accounts:,} accounts){hint}",
            )
        )
    plan, reason = read_plan(run_dir, problem)
    explanation = explain_account(
        problem, scenario.params.assignment, plan, account_id, str(reason.get(account_id, ""))
    )
    console.print(render_account(explanation), markup=False, highlight=False, soft_wrap=True)
    return 0
