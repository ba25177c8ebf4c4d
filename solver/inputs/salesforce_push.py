"""Writing an approved plan back to Salesforce: batched, per-record outcomes, resumable.

A push is a list of `Step` values (update Account owners, insert territories
and their account associations, insert or update ForecastingQuota). Each
step goes through the sObject Collections API in batches of at most 200
records with ``allOrNone = false``: a record Salesforce refuses is reported
with its error and the batch goes on. Every record has a stable ``key``;
keys already done (from an earlier, interrupted push) are skipped, which is
what makes a push resumable. What was there before an update is read first
(`current_values`) so the caller can write the rollback file before anything
changes. A refusal of the whole call (expired session, missing permission)
stops the push with a `solver.inputs.salesforce_api.SalesforceProblem`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from solver.inputs.salesforce_api import explain
from solver.inputs.salesforce_pull import soql

__all__ = [
    "BATCH",
    "Outcome",
    "Step",
    "apply_step",
    "current_values",
    "ids_by_developer_name",
    "is_salesforce_id",
    "records_where",
]

log = logging.getLogger(__name__)

#: records per sObject Collections call (the API's limit).
BATCH = 200
#: ids per ``WHERE Id IN (...)`` query, to stay well under the SOQL length limit.
_IN_CHUNK = 300
_VERB = {"update": "updating", "insert": "creating", "delete": "deleting"}


@dataclass(frozen=True)
class Step:
    """One kind of change: ``records`` has a ``key`` column and the API fields to send.

    For ``update`` the fields include ``Id``; ``delete`` needs ``Id`` only.
    """

    name: str
    sobject: str
    action: Literal["update", "insert", "delete"]
    records: pd.DataFrame


@dataclass(frozen=True)
class Outcome:
    """What Salesforce said about one record."""

    key: str
    record_id: str
    ok: bool
    message: str


def is_salesforce_id(values: pd.Series, prefix: str) -> pd.Series:
    """True where a value is a 15/18-character Salesforce id of the object with this key prefix."""
    s = values.astype("string")
    return s.str.fullmatch(prefix + r"[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?").fillna(False).astype(bool)


def _quote(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in values)


def current_values(sf: Any, sobject: str, ids: Sequence[str], fields: Sequence[str]) -> pd.DataFrame:
    """Today's values of ``fields`` for the records ``ids`` (Id first), read in chunks."""
    from simple_salesforce.exceptions import SalesforceError

    rows: list[dict[str, Any]] = []
    unique = list(dict.fromkeys(ids))
    try:
        for start in range(0, len(unique), _IN_CHUNK):
            chunk = unique[start : start + _IN_CHUNK]
            query = soql(sobject, ["Id", *fields], f"Id IN ({_quote(chunk)})")
            rows += sf.query_all(query).get("records", [])
    except SalesforceError as exc:
        raise explain(exc, f"reading {sobject}") from None
    table = pd.DataFrame([{k: r.get(k) for k in ("Id", *fields)} for r in rows], columns=["Id", *fields])
    return table.astype("string")


def records_where(
    sf: Any, sobject: str, fields: Sequence[str], key: str, values: Sequence[str], where: str | None = None
) -> pd.DataFrame:
    """Records whose ``key`` field is one of ``values`` (and ``where`` holds), read in chunks."""
    from simple_salesforce.exceptions import SalesforceError

    rows: list[dict[str, Any]] = []
    unique = list(dict.fromkeys(values))
    try:
        for start in range(0, len(unique), _IN_CHUNK):
            cond = f"{key} IN ({_quote(unique[start : start + _IN_CHUNK])})"
            query = soql(sobject, list(fields), f"{where} AND {cond}" if where else cond)
            rows += sf.query_all(query).get("records", [])
    except SalesforceError as exc:
        raise explain(exc, f"reading {sobject}") from None
    return pd.DataFrame([{f: r.get(f) for f in fields} for r in rows], columns=list(fields)).astype("string")


def ids_by_developer_name(
    sf: Any, sobject: str, names: Sequence[str], where: str | None = None
) -> dict[str, str]:
    """DeveloperName -> Id of existing records (model, type, territory, forecasting type)."""
    from simple_salesforce.exceptions import SalesforceError

    out: dict[str, str] = {}
    unique = list(dict.fromkeys(names))
    try:
        for start in range(0, len(unique), _IN_CHUNK):
            cond = f"DeveloperName IN ({_quote(unique[start : start + _IN_CHUNK])})"
            query = soql(sobject, ["Id", "DeveloperName"], f"{cond} AND {where}" if where else cond)
            for r in sf.query_all(query).get("records", []):
                out[str(r["DeveloperName"])] = str(r["Id"])
    except SalesforceError as exc:
        raise explain(exc, f"reading {sobject}") from None
    return out


def _payload(step: Step, batch: pd.DataFrame) -> list[dict[str, Any]]:
    fields = [c for c in batch.columns if c != "key"]
    out = []
    for row in batch[fields].itertuples(index=False):
        record: dict[str, Any] = {"attributes": {"type": step.sobject}}
        record.update({f: (None if pd.isna(v) else v) for f, v in zip(fields, row, strict=True)})
        out.append(record)
    return out


def _outcomes(batch: pd.DataFrame, answer: Any) -> list[Outcome]:
    results = answer if isinstance(answer, list) else []
    out = []
    keys = batch["key"].tolist()
    ids = batch["Id"].tolist() if "Id" in batch else [""] * len(batch)
    for i, key in enumerate(keys):
        r = results[i] if i < len(results) and isinstance(results[i], dict) else {}
        ok = bool(r.get("success"))
        errors = r.get("errors") or []
        message = "; ".join(f"{e.get('statusCode', '')}: {e.get('message', '')}" for e in errors)
        out.append(
            Outcome(str(key), str(r.get("id") or ids[i] or ""), ok, message or ("" if ok else "no answer"))
        )
    return out


def apply_step(
    sf: Any,
    step: Step,
    done: set[str],
    on_batch: Callable[[list[Outcome]], None],
    batch_size: int = BATCH,
) -> list[Outcome]:
    """Send the step's records not in ``done``, batch by batch; ``on_batch`` sees each batch's outcomes.

    Records Salesforce refuses come back as failed outcomes; the rest of the
    batch and the following batches still go.
    """
    from simple_salesforce.exceptions import SalesforceError

    todo = step.records[~step.records["key"].isin(done)]
    outcomes: list[Outcome] = []
    for start in range(0, len(todo), batch_size):
        batch = todo.iloc[start : start + batch_size]
        try:
            if step.action == "delete":
                params = {"ids": ",".join(batch["Id"]), "allOrNone": "false"}
                answer = sf.restful("composite/sobjects", method="DELETE", params=params)
            else:
                body = json.dumps({"allOrNone": False, "records": _payload(step, batch)})
                method = "PATCH" if step.action == "update" else "POST"
                answer = sf.restful("composite/sobjects", method=method, data=body)
        except SalesforceError as exc:
            raise explain(exc, f"{_VERB[step.action]} {step.sobject}") from None
        got = _outcomes(batch, answer)
        on_batch(got)
        outcomes += got
        log.info("%s: batch of %d sent, %d refused", step.name, len(batch), sum(not o.ok for o in got))
    return outcomes
