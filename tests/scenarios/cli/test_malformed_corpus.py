"""The malformed-input and hostile-path corpus: every case exits as it should, says where and why,
and leaves everything outside its output folder as it was.

Two sources, one parametrised test: ``tests/data/malformed/cases.csv`` (one bad
table per case, run end to end) and ``tests/data/malformed/cli/*.toml`` (one
file per case: the command, the edits made to the hand-checkable instance,
and the expected exit code, file, row, column and reason; see the README).
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scenarios.cli.commands import app
from scenarios.run.runfolder import write_folder_atomically
from scenarios.run.runner import run_scenario
from scenarios.run.scenario import load_scenario
from solver.errors import InputProblem
from tests.tests_paths import TESTS_DATA, TINY

MALFORMED = TESTS_DATA / "malformed"
TINY_FILES = ("accounts.csv", "reps.csv", "scenario.toml")


@dataclass
class Case:
    name: str
    command: list[str]
    exit: int
    expect: dict[str, Any]
    before: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    hex_files: dict[str, str] = field(default_factory=dict)
    edit: list[dict[str, str]] = field(default_factory=list)
    copies: dict[str, Path] = field(default_factory=dict)


def _toml_cases() -> list[Case]:
    out = []
    for path in sorted((MALFORMED / "cli").glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        doc.pop("description")
        out.append(Case(name=path.stem, **doc))
    return out


def _table_cases() -> list[Case]:
    """cases.csv: the scenario of the tiny instance pointed at the case's two tables."""
    with (MALFORMED / "cases.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        bad = r[r["table"]]
        expect: dict[str, Any] = {"file": "{ws}/" + bad, "why": r["expected_text"], "fold": True}
        if r["expected_row"]:
            expect["row"] = int(r["expected_row"])
        if r["expected_column"]:
            expect["column"] = r["expected_column"]
        edit = [
            {
                "file": "scenario.toml",
                "old": 'accounts = "accounts.csv"',
                "new": f'accounts = "{r["accounts"]}"',
            },
            {"file": "scenario.toml", "old": 'reps = "reps.csv"', "new": f'reps = "{r["reps"]}"'},
            # the region names must fit the malformed files' good parts
            {"file": "scenario.toml", "old": 'NA = ["US"]', "new": 'NA = ["US", "CA"]'},
        ]
        copies = {
            name: MALFORMED / name for name in (r["accounts"], r["reps"]) if (MALFORMED / name).exists()
        }
        out.append(
            Case(
                f"table_{r['case']}",
                ["run", "scenario.toml", "-o", "out"],
                2,
                expect,
                edit=edit,
                copies=copies,
            )
        )
    return out


CASES = _toml_cases() + _table_cases()


def _good_run(ws: Path, name: str) -> None:
    outcome = run_scenario(load_scenario(ws / "scenario.toml"), render=False)
    write_folder_atomically(ws / name, outcome.files)


def _workspace(root: Path, case: Case) -> Path:
    ws = (root / "ws").resolve()
    ws.mkdir()
    for name in TINY_FILES:
        shutil.copy(TINY / name, ws / name)
    for name, source in case.copies.items():
        shutil.copy(source, ws / name)
    for step in case.before:
        if step in ("run", "run2"):
            _good_run(ws, step)
        elif step.startswith("rm:"):
            (ws / step[3:]).unlink()
        else:  # pragma: no cover - a typo in a case file
            raise AssertionError(f"unknown step {step!r}")
    for name, text in case.files.items():
        (ws / name).parent.mkdir(parents=True, exist_ok=True)
        (ws / name).write_text(text, encoding="utf-8")
    for name, hexed in case.hex_files.items():
        (ws / name).write_bytes(bytes.fromhex(hexed))
    for e in case.edit:
        text = (ws / e["file"]).read_text(encoding="utf-8")
        assert e["old"] in text, f"{case.name}: {e['old']!r} not in {e['file']}"
        (ws / e["file"]).write_text(text.replace(e["old"], e["new"], 1), encoding="utf-8")
    return ws


def _snapshot(root: Path) -> dict[str, tuple[int, str]]:
    """Every entry under ``root``: its mode and (files) content digest."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if stat.S_ISREG(st.st_mode) else ""
        out[str(p.relative_to(root))] = (st.st_mode, digest)
    return out


def _expected_line(case: Case, ws: Path) -> tuple[str, str]:
    exp = case.expect
    file = exp.get("file")
    where = (
        str(InputProblem(file.replace("{ws}", str(ws)), exp.get("row"), exp.get("column"), ""))
        if file
        else ""
    )
    return where.removesuffix(" "), exp["why"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = _workspace(tmp_path, case)
    before = _snapshot(tmp_path)
    monkeypatch.chdir(ws)
    args = [a.replace("{ws}", str(ws)) for a in case.command]
    result = CliRunner().invoke(app, args)
    err = result.stderr
    assert result.exit_code == case.exit, (result.exit_code, result.stdout, err, repr(result.exception))
    assert "Traceback" not in err + result.stdout
    where, why = _expected_line(case, ws)
    lines = err.splitlines()
    fold = (lambda s: s.casefold()) if case.expect.get("fold") else (lambda s: s)
    matching = [ln for ln in lines if where in ln and fold(why) in fold(ln)]
    assert matching, f"no line with {where!r} and {why!r}:\n{err}"
    for extra in case.expect.get("also", []):
        assert extra in err, err
    assert _snapshot(tmp_path) == before, "files changed outside the output folder"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_the_corpus_has_every_kind_of_case() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)) >= 80
    commands = {c.command[0] for c in CASES}
    assert {"run", "validate", "replan", "explain", "track", "compare", "batch", "plan-hires"} <= commands
