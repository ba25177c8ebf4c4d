"""Read the accounts and reps tables from CSV, Excel, Parquet or JSON.

Two layers, each in its own module, brought together here:

- `read_table` (`solver.inputs.table_files`) turns a file into a table of
  *text*: the user's headers, every value a string (``"00123"`` stays
  ``"00123"``, nothing is guessed), blanks as NA, fully blank rows dropped,
  and the index set to the row number a spreadsheet user sees (header = row 1,
  first record = row 2; Parquet and JSON records are numbered the same way, as
  if exported to CSV).
- `read_accounts` / `read_reps` (through `solver.inputs.canonical`) map the
  headers to the canonical columns of `solver.inputs.columns` (Salesforce API
  names, Data Loader UPPERCASE names and report labels included), parse each
  kind, normalise ids and countries, and run the table checks of
  `solver.inputs.validation`. Every problem in the file is collected and
  raised as one `InputError`.

Salesforce ids: 15-character ids are widened to 18 characters when the table
is *Salesforce-sourced*: one of its id columns arrived under a Salesforce name
or label (``Id``, ``OwnerId``, "Account ID", "User ID", ...), or one of its
id values is a checksum-valid 18-character id. The whole table is then
widened, not only that column, so that a hand-added ``locked_owner`` column
copied from a report matches the owner ids. `read_inputs` also harmonises the
two tables (`solver.inputs.validation.harmonise_ids`).

Accounts whose country cannot be determined (blank country and a state that
is not a US state or Canadian province; or a value that is no country) are an
error by default. With ``on_unknown_country="keep"`` they load with country NA
and the problems are returned in ``df.attrs["warnings"]``: the planner can
then leave them unassigned and list them, which a RevOps analyst can act on,
instead of refusing a whole CRM export for two bad addresses.

The returned tables carry, in ``df.attrs``: ``source`` (the path),
``columns`` (canonical name -> the user's header), ``dropped_columns``
(headers that matched nothing, in file order), ``warnings`` (list of
`InputProblem`), ``notes`` (what was inferred or converted, for the log) and
``salesforce_ids`` (whether ids were treated as Salesforce ids).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from solver.errors import InputError, InputProblem
from solver.inputs.canonical import UnknownCountry, read_canonical
from solver.inputs.columns import ACCOUNTS, REPS
from solver.inputs.table_files import SUFFIXES, decode_text, read_table
from solver.inputs.validation import cross_check, harmonise_ids

__all__ = ["SUFFIXES", "decode_text", "read_accounts", "read_inputs", "read_reps", "read_table"]


def read_accounts(
    path: str | Path, *, on_unknown_country: UnknownCountry = "error", numeric: Sequence[str] = ()
) -> pd.DataFrame:
    """Read and validate the accounts table.

    Parameters
    ----------
    path
        CSV, Excel, Parquet or JSON file (see `read_table`).
    on_unknown_country
        ``"error"`` (default): an account whose country cannot be determined
        is an input problem. ``"keep"``: it loads with country NA and the
        problem goes to ``attrs["warnings"]`` instead.
    numeric
        Further columns to keep as numbers under these names (matched like
        any header, case- and punctuation-insensitively), e.g. the data
        points of ``[scoring] weights``; a name the file lacks is a problem.

    Returns
    -------
    pandas.DataFrame
        The canonical accounts columns (`solver.inputs.columns.ACCOUNTS`, absent
        optional ones all-NA), rows in file order, index = spreadsheet row.

    Raises
    ------
    InputError
        With every problem in the file.
    """
    return read_canonical(path, ACCOUNTS, on_unknown_country, numeric)


def read_reps(path: str | Path) -> pd.DataFrame:
    """Read and validate the reps table (see `read_accounts` for the shape)."""
    return read_canonical(path, REPS, "error")


def read_inputs(
    accounts_path: str | Path,
    reps_path: str | Path,
    *,
    on_unknown_country: UnknownCountry = "error",
    numeric: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read both tables, harmonise their ids and cross-check them.

    Problems of both files and of the cross-checks are raised together.

    Returns
    -------
    tuple[pandas.DataFrame, pandas.DataFrame]
        ``(accounts, reps)``.
    """
    problems: list[InputProblem] = []
    accounts = reps = None
    try:
        accounts = read_accounts(accounts_path, on_unknown_country=on_unknown_country, numeric=numeric)
    except InputError as exc:
        problems += exc.problems
    try:
        reps = read_reps(reps_path)
    except InputError as exc:
        problems += exc.problems
    if accounts is not None and reps is not None:
        accounts, reps = harmonise_ids(accounts, reps)
        problems += cross_check(accounts, reps)
    if problems:
        raise InputError(problems)
    assert accounts is not None and reps is not None
    return accounts, reps
