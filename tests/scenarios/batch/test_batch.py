"""Batch runs: plain-data worker, resumability, failures that never stop the others, a killed batch."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from scenarios.batch.members import (
    DIGEST_FILE,
    SKIPPED,
    SOLVED,
    batch_exit_code,
    input_digest,
    member_scenario,
    plan_tasks,
    remove_stale_staging,
    run_task,
    summary_csv,
    summary_frame,
)
from scenarios.cli.batch import run_batch_command, write_tradeoff
from scenarios.run.runfolder import MARKER
from solver.errors import InputError
from solver.results.tradeoff import DEFAULT_Y
from tests.tests_paths import REPO, TINY


def _sweep(tmp_path: Path, body: str, name: str = "sweep.toml") -> Path:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    path = tmp_path / name
    path.write_text(
        f'extends = "scenario.toml"\nname = "b"\n[assignment]\ntime_limit = 5\n\n[sweep]\n{body}\n'
    )
    return path


def _rows(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "batch_summary.csv").open(newline="") as f:
        return {r["name"]: r for r in csv.DictReader(f)}


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


def test_worker_writes_digest_skips_up_to_date_and_reruns_on_changed_data(tmp_path: Path) -> None:
    sweep = _sweep(tmp_path, 'grid = { "assignment.weights.distance" = [0.1] }')
    (task,) = plan_tasks([sweep], tmp_path / "out", render=False)
    first = run_task(task)
    folder = Path(task["output"])
    assert first["action"] == SOLVED and first["status"] == "optimal" and first["exit_code"] == 0
    assert first["moved_accounts"] == 4 and first["worst_potential_balance"] == pytest.approx(0.0)
    assert (folder / DIGEST_FILE).read_text().strip() == input_digest(member_scenario(task))
    assert "[sweep]" not in (folder / "scenario.toml").read_text()
    inode = folder.stat().st_ino

    second = run_task(task)
    assert second["action"] == SKIPPED and second["status"] == "optimal"
    assert folder.stat().st_ino == inode  # not rewritten

    # same name, different data bytes: no longer up to date
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(accounts.read_text().replace("Boston Ale", "Boston Ales"))
    third = run_task(task)
    assert third["action"] == SOLVED and folder.stat().st_ino != inode

    # asking for reports re-runs a folder written without them
    fourth = run_task({**task, "render": True})
    assert fourth["action"] == SOLVED and (folder / "report.html").is_file()
    assert run_task({**task, "render": False})["action"] == SKIPPED


def test_digest_changes_with_scenario_values_and_data(tmp_path: Path) -> None:
    sweep = _sweep(tmp_path, 'grid = { "assignment.weights.distance" = [0.1, 0.2] }')
    ta, tb = plan_tasks([sweep], tmp_path / "o")
    a, b = member_scenario(ta), member_scenario(tb)
    assert input_digest(a) == input_digest(member_scenario(ta))
    assert input_digest(a) != input_digest(b)
    before = input_digest(a)
    (tmp_path / "reps.csv").write_bytes((tmp_path / "reps.csv").read_bytes() + b"\n")
    assert input_digest(a) != before


def test_failed_members_never_stop_the_others(tmp_path: Path) -> None:
    # infeasible (tolerance 0 needs moves, budget 0 forbids them), solved, bad input
    sweep = _sweep(
        tmp_path,
        'zip = { "assignment.max_moved_share" = [0.0, 1.0, 1.0],'
        ' "assignment.balance.potential" = [0.0, 0.0, -1.0] }',
    )
    out = tmp_path / "out"
    code = run_batch_command(
        [sweep],
        out,
        workers=2,
        engine="local",
        scheduler=None,
        render=False,
        console=_quiet(),
        log=lambda _m: None,
    )
    rows = _rows(out)
    assert [r["status"] for r in rows.values()] == ["infeasible", "optimal", "input error"]
    assert [r["exit_code"] for r in rows.values()] == ["3", "0", "2"]
    bad = next(r for r in rows.values() if r["status"] == "input error")
    assert "assignment.balance" in bad["error"] and "sweep.toml" in bad["error"] and bad["folder"] == ""
    infeasible = next(r for r in rows.values() if r["status"] == "infeasible")
    assert (Path(infeasible["folder"]) / "explanation.txt").is_file()
    assert code == 3  # infeasible outranks bad input; 0 only when all solved
    assert (out / "tradeoff.png").read_bytes()[:4] == b"\x89PNG"
    with (out / "tradeoff.csv").open(newline="") as f:
        points = list(csv.DictReader(f))
    assert [p["non_dominated"] for p in points] == ["false", "true", "false"]  # only one run has figures

    # a wrong chart axis is named, with a did-you-mean, once the members are done
    console = _quiet()
    tasks = plan_tasks([sweep], out, render=False)
    frame = pd.read_csv(out / "batch_summary.csv", keep_default_na=False)
    code, _ = write_tradeoff(out, tasks, frame, "moved.potentail_share", DEFAULT_Y, console)
    assert code == 2
    assert "did you mean 'moved.potential_share'" in console.file.getvalue()  # type: ignore[attr-defined]


def test_exit_code_precedence() -> None:
    def s(*codes: int) -> list[dict[str, int]]:
        return [{"exit_code": c} for c in codes]

    assert batch_exit_code(s(0, 0)) == 0
    assert batch_exit_code(s(0, 2, 0)) == 2
    assert batch_exit_code(s(2, 3)) == 3
    assert batch_exit_code(s(3, 4, 2)) == 4
    assert batch_exit_code(s(4, 1, 3)) == 1
    assert batch_exit_code([]) == 0


def test_two_files_cannot_declare_the_same_member(tmp_path: Path) -> None:
    a = _sweep(tmp_path, 'grid = { "quota.target" = [1.0] }', "a.toml")
    b = _sweep(tmp_path, 'grid = { "quota.target" = [1.0] }', "b.toml")
    with pytest.raises(InputError, match=r"b_target=1.*also declared by .*a.toml"):
        plan_tasks([a, b], tmp_path / "out")


def test_stale_staging_is_removed_and_a_set_aside_run_is_restored(tmp_path: Path) -> None:
    (tmp_path / ".m1.staging-abc").mkdir()
    (tmp_path / ".m2.old-xyz" / "run").mkdir(parents=True)
    (tmp_path / ".m2.old-xyz" / "run" / "metrics.json").write_text("{}")
    (tmp_path / ".other.staging-abc").mkdir()
    assert remove_stale_staging(tmp_path, ["m1", "m2"]) == 2
    assert (tmp_path / "m2" / "metrics.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.staging-abc", "m2"]


def test_summary_csv_neutralises_formula_cells() -> None:
    frame = summary_frame(
        [
            {
                "name": "=x",
                "scenario": "",
                "overrides": {},
                "output": "",
                "render": False,
                "values": {"a.b": [1]},
            }
        ],
        [{"name": "=x", "action": "failed", "status": "error", "exit_code": 1, "error": "@oops"}],
    )
    text = summary_csv(frame).decode()
    assert "'=x" in text and "'@oops" in text and text.endswith(",[1]\n")


def _finished(out: Path) -> dict[str, tuple[int, bytes]]:
    """Members whose folder is complete: (folder inode, metrics bytes)."""
    return {
        p.name: (p.stat().st_ino, (p / "metrics.json").read_bytes())
        for p in out.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / DIGEST_FILE).is_file()
    }


@pytest.mark.slow
def test_killed_batch_restarted_finishes_every_member_exactly_once(tmp_path: Path) -> None:
    n = 8
    values = ", ".join(f"{0.1 * (i + 1):.1f}" for i in range(n))
    sweep = _sweep(tmp_path, f'grid = {{ "assignment.weights.distance" = [{values}] }}')
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "scenarios",
        "batch",
        str(sweep),
        "-o",
        str(out),
        "--workers",
        "1",
        "--no-render",
    ]
    proc = subprocess.Popen(
        cmd, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if out.is_dir() and _finished(out):
                break
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the batch and its worker processes
        proc.wait()
    before = _finished(out)
    assert 1 <= len(before) < n, f"kill did not land midway: {len(before)} of {n} finished"
    assert not (out / "batch_summary.csv").exists()

    # restart (in this process: same command, without paying the interpreter start-up again)
    code = run_batch_command(
        [sweep],
        out,
        workers=1,
        engine="local",
        scheduler=None,
        render=False,
        console=_quiet(),
        log=lambda _m: None,
    )
    assert code == 0
    rows = _rows(out)
    after = _finished(out)
    assert len(rows) == n and set(after) == set(rows)
    for name, row in rows.items():
        if name in before:
            assert row["action"] == SKIPPED, name
            assert after[name] == before[name], f"{name} was solved twice"
        else:
            assert row["action"] == SOLVED, name
        assert row["status"] == "optimal"
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != MARKER]
    assert not leftovers, "staging folders left behind"
