"""Read the managers' forecast overrides.

One row per manager and period: the manager's own call of commit and best
case for the reps below them, with a note. It replaces the roll-up of those
reps' figures for that period (`solver.tracking.rollup.apply_overrides`).

========== ================================== ==============================
column     aliases                            meaning
========== ================================== ==============================
manager_id ManagerId, Manager ID, manager     the manager (reps.manager_id)
period     StartDate, Start Date              first day of the plan period
commit     Commit                             >= 0; blank keeps the roll-up
best_case  Best Case, BestCase                >= 0; blank keeps the roll-up
note       Notes, Comment                     free text
========== ================================== ==============================
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from solver.errors import InputError, InputProblem
from solver.inputs.columns import ColumnSpec, TableSpec
from solver.inputs.readers import read_table
from solver.inputs.typed_table import typed_table
from solver.inputs.validation import row_problems

__all__ = ["OVERRIDES", "overrides_from_table", "read_overrides"]

OVERRIDES = TableSpec(
    "forecast overrides",
    (
        ColumnSpec("manager_id", "id", required=True, aliases=("ManagerId", "Manager ID", "manager")),
        ColumnSpec("period", "date", required=True, aliases=("StartDate", "Start Date")),
        ColumnSpec("commit", "float", aliases=("Commit",), lower=0.0),
        ColumnSpec("best_case", "float", aliases=("Best Case", "BestCase"), lower=0.0),
        ColumnSpec("note", "text", aliases=("Notes", "Comment")),
    ),
)


def overrides_from_table(table: pd.DataFrame, file: str) -> pd.DataFrame:
    """Canonical overrides from a text table (see `read_overrides`)."""
    typed = typed_table(table, OVERRIDES, file)
    problems = list(typed.problems)
    frame = typed.frame
    rows = frame.index.to_numpy(dtype=np.int64)
    for name in ("manager_id", "period"):
        blank = frame[name].isna().to_numpy(dtype=bool) & ~typed.bad.get(name, np.zeros(len(frame), bool))
        if typed.present(name):
            problems += row_problems(
                file, typed.header(name), rows[blank], [f"{name} is blank"] * int(blank.sum())
            )
    if not (typed.present("commit") or typed.present("best_case")):
        problems.append(InputProblem(file, None, "commit", "the table needs a commit or a best_case column"))
    else:
        empty = (
            frame["commit"].isna().to_numpy(dtype=bool)
            & frame["best_case"].isna().to_numpy(dtype=bool)
            & ~typed.bad.get("commit", np.zeros(len(frame), bool))
            & ~typed.bad.get("best_case", np.zeros(len(frame), bool))
        )
        problems += row_problems(
            file,
            typed.header("commit"),
            rows[empty],
            ["both commit and best case are blank"] * int(empty.sum()),
        )
    dup = frame.duplicated(["manager_id", "period"], keep="first").to_numpy(dtype=bool)
    dup = (
        dup & frame["manager_id"].notna().to_numpy(dtype=bool) & frame["period"].notna().to_numpy(dtype=bool)
    )
    if dup.any():
        first = (
            pd.Series(rows, index=pd.MultiIndex.from_frame(frame[["manager_id", "period"]]))
            .groupby(level=[0, 1])
            .transform("first")
            .to_numpy()
        )
        problems += row_problems(
            file,
            typed.header("manager_id"),
            rows[dup],
            [f"this manager and period already have an override (row {r})" for r in first[dup]],
        )
    if problems:
        raise InputError(problems)
    frame = frame.copy()
    frame.attrs.update(source=file, columns=typed.headers, dropped_columns=typed.dropped)
    return frame


def read_overrides(path: str | Path) -> pd.DataFrame:
    """Read and check a forecast overrides table.

    Returns
    -------
    pandas.DataFrame
        manager_id, period (datetime64), commit, best_case (float, NaN where
        blank), note; index = spreadsheet row; ``attrs["source"]`` and
        ``attrs["columns"]`` locate later problems (an unknown manager or
        period is checked against the run by `solver.tracking.rollup`).

    Raises
    ------
    InputError
        Missing columns, blank keys, bad numbers, duplicates.
    """
    return overrides_from_table(read_table(path), str(path))
