"""Scenario files: extends chains, relative paths, unknown keys, cycles, bad values."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from scenarios.run.scenario import load_scenario
from solver.errors import InputError
from tests.tests_paths import TINY


def _tiny_copy(tmp_path: Path) -> Path:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    return tmp_path / "scenario.toml"


def test_extends_overrides_and_keeps_base_paths(tmp_path: Path) -> None:
    _tiny_copy(tmp_path)
    sub = tmp_path / "what-ifs"
    sub.mkdir()
    (sub / "tight.toml").write_text(
        'extends = "../scenario.toml"\nname = "tight"\n[assignment]\nmax_moved_share = 0.1\n'
    )
    sc = load_scenario(sub / "tight.toml")
    assert sc.name == "tight"
    assert sc.accounts == (tmp_path / "accounts.csv").resolve()
    assert sc.params.assignment.max_moved_share == 0.1
    assert sc.params.assignment.balance == {"potential": 0.0}  # inherited
    resolved = tomllib.loads(sc.to_toml())
    assert "extends" not in resolved and resolved["assignment"]["max_moved_share"] == 0.1


def test_unknown_key_gets_did_you_mean(tmp_path: Path) -> None:
    base = _tiny_copy(tmp_path)
    (tmp_path / "typo.toml").write_text(
        'extends = "scenario.toml"\nname = "t"\n[assignment]\nmax_move_share = 0.1\n'
    )
    with pytest.raises(InputError) as e:
        load_scenario(tmp_path / "typo.toml")
    assert "assignment.max_move_share" in str(e.value) and "max_moved_share" in str(e.value)
    assert base.exists()


def test_extends_cycle_is_named(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('extends = "b.toml"\nname = "a"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\nname = "b"\n')
    with pytest.raises(InputError, match=r"cycle: a.toml -> b.toml -> a.toml"):
        load_scenario(tmp_path / "a.toml")


@pytest.mark.parametrize(
    ("patch", "key"),
    [
        ("[assignment]\nbalance = { potentail = 0.05 }\n", "assignment.balance"),
        ("[quota]\ntarget = -5\n", "quota.target"),
        ('[plan]\nstart = "2027-02-30"\n', "plan.start"),
        ("[segments]\nSMB = [200, 0]\n", "segments"),
        ("[assignment]\ntime_limit = 0\n", "assignment.time_limit"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, patch: str, key: str) -> None:
    _tiny_copy(tmp_path)
    (tmp_path / "bad.toml").write_text(f'extends = "scenario.toml"\nname = "bad"\n{patch}')
    with pytest.raises(InputError) as e:
        load_scenario(tmp_path / "bad.toml")
    assert key in str(e.value)
