"""Read an opportunities table (the CRM pipeline) for attainment and forecast.

Accepted as they come: a Salesforce Data Loader or report export, a CLI tree
export (``Opportunity.json``), a ``sf data query --json`` result or a SOQL
REST response, and Maven Analytics' ``sales_pipeline.csv``. Headers are
matched as in `solver.inputs.columns` (case and punctuation ignored):

=================  ===========================================  ==========================
canonical          Salesforce                                   Maven ``sales_pipeline``
=================  ===========================================  ==========================
opportunity_id     Id, Opportunity ID                           opportunity_id
owner_id           OwnerId, Owner ID, Opportunity Owner ID
owner_name         Owner.Name, Opportunity Owner, Owner Name    sales_agent
account_id         AccountId, Account ID
account_name       Account.Name, Account Name                   account
name               Name, Opportunity Name
amount             Amount                                       close_value
close_date         CloseDate, Close Date                        close_date
stage              StageName, Stage                             deal_stage
is_won, is_closed  IsWon, IsClosed
probability        Probability, Probability (%)  (percent)
forecast_category  ForecastCategoryName, Forecast Category
=================  ===========================================  ==========================

An explicit ``columns`` mapping (canonical -> header) handles any other file.

What is not in a row comes from its stage (`DEFAULT_STAGES`, overridable):
whether it is closed and won, its probability, its forecast category. A
Salesforce export carries IsClosed / IsWon / Probability / ForecastCategoryName
and those win over the stage map.

The owner of each opportunity is found by `resolve_owners`: the owner id; else
the owner's name matched to the run's rep names (Maven's ``sales_agent``);
else the run's owner of the opportunity's account (the sample Salesforce
exports carry AccountId but no OwnerId).

Money is checked here (>= 0) and turned into integer cents by
`solver.tracking.rollup`. Tree-export references (``@ref...``) lose their ``@`` so
that they match the referenced records' ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from solver.errors import InputError, InputProblem
from solver.inputs.columns import ColumnSpec, TableSpec, header_key
from solver.inputs.readers import read_table
from solver.inputs.sfid import id18_mask, to_id18_series
from solver.inputs.typed_table import typed_table
from solver.inputs.validation import formula_id_problems, row_problems
from solver.money import MAX_AMOUNT

__all__ = [
    "CATEGORIES",
    "DEFAULT_STAGES",
    "OPPORTUNITIES",
    "Stage",
    "opportunities_from_table",
    "read_opportunities",
    "resolve_owners",
    "stage_map",
]

_SF_ID = ("Id", "Opportunity ID", "OpportunityId")
_SF_OWNER = ("OwnerId", "Owner ID", "Opportunity Owner ID")
_SF_ACCOUNT = ("AccountId", "Account ID")

OPPORTUNITIES = TableSpec(
    "opportunities",
    (
        ColumnSpec("opportunity_id", "id", aliases=_SF_ID, salesforce=_SF_ID),
        ColumnSpec("owner_id", "id", aliases=_SF_OWNER, salesforce=_SF_OWNER),
        ColumnSpec(
            "owner_name",
            "text",
            aliases=("Owner.Name", "Opportunity Owner", "Owner Name", "Owner Full Name", "sales_agent"),
        ),
        ColumnSpec("account_id", "id", aliases=_SF_ACCOUNT, salesforce=_SF_ACCOUNT),
        ColumnSpec("account_name", "text", aliases=("Account.Name", "Account Name", "account")),
        ColumnSpec("name", "text", aliases=("Name", "Opportunity Name")),
        ColumnSpec(
            "amount", "float", required=True, aliases=("Amount", "close_value"), lower=0.0, upper=MAX_AMOUNT
        ),
        ColumnSpec("close_date", "date", required=True, aliases=("CloseDate", "Close Date")),
        ColumnSpec("stage", "text", aliases=("StageName", "Stage", "deal_stage")),
        ColumnSpec("is_won", "text", aliases=("IsWon", "Won")),
        ColumnSpec("is_closed", "text", aliases=("IsClosed", "Closed")),
        ColumnSpec(
            "probability", "float", aliases=("Probability", "Probability (%)"), lower=0.0, upper=100.0
        ),
        ColumnSpec(
            "forecast_category",
            "text",
            aliases=("ForecastCategoryName", "Forecast Category", "ForecastCategory"),
        ),
    ),
)
"""The opportunities table; ``probability`` is in percent, as in Salesforce."""

#: Salesforce forecast categories, by matching key.
CATEGORIES: dict[str, str] = {
    "pipeline": "Pipeline",
    "bestcase": "Best Case",
    "commit": "Commit",
    "closed": "Closed",
    "omitted": "Omitted",
}


@dataclass(frozen=True)
class Stage:
    """What a stage says about an opportunity.

    Attributes
    ----------
    probability
        Chance of winning, 0..1 (the weight of the open amount in the forecast).
    closed, won
        Whether the stage ends the opportunity, and whether it was won.
    category
        Salesforce forecast category (Pipeline, Best Case, Commit, Closed, Omitted).
    """

    probability: float
    closed: bool = False
    won: bool = False
    category: str = "Pipeline"


#: Salesforce's standard opportunity stages (probabilities and forecast
#: categories as a new org has them) and Maven's Prospecting > Engaging >
#: Won / Lost. Engaging, Maven's last open stage, gets 0.6: close to the 63%
#: of Maven's closed deals that were won.
DEFAULT_STAGES: dict[str, Stage] = {
    "Prospecting": Stage(0.10),
    "Qualification": Stage(0.10),
    "Needs Analysis": Stage(0.20),
    "Value Proposition": Stage(0.50),
    "Id. Decision Makers": Stage(0.60),
    "Perception Analysis": Stage(0.70),
    "Proposal/Price Quote": Stage(0.75),
    "Negotiation/Review": Stage(0.90),
    "Closed Won": Stage(1.0, closed=True, won=True, category="Closed"),
    "Closed Lost": Stage(0.0, closed=True, won=False, category="Omitted"),
    "Engaging": Stage(0.60),
    "Won": Stage(1.0, closed=True, won=True, category="Closed"),
    "Lost": Stage(0.0, closed=True, won=False, category="Omitted"),
}


def stage_map(overrides: Mapping[str, float | Stage] | None = None) -> dict[str, Stage]:
    """The default stages with ``overrides`` on top, keyed by matching key.

    A float is the probability (0..1) of an open stage in the Pipeline
    category; a `Stage` says everything.
    """
    out = {header_key(k): v for k, v in DEFAULT_STAGES.items()}
    for name, value in (overrides or {}).items():
        stage = value if isinstance(value, Stage) else Stage(float(value))
        if not 0.0 <= stage.probability <= 1.0:
            raise InputError(
                InputProblem("stage map", None, name, f"probability {stage.probability!r} is not in [0, 1]")
            )
        out[header_key(name)] = stage
    return out


_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def _booleans(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Text -> (value, present, bad) arrays; true/false, 1/0, yes/no."""
    low = text.str.strip().str.lower()
    is_true = low.isin(_TRUE).to_numpy(dtype=bool, na_value=False)
    is_false = low.isin(_FALSE).to_numpy(dtype=bool, na_value=False)
    present = text.notna().to_numpy(dtype=bool)
    return is_true, is_true | is_false, present & ~(is_true | is_false)


def _strip_tree_refs(values: pd.Series) -> pd.Series:
    """``@ref001`` (a CLI tree export's reference) -> ``ref001``."""
    return values.str.replace(r"^@(?=\w)", "", regex=True)


def _widen_ids(frame: pd.DataFrame, salesforce_header: bool, notes: list[str], file: str) -> None:
    """Widen 15-character Salesforce ids of a Salesforce-sourced table (as the readers do)."""
    ids = ("opportunity_id", "owner_id", "account_id")
    if not (salesforce_header or any(id18_mask(frame[c]).any() for c in ids)):
        return
    total = 0
    for c in ids:
        frame[c], n = to_id18_series(frame[c])
        total += n
    if total:
        notes.append(f"{file}: widened {total} 15-character Salesforce ids to 18 characters")


def _status(
    frame: pd.DataFrame, headers: dict[str, str], stages: dict[str, Stage], file: str
) -> tuple[pd.DataFrame, list[InputProblem]]:
    """is_closed, is_won, probability (0..1) and forecast category of every row."""
    problems: list[InputProblem] = []
    rows = frame.index.to_numpy(dtype=np.int64)
    stage_text = frame["stage"]
    keys = stage_text.astype(object).map(header_key, na_action="ignore")
    known = keys.isin(list(stages)).to_numpy(dtype=bool, na_value=False)
    info = keys.map(stages)
    s_prob = info.map(lambda s: s.probability, na_action="ignore").to_numpy(dtype=float, na_value=np.nan)
    s_closed = info.map(lambda s: s.closed, na_action="ignore").to_numpy(dtype=bool, na_value=False)
    s_won = info.map(lambda s: s.won, na_action="ignore").to_numpy(dtype=bool, na_value=False)
    s_cat = info.map(lambda s: s.category, na_action="ignore").astype("string")

    closed_v, closed_p, closed_bad = _booleans(frame["is_closed"])
    won_v, won_p, won_bad = _booleans(frame["is_won"])
    for name, bad in (("is_closed", closed_bad), ("is_won", won_bad)):
        vals = frame[name].to_numpy(dtype=object)[bad]
        problems += row_problems(
            file, headers.get(name, name), rows[bad], [f"{v!r} is not true or false" for v in vals]
        )
    said_won = won_p & won_v
    closed = np.where(closed_p, closed_v, s_closed | said_won)
    closed_known = closed_p | known | said_won
    won = np.where(won_p, won_v, s_won) & closed
    won_known = won_p | known | ~closed

    stage_header = headers.get("stage", "stage")
    unknown_stage = ~closed_known & ~closed_bad
    if unknown_stage.any():
        whys = [
            (
                f"stage {s!r} is not in the stage map and the row has no IsClosed: add the stage "
                "(with its probability) or give IsClosed, IsWon and Probability"
            )
            if not pd.isna(s)
            else "no stage and no IsClosed: the opportunity's status is unknown"
            for s in stage_text.to_numpy(dtype=object)[unknown_stage]
        ]
        problems += row_problems(file, stage_header, rows[unknown_stage], whys)
    missing_won = closed_known & closed & ~won_known & ~won_bad
    problems += row_problems(
        file,
        stage_header,
        rows[missing_won],
        ["closed, but neither IsWon nor the stage says whether it was won"] * int(missing_won.sum()),
    )
    contradiction = won_p & won_v & closed_p & ~closed_v
    problems += row_problems(
        file,
        headers.get("is_won", "is_won"),
        rows[contradiction],
        ["IsWon is true but IsClosed is false"] * int(contradiction.sum()),
    )

    p_col = frame["probability"].to_numpy(dtype=float, na_value=np.nan) / 100.0
    prob = np.where(np.isfinite(p_col), p_col, s_prob)
    prob = np.where(closed, np.where(won, 1.0, 0.0), prob)
    no_prob = closed_known & ~closed & ~np.isfinite(prob)
    if no_prob.any():
        whys = [
            f"open opportunity at stage {s!r} has no Probability and the stage map has no probability for it"
            for s in stage_text.to_numpy(dtype=object)[no_prob]
        ]
        problems += row_problems(file, stage_header, rows[no_prob], whys)

    cat_keys = frame["forecast_category"].astype(object).map(header_key, na_action="ignore")
    cat = cat_keys.map(CATEGORIES).astype("string")
    bad_cat = frame["forecast_category"].notna().to_numpy(dtype=bool) & cat.isna().to_numpy(dtype=bool)
    problems += row_problems(
        file,
        headers.get("forecast_category", "forecast_category"),
        rows[bad_cat],
        [
            f"{v!r} is not a forecast category ({', '.join(CATEGORIES.values())})"
            for v in frame["forecast_category"].to_numpy(dtype=object)[bad_cat]
        ],
    )
    derived = pd.Series(np.where(closed, np.where(won, "Closed", "Omitted"), "Pipeline"), index=frame.index)
    cat = cat.fillna(pd.Series(np.where(closed, derived, s_cat.fillna("Pipeline")), index=frame.index))
    cat = cat.where(~(closed & won), "Closed")

    out = pd.DataFrame(
        {
            "is_closed": closed.astype(bool),
            "is_won": won.astype(bool),
            "probability": np.where(np.isfinite(prob), prob, 0.0),
            "forecast_category": cat.astype("string"),
        },
        index=frame.index,
    )
    return out, problems


def _duplicate_ids(frame: pd.DataFrame, file: str, header: str) -> list[InputProblem]:
    """An opportunity listed twice would count twice: every repeat names the first row."""
    ids = frame["opportunity_id"].astype("string")
    rows = frame.index.to_numpy(dtype=np.int64)
    dup = (ids.duplicated(keep="first") & ids.notna()).to_numpy(dtype=bool)
    if not dup.any():
        return []
    first = pd.Series(rows).groupby(pd.factorize(ids)[0]).transform("min").to_numpy()
    whys = [
        f"duplicate opportunity_id {v!r}: also in row {r} (it would be counted twice)"
        for v, r in zip(ids.to_numpy(dtype=object)[dup], first[dup], strict=True)
    ]
    return row_problems(file, header, rows[dup], whys)


def opportunities_from_table(
    table: pd.DataFrame,
    file: str,
    *,
    columns: Mapping[str, str] | None = None,
    stages: Mapping[str, float | Stage] | None = None,
) -> pd.DataFrame:
    """Canonical opportunities from a text table (see `read_opportunities`)."""
    typed = typed_table(table, OPPORTUNITIES, file, columns=columns)
    problems = list(typed.problems)
    frame = typed.frame.copy()
    notes: list[str] = list(table.attrs.get("notes", []))
    for c in ("opportunity_id", "owner_id", "account_id"):
        frame[c] = _strip_tree_refs(frame[c])
    sf_header = any(
        typed.present(c) and OPPORTUNITIES.is_salesforce_header(c, typed.header(c))
        for c in ("opportunity_id", "owner_id", "account_id")
    )
    # A CLI tree export's ids are reference names ("OpportunityRef1"), never widened.
    if not any("referenceId" in note for note in notes):
        _widen_ids(frame, sf_header, notes, file)
    problems += _duplicate_ids(frame, file, typed.header("opportunity_id"))
    for c in ("opportunity_id", "owner_id", "account_id"):
        problems += formula_id_problems(frame, c, file)
    if not (typed.present("stage") or typed.present("is_closed")):
        problems.append(
            InputProblem(
                file,
                None,
                "stage",
                "the table needs a stage column (StageName) or "
                "IsClosed / IsWon to tell open from closed opportunities",
            )
        )
        raise InputError(problems)
    status, found = _status(frame, typed.headers, stage_map(stages), file)
    problems += found
    if problems:
        raise InputError(problems)
    frame = frame.drop(columns=["is_won", "is_closed", "probability", "forecast_category"])
    frame = pd.concat([frame, status], axis=1)
    frame.attrs.update(
        source=file, columns=typed.headers, dropped_columns=typed.dropped, notes=notes, warnings=[]
    )
    return frame


def read_opportunities(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    stages: Mapping[str, float | Stage] | None = None,
) -> pd.DataFrame:
    """Read and check an opportunities table.

    Parameters
    ----------
    path
        CSV, Excel, Parquet or JSON (see `solver.inputs.readers.read_table`).
    columns
        Explicit mapping canonical name -> header, for files whose headers
        are neither canonical nor known aliases.
    stages
        Stage name -> probability (0..1) or `Stage`, on top of `DEFAULT_STAGES`.

    Returns
    -------
    pandas.DataFrame
        Columns opportunity_id, owner_id, account_id (strings), owner_name,
        account_name, name, stage, amount (float, NaN when blank), close_date
        (datetime64, NaT when blank), is_closed, is_won (bool), probability
        (0..1), forecast_category; index = spreadsheet row. ``attrs`` carry
        source, columns, dropped_columns and notes.

    Raises
    ------
    InputError
        With every problem in the file (row, column and why).
    """
    return opportunities_from_table(read_table(path), str(path), columns=columns, stages=stages)


def _name_key(names: pd.Series) -> pd.Series:
    return names.astype("string").str.strip().str.casefold().str.replace(r"\s+", " ", regex=True)


def resolve_owners(
    opportunities: pd.DataFrame,
    reps: pd.DataFrame,
    account_owners: pd.Series | None = None,
) -> pd.DataFrame:
    """Give every opportunity the rep it counts for (column ``rep_id``).

    Parameters
    ----------
    opportunities
        From `read_opportunities`.
    reps
        The run's reps (rep_id, name).
    account_owners
        The run's owner of each account (rep_id indexed by account_id), used
        when a row names no owner.

    Returns
    -------
    pandas.DataFrame
        ``opportunities`` plus ``rep_id`` and ``owner_source`` (``owner_id``,
        ``owner_name`` or ``account``). An owner that is no rep of the run
        keeps its id (or name): its bookings are tracked, outside the plan.

    Raises
    ------
    InputError
        Rows whose owner cannot be found, and names shared by two reps.
    """
    file = str(opportunities.attrs.get("source", "opportunities"))
    headers: dict[str, str] = dict(opportunities.attrs.get("columns", {}))
    rows = opportunities.index.to_numpy(dtype=np.int64)
    problems: list[InputProblem] = []
    owner = opportunities["owner_id"].astype("string")
    source = pd.Series(np.where(owner.notna(), "owner_id", ""), index=opportunities.index, dtype="string")

    names = _name_key(opportunities["owner_name"])
    use_name = owner.isna() & names.notna()
    if use_name.any():
        rep_names = _name_key(reps["name"]) if "name" in reps else pd.Series(dtype="string")
        rep_ids = reps["rep_id"].astype("string")
        table = pd.DataFrame({"key": rep_names.to_numpy(), "rep_id": rep_ids.to_numpy()}).dropna()
        shared = table[table["key"].duplicated(keep=False)]
        wanted = set(names[use_name].dropna())
        clash = shared[shared["key"].isin(wanted)]
        for key, group in clash.groupby("key", sort=True):
            problems.append(
                InputProblem(
                    file,
                    None,
                    headers.get("owner_name", "owner_name"),
                    f"owner name {key!r} matches several reps ({', '.join(group['rep_id'])}): "
                    "give owner ids (OwnerId) instead",
                )
            )
        by_name = table.drop_duplicates("key").set_index("key")["rep_id"]
        matched = names.map(by_name).astype("string")
        raw = opportunities["owner_name"].astype("string").str.strip()
        owner = owner.where(~use_name, matched.fillna(raw))
        source = source.where(~use_name, "owner_name")

    use_account = owner.isna() & opportunities["account_id"].notna()
    if use_account.any() and account_owners is not None:
        acc = account_owners.copy()
        acc.index = acc.index.astype("string")
        found = opportunities["account_id"].astype("string").map(acc.astype("string"))
        take = use_account & found.notna()
        owner = owner.where(~take, found)
        source = source.where(~take, "account")
    missing = owner.isna().to_numpy(dtype=bool)
    if missing.any():
        acc_ids = opportunities["account_id"].to_numpy(dtype=object)[missing]
        whys = [
            "no owner: the row has no owner id or owner name, and no account id"
            if pd.isna(a)
            else (
                f"no owner: the row has no owner id or owner name, and its account {a!r} is not in the run"
                if account_owners is not None
                else f"no owner: the row has no owner id or owner name (its account {a!r} could give one "
                "with the run's assignment)"
            )
            for a in acc_ids
        ]
        problems += row_problems(file, headers.get("owner_id", "owner_id"), rows[missing], whys)
    if problems:
        raise InputError(problems)
    out = opportunities.copy()
    out["rep_id"] = owner.astype("string")
    out["owner_source"] = source
    return out
