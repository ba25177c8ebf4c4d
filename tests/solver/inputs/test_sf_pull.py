"""Live pull from Salesforce, replayed from recorded REST query responses (no network)."""

from __future__ import annotations

import json
from unittest import mock

import numpy as np
import pandas as pd
import pytest

simple_salesforce = pytest.importorskip("simple_salesforce")
import requests  # noqa: E402  (a dependency of simple_salesforce)

from solver.errors import InputError  # noqa: E402
from solver.inputs.salesforce_pull import pull_accounts, pull_opportunities, pull_reps, soql  # noqa: E402
from tests.tests_paths import TESTS_DATA  # noqa: E402

RECORDED = TESTS_DATA / "salesforce_rest"
INSTANCE = "https://example.my.salesforce.com"


def _load(name: str) -> dict:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


class _Response:
    """The parts of requests.Response that simple_salesforce reads."""

    def __init__(self, payload: dict):
        self.status_code = 200
        self.headers = {"Sforce-Limit-Info": "api-usage=12/15000"}
        self._payload = payload
        self.text = json.dumps(payload)
        self.content = self.text.encode("utf-8")

    def json(self, **_kwargs):
        return self._payload


class _RecordedSession(requests.Session):
    """Replays recorded pages: the first query page by object, then nextRecordsUrl pages.

    ``request`` is replaced, so nothing ever leaves the process.
    """

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, dict]] = []

    def request(self, method: str, url: str, headers=None, **kwargs):
        self.calls.append((method, url, kwargs.get("params") or {}))
        if url.endswith("/query/01gD0000002HU6KIAW-2000"):
            return _Response(_load("Account_page2.json"))
        query = (kwargs.get("params") or {}).get("q", "")
        sobject = query.split(" FROM ")[1].split()[0]
        page = {"Account": "Account_page1.json", "User": "User.json", "Opportunity": "Opportunity.json"}
        return _Response(_load(page[sobject]))


@pytest.fixture
def live() -> tuple[object, _RecordedSession]:
    """A real simple_salesforce client whose HTTP session replays the recordings."""
    session = _RecordedSession()
    sf = simple_salesforce.Salesforce(
        instance_url=INSTANCE, session_id="00Dx0000000TEST!token", session=session
    )
    return sf, session


def test_accounts_follow_every_page_into_the_readers_frame(live) -> None:
    sf, session = live
    accounts = pull_accounts(sf)
    # Two pages: the query, then the nextRecordsUrl of the first page.
    assert len(session.calls) == 2
    assert session.calls[0][2]["q"].startswith("SELECT Id, Name, OwnerId")
    assert session.calls[1][1].endswith("/query/01gD0000002HU6KIAW-2000")
    assert accounts["account_id"].tolist() == [
        "001D000000IqhSLIAZ",
        "001D000000IqhSMIAZ",
        "001D000000IqhSNIAZ",
    ]
    assert accounts["current_owner"].tolist() == [
        "005D0000001AbCdIAK",
        "005D0000001AbCeIAK",
        "005D0000001AbCfIAK",
    ]
    assert accounts["country"].tolist() == ["US", "US", "GB"]  # "USA", "United Kingdom"
    assert accounts["employees"].tolist() == [9000, 120, 24000]
    assert accounts["parent_id"].iloc[2] == "001D000000IqhSLIAZ"
    assert np.isnan(accounts["lat"].iloc[1])
    assert accounts.attrs["source"] == "Salesforce Account query"


def test_users_become_reps_with_the_named_segment_and_region_fields(live) -> None:
    sf, session = live
    reps = pull_reps(sf, segment_field="Department", region_field="UserRole.Name")
    query = session.calls[0][2]["q"]
    assert query == (
        "SELECT Id, Name, ManagerId, Department, UserRole.Name FROM User "
        "WHERE IsActive = true AND UserType = 'Standard' ORDER BY Id"
    )
    assert reps["rep_id"].tolist() == ["005D0000001AbCdIAK", "005D0000001AbCeIAK", "005D0000001AbCfIAK"]
    assert reps["segment"].tolist() == ["MM", "SMB", "ENT"]
    assert reps["region"].tolist() == ["NA", "NA", "EMEA"]
    assert reps["name"].iloc[2] == "Émile Borel"
    assert reps["manager_id"].isna().tolist() == [False, False, True]


def test_opportunities_read_status_probability_and_owner(live) -> None:
    sf, _ = live
    opps = pull_opportunities(sf, where="CloseDate >= 2027-02-01")
    assert opps["owner_id"].tolist()[0] == "005D0000001AbCdIAK"
    assert opps["owner_name"].tolist() == ["Ada Lovelace", "Grace Hopper", "Émile Borel", "Émile Borel"]
    assert opps["is_won"].tolist() == [True, False, False, False]
    assert opps["is_closed"].tolist() == [True, False, False, True]
    assert opps["probability"].tolist() == pytest.approx([1.0, 0.1, 0.9, 0.0])
    assert opps["forecast_category"].tolist() == ["Closed", "Pipeline", "Commit", "Omitted"]
    assert opps["close_date"].iloc[2] == pd.Timestamp("2027-05-11")
    assert np.isnan(opps["amount"].iloc[3])


def test_mocked_client_gets_one_soql_per_object() -> None:
    sf = mock.create_autospec(simple_salesforce.Salesforce, instance=True)
    sf.query_all.return_value = _load("Opportunity.json")
    opps = pull_opportunities(sf, where="IsClosed = false")
    (query,), _ = sf.query_all.call_args
    assert query.startswith("SELECT Id, Name, AccountId, OwnerId, Owner.Name, Amount, CloseDate")
    assert query.endswith("FROM Opportunity WHERE IsClosed = false ORDER BY Id")
    assert len(opps) == 4


def test_problems_name_the_query_not_a_temporary_file() -> None:
    sf = mock.create_autospec(simple_salesforce.Salesforce, instance=True)
    payload = _load("Opportunity.json")
    payload["records"][1]["CloseDate"] = "04/20/2027"
    sf.query_all.return_value = payload
    with pytest.raises(InputError) as err:
        pull_opportunities(sf)
    (problem,) = err.value.problems
    assert problem.file == "Salesforce Opportunity query"
    assert problem.row == 3 and problem.column == "CloseDate"


def test_empty_result_and_bad_field_names_are_refused() -> None:
    sf = mock.create_autospec(simple_salesforce.Salesforce, instance=True)
    sf.query_all.return_value = {"totalSize": 0, "done": True, "records": []}
    with pytest.raises(InputError, match="no records"):
        pull_accounts(sf)
    with pytest.raises(ValueError, match="not a Salesforce object or field name"):
        soql("Account", ("Id", "Name; DELETE"))
