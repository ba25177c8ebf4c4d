"""The ``[salesforce]`` checks that need no network: mapping, push names, credential sources."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from solver.errors import InputError
from solver.inputs.salesforce_checks import PUSH_KEYS, check_credentials, check_mapping, check_push
from solver.inputs.salesforce_pull import ACCOUNT_MAP, OPPORTUNITY_MAP, pull_config, salesforce_problems

TOKEN = "00Dx0000000CHECK!StoredCliTokenNeverShown"
REPS = {"fields": {"segment": "Department", "region": "Division"}}


def _keys(problems) -> list[str]:
    return sorted(p.column for p in problems)


def test_a_good_section_has_no_problem_and_reads_as_the_pull_does() -> None:
    section = {"api_version": "61.0", "bulk": "auto", "reps": REPS, "push": {"batch_size": 50}}
    assert salesforce_problems(section, "s.toml") == []
    assert pull_config(section, "s.toml").api_version == "61.0"


def test_every_problem_is_reported_at_once_naming_its_key() -> None:
    section = {
        "api_version": 59,
        "bulk": "yes",
        "bulk_threshold": "10000",
        "bulk_poll_seconds": -1.0,
        "acounts": {},
        "accounts": {"fields": {"potenial": "Fit__c", "name": "bad field!"}, "were": "x"},
        "reps": {"fields": {"segment": "Department"}},
        "opportunities": {"fields": {"amount": ""}},
    }
    with pytest.raises(InputError) as caught:
        pull_config(section, "s.toml")
    assert _keys(caught.value.problems) == [
        "salesforce.accounts.were",
        "salesforce.acounts",
        "salesforce.api_version",
        "salesforce.bulk",
        "salesforce.bulk_poll_seconds",
        "salesforce.bulk_threshold",
        "salesforce.opportunities.fields.amount",
        "salesforce.reps.fields.region",
    ]
    # The accounts sub-table is misshapen ("were"), so its mapping waits; fixed, it is checked too.
    del section["accounts"]["were"]
    keys = _keys(salesforce_problems(section, "s.toml"))
    assert {"salesforce.accounts.fields.potenial", "salesforce.accounts.fields.name"} <= set(keys)


def test_types_are_strict_and_the_message_says_what_was_given() -> None:
    problems = salesforce_problems({"bulk_threshold": "10000", "bulk": 1, "reps": REPS}, "s.toml")
    why = {p.column: p.why for p in problems}
    assert "not str '10000'" in why["salesforce.bulk_threshold"]
    assert why["salesforce.bulk"] == 'must be true, false or "auto", not 1'


@pytest.mark.parametrize("version", ["59", "v59.0", "59.1", "059.0", ""])
def test_api_version_must_be_written_as_salesforce_does(version: str) -> None:
    problems = salesforce_problems({"api_version": version, "reps": REPS}, "s.toml")
    assert _keys(problems) == ["salesforce.api_version"]
    assert "'59.0'" in problems[0].why


def test_score_columns_may_be_mapped_other_unknown_columns_may_not() -> None:
    mapping = {**ACCOUNT_MAP, "intent_score": "Intent__c"}
    assert check_mapping("accounts", mapping, "s.toml", extra_columns=["intent_score"]) == []
    problems = check_mapping("accounts", mapping, "s.toml")
    assert _keys(problems) == ["salesforce.accounts.fields.intent_score"]
    assert "known: account_id" in problems[0].why


def test_two_names_for_one_column_and_a_required_column_dropped() -> None:
    # owner_id is an alias of current_owner, which the standard mapping already fills.
    twice = check_mapping("accounts", {**ACCOUNT_MAP, "OwnerId": "Owner__c"}, "s.toml")
    assert _keys(twice) == ["salesforce.accounts.fields.OwnerId"]
    assert "current_owner" in twice[0].why
    no_id = {k: v for k, v in OPPORTUNITY_MAP.items() if k != "close_date"}
    assert _keys(check_mapping("opportunities", no_id, "s.toml")) == [
        "salesforce.opportunities.fields.close_date"
    ]


def test_push_names_must_be_developer_names_and_batches_fit_the_api() -> None:
    problems = check_push(
        {
            "territory_model": "FY27 plan",
            "territory_type": "Sales__Rep",
            "forecasting_type": 5,
            "batch_size": 500,
            "model": "x",
        },
        "s.toml",
    )
    assert _keys(problems) == [
        "salesforce.push.batch_size",
        "salesforce.push.forecasting_type",
        "salesforce.push.model",
        "salesforce.push.territory_model",
        "salesforce.push.territory_type",
    ]
    ok = {"territory_model": "FY27", "territory_type": "Sales_Rep", "forecasting_type": "OpportunityRevenue"}
    assert check_push(ok, "s.toml") == []


def test_push_keys_are_the_options_push_reads() -> None:
    from scenarios.cli.push import PushOptions

    assert [f.name for f in dataclasses.fields(PushOptions)] == list(PUSH_KEYS)


# --------------------------------------------------------------------------- credentials


def _no_sf(_: str) -> None:
    return None


def _sf(_: str) -> str:
    return "/usr/local/bin/sf"


def test_environment_credentials_are_found_and_incomplete_ones_named(tmp_path: Path) -> None:
    env = {"SF_ACCESS_TOKEN": TOKEN, "SF_INSTANCE_URL": "https://x.my.salesforce.com"}
    source, problems = check_credentials(env, tmp_path, tmp_path, _no_sf)
    assert problems == [] and TOKEN not in source
    source, problems = check_credentials({"SF_ACCESS_TOKEN": TOKEN}, tmp_path, tmp_path, _no_sf)
    assert source is None and "SF_INSTANCE_URL is not set" in problems[0].why
    assert TOKEN not in problems[0].why
    _, problems = check_credentials({"SF_USERNAME": "ada@example.com"}, tmp_path, tmp_path, _no_sf)
    assert "SF_PASSWORD" in problems[0].why


def test_no_source_at_all_says_how_to_log_in(tmp_path: Path) -> None:
    source, problems = check_credentials({}, tmp_path, tmp_path, _no_sf)
    assert source is None
    assert problems[0].column == "salesforce" and "sf org login web" in problems[0].why


def _cli_home(home: Path, *, login: bool) -> None:
    (home / ".sf").mkdir(parents=True)
    (home / ".sf" / "config.json").write_text(json.dumps({"target-org": "prod"}))
    (home / ".sfdx").mkdir()
    (home / ".sfdx" / "alias.json").write_text(json.dumps({"orgs": {"prod": "ada@example.com"}}))
    if login:
        auth = {"accessToken": TOKEN, "instanceUrl": "https://x.my.salesforce.com"}
        (home / ".sfdx" / "ada@example.com.json").write_text(json.dumps(auth))


def test_a_stored_cli_login_is_found_without_reading_its_token(tmp_path: Path) -> None:
    _cli_home(tmp_path, login=True)
    source, problems = check_credentials({}, tmp_path, tmp_path / "project", _sf)
    assert problems == []
    assert source == "Salesforce CLI login (prod)"


def test_a_cli_without_a_stored_login_names_the_org(tmp_path: Path) -> None:
    _cli_home(tmp_path, login=False)
    source, problems = check_credentials({}, tmp_path, tmp_path, _sf)
    assert source is None and "no stored login for org 'prod'" in problems[0].why
    # SF_TARGET_ORG wins over the CLI's configured default.
    _, problems = check_credentials({"SF_TARGET_ORG": "sandbox"}, tmp_path, tmp_path, _sf)
    assert "org 'sandbox'" in problems[0].why
