"""Edits made in Excel to a run's workbook, loaded into the next run.

A planner opens ``workbook.xlsx`` of a run, changes an account's ``rep_id`` on
the Accounts sheet, a rep's ``quota``, ``start_date`` or ``end_date`` on the
Reps sheet, saves, and runs ``terraquota run SCENARIO --from-workbook FILE``
(or names the file in ``[data] workbook``). Each cell is compared with the
plan as written, kept in the workbook's hidden sheets, so only what the
planner changed is loaded:

- a changed ``rep_id`` pins the account to that rep (``locked_owner``);
- a changed ``quota`` becomes the rep's ``quota_override`` (fixed to the cent,
  the rest of the team re-spread);
- a changed ``start_date`` / ``end_date`` replaces the rep's date (blank: none).

Every problem names the workbook, the sheet, the row and the column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from solver.errors import InputError, InputProblem
from solver.inputs.readers import read_table
from solver.money import to_cents

ACCOUNTS, REPS = "Accounts", "Reps"
PLAN_ACCOUNTS, PLAN_REPS = "Plan accounts", "Plan reps"
#: Columns each sheet must have.
SHEET_COLUMNS = {
    ACCOUNTS: ("account_id", "rep_id"),
    REPS: ("rep_id", "quota", "start_date", "end_date"),
    PLAN_ACCOUNTS: ("account_id", "rep_id"),
    PLAN_REPS: ("rep_id", "quota", "start_date", "end_date"),
}
DATES = ("start_date", "end_date")


@dataclass(frozen=True)
class WorkbookEdits:
    """What the planner changed: pins, quota overrides and rep dates, each with its sheet row.

    ``headers`` holds each edited sheet's header, in column order, so a
    problem can name its cell the way Excel does ("Reps!F7").
    """

    source: Path
    pins: pd.DataFrame  # account_id, rep_id, row
    overrides: pd.DataFrame  # rep_id, quota_override, row
    dates: pd.DataFrame  # rep_id, column (start_date / end_date), value (Timestamp or NaT), row
    headers: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.pins.empty and self.overrides.empty and self.dates.empty

    def problem(self, sheet: str, row: int, column: str, why: str) -> InputProblem:
        """A problem at one cell of the workbook: file, Excel cell, row and column."""
        return at_cell(self.source, sheet, self.headers.get(sheet, []), InputProblem("", row, column, why))


def where(path: Path, sheet: str) -> str:
    """How a problem names its place: the workbook and the sheet."""
    return f"{path}, sheet {sheet}"


def column_letter(number: int) -> str:
    """Excel's name of the 1-based column ``number``: 1 -> A, 26 -> Z, 27 -> AA."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def at_cell(path: Path, sheet: str, header: list[str], problem: InputProblem) -> InputProblem:
    """``problem`` placed on its workbook cell, named as Excel names it ("book.xlsx, cell Reps!F7")."""
    column = problem.column
    if problem.row is None or column is None or column not in header:
        return InputProblem(where(path, sheet), problem.row, column, problem.why)
    letter = column_letter(header.index(column) + 1)
    return InputProblem(f"{path}, cell {sheet}!{letter}{problem.row}", problem.row, column, problem.why)


def _in_cells(problems: list[InputProblem], path: Path, headers: dict[str, list[str]]) -> list[InputProblem]:
    """Problems reported on a sheet's row and column, renamed to their Excel cell."""
    out = []
    for p in problems:
        sheet = next((s for s in headers if p.file == where(path, s)), None)
        out.append(at_cell(path, sheet, headers[sheet], p) if sheet is not None else p)
    return out


def _sheet(path: Path, sheet: str, problems: list[InputProblem]) -> pd.DataFrame | None:
    try:
        table = read_table(path, sheet=sheet)
    except InputError as e:
        problems += [InputProblem(where(path, sheet), p.row, p.column, p.why) for p in e.problems]
        return None
    except (ValueError, KeyError):
        problems.append(
            InputProblem(str(path), None, None, f"sheet {sheet!r} is missing: not a terraquota run workbook")
        )
        return None
    missing = [c for c in SHEET_COLUMNS[sheet] if c not in table.columns]
    if missing:
        problems += [
            InputProblem(where(path, sheet), 1, c, "column is missing (restore the header)") for c in missing
        ]
        return None
    return table


def _dates(table: pd.DataFrame, path: Path, sheet: str, problems: list[InputProblem]) -> pd.DataFrame:
    out = pd.DataFrame(index=table.index)
    for column in DATES:
        text = table[column].astype("string").str.strip()
        parsed = pd.to_datetime(text.str[:10], errors="coerce", format="%Y-%m-%d")
        bad = text.notna() & parsed.isna()
        problems += [
            InputProblem(where(path, sheet), int(row), column, f"{value!r} is not a date (YYYY-MM-DD)")
            for row, value in text[bad].head(20).items()
        ]
        out[column] = parsed
    return out


def _cents(table: pd.DataFrame, path: Path, sheet: str, problems: list[InputProblem]) -> pd.Series:
    text = table["quota"].astype("string").str.strip().str.replace(",", "", regex=False)
    value = pd.to_numeric(text, errors="coerce")
    bad = text.notna() & (value.isna() | (value < 0))
    problems += [
        InputProblem(where(path, sheet), int(row), "quota", f"{v!r} is not an amount >= 0")
        for row, v in table["quota"][bad].head(20).items()
    ]
    return value.map(lambda x: None if pd.isna(x) else to_cents(float(x)))


def _pins(
    acc: pd.DataFrame, plan: pd.DataFrame, rep_ids: set[str], path: Path, problems: list[InputProblem]
) -> pd.DataFrame:
    """Accounts whose rep_id differs from the plan as written."""
    ids = acc["account_id"].astype("string").str.strip()
    reps = acc["rep_id"].astype("string").str.strip()
    planned = plan.assign(account_id=plan["account_id"].astype("string").str.strip())
    was = planned.drop_duplicates("account_id").set_index("account_id")["rep_id"].astype("string")
    before = was.reindex(ids.to_numpy()).to_numpy()
    known = ids.isin(set(was.index)).to_numpy()
    sheet = where(path, ACCOUNTS)
    for row, value in ids[~known].head(20).items():
        problems.append(
            InputProblem(sheet, int(row), "account_id", f"{value!r} is not an account of this plan")
        )
    changed = known & (reps.fillna("").to_numpy() != pd.Series(before).fillna("").to_numpy())
    for row, rep in reps[changed].items():
        if pd.isna(rep) or not rep:
            problems.append(InputProblem(sheet, int(row), "rep_id", "blank: every account needs a rep"))
        elif rep not in rep_ids:
            problems.append(InputProblem(sheet, int(row), "rep_id", f"{rep!r} is not a rep of this plan"))
    return pd.DataFrame(
        {"account_id": ids[changed].to_numpy(), "rep_id": reps[changed].to_numpy(), "row": ids.index[changed]}
    )


def _rep_edits(
    rp: pd.DataFrame, plan: pd.DataFrame, path: Path, problems: list[InputProblem]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quotas and dates on the Reps sheet that differ from the plan as written."""
    ids = rp["rep_id"].astype("string").str.strip()
    planned = plan.assign(rep_id=plan["rep_id"].astype("string").str.strip()).drop_duplicates("rep_id")
    planned = planned.set_index("rep_id")
    sheet = where(path, REPS)
    known = ids.isin(set(planned.index))
    for row, value in ids[~known].head(20).items():
        problems.append(InputProblem(sheet, int(row), "rep_id", f"{value!r} is not a rep of this plan"))
    now_cents = _cents(rp, path, REPS, problems)
    was_cents = _cents(planned.reset_index(), path, PLAN_REPS, problems)
    was_cents.index = planned.index
    now_dates = _dates(rp, path, REPS, problems)
    was_dates = _dates(planned.reset_index(), path, PLAN_REPS, problems)
    was_dates.index = planned.index
    rows = ids[known]
    now_c = now_cents[known]
    was_c = pd.Series(was_cents.reindex(rows.to_numpy()).to_numpy(), index=rows.index)
    blank = now_c.isna() & was_c.notna()
    problems += [
        InputProblem(sheet, int(row), "quota", "blank: give an amount (the plan's or yours)")
        for row in rows.index[blank.to_numpy()]
    ]
    edited = now_c.notna() & (now_c != was_c)
    overrides = [(rows[r], int(now_c[r]) / 100, int(r)) for r in rows.index[edited.to_numpy()]]
    dates = []
    for column in DATES:
        new = now_dates.loc[rows.index, column]
        old = pd.Series(was_dates[column].reindex(rows.to_numpy()).to_numpy(), index=rows.index)
        differ = ~(new.isna() & old.isna()) & (new.fillna(pd.Timestamp(0)) != old.fillna(pd.Timestamp(0)))
        dates += [(rows[r], column, new[r], int(r)) for r in rows.index[differ.to_numpy()]]
    return (
        pd.DataFrame(overrides, columns=["rep_id", "quota_override", "row"]),
        pd.DataFrame(dates, columns=["rep_id", "column", "value", "row"]),
    )


def read_workbook_edits(path: Path | str) -> WorkbookEdits:
    """Read a run workbook edited in Excel and return what the planner changed.

    Raises
    ------
    InputError
        A missing sheet or column, an unknown account or rep, a blank rep or
        quota, a value that is not an amount or a date: each named by sheet,
        row and column.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(InputProblem(str(path), None, None, "workbook not found"))
    problems: list[InputProblem] = []
    sheets = {name: _sheet(path, name, problems) for name in SHEET_COLUMNS}
    if problems:
        raise InputError(problems)
    acc, plan_acc = sheets[ACCOUNTS], sheets[PLAN_ACCOUNTS]
    rp, plan_rp = sheets[REPS], sheets[PLAN_REPS]
    assert acc is not None and plan_acc is not None and rp is not None and plan_rp is not None
    rep_ids = set(plan_rp["rep_id"].astype("string").str.strip().dropna())
    headers = {name: [str(c) for c in table.columns] for name, table in sheets.items() if table is not None}
    pins = _pins(acc, plan_acc, rep_ids, path, problems)
    overrides, dates = _rep_edits(rp, plan_rp, path, problems)
    if problems:
        raise InputError(_in_cells(problems, path, headers))
    return WorkbookEdits(path, pins, overrides, dates, headers)


def apply_workbook_edits(
    accounts: pd.DataFrame, reps: pd.DataFrame, edits: WorkbookEdits
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scenario's tables (as `read_inputs` returns them) with the workbook's edits applied.

    An account or rep of the workbook that the scenario's tables do not hold
    (the workbook belongs to another plan) is an input error naming the sheet row.
    """
    problems: list[InputProblem] = []
    acc, rp = accounts.copy(), reps.copy()
    account_ids = acc["account_id"].astype("string")
    rep_ids = rp["rep_id"].astype("string")
    if "locked_owner" not in acc:
        acc["locked_owner"] = pd.Series(pd.NA, index=acc.index, dtype="string")
    for pin in edits.pins.itertuples():
        hit = (account_ids == pin.account_id).to_numpy()
        if not hit.any():
            problems.append(
                InputProblem(
                    where(edits.source, ACCOUNTS),
                    int(pin.row),
                    "account_id",
                    "not in the scenario's accounts",
                )
            )
        acc.loc[hit, "locked_owner"] = pin.rep_id
    if len(edits.overrides):
        if "quota_override" not in rp:
            rp["quota_override"] = float("nan")
        rp["quota_override"] = pd.to_numeric(rp["quota_override"], errors="coerce").astype(float)
    for o in edits.overrides.itertuples():
        hit = (rep_ids == o.rep_id).to_numpy()
        if not hit.any():
            problems.append(
                InputProblem(where(edits.source, REPS), int(o.row), "rep_id", "not in the scenario's reps")
            )
        rp.loc[hit, "quota_override"] = o.quota_override
    for d in edits.dates.itertuples():
        hit = (rep_ids == d.rep_id).to_numpy()
        if not hit.any():
            problems.append(
                InputProblem(where(edits.source, REPS), int(d.row), "rep_id", "not in the scenario's reps")
            )
        rp.loc[hit, d.column] = d.value
    bad = (rp["end_date"] < rp["start_date"]).fillna(False).to_numpy(dtype=bool)
    for d in edits.dates[edits.dates["rep_id"].isin(set(rep_ids[bad]))].itertuples():
        problems.append(
            InputProblem(where(edits.source, REPS), int(d.row), d.column, "end_date is before start_date")
        )
    if problems:
        raise InputError(_in_cells(problems, edits.source, edits.headers))
    return acc, rp
