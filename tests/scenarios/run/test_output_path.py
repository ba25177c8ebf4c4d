"""A command writes only where it may: checked before any solving."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scenarios.run.output_path import check_output, check_output_file
from scenarios.run.runfolder import write_folder_atomically
from solver.errors import InputError


def _why(target: Path, **kw: object) -> str:
    with pytest.raises(InputError) as e:
        check_output(target, **kw)  # type: ignore[arg-type]
    (problem,) = e.value.problems
    assert problem.file == str(target)
    return problem.why


def test_new_empty_and_previous_run_folders_may_be_written(tmp_path: Path) -> None:
    assert check_output(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    (tmp_path / "empty").mkdir()
    assert check_output(tmp_path / "empty") == tmp_path / "empty"
    write_folder_atomically(tmp_path / "run", {"metrics.json": b"{}"})
    assert check_output(tmp_path / "run") == tmp_path / "run"


def test_a_folder_of_someone_else_s_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "n.txt").write_text("keep")
    assert "did not write" in _why(tmp_path / "x")
    assert (tmp_path / "x" / "n.txt").read_text() == "keep"


def test_the_working_directory_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notes.txt").write_text("keep")
    monkeypatch.chdir(tmp_path)
    assert "did not write" in _why(Path("."))


def test_a_file_or_a_device_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f.csv").write_text("a\n")
    assert "is a file, not a folder" in _why(tmp_path / "f.csv")
    assert "is a file, not a folder" in _why(Path("/dev/null"))
    assert "is a file, not a folder" in _why(tmp_path / "f.csv" / "run")


def test_an_input_or_a_folder_holding_one_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    accounts = tmp_path / "data" / "accounts.csv"
    accounts.write_text("account_id\n")
    assert "holds an input" in _why(tmp_path / "data", inputs=[accounts])
    assert "holds an input" in _why(tmp_path, inputs=[accounts])
    write_folder_atomically(tmp_path / "run", {"metrics.json": b"{}"})
    assert "is an input" in _why(tmp_path / "run", inputs=[tmp_path / "run"])
    assert check_output(tmp_path / "run" / "tracking", inputs=[tmp_path / "run"])


def test_an_unwritable_place_is_refused_before_solving() -> None:
    assert "cannot be created" in _why(Path("/proc/terraquota-run"))


def test_a_name_longer_than_the_file_system_allows_is_refused(tmp_path: Path) -> None:
    assert "bytes; the limit is" in _why(tmp_path / ("n" * 300))


def test_a_batch_folder_may_hold_run_folders_only(tmp_path: Path) -> None:
    write_folder_atomically(tmp_path / "runs" / "a", {"metrics.json": b"{}"})
    assert check_output(tmp_path / "runs", container=True)
    (tmp_path / "runs" / "mine.txt").write_text("x")
    assert "mine.txt" in _why(tmp_path / "runs", container=True)


def test_one_output_file_may_not_replace_an_input(tmp_path: Path) -> None:
    reps = tmp_path / "reps.csv"
    reps.write_text("rep_id\n")
    with pytest.raises(InputError, match="is an input"):
        check_output_file(reps, inputs=[reps])
    os.mkdir(tmp_path / "dir.csv")
    with pytest.raises(InputError, match="not a regular file"):
        check_output_file(tmp_path / "dir.csv")
    assert check_output_file(tmp_path / "out.csv") == tmp_path / "out.csv"
