"""`terraquota validate` checks `[salesforce]` as pull and push would use it, without the network."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.scenarios.cli.test_cli import terraquota_in_process
from tests.tests_paths import TINY

SECRET = "00Dx0000000VALID!AQ4AQSecretTokenValue.never.printed"

GOOD = """
[salesforce]
api_version = "60.0"

[salesforce.reps]
fields = { segment = "Department", region = "Division" }

[salesforce.push]
territory_model = "FY27"
"""

BAD = """
[salesforce]
api_version = "v60"
bulk_threshold = "5000"

[salesforce.accounts]
fields = { potenial = "Fit__c" }

[salesforce.reps]
fields = { segment = "Department" }

[salesforce.push]
batch_size = 1000
"""


@pytest.fixture
def no_login(monkeypatch, tmp_path: Path) -> None:
    """No credentials in the environment, no Salesforce CLI, an empty home."""
    for var in ("SF_ACCESS_TOKEN", "SF_INSTANCE_URL", "SF_USERNAME", "SF_PASSWORD", "SF_TARGET_ORG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def _scenario(tmp_path: Path, section: str) -> Path:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    path = tmp_path / "scenario.toml"
    path.write_text(path.read_text(encoding="utf-8") + section, encoding="utf-8")
    return path


def test_every_salesforce_problem_at_once_exit_2(no_login, tmp_path: Path) -> None:
    result = terraquota_in_process("validate", str(_scenario(tmp_path, BAD)))
    assert result.returncode == 2
    text = result.stdout + result.stderr
    for key in (
        "salesforce.api_version",
        "salesforce.bulk_threshold",
        "salesforce.accounts.fields.potenial",
        "salesforce.reps.fields.region",
        "salesforce.push.batch_size",
    ):
        assert f"'{key}'" in text, key
    assert "sf org login web" in " ".join(text.split())  # no credentials anywhere: how to log in
    assert "Traceback" not in text


def test_a_good_section_with_a_login_passes_and_names_the_source_not_the_secret(
    no_login, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SF_ACCESS_TOKEN", SECRET)
    monkeypatch.setenv("SF_INSTANCE_URL", "https://example.my.salesforce.com")
    result = terraquota_in_process("validate", str(_scenario(tmp_path, GOOD)))
    assert result.returncode == 0, result.stdout + result.stderr
    text = result.stdout + result.stderr
    assert "Salesforce login for pull and push: environment (SF_ACCESS_TOKEN, SF_INSTANCE_URL)" in text
    assert SECRET not in text


def test_a_good_section_without_any_login_is_an_input_error(no_login, tmp_path: Path) -> None:
    result = terraquota_in_process("validate", str(_scenario(tmp_path, GOOD)))
    assert result.returncode == 2
    assert "column 'salesforce'" in result.stdout + result.stderr


def test_a_scenario_without_salesforce_needs_no_login(no_login, tmp_path: Path) -> None:
    result = terraquota_in_process("validate", str(_scenario(tmp_path, "")))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Salesforce" not in result.stdout + result.stderr


def test_push_refuses_what_validate_refuses(tmp_path: Path) -> None:
    from scenarios.cli.push import read_run
    from solver.errors import InputError

    run = tmp_path / "run"
    run.mkdir()
    for name in ("assignment.csv", "reps.csv", "quotas.csv"):
        (run / name).write_text("rep_id\n", encoding="utf-8")
    (run / "scenario.toml").write_text(
        'name = "x"\n[salesforce]\napi_version = "60"\n[salesforce.push]\nterritory_model = "FY 27"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_run(run)
    assert sorted(p.column for p in caught.value.problems) == [
        "salesforce.api_version",
        "salesforce.push.territory_model",
    ]
