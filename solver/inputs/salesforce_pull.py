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
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from solver.errors import InputError, InputProblem
from solver.inputs.readers import read_accounts, read_reps
from solver.tracking.opportunities import read_opportunities

__all__ = [
    "ACCOUNT_FIELDS",
    "OPPORTUNITY_FIELDS",
    "USER_FIELDS",
    "pull_accounts",
    "pull_opportunities",
    "pull_reps",
    "query_records",
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
