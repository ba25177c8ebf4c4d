"""`terraquota push RUN_DIR`: the approved plan back into Salesforce (dry run unless ``--apply``).

What changes (module `solver.inputs.salesforce_push` does the API work):

1. Account owners: every account whose planned rep differs from its owner.
2. Territories, when the scenario's ``[salesforce.push] territory_model``
   names a Territory2Model (by DeveloperName): one Territory2 per rep (type
   ``territory_type``), the rep's UserTerritory2Association and the
   accounts' ObjectTerritory2Association. Ids are looked up by DeveloperName:
   nothing is filled by hand.
3. Quotas, when ``forecasting_type`` names a ForecastingType: one
   ForecastingQuota per rep and period (updated where one exists).

Accounts going to planned hires, and ids that are not Salesforce ids, are
counted and left out. With ``--apply`` the state folder (default
``RUN_DIR/push``) gets ``rollback.csv`` — the values before each update,
written before the update is sent, and the ids of records created — and
``journal.csv``, one line per record sent with Salesforce's answer. An
account that moved loses its association with its old territory of the
model (saved in the rollback file first, to be re-created). A second
``--apply`` skips what the journal marks done: an interrupted push resumes.
"""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console

from reports.exports.salesforce import ASSOCIATION_CAUSE, territory_names
from solver.errors import InputError, InputProblem
from solver.inputs.salesforce_api import API_VERSION, API_VERSION_PATTERN, connect, credentials_from
from solver.inputs.salesforce_checks import check_push
from solver.inputs.salesforce_push import (
    BATCH,
    Outcome,
    Step,
    apply_step,
    current_values,
    ids_by_developer_name,
    is_salesforce_id,
    records_where,
)

#: exit code when some records were refused (the rest went through; re-run to retry).
EXIT_PARTIAL = 7
_JOURNAL = ["step", "key", "id", "status", "message"]
_ROLLBACK = ["sobject", "action", "Id", "field", "value"]


@dataclass(frozen=True)
class PushOptions:
    """``[salesforce.push]`` of the run's scenario."""

    territory_model: str | None = None
    territory_type: str | None = None
    forecasting_type: str | None = None
    batch_size: int = BATCH


@dataclass(frozen=True)
class RunTables:
    assignment: pd.DataFrame
    reps: pd.DataFrame
    quotas: pd.DataFrame
    options: PushOptions
    api_version: str = API_VERSION


def read_run(run_dir: Path) -> RunTables:
    """The run folder's tables and push options; a missing file is an input error."""
    need = ["assignment.csv", "reps.csv", "quotas.csv", "scenario.toml"]
    missing = [n for n in need if not (run_dir / n).is_file()]
    if missing:
        raise InputError(
            [
                InputProblem(str(run_dir / n), None, None, "missing: not a finished run folder")
                for n in missing
            ]
        )

    def table(name: str) -> pd.DataFrame:
        return pd.read_csv(run_dir / name, dtype=str, keep_default_na=False).replace("", pd.NA)

    file = str(run_dir / "scenario.toml")
    doc = tomllib.loads((run_dir / "scenario.toml").read_text(encoding="utf-8"))
    section = doc.get("salesforce") or {}
    problems = check_push(section.get("push"), file)
    version = section.get("api_version", API_VERSION)
    if not (isinstance(version, str) and re.fullmatch(API_VERSION_PATTERN, version)):
        problems.append(
            InputProblem(file, None, "salesforce.api_version", f"{version!r} is not like {API_VERSION!r}")
        )
    if problems:
        raise InputError(problems)
    options = PushOptions(**(section.get("push") or {}))
    return RunTables(table("assignment.csv"), table("reps.csv"), table("quotas.csv"), options, version)


def owner_step(run: RunTables) -> tuple[Step, dict[str, int]]:
    """Account owner updates, and how many changes were left out and why."""
    a = run.assignment
    changed = a["rep_id"].fillna("") != a["previous_owner"].fillna("")
    tbh = set(run.reps.loc[run.reps["name"].isna(), "rep_id"]) if "name" in run.reps else set()
    to_hire = changed & a["rep_id"].isin(tbh)
    valid = is_salesforce_id(a["account_id"], "001") & is_salesforce_id(a["rep_id"], "005")
    send = changed & ~to_hire & valid
    records = pd.DataFrame(
        {
            "key": "Account:" + a.loc[send, "account_id"] + ":OwnerId",
            "Id": a.loc[send, "account_id"],
            "OwnerId": a.loc[send, "rep_id"],
            "previous": a.loc[send, "previous_owner"],
        }
    ).reset_index(drop=True)
    skipped = {
        "to planned hires": int(to_hire.sum()),
        "without Salesforce ids": int((changed & ~to_hire & ~valid).sum()),
    }
    return Step("Account owners", "Account", "update", records), skipped


def _user_reps(run: RunTables) -> pd.DataFrame:
    reps = run.reps
    return reps[is_salesforce_id(reps["rep_id"], "005").to_numpy()]


def _print_dry_run(run: RunTables, console: Console) -> None:
    say = lambda text: console.print(text, markup=False, highlight=False, soft_wrap=True)  # noqa: E731
    owners, skipped = owner_step(run)
    say(f"Account owners: {len(owners.records):,} accounts would change owner")
    for row in owners.records.head(10).itertuples(index=False):
        say(f"  {row.Id}: {row.previous if isinstance(row.previous, str) else '(none)'} -> {row.OwnerId}")
    if len(owners.records) > 10:
        say(f"  ... and {len(owners.records) - 10:,} more")
    for why, n in skipped.items():
        if n:
            say(f"  left out: {n:,} changes {why}")
    opts = run.options
    reps = _user_reps(run)
    if opts.territory_model:
        n_acc = int(run.assignment["rep_id"].isin(set(reps["rep_id"])).sum())
        say(
            f"Territories: up to {len(reps):,} territories in model {opts.territory_model} "
            f"(type {opts.territory_type}), {len(reps):,} user and {n_acc:,} account associations"
        )
    else:
        say("Territories: not pushed (name a Territory2Model in [salesforce.push] territory_model)")
    if opts.forecasting_type:
        n_q = int(run.quotas["rep_id"].isin(set(reps["rep_id"])).sum())
        say(f"Quotas: {n_q:,} ForecastingQuota rows (type {opts.forecasting_type}), inserted or updated")
    else:
        say("Quotas: not pushed (name a ForecastingType in [salesforce.push] forecasting_type)")
    say("dry run: nothing was sent to Salesforce; add --apply to make these changes")


class _State:
    """journal.csv and rollback.csv of one run's pushes (appended, flushed per batch)."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.journal = folder / "journal.csv"
        self.rollback = folder / "rollback.csv"
        for path, header in ((self.journal, _JOURNAL), (self.rollback, _ROLLBACK)):
            if not path.exists():
                path.write_text(",".join(header) + "\n", encoding="utf-8")
        done = pd.read_csv(self.journal, dtype=str, keep_default_na=False)
        self.done = set(done.loc[done["status"] == "ok", "key"])
        saved = pd.read_csv(self.rollback, dtype=str, keep_default_na=False)
        self.saved = set(zip(saved["sobject"], saved["Id"], saved["field"], strict=True))

    def _append(self, path: Path, rows: list[list[str]]) -> None:
        with path.open("a", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)

    def save_before(self, sobject: str, before: pd.DataFrame, field: str, action: str = "update") -> None:
        """Today's values, once per record and field: a resumed push keeps the first ones."""
        rows = [
            [sobject, action, i, field, "" if pd.isna(v) else str(v)]
            for i, v in zip(before["Id"], before[field], strict=True)
            if (sobject, i, field) not in self.saved
        ]
        self._append(self.rollback, rows)
        self.saved.update((sobject, r[2], field) for r in rows)

    def record(self, step: Step, outcomes: list[Outcome]) -> None:
        self._append(
            self.journal,
            [[step.name, o.key, o.record_id, "ok" if o.ok else "failed", o.message] for o in outcomes],
        )
        if step.action == "insert":
            self._append(
                self.rollback, [[step.sobject, "delete", o.record_id, "", ""] for o in outcomes if o.ok]
            )
        self.done.update(o.key for o in outcomes if o.ok)


def _territory_steps(sf: Any, run: RunTables) -> list[Step]:
    """Territory2, then the user and account associations, with every id looked up by DeveloperName."""
    opts = run.options
    model = ids_by_developer_name(sf, "Territory2Model", [opts.territory_model or ""])
    types = ids_by_developer_name(sf, "Territory2Type", [opts.territory_type or ""])
    if opts.territory_model not in model or opts.territory_type not in types:
        what = "Territory2Model " + str(opts.territory_model) if opts.territory_model not in model else ""
        what = what or "Territory2Type " + str(opts.territory_type)
        raise InputError(
            InputProblem("scenario.toml", None, "salesforce.push", f"{what} does not exist in the org")
        )
    model_id = model[opts.territory_model or ""]
    names = territory_names(_user_reps(run))
    # A territory the model already has (an earlier push, or made by hand) is kept as it is.
    there = ids_by_developer_name(
        sf, "Territory2", names["DeveloperName"].tolist(), f"Territory2ModelId = '{model_id}'"
    )
    names = names[~names["DeveloperName"].isin(set(there))]
    territories = pd.DataFrame(
        {
            "key": "Territory2:" + names["DeveloperName"],
            "DeveloperName": names["DeveloperName"],
            "Name": names["Name"],
            "Description": names["Description"],
            "Territory2ModelId": model_id,
            "Territory2TypeId": types[opts.territory_type or ""],
        }
    )
    return [Step("Territories", "Territory2", "insert", territories.reset_index(drop=True))]


def _association_steps(sf: Any, run: RunTables) -> list[Step]:
    model_id = ids_by_developer_name(sf, "Territory2Model", [run.options.territory_model or ""])
    names = territory_names(_user_reps(run))
    ids = ids_by_developer_name(
        sf,
        "Territory2",
        names["DeveloperName"].tolist(),
        f"Territory2ModelId = '{next(iter(model_id.values()))}'",
    )
    names = names.assign(territory=names["DeveloperName"].map(ids)).dropna(subset=["territory"])
    users = pd.DataFrame(
        {
            "key": "UserTerritory2Association:" + names["rep_id"],
            "UserId": names["rep_id"],
            "Territory2Id": names["territory"],
        }
    )
    a = run.assignment.merge(names[["rep_id", "territory"]], on="rep_id")
    a = a[is_salesforce_id(a["account_id"], "001").to_numpy()]
    objects = pd.DataFrame(
        {
            "key": "ObjectTerritory2Association:" + a["account_id"] + ":" + a["territory"],
            "ObjectId": a["account_id"],
            "Territory2Id": a["territory"],
            "AssociationCause": ASSOCIATION_CAUSE,
        }
    )
    # What the model holds today for these accounts: kept when planned, removed when the account moved.
    model = next(iter(model_id.values()))
    today = records_where(
        sf,
        "ObjectTerritory2Association",
        ["Id", "ObjectId", "Territory2Id", "AssociationCause"],
        "ObjectId",
        objects["ObjectId"].tolist(),
        f"Territory2.Territory2ModelId = '{model}'",
    )
    planned = set(zip(objects["ObjectId"], objects["Territory2Id"], strict=True))
    held = set(zip(today["ObjectId"], today["Territory2Id"], strict=True))
    objects = objects[
        [pair not in held for pair in zip(objects["ObjectId"], objects["Territory2Id"], strict=True)]
    ]
    stale = today[
        [pair not in planned for pair in zip(today["ObjectId"], today["Territory2Id"], strict=True)]
    ]
    stale = stale.assign(key="delete:ObjectTerritory2Association:" + stale["Id"])
    return [
        Step("User territories", "UserTerritory2Association", "insert", users.reset_index(drop=True)),
        Step("Account territories", "ObjectTerritory2Association", "insert", objects.reset_index(drop=True)),
        Step(
            "Old account territories", "ObjectTerritory2Association", "delete", stale.reset_index(drop=True)
        ),
    ]


def _quota_steps(sf: Any, run: RunTables) -> list[Step]:
    kind = run.options.forecasting_type or ""
    types = ids_by_developer_name(sf, "ForecastingType", [kind])
    if kind not in types:
        raise InputError(
            InputProblem(
                "scenario.toml", None, "salesforce.push", f"ForecastingType {kind} does not exist in the org"
            )
        )
    q = run.quotas[run.quotas["rep_id"].isin(set(_user_reps(run)["rep_id"]))]
    rows = pd.DataFrame(
        {
            "key": "ForecastingQuota:" + kind + ":" + q["rep_id"] + ":" + q["period"],
            "QuotaOwnerId": q["rep_id"],
            "StartDate": q["period"],
            "QuotaAmount": pd.to_numeric(q["quota"]),
            "ForecastingTypeId": types[kind],
        }
    ).reset_index(drop=True)
    owners = "', '".join(sorted(set(rows["QuotaOwnerId"])))
    where = f"ForecastingTypeId = '{types[kind]}' AND QuotaOwnerId IN ('{owners}')"
    existing = sf.query_all(
        f"SELECT Id, QuotaOwnerId, StartDate, QuotaAmount FROM ForecastingQuota WHERE {where}"
    ).get("records", [])
    found = {(r["QuotaOwnerId"], r["StartDate"]): r["Id"] for r in existing}
    rows["Id"] = [found.get(k) for k in zip(rows["QuotaOwnerId"], rows["StartDate"], strict=True)]
    update = rows[rows["Id"].notna()][["key", "Id", "QuotaAmount"]]
    insert = rows[rows["Id"].isna()].drop(columns="Id")
    return [
        Step("Quotas (update)", "ForecastingQuota", "update", update.reset_index(drop=True)),
        Step("Quotas (new)", "ForecastingQuota", "insert", insert.reset_index(drop=True)),
    ]


def _send(sf: Any, step: Step, state: _State, batch_size: int, console: Console) -> int:
    """Apply one step (rollback values first for updates); return its refused records."""
    fields = [c for c in step.records.columns if c not in ("key", "Id", "previous")]
    todo = step.records[~step.records["key"].isin(state.done)]
    if step.action == "update" and len(todo):
        before = current_values(sf, step.sobject, todo["Id"].tolist(), fields)
        for field in fields:
            state.save_before(step.sobject, before, field)
    if step.action == "delete" and len(todo):
        # What a rollback re-creates: the deleted record's fields, saved before it goes.
        for field in fields:
            state.save_before(step.sobject, todo, field, action="insert")
        sendable = Step(step.name, step.sobject, step.action, step.records[["key", "Id"]])
    else:
        sendable = Step(
            step.name, step.sobject, step.action, step.records.drop(columns="previous", errors="ignore")
        )
    outcomes = apply_step(sf, sendable, state.done, lambda got: state.record(step, got), batch_size)
    failed = [o for o in outcomes if not o.ok]
    skipped = len(step.records) - len(todo)
    console.print(
        f"{step.name}: {len(outcomes) - len(failed):,} done, {len(failed):,} refused"
        + (f", {skipped:,} already done earlier" if skipped else ""),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    for o in failed[:10]:
        console.print(f"  {o.key}: {o.message}", markup=False, highlight=False, soft_wrap=True)
    if len(failed) > 10:
        console.print(f"  ... {len(failed) - 10:,} more in journal.csv", markup=False, highlight=False)
    return len(failed)


def run_push(run_dir: Path, apply: bool, state_dir: Path | None, console: Console) -> int:
    """Dry run (print) or apply the run's changes; the exit code."""
    run = read_run(run_dir)
    if not apply:
        _print_dry_run(run, console)
        return 0
    state = _State(state_dir or run_dir / "push")
    credentials = credentials_from()
    sf = connect(credentials, version=run.api_version)
    console.print(f"connected to {sf.sf_instance} ({credentials.source})", markup=False, highlight=False)
    size = run.options.batch_size
    failed = _send(sf, owner_step(run)[0], state, size, console)
    if run.options.territory_model:
        for step in _territory_steps(sf, run):
            failed += _send(sf, step, state, size, console)
        for step in _association_steps(sf, run):
            failed += _send(sf, step, state, size, console)
    if run.options.forecasting_type:
        for step in _quota_steps(sf, run):
            failed += _send(sf, step, state, size, console)
    console.print(
        f"journal: {state.journal}; rollback: {state.rollback}", markup=False, highlight=False, soft_wrap=True
    )
    return EXIT_PARTIAL if failed else 0
