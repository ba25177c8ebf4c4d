"""Optional live pull of Account, User and Opportunity from Salesforce (extra ``salesforce``).

The caller logs in with ``simple_salesforce.Salesforce(...)`` and passes the
session; this module only runs SOQL queries (``query_all``: every page of
the REST ``query`` / ``queryMore`` responses) and hands the records to the
same readers as a file export, so a pulled table is checked, aliased and
normalised exactly like a Data Loader file:

- `pull_accounts` -> `solver.inputs.readers.read_accounts` (Id, Name, OwnerId,
  ParentId, NumberOfEmployees, AnnualRevenue, Industry, Billing*).
- `pull_reps` -> `solver.inputs.readers.read_reps` from User (Id, Name, ManagerId,
  and the two fields that hold each user's segment and region: orgs keep
  them in different places, e.g. ``Department`` / ``Division`` or custom
  fields, so the caller names them).
- `pull_opportunities` -> `solver.tracking.opportunities.read_opportunities`.

The records pass through a temporary JSON file shaped like a query result
(``{"records": [...]}``), the one format every reader already understands;
problems name the object ("Salesforce Account query") instead of that file.

`pull_tables` is what ``terraquota pull`` runs: the three objects with the
scenario's field mapping (`PullConfig`), each as a text table under the
planner's column names, through the REST query API (every page) or, for
large orgs, a Bulk API 2.0 query job.
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import tempfile
from pathlib import Path
from typing import Any, Literal, Protocol

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from solver.errors import InputError, InputProblem
from solver.inputs.readers import read_accounts, read_reps
from solver.inputs.salesforce_api import API_VERSION, API_VERSION_PATTERN, explain
from solver.inputs.salesforce_checks import check_mapping
from solver.tracking.opportunities import read_opportunities

__all__ = [
    "ACCOUNT_FIELDS",
    "ACCOUNT_MAP",
    "OPPORTUNITY_FIELDS",
    "OPPORTUNITY_MAP",
    "USER_FIELDS",
    "USER_MAP",
    "PullConfig",
    "pull_accounts",
    "pull_config",
    "pull_opportunities",
    "pull_reps",
    "pull_tables",
    "query_records",
    "salesforce_problems",
    "soql",
]

log = logging.getLogger(__name__)

ACCOUNT_FIELDS = (
    "Id",
    "Name",
    "OwnerId",
    "ParentId",
    "NumberOfEmployees",
    "AnnualRevenue",
    "Industry",
    "BillingCountry",
    "BillingState",
    "BillingLatitude",
    "BillingLongitude",
)
USER_FIELDS = ("Id", "Name", "ManagerId")
OPPORTUNITY_FIELDS = (
    "Id",
    "Name",
    "AccountId",
    "OwnerId",
    "Owner.Name",
    "Amount",
    "CloseDate",
    "StageName",
    "IsClosed",
    "IsWon",
    "Probability",
    "ForecastCategoryName",
)

_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*$")


class SalesforceSession(Protocol):
    """What this module needs of ``simple_salesforce.Salesforce``."""

    def query_all(self, query: str, include_deleted: bool = False, **kwargs: Any) -> dict[str, Any]: ...


def soql(sobject: str, fields: tuple[str, ...] | list[str], where: str | None = None) -> str:
    """``SELECT f1, f2 FROM Object [WHERE ...] ORDER BY Id``; field names are checked.

    The ``where`` clause is the caller's SOQL, passed as written.
    """
    bad = [f for f in (sobject, *fields) if not _FIELD.fullmatch(f)]
    if bad:
        raise ValueError(f"not a Salesforce object or field name: {', '.join(bad)}")
    text = f"SELECT {', '.join(dict.fromkeys(fields))} FROM {sobject}"
    if where:
        text += f" WHERE {where}"
    return text + " ORDER BY Id"


def _strip_attributes(value: Any) -> Any:
    """Drop the ``attributes`` (type, url) Salesforce adds to every record and parent."""
    if isinstance(value, dict):
        return {k: _strip_attributes(v) for k, v in value.items() if k != "attributes"}
    return value


def query_records(sf: SalesforceSession, query: str) -> list[dict[str, Any]]:
    """Every record of a SOQL query (all pages), without ``attributes``."""
    log.info("Salesforce query: %s", query)
    result = sf.query_all(query)
    records = result.get("records", [])
    if result.get("totalSize") is not None and len(records) != result["totalSize"]:
        log.warning("query returned %d records, totalSize says %d", len(records), result["totalSize"])
    return [_strip_attributes(r) for r in records]


def _through_reader(records: list[dict[str, Any]], label: str, reader: Any, **kwargs: Any) -> pd.DataFrame:
    if not records:
        raise InputError(InputProblem(label, None, None, "the query returned no records"))
    with tempfile.TemporaryDirectory(prefix="terraquota-sf-") as tmp:
        path = Path(tmp) / "records.json"
        path.write_text(json.dumps({"records": records}), encoding="utf-8")
        try:
            frame = reader(path, **kwargs)
        except InputError as e:
            raise InputError(
                [InputProblem(label, p.row, p.column, p.why.replace(str(path), label)) for p in e.problems]
            ) from None
    frame.attrs["source"] = label
    return frame


def pull_accounts(
    sf: SalesforceSession,
    *,
    where: str | None = None,
    fields: tuple[str, ...] = ACCOUNT_FIELDS,
    **kwargs: Any,
) -> pd.DataFrame:
    """Accounts as `solver.inputs.readers.read_accounts` returns them (``kwargs`` go to it)."""
    records = query_records(sf, soql("Account", fields, where))
    return _through_reader(records, "Salesforce Account query", read_accounts, **kwargs)


def pull_reps(
    sf: SalesforceSession,
    *,
    segment_field: str,
    region_field: str,
    where: str | None = "IsActive = true AND UserType = 'Standard'",
    fields: tuple[str, ...] = USER_FIELDS,
) -> pd.DataFrame:
    """Reps from User, as `solver.inputs.readers.read_reps` returns them.

    Parameters
    ----------
    sf
        A logged-in ``simple_salesforce.Salesforce``.
    segment_field, region_field
        The User fields holding each rep's segment and region
        (``"Department"``, ``"Division"``, ``"UserRole.Name"``, ``"Segment__c"`` ...).
    where
        SOQL filter; by default active standard users.
    fields
        Other fields to pull (names the reps reader knows).
    """
    query = soql("User", (*fields, segment_field, region_field), where)
    records = query_records(sf, query)
    frame = pd.json_normalize(records, sep=".")
    frame = frame.rename(columns={segment_field: "segment", region_field: "region"})
    rows = json.loads(frame.to_json(orient="records"))
    return _through_reader(rows, "Salesforce User query", read_reps)


def pull_opportunities(
    sf: SalesforceSession,
    *,
    where: str | None = None,
    fields: tuple[str, ...] = OPPORTUNITY_FIELDS,
    **kwargs: Any,
) -> pd.DataFrame:
    """Opportunities as `solver.tracking.opportunities.read_opportunities` returns them.

    ``where`` narrows the pull, e.g. ``"CloseDate >= 2027-02-01 AND CloseDate < 2028-02-01"``;
    ``kwargs`` (columns, stages) go to the reader.
    """
    records = query_records(sf, soql("Opportunity", fields, where))
    return _through_reader(records, "Salesforce Opportunity query", read_opportunities, **kwargs)


# --------------------------------------------------------------------------- mapped pull

#: planner column -> Account field; a scenario may override or add (custom fields too).
ACCOUNT_MAP: dict[str, str] = {
    "account_id": "Id",
    "name": "Name",
    "current_owner": "OwnerId",
    "parent_id": "ParentId",
    "employees": "NumberOfEmployees",
    "annual_revenue": "AnnualRevenue",
    "industry": "Industry",
    "country": "BillingCountry",
    "state": "BillingState",
    "city": "BillingCity",
    "postal_code": "BillingPostalCode",
    "lat": "BillingLatitude",
    "lon": "BillingLongitude",
}
#: planner column -> User field (the address coordinates are the rep's home);
#: ``segment`` and ``region`` must be mapped by the scenario.
USER_MAP: dict[str, str] = {
    "rep_id": "Id",
    "name": "Name",
    "manager_id": "ManagerId",
    "lat": "Latitude",
    "lon": "Longitude",
}
#: planner column -> Opportunity field.
OPPORTUNITY_MAP: dict[str, str] = {
    "opportunity_id": "Id",
    "name": "Name",
    "account_id": "AccountId",
    "owner_id": "OwnerId",
    "owner_name": "Owner.Name",
    "amount": "Amount",
    "close_date": "CloseDate",
    "stage": "StageName",
    "is_closed": "IsClosed",
    "is_won": "IsWon",
    "probability": "Probability",
    "forecast_category": "ForecastCategoryName",
}
_DEFAULT_MAPS = {"accounts": ACCOUNT_MAP, "reps": USER_MAP, "opportunities": OPPORTUNITY_MAP}
_SOBJECTS = {"accounts": "Account", "reps": "User", "opportunities": "Opportunity"}
_DEFAULT_WHERE = {"reps": "IsActive = true AND UserType = 'Standard'"}


class ObjectPull(BaseModel):
    """One object of ``[salesforce.accounts]`` / ``.reps`` / ``.opportunities``.

    ``fields`` maps planner columns to Salesforce fields (custom fields welcome,
    ``""`` drops a default); ``where`` filters in SOQL as written.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    fields: dict[str, str] = Field(default_factory=dict)
    where: str | None = None


class PullConfig(BaseModel):
    """The scenario's ``[salesforce]`` section, as far as pulling is concerned.

    ``bulk``: ``"auto"`` uses a Bulk API 2.0 query job for an object with more
    than ``bulk_threshold`` records (one ``COUNT()`` query decides), ``true``
    always, ``false`` never. ``api_version``: the REST API version, as
    Salesforce writes it (``"59.0"``). Types are strict: ``"10000"`` is not a number.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    api_version: str = Field(API_VERSION, pattern=API_VERSION_PATTERN)
    bulk: bool | Literal["auto"] = "auto"
    bulk_threshold: int = Field(10_000, ge=0)
    bulk_poll_seconds: float = Field(2.0, ge=0.0)
    accounts: ObjectPull = ObjectPull()
    reps: ObjectPull = ObjectPull()
    opportunities: ObjectPull = ObjectPull()

    def mapping(self, table: str) -> dict[str, str]:
        """Planner column -> Salesforce field for one table, defaults merged."""
        merged = {**_DEFAULT_MAPS[table], **getattr(self, table).fields}
        return {k: v for k, v in merged.items() if v}

    def where(self, table: str) -> str | None:
        given = getattr(self, table).where
        return given if given is not None else _DEFAULT_WHERE.get(table)


#: sub-tables of ``[salesforce]`` that are not read by the pull.
_NOT_PULL = ("push",)


def _key(loc: tuple[Any, ...]) -> str:
    """The scenario key of a pydantic error location (union members and list indexes dropped)."""
    depth = 3 if loc and loc[0] in _SOBJECTS and len(loc) > 1 and loc[1] == "fields" else 2
    depth = depth if loc and loc[0] in _SOBJECTS else 1
    return "salesforce." + ".".join(str(x) for x in loc[:depth])


def _model_problems(section: dict[str, Any], file: str) -> list[InputProblem]:
    """Unknown keys and wrong types, one problem per key."""
    try:
        PullConfig.model_validate(section)
    except ValidationError as e:
        why: dict[str, list[str]] = {}
        for err in e.errors():
            text = _why(err)
            why.setdefault(_key(err["loc"]), [])
            if text not in why[_key(err["loc"])]:
                why[_key(err["loc"])].append(text)
        if "salesforce.bulk" in why:
            why["salesforce.bulk"] = [f'must be true, false or "auto", not {section["bulk"]!r}']
        return [InputProblem(file, None, key, " or ".join(texts)) for key, texts in why.items()]
    return []


def _why(err: Any) -> str:
    """pydantic's message, made to speak of the scenario file."""
    if err["type"] == "extra_forbidden":
        where = PullConfig if len(err["loc"]) == 1 else ObjectPull
        known = [*where.model_fields, *(_NOT_PULL if where is PullConfig else ())]
        return f"unknown key; known: {', '.join(known)}"
    if err["type"] == "string_pattern_mismatch":
        return f"{err['input']!r} is not an API version as Salesforce writes it (e.g. {API_VERSION!r})"
    if err["type"] == "literal_error":
        return f"must be {err['ctx']['expected']}"
    got = err.get("input")
    if err["type"].endswith("_type") and not isinstance(got, dict):
        return f"{err['msg'].replace('Input should be', 'must be')}, not {type(got).__name__} {got!r}"
    return str(err["msg"])


def _tables_that_parse(section: dict[str, Any]) -> list[str]:
    """The tables whose own sub-table has the right shape, so their mapping can be checked."""
    out = []
    for table in _SOBJECTS:
        try:
            ObjectPull.model_validate(section.get(table) or {})
        except ValidationError:
            continue
        out.append(table)
    return out


def _field_problems(section: dict[str, Any], file: str, score_columns: tuple[str, ...]) -> list[InputProblem]:
    """Field names and target columns of each table's mapping (defaults merged)."""
    problems: list[InputProblem] = []
    for table in _tables_that_parse(section):
        given = (section.get(table) or {}).get("fields") or {}
        merged = {k: v for k, v in {**_DEFAULT_MAPS[table], **given}.items() if v}
        problems += [
            InputProblem(
                file, None, f"salesforce.{table}.fields.{k}", f"{v!r} is not a Salesforce field name"
            )
            for k, v in given.items()
            if v and not _FIELD.fullmatch(v)
        ]
        extra = score_columns if table == "accounts" else ()
        problems += check_mapping(table, merged, file, extra)
    missing = [
        k for k in ("segment", "region") if not ((section.get("reps") or {}).get("fields") or {}).get(k)
    ]
    problems += [
        InputProblem(
            file,
            None,
            f"salesforce.reps.fields.{k}",
            f"name the User field that holds each rep's {k} (e.g. {k} = "
            f'"{"Department" if k == "segment" else "Division"}" or a custom field)',
        )
        for k in missing
    ]
    return problems


def salesforce_problems(section: Any, file: str, score_columns: tuple[str, ...] = ()) -> list[InputProblem]:
    """Every problem of a scenario's ``[salesforce]`` section as the pull reads it, all at once.

    ``score_columns``: the ``[scoring] weights`` columns, which accounts may carry
    beyond the standard ones.
    """
    if section is None:
        section = {}
    if not isinstance(section, dict):
        return [InputProblem(file, None, "salesforce", "must be a table ([salesforce])")]
    section = {k: v for k, v in section.items() if k not in _NOT_PULL}
    return _model_problems(section, file) + _field_problems(section, file, score_columns)


def pull_config(section: Any, file: str, score_columns: tuple[str, ...] = ()) -> PullConfig:
    """Validate a scenario's ``[salesforce]`` section; every problem is reported, each naming its key."""
    problems = salesforce_problems(section, file, score_columns)
    if problems:
        raise InputError(problems)
    return PullConfig.model_validate({k: v for k, v in (section or {}).items() if k not in _NOT_PULL})


def _text(value: Any) -> str | None:
    """One REST value as the text a Data Loader export would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value == int(value) and abs(value) < 2**53:
        return str(int(value))
    return str(value)


def _flat(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _rest_rows(sf: Any, query: str, fields: list[str]) -> pd.DataFrame:
    result = sf.query_all(query)
    rows = [_flat(r) for r in result.get("records", [])]
    data = {f: [_text(r.get(f)) for r in rows] for f in fields}
    return pd.DataFrame(data, dtype="string")


def _bulk_rows(sf: Any, sobject: str, query: str, fields: list[str], poll: float) -> pd.DataFrame:
    pages = []
    for chunk in getattr(sf.bulk2, sobject).query(query, wait=poll):
        if chunk.strip():
            pages.append(pd.read_csv(io.StringIO(chunk), dtype=str, keep_default_na=False))
    if not pages:
        return pd.DataFrame({f: pd.Series([], dtype="string") for f in fields})
    frame = pd.concat(pages, ignore_index=True).astype("string").replace("", pd.NA)
    return frame.reindex(columns=fields).astype("string")


def _use_bulk(sf: Any, sobject: str, where: str | None, config: PullConfig) -> bool:
    if config.bulk != "auto":
        return bool(config.bulk)
    count = f"SELECT COUNT() FROM {sobject}" + (f" WHERE {where}" if where else "")
    return int(sf.query(count).get("totalSize", 0)) > config.bulk_threshold


def pull_table(sf: Any, table: str, config: PullConfig) -> tuple[pd.DataFrame, str]:
    """One object as a text table under the planner's column names, and how it was read.

    Raises
    ------
    SalesforceProblem
        Salesforce refused (expired session, missing permission, unknown field).
    """
    from simple_salesforce.exceptions import SalesforceError

    sobject = _SOBJECTS[table]
    mapping = config.mapping(table)
    fields = list(dict.fromkeys(mapping.values()))
    where = config.where(table)
    query = soql(sobject, fields, where)
    try:
        bulk = _use_bulk(sf, sobject, where, config)
        log.info("Salesforce %s: %s", "Bulk API 2.0 job" if bulk else "query", query)
        raw = (
            _bulk_rows(sf, sobject, query, fields, config.bulk_poll_seconds)
            if bulk
            else _rest_rows(sf, query, fields)
        )
    except SalesforceError as exc:
        raise explain(exc, f"reading {sobject}") from None
    out = pd.DataFrame({column: raw[field] for column, field in mapping.items()})
    return out, "Bulk API 2.0" if bulk else "REST query"


def pull_tables(
    sf: Any, config: PullConfig, tables: tuple[str, ...] = ("accounts", "reps", "opportunities")
) -> dict[str, tuple[pd.DataFrame, str]]:
    """Every requested table (see `pull_table`); nothing is returned unless all succeed."""
    return {t: pull_table(sf, t, config) for t in tables}
