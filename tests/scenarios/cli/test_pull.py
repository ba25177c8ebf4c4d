"""`terraquota pull` against recorded Salesforce responses: pages, a bulk job, refusals, secrets."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from scenarios.run.scenario import load_scenario
from solver.inputs.geocode import geocode
from solver.inputs.readers import read_inputs
from tests.scenarios.cli.salesforce_replay import (
    SECRET,
    Answer,
    Replay,
    Route,
    error,
    ok,
    recorded,
    secret_env,
    use_replay,
)
from tests.scenarios.cli.test_cli import terraquota_in_process

pytest.importorskip("simple_salesforce")

SCENARIO = """
name = "from-salesforce"

[data]
accounts = "tables/accounts.csv"
reps = "tables/reps.csv"
opportunities = "tables/opportunities.csv"

[plan]
start = "2027-02-01"

[segments]
SMB = [0, 200]
MM = [200, 2000]
ENT = [2000, inf]

[regions]
NA = ["US", "CA"]
EMEA = ["GB"]

[scoring]
weights = { employees = 0.5, intent_score = 0.5 }

[quota]
target = 1000000.0

[salesforce]
bulk = BULK
bulk_poll_seconds = 0

[salesforce.accounts]
fields = { intent_score = "Intent_Score__c" }

[salesforce.reps]
fields = { segment = "Department", region = "Division" }
"""


def _scenario(tmp_path: Path, bulk: str = "false") -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(SCENARIO.replace("BULK", bulk), encoding="utf-8")
    return path


def _rest_routes() -> list[Route]:
    return [
        Route("GET", r"/query/01gD0000002HU6KIAW-2000$", [ok("pull/Account_page2.json")]),
        Route("GET", r"/query/?$", [ok("pull/Account_page1.json")], soql=r"FROM Account "),
        Route("GET", r"/query/?$", [ok("pull/User.json")], soql=r"FROM User "),
        Route("GET", r"/query/?$", [ok("pull/Opportunity.json")], soql=r"FROM Opportunity "),
    ]


def _all_output(result, tmp_path: Path, caplog) -> str:
    # Every file the command could have written (the stand-in Salesforce CLI under bin/ holds the token).
    written = [p for p in tmp_path.rglob("*") if p.is_file() and "bin" not in p.relative_to(tmp_path).parts]
    files = [p.read_bytes().decode("utf-8", "replace") for p in written]
    return "\n".join([result.stdout, result.stderr, caplog.text, *files])


def test_pages_are_followed_and_the_tables_load_for_run(monkeypatch, tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    secret_env(monkeypatch, tmp_path)
    replay = Replay(_rest_routes())
    use_replay(monkeypatch, replay)
    scenario = _scenario(tmp_path)
    result = terraquota_in_process("pull", str(scenario))
    assert result.returncode == 0, result.stdout + result.stderr
    urls = [c["url"] for c in replay.calls]
    assert sum(u.endswith("/query/01gD0000002HU6KIAW-2000") for u in urls) == 1  # the second page
    assert "accounts: 3 rows via REST query" in result.stdout
    assert "reps: 3 rows via REST query" in result.stdout
    accounts = pd.read_csv(tmp_path / "tables" / "accounts.csv", dtype=str)
    assert accounts.columns[:3].tolist() == ["account_id", "name", "current_owner"]
    assert accounts["intent_score"].tolist()[0] == "0.82"
    # The tables are what `run` reads: the custom score column scores, addresses geocode.
    loaded = load_scenario(scenario)
    acc, reps = read_inputs(loaded.accounts, loaded.reps, numeric=["intent_score"])
    assert reps["segment"].tolist() == ["MM", "SMB", "ENT"]
    assert acc["intent_score"].tolist()[:1] == [0.82]
    assert geocode(acc)["geocode_quality"].tolist() == ["postal", "postal", "exact"]
    # The secret is nowhere: not printed, not logged, not in any file written.
    assert SECRET not in _all_output(result, tmp_path, caplog)


def test_a_large_org_goes_through_a_bulk_job(monkeypatch, tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    secret_env(monkeypatch, tmp_path)
    job = r"/jobs/query/750D0000003kLmNIAU"
    replay = Replay(
        [
            Route("GET", r"/query/?$", [ok("pull/count_large.json")], soql=r"^SELECT COUNT\(\) FROM Account"),
            Route("POST", r"/jobs/query$", [ok("pull/bulk_job_created.json")]),
            Route(
                "GET", job + "$", [ok("pull/bulk_job_in_progress.json"), ok("pull/bulk_job_complete.json")]
            ),
            Route(
                "GET",
                job + "/results$",
                [
                    Answer(
                        200,
                        recorded("pull/bulk_results_1.csv"),
                        {"Sforce-Locator": "MjAwMDAw", "Sforce-NumberOfRecords": "2"},
                    ),
                    Answer(
                        200,
                        recorded("pull/bulk_results_2.csv"),
                        {"Sforce-Locator": "null", "Sforce-NumberOfRecords": "1"},
                    ),
                ],
            ),
        ]
    )
    use_replay(monkeypatch, replay)
    scenario = _scenario(tmp_path, bulk='"auto"')
    # One object is enough to follow the job through create, poll, and two result pages.
    monkeypatch.setattr("scenarios.cli.pull.TABLES", ("accounts",))
    result = terraquota_in_process("pull", str(scenario), "--no-opportunities", "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "accounts: 3 rows via Bulk API 2.0" in result.stdout
    posted = [c for c in replay.calls if c["method"] == "POST"]
    assert len(posted) == 1 and "FROM Account" in posted[0]["data"]
    results = [c for c in replay.calls if c["url"].endswith("/results")]
    assert [c["params"].get("locator") for c in results] == [None, "MjAwMDAw"]
    accounts = pd.read_csv(tmp_path / "out" / "accounts.csv", dtype=str, keep_default_na=False)
    assert accounts["account_id"].tolist() == [
        "001D000000IqhSLIAZ",
        "001D000000IqhSMIAZ",
        "001D000000IqhSNIAZ",
    ]
    assert accounts["parent_id"].tolist() == ["", "", "001D000000IqhSLIAZ"]
    assert SECRET not in _all_output(result, tmp_path, caplog)


@pytest.mark.parametrize(
    ("answer", "code", "words"),
    [
        (error(401, "pull/expired_session.json"), 5, "session expired or invalid"),
        (error(403, "pull/api_disabled.json"), 6, "lacks a permission"),
    ],
)
def test_refusals_give_a_clear_message_an_exit_code_and_no_files(
    monkeypatch, tmp_path: Path, caplog, answer: Answer, code: int, words: str
) -> None:
    secret_env(monkeypatch, tmp_path)
    routes = _rest_routes()
    routes.insert(0, Route("GET", r"/query/?$", [answer], soql=r"FROM User "))
    use_replay(monkeypatch, Replay(routes))
    scenario = _scenario(tmp_path)
    result = terraquota_in_process("pull", str(scenario))
    assert result.returncode == code
    message = " ".join((result.stdout + result.stderr).split())
    assert words in message and "reading User" in message
    assert "Traceback" not in message
    # Accounts were read before the refusal, but nothing is written unless everything was read.
    assert not (tmp_path / "tables").exists()
    assert SECRET not in _all_output(result, tmp_path, caplog)


def test_unmapped_rep_segment_is_an_input_error_naming_the_key(monkeypatch, tmp_path: Path) -> None:
    secret_env(monkeypatch, tmp_path)
    path = _scenario(tmp_path)
    path.write_text(path.read_text().replace('fields = { segment = "Department", region = "Division" }', ""))
    result = terraquota_in_process("pull", str(path))
    assert result.returncode == 2
    assert "salesforce.reps.fields.segment" in result.stdout + result.stderr


def test_no_credentials_anywhere_says_how_to_log_in(monkeypatch, tmp_path: Path) -> None:
    for var in ("SF_ACCESS_TOKEN", "SF_INSTANCE_URL", "SF_USERNAME", "SF_TARGET_ORG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    result = terraquota_in_process("pull", str(_scenario(tmp_path)))
    assert result.returncode == 5
    assert "sf org login web" in " ".join((result.stdout + result.stderr).split())


def test_the_salesforce_cli_login_is_used_and_not_shown(monkeypatch, tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    for var in ("SF_ACCESS_TOKEN", "SF_INSTANCE_URL", "SF_USERNAME"):
        monkeypatch.delenv(var, raising=False)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    sf = bin_dir / "sf"
    sf.write_text(
        "#!/bin/sh\n"
        'echo \'{"status": 0, "result": {"accessToken": "' + SECRET + '", '
        '"instanceUrl": "https://example.my.salesforce.com", "alias": "prod", '
        '"username": "ada@example.com"}}\'\n'
    )
    sf.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("SF_TARGET_ORG", "prod")
    use_replay(monkeypatch, Replay(_rest_routes()))
    result = terraquota_in_process("pull", str(_scenario(tmp_path)), "--no-opportunities")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Salesforce CLI login (prod)" in result.stdout
    assert SECRET not in _all_output(result, tmp_path, caplog)
