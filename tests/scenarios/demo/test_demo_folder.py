"""`terraquota demo -o DIR` writes only where every command may, and replaces its folder whole."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import markupsafe
import pytest
import tomli_w

from scenarios.demo.build import build_folder, relocated
from scenarios.run.folder_kinds import MARKER, recognised_by_content
from scenarios.run.runfolder import hidden_sibling
from tests.scenarios.cli.test_cli import terraquota, terraquota_in_process

#: The smallest demo: every scenario is infeasible at this size, which is quick and enough here.
TINY_DEMO = ("--accounts", "400", "--reps", "24", "--workers", "1")


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("where", ["foreign", "file", "cwd"])
def test_a_folder_terraquota_did_not_write_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "n.txt").write_text("keep")
    (tmp_path / "f.txt").write_text("keep")
    target = {"foreign": str(tmp_path / "x"), "file": str(tmp_path / "f.txt"), "cwd": "."}[where]
    monkeypatch.chdir(tmp_path / "x")
    before = _snapshot(tmp_path)
    done = terraquota_in_process("demo", "-o", target, *TINY_DEMO)
    assert done.returncode == 2, done.stdout
    assert target in done.stderr and ("did not write" in done.stderr or "is a file" in done.stderr)
    assert _snapshot(tmp_path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["f.txt", "x"]


def test_sizes_below_the_smallest_demo_are_input_errors(tmp_path: Path) -> None:
    done = terraquota_in_process("demo", "-o", str(tmp_path / "d"), "--accounts", "10", "--reps", "2")
    assert done.returncode == 2
    assert "--accounts: 10 is below 300" in done.stderr and "--reps: 2 is below 18" in done.stderr
    assert not (tmp_path / "d").exists()


def test_recorded_paths_move_from_the_build_folder_in_each_file_s_encoding(tmp_path: Path) -> None:
    target = tmp_path / 'demo & "co" é'
    with build_folder(target) as build:
        path = str(build / "inputs" / "accounts.csv")
        files = {
            "runs/a/scenario.toml": tomli_w.dumps({"data": {"accounts": path}}).encode(),
            "runs/a/inputs.json": json.dumps({"path": path}).encode(),
            "runs/a/tracking/dashboard.html": f"<code>{markupsafe.escape(path)}</code>".encode(),
            "runs/a/map.png": b"\x89PNG",
        }
        moved = relocated(files, build, target)
    final = str(target / "inputs" / "accounts.csv")
    assert tomllib.loads(moved["runs/a/scenario.toml"].decode())["data"]["accounts"] == final
    assert json.loads(moved["runs/a/inputs.json"])["path"] == final
    page = moved["runs/a/tracking/dashboard.html"].decode()
    assert page == f"<code>{markupsafe.escape(final)}</code>" and "&amp;" in page
    assert moved["runs/a/map.png"] == b"\x89PNG"
    assert not build.exists()  # the build folder goes with the ``with``


def test_a_path_in_an_unknown_encoding_is_a_bug_not_a_silent_stale_path(tmp_path: Path) -> None:
    with build_folder(tmp_path / "d") as build:
        escaped = "\\u002f" + str(build)[1:]  # the same path, its first "/" escaped
        with pytest.raises(RuntimeError, match="build folder"):
            relocated({"a.json": f'{{"p": "{escaped}"}}'.encode()}, build, tmp_path / "d")


def test_a_killed_demo_s_build_folder_is_removed_by_the_next_one(tmp_path: Path) -> None:
    target = tmp_path / "d"
    stale = hidden_sibling(target, "build-999999999")
    stale.mkdir()
    (stale / "half.csv").write_text("x")
    with build_folder(target) as build:
        assert build.name.endswith(f"build-{os.getpid()}")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_the_demo_replaces_its_own_folder_and_one_of_an_earlier_version(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    first = terraquota("demo", "-o", str(out), *TINY_DEMO)
    assert first.returncode == 3, first.stderr  # every scenario infeasible at this size
    assert (out / MARKER).read_text() == "terraquota demo\n"
    inode = out.stat().st_ino
    second = terraquota("demo", "-o", str(out), *TINY_DEMO)
    assert second.returncode == 3, second.stderr
    assert out.stat().st_ino != inode  # replaced whole, not written into
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]  # no build or staging left
    (out / MARKER).unlink()  # as earlier versions wrote it: no marker at the top
    assert recognised_by_content(out) == "demo"
    third = terraquota("demo", "-o", str(out), *TINY_DEMO)
    assert third.returncode == 3, third.stderr
    (out / "inputs" / "mine.csv").write_text("keep")
    (out / MARKER).unlink()
    refused = terraquota("demo", "-o", str(out), *TINY_DEMO)
    assert refused.returncode == 2 and (out / "inputs" / "mine.csv").read_text() == "keep"
