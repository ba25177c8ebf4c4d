"""`terraquota push RUN_DIR` against recorded responses: dry run, batches, failures, rollback, resume."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from tests.scenarios.cli.salesforce_replay import (
    SECRET,
    Answer,
    Replay,
    Route,
    error,
    ok,
    secret_env,
    use_replay,
)
from tests.scenarios.cli.test_cli import terraquota_in_process

pytest.importorskip("simple_salesforce")

ADA, GRACE, EMILE = "005D0000001AbCdIAK", "005D0000001AbCeIAK", "005D0000001AbCfIAK"
SL, SM, SN, SO, SP = (f"001D000000Iqh{c}IAZ" for c in ("SL", "SM", "SN", "SO", "SP"))


def _run_folder(tmp_path: Path, push: str = "batch_size = 2") -> Path:
    run = tmp_path / "run"
    run.mkdir()
    pd.DataFrame(
        {
            "account_id": [SL, SM, SN, SO, SP],
            "rep_id": [ADA, GRACE, EMILE, EMILE, "TBH-1"],
            "previous_owner": [GRACE, ADA, EMILE, ADA, ADA],
        }
    ).to_csv(run / "assignment.csv", index=False)
    pd.DataFrame(
        {
            "rep_id": [ADA, GRACE, EMILE, "TBH-1"],
            "name": ["Ada", "Grace", "Émile", None],
            "segment": ["MM", "SMB", "ENT", "SMB"],
            "region": ["NA", "NA", "EMEA", "NA"],
        }
    ).to_csv(run / "reps.csv", index=False)
    pd.DataFrame(
        {
            "rep_id": [ADA, GRACE, EMILE, "TBH-1"],
            "period": ["2027-02-01"] * 4,
            "quota": ["260000.00", "240000.00", "300000.00", "100000.00"],
        }
    ).to_csv(run / "quotas.csv", index=False)
    (run / "scenario.toml").write_text(f'name = "approved"\n\n[salesforce.push]\n{push}\n', encoding="utf-8")
    return run


def _owner_routes(second: Answer) -> list[Route]:
    return [
        Route("GET", r"/query/?$", [ok("push/owners_before.json")], soql=r"FROM Account WHERE Id IN"),
        Route("PATCH", r"/composite/sobjects$", [ok("push/owners_batch1.json"), second]),
    ]


def _journal(run: Path) -> pd.DataFrame:
    return pd.read_csv(run / "push" / "journal.csv", dtype=str, keep_default_na=False)


def test_dry_run_prints_the_changes_and_sends_nothing(monkeypatch, tmp_path: Path) -> None:
    replay = Replay([])
    use_replay(monkeypatch, replay)
    run = _run_folder(tmp_path)
    result = terraquota_in_process("push", str(run))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Account owners: 3 accounts would change owner" in out
    assert f"{SL}: {GRACE} -> {ADA}" in out
    assert "left out: 1 changes to planned hires" in out
    assert "Territories: not pushed" in out and "dry run: nothing was sent" in out
    assert replay.calls == [] and not (run / "push").exists()


def test_apply_writes_rollback_first_reports_refusals_and_goes_on(
    monkeypatch, tmp_path: Path, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_env(monkeypatch, tmp_path)
    replay = Replay(_owner_routes(ok("push/owners_batch2.json")))
    use_replay(monkeypatch, replay)
    run = _run_folder(tmp_path)
    result = terraquota_in_process("push", str(run), "--apply")
    assert result.returncode == 7, result.stdout + result.stderr
    message = " ".join(result.stdout.split())
    assert "Account owners: 2 done, 1 refused" in message
    assert "INACTIVE_OWNER_OR_USER" in message
    # Two batches of at most two records; the refused record did not stop the second batch.
    patches = [json.loads(c["data"]) for c in replay.calls if c["method"] == "PATCH"]
    assert [[r["Id"] for r in p["records"]] for p in patches] == [[SL, SM], [SO]]
    assert all(p["allOrNone"] is False for p in patches)
    assert patches[0]["records"][0] == {"attributes": {"type": "Account"}, "Id": SL, "OwnerId": ADA}
    # The rollback holds the owners before the push (read before the first update was sent).
    rollback = pd.read_csv(run / "push" / "rollback.csv", dtype=str)
    assert rollback[["Id", "field", "value"]].values.tolist() == [
        [SL, "OwnerId", GRACE],
        [SM, "OwnerId", ADA],
        [SO, "OwnerId", ADA],
    ]
    first_patch = next(i for i, c in enumerate(replay.calls) if c["method"] == "PATCH")
    assert any("FROM Account WHERE Id IN" in str(c["params"].get("q")) for c in replay.calls[:first_patch])
    assert _journal(run)[["key", "status"]].values.tolist() == [
        [f"Account:{SL}:OwnerId", "ok"],
        [f"Account:{SM}:OwnerId", "failed"],
        [f"Account:{SO}:OwnerId", "ok"],
    ]
    assert SECRET not in result.stdout + result.stderr + caplog.text
    assert SECRET not in "".join(p.read_text() for p in (run / "push").iterdir())


def test_an_interrupted_push_resumes_where_it_stopped(monkeypatch, tmp_path: Path) -> None:
    secret_env(monkeypatch, tmp_path)
    run = _run_folder(tmp_path)
    # The session expires before the second batch: exit 5, the first batch is in the journal.
    use_replay(monkeypatch, Replay(_owner_routes(error(401, "push/expired_session.json"))))
    first = terraquota_in_process("push", str(run), "--apply")
    assert first.returncode == 5
    assert "session expired or invalid" in " ".join((first.stdout + first.stderr).split())
    assert len(_journal(run)) == 2
    # Re-run: only what is not done yet is sent (the refused SM and the unsent SO).
    replay = Replay(
        [
            Route("GET", r"/query/?$", [ok("push/owners_before.json")], soql=r"FROM Account WHERE Id IN"),
            Route(
                "PATCH",
                r"/composite/sobjects$",
                [ok("push/owners_retry.json")],
            ),
        ]
    )
    use_replay(monkeypatch, replay)
    second = terraquota_in_process("push", str(run), "--apply")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "1 already done earlier" in second.stdout
    sent = [
        [r["Id"] for r in json.loads(c["data"])["records"]] for c in replay.calls if c["method"] == "PATCH"
    ]
    assert sent == [[SM, SO]]
    # The rollback keeps the first values seen, once per record.
    rollback = pd.read_csv(run / "push" / "rollback.csv", dtype=str)
    assert rollback["Id"].tolist() == [SL, SM, SO]


def test_quotas_update_existing_and_insert_new_with_the_type_looked_up(monkeypatch, tmp_path: Path) -> None:
    secret_env(monkeypatch, tmp_path)
    run = _run_folder(tmp_path, 'forecasting_type = "OpportunityRevenue"\nbatch_size = 200')
    replay = Replay(
        [
            Route("GET", r"/query/?$", [ok("push/owners_before.json")], soql=r"FROM Account WHERE Id IN"),
            Route("GET", r"/query/?$", [ok("push/forecasting_type.json")], soql=r"FROM ForecastingType "),
            Route(
                "GET",
                r"/query/?$",
                [ok("push/quotas_existing.json")],
                soql=r"FROM ForecastingQuota WHERE Fore",
            ),
            Route(
                "GET",
                r"/query/?$",
                [ok("push/quotas_before.json")],
                soql=r"FROM ForecastingQuota WHERE Id IN",
            ),
            Route(
                "PATCH",
                r"/composite/sobjects$",
                [
                    ok("push/owners_all_ok.json"),
                    ok("push/quotas_updated.json"),
                ],
            ),
            Route("POST", r"/composite/sobjects$", [ok("push/quotas_created.json")]),
        ]
    )
    use_replay(monkeypatch, replay)
    result = terraquota_in_process("push", str(run), "--apply")
    assert result.returncode == 0, result.stdout + result.stderr
    bodies = [(c["method"], json.loads(c["data"])) for c in replay.calls if c["method"] in ("PATCH", "POST")]
    method, update = bodies[1]
    assert method == "PATCH" and update["records"] == [
        {"attributes": {"type": "ForecastingQuota"}, "Id": "0J9D0000000AbCdKAK", "QuotaAmount": 260000.0}
    ]
    method, insert = bodies[2]
    assert method == "POST"
    assert [(r["QuotaOwnerId"], r["QuotaAmount"], r["ForecastingTypeId"]) for r in insert["records"]] == [
        (GRACE, 240000.0, "0DbD0000000AbCdKAK"),
        (EMILE, 300000.0, "0DbD0000000AbCdKAK"),
    ]
    rollback = pd.read_csv(run / "push" / "rollback.csv", dtype=str)
    assert [
        "ForecastingQuota",
        "update",
        "0J9D0000000AbCdKAK",
        "QuotaAmount",
        "250000.0",
    ] in rollback.values.tolist()
    # Created quotas are listed for deletion in the rollback.
    assert ["ForecastingQuota", "delete", "0J9D0000000AbCeKAK"] in rollback.iloc[:, :3].values.tolist()


def test_territories_and_associations_with_ids_looked_up_by_developer_name(
    monkeypatch, tmp_path: Path
) -> None:
    secret_env(monkeypatch, tmp_path)
    run = _run_folder(tmp_path, 'territory_model = "FY27"\nterritory_type = "Sales_Rep"')
    replay = Replay(
        [
            Route("GET", r"/query/?$", [ok("push/owners_before.json")], soql=r"FROM Account WHERE Id IN"),
            Route(
                "PATCH",
                r"/composite/sobjects$",
                [ok("push/owners_batch1.json"), ok("push/owners_batch2.json")],
            ),
            Route("GET", r"/query/?$", [ok("push/territory_model.json")], soql=r"FROM Territory2Model "),
            Route("GET", r"/query/?$", [ok("push/territory_type.json")], soql=r"FROM Territory2Type "),
            Route(
                "GET",
                r"/query/?$",
                [ok("push/territories_none.json"), ok("push/territories_by_name.json")],
                soql=r"FROM Territory2 WHERE .* AND Territory2ModelId = '0MAD0000000AbCdOAK'",
            ),
            Route(
                "GET",
                r"/query/?$",
                [ok("push/account_associations_today.json")],
                soql=r"FROM ObjectTerritory2Association WHERE Territory2\.Territory2ModelId = '0MAD0000000",
            ),
            Route("DELETE", r"/composite/sobjects$", [ok("push/account_associations_deleted.json")]),
            Route(
                "POST",
                r"/composite/sobjects$",
                [
                    ok("push/territories_created.json"),
                    ok("push/user_associations_created.json"),
                    ok("push/account_associations_created.json"),
                ],
            ),
        ]
    )
    use_replay(monkeypatch, replay)
    result = terraquota_in_process("push", str(run), "--apply")
    assert result.returncode == 7  # the one refused owner change of the recordings
    posts = [json.loads(c["data"])["records"] for c in replay.calls if c["method"] == "POST"]
    territories, users, objects = posts
    assert [t["DeveloperName"] for t in territories] == [
        f"MM_NA_{ADA}",
        f"SMB_NA_{GRACE}",
        f"ENT_EMEA_{EMILE}",
    ]
    assert {t["Territory2ModelId"] for t in territories} == {"0MAD0000000AbCdOAK"}
    assert {t["Territory2TypeId"] for t in territories} == {"0M5D0000000AbCdKAK"}
    assert [(u["UserId"], u["Territory2Id"]) for u in users] == [
        (ADA, "0MID0000000AbCdOAK"),
        (GRACE, "0MID0000000AbCeOAK"),
        (EMILE, "0MID0000000AbCfOAK"),
    ]
    # SN already sits in its planned territory: not sent again.
    assert [(o["ObjectId"], o["Territory2Id"], o["AssociationCause"]) for o in objects] == [
        (SL, "0MID0000000AbCdOAK", "Territory2Manual"),
        (SM, "0MID0000000AbCeOAK", "Territory2Manual"),
        (SO, "0MID0000000AbCfOAK", "Territory2Manual"),
    ]
    assert "Account territories: 3 done, 0 refused" in result.stdout
    # SL moved: its association with its old territory goes, saved first for a rollback.
    (delete,) = [c for c in replay.calls if c["method"] == "DELETE"]
    assert delete["params"] == {"ids": "0R9D0000000OlDaKAK", "allOrNone": "false"}
    rollback = pd.read_csv(run / "push" / "rollback.csv", dtype=str)
    saved = rollback[rollback["action"] == "insert"]
    assert saved[["Id", "field", "value"]].values.tolist() == [
        ["0R9D0000000OlDaKAK", "ObjectId", SL],
        ["0R9D0000000OlDaKAK", "Territory2Id", "0MID0000000OlDaOAK"],
        ["0R9D0000000OlDaKAK", "AssociationCause", "Territory2Manual"],
    ]
    assert "Old account territories: 1 done, 0 refused" in result.stdout


def test_a_folder_that_is_no_run_is_an_input_error(tmp_path: Path) -> None:
    result = terraquota_in_process("push", str(tmp_path))
    assert result.returncode == 2
    assert "missing: not a finished run folder" in result.stdout + result.stderr
