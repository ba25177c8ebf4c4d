"""Run folders are written whole or not at all, whatever moment the process dies."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from scenarios.run import runfolder
from scenarios.run.runfolder import MARKER, STEPS, recover_all, write_folder_atomically

OLD = {"metrics.json": b'{"run": "old"}\n', "a.csv": b"old\n", "salesforce/Account.csv": b"old\n"}
NEW = {"metrics.json": b'{"run": "new"}\n', "a.csv": b"new\n", "salesforce/Account.csv": b"new\n"}

_CRASH = """
import os, sys
from pathlib import Path
from scenarios.run import runfolder
step, exchange = sys.argv[1], sys.argv[2] == "1"
def crash(reached):
    if reached == step:
        os._exit(9)  # no clean-up at all: as a kill -9 at this very point
runfolder._reached = crash
if not exchange:
    runfolder._exchange = lambda a, b: False
files = {"metrics.json": b'{"run": "new"}\\n', "a.csv": b"new\\n", "salesforce/Account.csv": b"new\\n"}
runfolder.write_folder_atomically(Path(sys.argv[3]), files)
"""


def _content(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MARKER
    }


def _crash_at(step: str, target: Path, *, exchange: bool) -> int:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    cmd = [sys.executable, "-c", _CRASH, step, "1" if exchange else "0", str(target)]
    return subprocess.run(cmd, env=env, check=False).returncode


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
@pytest.mark.parametrize("step", STEPS)
def test_a_crash_at_any_step_leaves_the_old_or_the_new_run(tmp_path: Path, step: str, exchange: bool) -> None:
    target = tmp_path / "run"
    write_folder_atomically(target, OLD)
    code = _crash_at(step, target, exchange=exchange)
    if step == "set-aside" and exchange:
        assert code == 0  # the exchange has no such step: the write completes
    else:
        assert code == 9
    visible = _content(target) if target.is_dir() else None
    if not (step == "set-aside" and not exchange):
        assert visible in (OLD, NEW), f"after a crash at {step!r} the name shows {visible}"
    # the next writer recovers whatever was left and leaves nothing hidden behind
    write_folder_atomically(target, {"metrics.json": b"{}\n"})
    assert _content(target) == {"metrics.json": b"{}\n"}
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_crash_between_two_renames_is_put_back_by_the_next_writer(tmp_path: Path) -> None:
    target = tmp_path / "run"
    write_folder_atomically(target, OLD)
    assert _crash_at("set-aside", target, exchange=False) == 9
    assert not target.exists()  # only without renameat2: the old run waits in a hidden name
    assert recover_all(tmp_path, ["run"]) == 2
    assert _content(target) == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_leftovers_of_earlier_versions_are_recovered(tmp_path: Path) -> None:
    (tmp_path / ".m1.staging-abc").mkdir()
    (tmp_path / ".m2.old-xyz" / "run").mkdir(parents=True)
    (tmp_path / ".m2.old-xyz" / "run" / "metrics.json").write_text("{}")
    write_folder_atomically(tmp_path / "m1", NEW)
    write_folder_atomically(tmp_path / "m3", NEW)
    assert recover_all(tmp_path, ["m2"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m1", "m2", "m3"]
    assert (tmp_path / "m2" / "metrics.json").read_text() == "{}"


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_modes_follow_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        target = write_folder_atomically(tmp_path / "run", NEW)
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o777 & ~umask
    assert stat.S_IMODE((target / "salesforce").stat().st_mode) == 0o777 & ~umask
    assert stat.S_IMODE((target / "a.csv").stat().st_mode) == 0o666 & ~umask


def test_every_file_and_folder_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real = os.fsync

    def counting(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    target = write_folder_atomically(tmp_path / "run", NEW)
    inodes = {p.stat().st_ino for p in [target, *target.rglob("*")]}
    assert inodes <= set(synced)  # the files, the marker, the folder and its subfolder
    assert tmp_path.stat().st_ino in synced  # the parent: the rename is durable


def test_concurrent_writers_are_serialised(tmp_path: Path) -> None:
    target = tmp_path / "run"
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(5):
                write_folder_atomically(target, {f"w{k}.csv": f"{k},{i}\n".encode(), "m.json": b"{}"})
        except BaseException as e:  # pragma: no cover - the failure the test is about
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    names = sorted(_content(target))
    assert len(names) == 2 and "m.json" in names  # one writer's whole folder, never a mix
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_write_that_fails_is_an_input_error_naming_the_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(runfolder.InputError, match="cannot write the folder"):
        write_folder_atomically(tmp_path / "file" / "run", NEW)
