"""`terraquota resolve RUN_DIR CHANGES.json -o DIR`: re-solve a finished run after small changes.

Only the blocks (segment x region) the changes touch are solved again,
starting from the run's plan and moving as little as possible from it: the
run's plan is the owner for continuity. Every other account keeps its row of
assignment.csv byte for byte, and a change of quota keys only re-splits the
quotas. The new folder is a complete run folder (as `terraquota run` writes
it) plus ``changes.json``; metrics.json gains a ``resolve`` section (blocks
re-solved, accounts and potential moved from the run's plan). Its objective,
bound and objective_terms count disruption from the run's plan; ``moved``
and assignment.csv still count moves from the accounts' previous owners.

Changes file
------------
JSON: a list of changes, or ``{"changes": [...]}`` (the body the workspace's
``POST /api/plans/{id}/changes`` takes). Each change is one object:

============================================================  ===============================================
``{"type": "pin", "account_id": "A1", "rep_id": "R7"}``        the account must go to rep R7
``{"type": "unpin", "account_id": "A1"}``                      the account is free again
``{"type": "rep", "rep_id": "R7", "end_date": "2027-07-31"}``  a rep's ``start_date`` / ``end_date`` (ISO;
                                                              either optional; ``null`` clears it): a rep
                                                              leaving, starting later, or gone
``{"type": "add_rep", "rep": {"rep_id": "R9", ...}}``          a new rep or hire (reps table columns:
                                                              rep_id, segment, region, start_date, lat, ...)
``{"type": "set", "key": "quota.target", "value": 1.3e8}``     any dotted scenario key, e.g.
                                                              ``assignment.balance.potential`` (a tolerance)
============================================================  ===============================================

Changes apply in order. A problem exits 2 and names the file, the change
(row 1 = the first change) and the field.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from scenarios.cli.summaries import summary_line
from scenarios.run.output_path import check_output
from scenarios.run.resolve import load_base, resolve_run
from scenarios.run.resolve_changes import read_changes
from scenarios.run.runfolder import write_folder_atomically


def resolve_to_folder(
    run_dir: Path,
    changes_path: Path,
    output: Path,
    *,
    render: bool,
    log: Callable[[str], None],
    console: Console,
) -> int:
    """Re-solve ``run_dir`` after the changes in ``changes_path``; write the new run folder."""
    changes = read_changes(changes_path)
    base = load_base(run_dir)
    # refused before any solving: never an input (the run folder, the changes, the tables)
    output = check_output(output, inputs=[run_dir, changes_path, *base.scenario.input_paths()])
    done = resolve_run(run_dir, changes, source=str(changes_path), render=render, progress=log, base=base)
    write_folder_atomically(output, done.outcome.files)
    r = done.resolved
    blocks = ", ".join(r.blocks) if r.blocks else "none (the plan is unchanged)"
    console.print(summary_line(done.outcome), markup=False, highlight=False, soft_wrap=True)
    console.print(
        f"re-solved blocks: {blocks}; moved from the run's plan: {r.moved_accounts:,} accounts "
        f"({r.moved_potential:,.0f} of potential)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    result = done.outcome.result
    if result.explanation and not result.status.has_plan:
        console.print(result.explanation, markup=False, highlight=False, soft_wrap=True)
    console.print(f"run folder: {output}", markup=False, highlight=False, soft_wrap=True)
    return done.outcome.exit_code
