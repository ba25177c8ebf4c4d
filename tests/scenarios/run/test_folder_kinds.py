"""terraquota's folders are recognised by their marker or by their own content, never a stranger's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scenarios.run.folder_kinds import MARKER, is_terraquota_folder, needs_marker, recognised_by_content
from scenarios.run.output_path import check_output
from scenarios.run.runfolder import write_folder_atomically
from solver.errors import InputError
from tests.scenarios.cli.test_cli import terraquota_in_process
from tests.tests_paths import TINY

_METRICS = {"name": "fy27", "status": "optimal", "solver": "highs 1.16.0", "seconds": 1.0, "counts": {}}
_NO_PLAN = {**_METRICS, "status": "infeasible"}


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=2) + "\n").encode()


def _legacy_run(folder: Path) -> Path:
    """A run folder as earlier versions wrote it: no marker."""
    (folder / "salesforce").mkdir(parents=True)
    (folder / "metrics.json").write_bytes(_json(_METRICS))
    for name in ("assignment.csv", "reps.csv", "quotas.csv", "report.html", "scenario.toml"):
        (folder / name).write_text("x\n")
    (folder / "salesforce" / "Account.csv").write_text("Id\n")
    return folder


def _legacy_tracking(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "tracking.json").write_bytes(_json({"name": "fy27", "periods": [], "counts": {}}))
    for name in ("attainment_by_rep.csv", "forecast.csv", "dashboard.html"):
        (folder / name).write_text("x\n")
    return folder


def test_a_run_without_a_plan_gets_no_marker_and_nothing_else(tmp_path: Path) -> None:
    files = {"metrics.json": _json(_NO_PLAN), "explanation.txt": b"why\n", "scenario.toml": b"name = 'x'\n"}
    assert not needs_marker(files)
    target = write_folder_atomically(tmp_path / "run", files)
    assert sorted(p.name for p in target.iterdir()) == ["explanation.txt", "metrics.json", "scenario.toml"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no lock or staging left beside it
    assert recognised_by_content(target) == "run" and check_output(target) == target


def test_every_other_folder_keeps_its_marker() -> None:
    plan = {"metrics.json": _json(_METRICS), "explanation.txt": b"", "scenario.toml": b""}
    assert needs_marker(plan)  # a plan is not the three-file folder of an infeasible run
    assert needs_marker({"metrics.json": b"{}"})
    assert needs_marker(
        {"metrics.json": _json(_NO_PLAN), "explanation.txt": b"", "scenario.toml": b"", "n.txt": b""}
    )


def test_the_infeasible_run_folder_of_the_command_holds_the_contract_s_three_files(tmp_path: Path) -> None:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    tight = tmp_path / "tight.toml"
    tight.write_text('extends = "scenario.toml"\nname = "tight"\n[assignment]\nmax_moved_share = 0.1\n')
    out = tmp_path / "out"
    for _ in range(2):  # written, then recognised and replaced
        done = terraquota_in_process("run", str(tight), "-o", str(out), "--no-render")
        assert done.returncode == 3, done.stdout
        assert sorted(p.name for p in out.iterdir()) == ["explanation.txt", "metrics.json", "scenario.toml"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_folder_of_an_earlier_version_is_accepted_by_its_content(tmp_path: Path) -> None:
    run = _legacy_run(tmp_path / "old-run")
    _legacy_tracking(run / "tracking")
    assert not (run / MARKER).exists()
    assert recognised_by_content(run / "tracking") == "tracking"
    assert is_terraquota_folder(run) and check_output(run) == run
    write_folder_atomically(run, {"metrics.json": _json(_METRICS)})
    assert (run / MARKER).is_file() and not (run / "assignment.csv").exists()


@pytest.mark.parametrize(
    "stranger",
    ["n.txt", ".env", "notes.csv", "salesforce/mine.txt", "tracking/n.txt", "photos/a.png"],
)
def test_one_foreign_file_makes_an_unmarked_folder_someone_else_s(tmp_path: Path, stranger: str) -> None:
    run = _legacy_run(tmp_path / "old-run")
    _legacy_tracking(run / "tracking")
    (run / stranger).parent.mkdir(parents=True, exist_ok=True)
    (run / stranger).write_text("keep")
    assert not is_terraquota_folder(run)
    with pytest.raises(InputError, match="did not write"):
        check_output(run)
    assert (run / stranger).read_text() == "keep"


@pytest.mark.parametrize(
    "metrics",
    [b"{}", b"not json", _json({"name": "x", "status": "done", "solver": "s"}), _json(["status"])],
    ids=["empty", "not-json", "unknown-status", "not-an-object"],
)
def test_a_metrics_json_terraquota_did_not_write_is_no_signature(tmp_path: Path, metrics: bytes) -> None:
    run = _legacy_run(tmp_path / "old-run")
    (run / "metrics.json").write_bytes(metrics)
    assert not is_terraquota_folder(run)


def test_a_symlinked_entry_is_foreign(tmp_path: Path) -> None:
    run = _legacy_run(tmp_path / "old-run")
    (tmp_path / "elsewhere.csv").write_text("keep")
    (run / "assignment.csv").unlink()
    (run / "assignment.csv").symlink_to(tmp_path / "elsewhere.csv")
    assert not is_terraquota_folder(run)


def _legacy_batch(folder: Path) -> Path:
    """A batch folder as earlier versions wrote it: its files and member run folders, no marker."""
    _legacy_run(folder / "b-distance-0.1")
    (folder / "batch_summary.csv").write_text(
        "name,action,status,exit_code,objective\nb,solved,optimal,0,1\n"
    )
    (folder / "tradeoff.csv").write_text("name\n")
    (folder / "comparison").mkdir()
    (folder / "comparison" / "kpis.csv").write_text("kpi\n")
    return folder


def test_a_batch_folder_of_an_earlier_version_is_accepted_and_a_stranger_in_it_refused(
    tmp_path: Path,
) -> None:
    batch = _legacy_batch(tmp_path / "sweep")
    assert recognised_by_content(batch) == "batch"
    assert check_output(batch, container=True) == batch
    (batch / "notes.txt").write_text("keep")
    assert not is_terraquota_folder(batch)
    with pytest.raises(InputError, match=r"notes\.txt"):
        check_output(batch, container=True)
    (batch / "notes.txt").unlink()
    (batch / "batch_summary.csv").write_text("my,own,table\n")  # not the batch's header
    assert recognised_by_content(batch) is None
