"""The workspace's one door into the planning library (solver and scenarios).

Every call the web app makes into planning goes through this module, so a
new way to solve (an incremental re-solve of touched blocks only) replaces
one function here and nothing else:

- `validate`       the CLI's `terraquota validate` checks, as a list of problems
- `solve_into`     `terraquota run` of a version's scenario into a run folder
- `resplit_into`   quota keys changed only: keep the parent's assignment, re-split quotas
- `resolve_into`   other edits: re-solve only the blocks they touch, from the parent's plan
- `apply_changes`  a version's inputs + changes -> the next version's inputs
- `publish`        Salesforce load files and the workbook of one run folder
- `team`           a manager's reps and their accounts
- `write_demo`     the demo plan's inputs (the same generator as `terraquota demo`)

Functions take and return plain paths and values (they run in worker
processes, and problems cross back as dicts). Each job has its own module:
`problems` (what bad input looks like to the web app), `scenario` (questions
asked without a run), `running`, `edits` (a version's changes applied to a
copy of its inputs) and `versions` (what pages read of a version).
"""

from workspace.engine.edits import CHANGE_TYPES, apply_changes, quota_only
from workspace.engine.problems import EngineInputError, Problem, Progress
from workspace.engine.running import RUNS_KEPT, load_run, publish, resolve_into, resplit_into, solve_into
from workspace.engine.scenario import data_paths, extends_chain, validate, warm_up
from workspace.engine.versions import (
    account_rows,
    ids,
    reps_rows,
    scenario_document,
    scenario_name,
    team,
    write_demo,
)

__all__ = [
    "CHANGE_TYPES",
    "RUNS_KEPT",
    "EngineInputError",
    "Problem",
    "Progress",
    "account_rows",
    "apply_changes",
    "data_paths",
    "extends_chain",
    "ids",
    "load_run",
    "publish",
    "quota_only",
    "reps_rows",
    "resolve_into",
    "resplit_into",
    "scenario_document",
    "scenario_name",
    "solve_into",
    "team",
    "validate",
    "warm_up",
    "write_demo",
]
