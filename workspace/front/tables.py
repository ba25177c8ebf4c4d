"""A version's run-folder tables as data frames, read once per file change.

Pages read the same files `terraquota run` writes (assignment.csv, reps.csv,
...); a table is cached by path, size and modification time, so a page
showing a 20k-account plan parses its CSV once, not on every request.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

#: columns read as text whatever they hold (ids keep leading zeros)
TEXT_COLUMNS = (
    "account_id",
    "rep_id",
    "previous_owner",
    "segment",
    "region",
    "manager_id",
    "name",
    "country",
    "state",
    "reason",
    "family_id",
    "start_date",
    "end_date",
)


@functools.lru_cache(maxsize=32)
def _read(path: str, size: int, mtime_ns: int) -> pd.DataFrame:
    head = pd.read_csv(path, nrows=0).columns
    dtypes = {c: "string" for c in head if c in TEXT_COLUMNS}
    frame = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
    for c in dtypes:
        frame[c] = frame[c].astype("string")
    return frame


def read_csv(path: Path | None) -> pd.DataFrame | None:
    """The table at ``path`` (shared, do not modify: copy first), or None when absent."""
    if path is None or not path.is_file():
        return None
    stat = path.stat()
    return _read(str(path), stat.st_size, stat.st_mtime_ns)


def run_table(version: object, name: str) -> pd.DataFrame | None:
    """``name`` (e.g. ``reps.csv``) of a version's run folder, or None before a run."""
    return read_csv(version.run_file(name))  # type: ignore[attr-defined]
