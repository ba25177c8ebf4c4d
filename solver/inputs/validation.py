"""Checks of the canonical accounts and reps tables, alone and together.

`solver.inputs.readers` parses each file and runs `check_accounts` / `check_reps`;
`cross_check` runs the checks that need both tables. All checks are
vectorised and return `InputProblem` values (file, spreadsheet row, the
user's column header, why) instead of raising, so that one run reports
everything at once.

Rows are located through the DataFrame index when it is named ``"row"`` (the
readers set it to the spreadsheet row number); otherwise row *i* (0-based) is
reported as row *i + 2*, the row it would have in a CSV with a header.

Account families: ``parent_id`` links accounts into trees; a family (a root
account and everything below it) is assigned to one rep as a unit.
`family_ids` finds each account's root by pointer jumping: ``p <- p[p]``
doubles the distance covered per step, so a tree of depth *d* needs about
log2(d) vectorised steps instead of a walk per account.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from solver.errors import InputError, InputProblem
from solver.inputs.formula_text import formula_mask
from solver.inputs.sfid import id18_mask, to_id18_series

__all__ = [
    "MAX_PROBLEMS_PER_CHECK",
    "check_accounts",
    "check_reps",
    "cross_check",
    "family_ids",
    "harmonise_ids",
    "row_problems",
]

#: A check that fails on many rows reports this many and then one summary line.
MAX_PROBLEMS_PER_CHECK = 50

_ACCOUNT_ID_COLUMNS = ("account_id", "current_owner", "parent_id", "locked_owner")
_REP_ID_COLUMNS = ("rep_id", "manager_id")


def row_problems(
    file: str, column: str | None, rows: np.ndarray, whys: list[str] | np.ndarray
) -> list[InputProblem]:
    """One problem per row, capped at `MAX_PROBLEMS_PER_CHECK` plus a summary.

    The cap keeps a message readable when a whole column is wrong (100,000
    rows of "n/a"); the summary still says how many rows and which ones come next.
    """
    rows = np.asarray(rows)
    out = [
        InputProblem(file, int(r), column, str(w))
        for r, w in zip(rows[:MAX_PROBLEMS_PER_CHECK], whys[:MAX_PROBLEMS_PER_CHECK], strict=True)
    ]
    rest = len(rows) - MAX_PROBLEMS_PER_CHECK
    if rest > 0:
        nxt = ", ".join(str(int(r)) for r in rows[MAX_PROBLEMS_PER_CHECK : MAX_PROBLEMS_PER_CHECK + 5])
        out.append(
            InputProblem(
                file,
                None,
                column,
                f"... and {rest} more rows with the same kind of problem (rows {nxt}, ...)",
            )
        )
    return out


def _file(df: pd.DataFrame, default: str) -> str:
    return str(df.attrs.get("source", default))


def _rows(df: pd.DataFrame) -> np.ndarray:
    if df.index.name == "row":
        return df.index.to_numpy(dtype=np.int64)
    return np.arange(len(df), dtype=np.int64) + 2


def _header(df: pd.DataFrame, column: str) -> str:
    return str(df.attrs.get("columns", {}).get(column, column))


def _present(df: pd.DataFrame, column: str) -> bool:
    """A column the user supplied (the readers add absent optional columns as all-NA)."""
    if column not in df.columns:
        return False
    known = df.attrs.get("columns")
    return True if known is None else column in known


def _usable(df: pd.DataFrame, column: str, skip: dict[str, np.ndarray] | None) -> np.ndarray:
    """Rows where the column has a value that parsed (bad values are reported elsewhere)."""
    ok = df[column].notna().to_numpy(dtype=bool)
    if skip and column in skip:
        ok &= ~skip[column]
    return ok


def formula_id_problems(df: pd.DataFrame, column: str, file: str) -> list[InputProblem]:
    """Ids a spreadsheet would run as formulas: refused, since an id is never altered on export."""
    if not _present(df, column):
        return []
    bad = formula_mask(df[column])
    values = df[column].astype("string").to_numpy(dtype=object)[bad]
    whys = [f"{v!r} looks like a spreadsheet formula; ids must not start with = + - @" for v in values]
    return row_problems(file, _header(df, column), _rows(df)[bad], whys)


def _id_checks(df: pd.DataFrame, column: str, file: str) -> list[InputProblem]:
    """Blank and duplicate keys; a duplicate names the row of the first occurrence."""
    if not _present(df, column):
        return []
    ids = df[column].astype("string")
    rows = _rows(df)
    header = _header(df, column)
    blank = ids.isna().to_numpy(dtype=bool)
    out = row_problems(file, header, rows[blank], [f"{header} is blank"] * int(blank.sum()))
    out += formula_id_problems(df, column, file)
    codes, _ = pd.factorize(ids)
    first_row = pd.Series(rows).groupby(codes).transform("min").to_numpy()
    dup = ids.duplicated(keep="first").to_numpy(dtype=bool) & ~blank
    whys = [
        f"duplicate {header} {v!r}: also in row {r}"
        for v, r in zip(ids.to_numpy(dtype=object)[dup], first_row[dup], strict=True)
    ]
    return out + row_problems(file, header, rows[dup], whys)


def _pair_check(
    df: pd.DataFrame, a: str, b: str, file: str, skip: dict[str, np.ndarray] | None
) -> list[InputProblem]:
    """``a`` and ``b`` (lat, lon) are given together or not at all."""
    if not (_present(df, a) or _present(df, b)):
        return []
    rows = _rows(df)
    ha, hb = _header(df, a), _header(df, b)
    has_a = df[a].notna().to_numpy(dtype=bool)
    has_b = df[b].notna().to_numpy(dtype=bool)
    bad_a = skip.get(a, np.zeros(len(df), bool)) if skip else np.zeros(len(df), bool)
    bad_b = skip.get(b, np.zeros(len(df), bool)) if skip else np.zeros(len(df), bool)
    only_b = has_b & ~has_a & ~bad_a
    only_a = has_a & ~has_b & ~bad_b
    return row_problems(
        file,
        ha,
        rows[only_b],
        [f"{ha} is blank but {hb} is given; give both or neither"] * int(only_b.sum()),
    ) + row_problems(
        file,
        hb,
        rows[only_a],
        [f"{hb} is blank but {ha} is given; give both or neither"] * int(only_a.sum()),
    )


def _blank_required(df: pd.DataFrame, column: str, file: str) -> list[InputProblem]:
    if not _present(df, column):
        return []
    blank = df[column].isna().to_numpy(dtype=bool)
    header = _header(df, column)
    return row_problems(file, header, _rows(df)[blank], [f"{header} is blank"] * int(blank.sum()))


def _parent_positions(ids: pd.Series, parents: pd.Series) -> np.ndarray:
    """Position of each row's parent (first row holding that id); -1 when none or unknown."""
    ids = ids.astype("string")
    first = (~ids.duplicated(keep="first") & ids.notna()).to_numpy(dtype=bool)
    index = pd.Index(ids[first].to_numpy(dtype=object))
    loc = index.get_indexer(parents.astype("string").to_numpy(dtype=object))
    first_pos = np.flatnonzero(first)
    return np.where(loc >= 0, first_pos[np.maximum(loc, 0)], -1)


def _roots(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Root position of every node by pointer jumping; mask of nodes in or below a cycle.

    ``parent[i] == -1`` (or ``i``) marks a root. After k steps ``p`` is the
    2**k-th ancestor (roots point at themselves); a node whose final ``p``
    still has a parent sits in a cycle or hangs below one.
    """
    n = len(parent)
    self_idx = np.arange(n)
    is_root = (parent < 0) | (parent == self_idx)
    p = np.where(is_root, self_idx, parent)
    for _ in range(max(1, int(np.ceil(np.log2(n + 1)))) + 1):
        q = p[p]
        if np.array_equal(q, p):
            break
        p = q
    cyclic = ~is_root[p] if n else np.zeros(0, dtype=bool)
    return p, cyclic


def _cycles(parent: np.ndarray, landing: np.ndarray) -> list[list[int]]:
    """The distinct cycles through the landing nodes, each listed once, in parent order."""
    seen: set[int] = set()
    cycles: list[list[int]] = []
    for start in np.unique(landing).tolist():
        if start in seen:
            continue
        cycle = [start]
        node = int(parent[start])
        while node != start and node not in seen:
            cycle.append(node)
            node = int(parent[node])
        seen.update(cycle)
        if node == start:  # landing nodes lie on cycles; guard anyway
            cycles.append(cycle)
    return cycles


def _cycle_problems(df: pd.DataFrame, parent: np.ndarray, file: str) -> list[InputProblem]:
    p, cyclic = _roots(parent)
    if not cyclic.any():
        return []
    ids = df["account_id"].astype("string").to_numpy(dtype=object)
    rows = _rows(df)
    out = []
    for cycle in _cycles(parent, p[cyclic]):
        k = int(np.argmin(rows[cycle]))
        ordered = cycle[k:] + cycle[:k]
        shown = [f"{ids[i]} (row {rows[i]})" for i in ordered[:10]]
        if len(ordered) > 10:
            shown.append(f"... {len(ordered) - 10} more")
        chain = " -> ".join([*shown, str(ids[ordered[0]])])
        out.append(
            InputProblem(
                file,
                int(rows[ordered[0]]),
                _header(df, "parent_id"),
                f"parent_id links form a cycle: {chain}",
            )
        )
    return out


def _parent_checks(df: pd.DataFrame, file: str) -> list[InputProblem]:
    if not (_present(df, "parent_id") and _present(df, "account_id")):
        return []
    ids = df["account_id"].astype("string")
    parents = df["parent_id"].astype("string")
    rows = _rows(df)
    header = _header(df, "parent_id")
    has = parents.notna().to_numpy(dtype=bool)
    self_parent = has & (parents == ids).fillna(False).to_numpy(dtype=bool)
    pos = _parent_positions(ids, parents)
    unknown = has & (pos < 0)
    pv = parents.to_numpy(dtype=object)
    out = row_problems(
        file,
        header,
        rows[self_parent],
        [f"account {v!r} is its own parent" for v in pv[self_parent]],
    )
    out += row_problems(
        file,
        header,
        rows[unknown],
        [f"parent_id {v!r} is not an account_id in this file" for v in pv[unknown]],
    )
    return out + _cycle_problems(df, pos, file)


def check_accounts(
    accounts: pd.DataFrame, *, skip: dict[str, np.ndarray] | None = None
) -> list[InputProblem]:
    """Checks inside the accounts table that go beyond one value.

    Blank or duplicate account_id, lat without lon (or the reverse), a
    parent_id that is the account itself, names no account of the table, or
    closes a cycle.

    Parameters
    ----------
    accounts
        Canonical accounts table (as `solver.inputs.readers.read_accounts` builds it).
    skip
        Column -> mask of rows whose value did not parse (already reported),
        so that they do not also count as blank.
    """
    file = _file(accounts, "accounts")
    return (
        _id_checks(accounts, "account_id", file)
        + _pair_check(accounts, "lat", "lon", file, skip)
        + _parent_checks(accounts, file)
        + [p for c in _ACCOUNT_ID_COLUMNS[1:] for p in formula_id_problems(accounts, c, file)]
    )


def check_reps(reps: pd.DataFrame, *, skip: dict[str, np.ndarray] | None = None) -> list[InputProblem]:
    """Checks inside the reps table that go beyond one value.

    Blank or duplicate rep_id, blank segment or region, lat without lon (or
    the reverse), end_date before start_date.
    """
    file = _file(reps, "reps")
    out = _id_checks(reps, "rep_id", file)
    out += [p for c in _REP_ID_COLUMNS[1:] for p in formula_id_problems(reps, c, file)]
    out += _blank_required(reps, "segment", file) + _blank_required(reps, "region", file)
    out += _pair_check(reps, "lat", "lon", file, skip)
    if _present(reps, "start_date") and _present(reps, "end_date"):
        start, end = reps["start_date"], reps["end_date"]
        before = (end < start).fillna(False).to_numpy(dtype=bool)
        whys = [
            f"end_date {e:%Y-%m-%d} is before start_date {s:%Y-%m-%d}"
            for s, e in zip(start[before], end[before], strict=True)
        ]
        out += row_problems(file, _header(reps, "end_date"), _rows(reps)[before], whys)
    return out


def family_ids(accounts: pd.DataFrame) -> pd.Series:
    """Each account's root ancestor id (its own id when it has no parent).

    A parent_id that names no account of the table, or the account itself,
    makes the account a root (the readers report both as input problems).

    Parameters
    ----------
    accounts
        Table with ``account_id`` and (optionally) ``parent_id``.

    Returns
    -------
    pandas.Series
        ``family_id`` (``string`` dtype), aligned with ``accounts``.

    Raises
    ------
    InputError
        When parent_id links form a cycle: such accounts have no root.
    """
    ids = accounts["account_id"].astype("string")
    if "parent_id" not in accounts.columns:
        return ids.rename("family_id")
    parent = _parent_positions(ids, accounts["parent_id"])
    p, cyclic = _roots(parent)
    if cyclic.any():
        raise InputError(_cycle_problems(accounts, parent, _file(accounts, "accounts")))
    roots = ids.to_numpy(dtype=object)[p]
    return pd.Series(roots, index=accounts.index, dtype="string", name="family_id")


def _salesforce_sourced(df: pd.DataFrame, columns: tuple[str, ...]) -> bool:
    if df.attrs.get("salesforce_ids"):
        return True
    return any(c in df.columns and id18_mask(df[c]).any() for c in columns)


def harmonise_ids(accounts: pd.DataFrame, reps: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bring both tables' Salesforce ids to the 18-character form.

    Each reader widens 15-character ids when its own table shows Salesforce
    ids. A hand-made reps file holding 15-character user ids (copied from a
    report) next to a Data Loader accounts export (18 characters) would still
    never match; so when either table is Salesforce-sourced, 15-character
    alphanumeric ids in the other table's id columns are widened too.

    Returns
    -------
    tuple[pandas.DataFrame, pandas.DataFrame]
        The tables, copied only when something changed.
    """
    if not (_salesforce_sourced(accounts, _ACCOUNT_ID_COLUMNS) or _salesforce_sourced(reps, _REP_ID_COLUMNS)):
        return accounts, reps

    def widen(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
        out = df
        for c in columns:
            if c not in df.columns:
                continue
            converted, n = to_id18_series(df[c])
            if n:
                out = out.copy() if out is df else out
                out[c] = converted
        return out

    return widen(accounts, _ACCOUNT_ID_COLUMNS), widen(reps, _REP_ID_COLUMNS)


def cross_check(accounts: pd.DataFrame, reps: pd.DataFrame) -> list[InputProblem]:
    """Checks that need both tables.

    - a locked_owner must be a rep_id (a pin to someone who is not a rep of
      the plan cannot be honoured);
    - all locked_owner values inside one account family must agree (the
      family moves as one unit).

    A current_owner that is not a rep is *not* a problem: that owner left and
    the account must move. manager_id may name anyone (managers need not be reps).
    Ids are compared after `harmonise_ids`.
    """
    accounts, reps = harmonise_ids(accounts, reps)
    file = _file(accounts, "accounts")
    if "locked_owner" not in accounts.columns or "rep_id" not in reps.columns:
        return []
    rows = _rows(accounts)
    header = _header(accounts, "locked_owner")
    locks = accounts["locked_owner"].astype("string")
    has = locks.notna().to_numpy(dtype=bool)
    known = locks.isin(reps["rep_id"].dropna().astype("string")).to_numpy(dtype=bool)
    stray = has & ~known
    out = row_problems(
        file,
        header,
        rows[stray],
        [
            f"locked_owner {v!r} is not a rep_id in the reps table"
            for v in locks.to_numpy(dtype=object)[stray]
        ],
    )
    if not has.any() or "account_id" not in accounts.columns:
        return out
    try:
        family = family_ids(accounts)
    except InputError:  # cycles: reported by check_accounts
        return out
    frame = pd.DataFrame(
        {"family": family.to_numpy(dtype=object), "lock": locks.to_numpy(dtype=object), "row": rows}
    )[has]
    distinct = frame.groupby("family", sort=False)["lock"].transform("nunique")
    clash = frame[distinct.to_numpy() > 1]
    for fam, members in clash.groupby("family", sort=True):
        firsts = members.drop_duplicates("lock")
        listing = "; ".join(
            f"{lock!r} in row {row}" for lock, row in zip(firsts["lock"], firsts["row"], strict=True)
        )
        out.append(
            InputProblem(
                file,
                int(firsts["row"].iloc[1]),
                header,
                f"family of account {fam!r} is locked to different reps: {listing}",
            )
        )
    return out
