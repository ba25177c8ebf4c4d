"""Runs: jobs in worker processes, run-folder files as `terraquota run` writes them, cancel, restart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.tests_paths import REPO, TINY


def plan_inputs(pid: int) -> Path:
    from workspace.plans.models import Version

    return Version.objects.get(plan_id=pid, number=1).inputs_dir


def _job(api, job_id: int) -> dict:
    r = api.get(f"/api/jobs/{job_id}")
    assert r.status_code == 200
    return r.json()


def test_run_solves_in_a_worker_and_serves_the_files(
    api: dict, dispatcher, tiny_zip: bytes, tmp_path: Path
) -> None:
    pid = api["planner"].upload("/api/plans", tiny_zip).json()["id"]
    r = api["planner"].post(f"/api/plans/{pid}/versions/1/run")
    assert r.status_code == 202
    job_id = r.json()["job"]
    assert _job(api["viewer"], job_id)["status"] == "queued"
    dispatcher.drain()
    job = _job(api["viewer"], job_id)
    assert job["status"] == "done" and job["exit_code"] == 0 and job["progress"] == 1.0
    assert "optimal" in job["message"]
    version = api["viewer"].get(f"/api/plans/{pid}/versions/1").json()
    assert version["metrics"]["status"] == "optimal"

    # the same bytes as the command line's run folder
    out = tmp_path / "cli-run"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "scenarios",
            "run",
            str(TINY / "scenario.toml"),
            "-o",
            str(out),
            "--no-render",
        ],
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    for name in ("assignment.csv", "reps.csv", "quotas.csv", "capacity.csv", "reconcile.csv"):
        got = api["viewer"].get(f"/api/plans/{pid}/versions/1/files/{name}")
        assert got.status_code == 200
        assert b"".join(got.streaming_content) == (out / name).read_bytes(), name
    # scenario.toml: the same but for where the tables were (the resolved paths)
    toml = b"".join(api["viewer"].get(f"/api/plans/{pid}/versions/1/files/scenario.toml").streaming_content)
    assert (
        toml.replace(str(plan_inputs(pid)).encode(), str(TINY).encode())
        == (out / "scenario.toml").read_bytes()
    )
    served = json.loads(
        b"".join(api["viewer"].get(f"/api/plans/{pid}/versions/1/files/metrics.json").streaming_content)
    )
    cli = json.loads((out / "metrics.json").read_bytes())
    served.pop("seconds"), cli.pop("seconds")
    for b in served.get("blocks", []) + cli.get("blocks", []):
        b.pop("seconds")
    assert served == cli


def test_file_names_cannot_escape_the_run_folder(api: dict, plan) -> None:
    for name in ("../inputs/accounts.csv", "..%2Finputs%2Faccounts.csv", "/etc/passwd", "nope.csv"):
        r = api["viewer"].get(f"/api/plans/{plan.pk}/versions/1/files/{name}")
        assert r.status_code == 404, name


def test_a_failed_run_reports_its_exit_code_and_message(api: dict, dispatcher, plan) -> None:
    # break the inputs behind the API's back: the job fails with the CLI's exit code 2
    version = plan.latest()
    (version.inputs_dir / "reps.csv").write_text("rep_id\nR1\n", encoding="utf-8")
    job_id = api["planner"].post(f"/api/plans/{plan.pk}/versions/1/run").json()["job"]
    dispatcher.drain()
    job = _job(api["viewer"], job_id)
    assert job["status"] == "failed" and job["exit_code"] == 2
    assert "reps.csv" in job["message"] and str(version.inputs_dir) not in job["message"]


def test_cancel_a_queued_job(api: dict, plan, dispatcher) -> None:
    job_id = api["planner"].post(f"/api/plans/{plan.pk}/versions/1/run").json()["job"]
    assert api["viewer"].post(f"/api/jobs/{job_id}/cancel").status_code == 403
    r = api["planner"].post(f"/api/jobs/{job_id}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    dispatcher.drain()
    assert _job(api["viewer"], job_id)["status"] == "cancelled"
    assert api["planner"].post(f"/api/jobs/{job_id}/cancel").status_code == 409


def test_cancel_a_running_job_kills_it_and_keeps_the_plan(api: dict, plan, dispatcher) -> None:
    before = (plan.latest().run_dir / "assignment.csv").read_bytes()
    job_id = api["planner"].post(f"/api/plans/{plan.pk}/versions/1/run").json()["job"]
    dispatcher.tick()
    assert _job(api["viewer"], job_id)["status"] == "running"
    api["planner"].post(f"/api/jobs/{job_id}/cancel")
    dispatcher.drain()
    job = _job(api["viewer"], job_id)
    assert job["status"] in ("cancelled", "done")  # a tiny run may finish before the kill lands
    assert (plan.latest().run_dir / "assignment.csv").read_bytes() == before


def test_restart_mid_run_marks_the_job_failed_and_keeps_plan_and_audit(api: dict, plan, dispatcher) -> None:
    """A server dies with a job running: the next start marks it failed; plan files and trail intact."""
    from workspace.jobs.runner import Dispatcher, recover

    version = plan.latest()
    files_before = {p.name: p.read_bytes() for p in version.run_dir.iterdir() if p.is_file()}
    job_id = api["planner"].post(f"/api/plans/{plan.pk}/versions/1/run").json()["job"]
    dispatcher.tick()
    assert _job(api["viewer"], job_id)["status"] == "running"
    audit_before = api["viewer"].get(f"/api/plans/{plan.pk}/audit").json()
    # the server dies: its dispatcher and the worker are gone without a word
    for worker in dispatcher.running.values():
        worker.process.kill()
        worker.process.join()
    dispatcher.running.clear()

    assert recover() == 1
    job = _job(api["viewer"], job_id)
    assert job["status"] == "failed" and "server stopped" in job["message"]
    assert {p.name: p.read_bytes() for p in version.run_dir.iterdir() if p.is_file()} == files_before
    audit_after = api["viewer"].get(f"/api/plans/{plan.pk}/audit").json()
    assert audit_after[: len(audit_before)] == audit_before
    assert audit_after[-1]["action"] == "run.failed"
    # a fresh server has nothing left to do, and the plan runs again
    fresh = Dispatcher(workers=1)
    assert fresh.tick() is False
    again = api["planner"].post(f"/api/plans/{plan.pk}/versions/1/run").json()["job"]
    fresh.drain()
    assert _job(api["viewer"], again)["status"] == "done"


def test_a_worker_never_writes_into_the_plan_folder(api: dict, plan, dispatcher) -> None:
    """Until the dispatcher installs it, a run's output stays in the job's own folder."""
    from workspace.jobs.models import Job

    version = plan.latest()
    stamp = {p.name: p.stat().st_mtime_ns for p in version.run_dir.iterdir()}
    job_id = api["planner"].post(f"/api/plans/{plan.pk}/versions/1/run").json()["job"]
    dispatcher.tick()
    assert dispatcher.running[job_id].conn.poll(60)  # finished, not yet followed by the dispatcher
    assert (Job.objects.get(pk=job_id).folder / "out" / "assignment.csv").is_file()
    assert {p.name: p.stat().st_mtime_ns for p in version.run_dir.iterdir()} == stamp
    dispatcher.drain()
    assert {p.name: p.stat().st_mtime_ns for p in version.run_dir.iterdir()} != stamp


def test_recovery_removes_what_a_dead_server_left_half_made(api: dict, plan, db) -> None:
    from workspace.jobs.runner import recover

    half = [
        db / "tmp" / "upload-x" / "accounts.csv",
        db / "jobs" / "999" / "out" / "assignment.csv",
        plan.latest().folder / ".run.old-1-2" / "assignment.csv",
    ]
    for path in half:
        path.parent.mkdir(parents=True)
        path.write_text("x")
    before = {p.name: p.read_bytes() for p in plan.latest().run_dir.iterdir() if p.is_file()}
    recover()
    assert not any(p.parent.exists() for p in half)
    assert {p.name: p.read_bytes() for p in plan.latest().run_dir.iterdir() if p.is_file()} == before
