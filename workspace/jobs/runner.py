"""The dispatcher: starts queued jobs in worker processes, follows them, installs their results.

Runs execute outside the web process, in long-lived worker processes forked
from a warm fork server (`multiprocessing` "forkserver" context with the
library preloaded). A worker keeps the last runs it read
(`workspace.engine.load_run`), and after installing a run the dispatcher
asks the worker to read it ahead: the plan's next edit starts from it,
on that worker. Cancelling a job kills its worker; a fresh one replaces it.
The dispatcher lives in the web process (`terraquota serve` runs it in a
thread; tests call `Dispatcher.drain`) and is the only writer of job rows
and of versions' run folders.

On start, `recover` marks jobs a dead server left running as failed (with
an audit entry); the plans' files are untouched because workers never write
outside their job folder.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import threading
import time
from multiprocessing.connection import wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from workspace.audit.models import record
from workspace.jobs.models import Job, JobKind, JobStatus
from workspace.jobs.worker import serve

log = logging.getLogger(__name__)

_CONTEXT: BaseContext | None = None
#: set when a job is queued in this process: the dispatcher's loop looks at once instead of at its next poll
WAKE = threading.Event()


def wake() -> None:
    WAKE.set()


def _context() -> BaseContext:
    global _CONTEXT
    if _CONTEXT is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["workspace.jobs.preload"])
        _CONTEXT = ctx
    return _CONTEXT


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def install_run(out: Path, run_dir: Path) -> None:
    """Put a finished run folder in place of a version's run folder (rename, old one removed)."""
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    old = run_dir.with_name(f".{run_dir.name}.old-{os.getpid()}-{time.monotonic_ns()}")
    if run_dir.exists():
        os.replace(run_dir, old)
    os.replace(out, run_dir)
    shutil.rmtree(old, ignore_errors=True)


def _finish(job: Job, status: str, exit_code: int | None, message: str) -> None:
    with transaction.atomic():
        job.status, job.exit_code, job.message = status, exit_code, message
        job.finished_at = timezone.now()
        if status == JobStatus.DONE:
            job.progress = 1.0
        job.save()
        record(
            job.created_by,
            f"run.{status}",
            str(job.version),
            after={"job": job.pk, "kind": job.kind, "exit_code": exit_code, "message": message[:2000]},
            plan_id=job.version.plan_id,
        )


class Worker:
    """One long-lived worker process (`workspace.jobs.worker.serve`) and the runs it has read."""

    def __init__(self) -> None:
        ctx = _context()
        self.conn, child = ctx.Pipe()
        self.process: BaseProcess = ctx.Process(
            target=serve, args=(child,), name="terraquota-worker", daemon=True
        )
        self.process.start()
        child.close()
        self.warm: list[str] = []  # run folders it holds, newest last

    def send(self, *message: Any) -> None:
        self.conn.send(message)

    def holds(self, run_dir: str) -> None:
        self.warm = [*[r for r in self.warm if r != run_dir][-2:], run_dir]

    def finished(self) -> int | None:
        """The job's exit code once the worker answered, else None."""
        if self.conn.poll():
            return int(self.conn.recv()[1])
        return None

    def kill(self) -> None:
        self.process.kill()
        self.process.join(10)
        self.conn.close()


class Dispatcher:
    """Starts up to ``workers`` jobs at once and follows them until they end."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or settings.JOB_WORKERS
        self.pool: list[Worker] = []
        self.running: dict[int, Worker] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()  # the loop's thread and shutdown share ``running``

    # one pass ------------------------------------------------------------------------------
    def tick(self) -> bool:
        """Follow running jobs, start queued ones; True while any job is queued or running."""
        with self._lock:
            return self._tick()

    def _tick(self) -> bool:
        for job_id, worker in list(self.running.items()):
            self._follow(job_id, worker)
        while len(self.running) < self.workers and self._start_next():
            pass
        return bool(self.running) or Job.objects.filter(status=JobStatus.QUEUED).exists()

    def _start_next(self) -> bool:
        job = Job.objects.filter(status=JobStatus.QUEUED).select_related("version").order_by("id").first()
        if job is None:
            return False
        claimed = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started_at=timezone.now(), progress=0.0, message="starting"
        )
        if not claimed:
            return True  # someone else took it (or it was cancelled): look again
        version = job.version
        folder = job.folder
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        incremental = job.kind in (JobKind.RESPLIT, JobKind.RESOLVE) and version.parent is not None
        parent_run = str(version.parent.run_dir) if incremental else None
        changes = [c.payload for c in version.changes.all()] if job.kind == JobKind.RESOLVE else None
        worker = self._idle_worker(parent_run)
        worker.send("job", str(folder), job.kind, str(version.scenario_path), parent_run, changes)
        if parent_run:
            worker.holds(parent_run)
        self.running[job.pk] = worker
        record(
            job.created_by,
            "run.start",
            str(version),
            after={"job": job.pk, "kind": job.kind},
            plan_id=version.plan_id,
        )
        return True

    def _idle_worker(self, parent_run: str | None) -> Worker:
        """A worker with no job: one that holds the parent run if any, else the least recently warmed."""
        self.pool = [w for w in self.pool if w.process.is_alive()]
        busy = set(map(id, self.running.values()))
        idle = [w for w in self.pool if id(w) not in busy]
        if parent_run:
            holding = [w for w in idle if parent_run in w.warm]
            if holding:
                return holding[0]
        if len(self.pool) < self.workers:
            worker = Worker()
            self.pool.append(worker)
            return worker
        return idle[0]

    def _retire(self, worker: Worker) -> None:
        worker.kill()
        self.pool = [w for w in self.pool if w is not worker]

    def _follow(self, job_id: int, worker: Worker) -> None:
        job = Job.objects.select_related("version", "created_by").get(pk=job_id)
        try:
            code = worker.finished()
        except (EOFError, OSError):  # the worker died without answering
            code = None
        if code is None and worker.process.is_alive():
            if job.cancel_requested:
                del self.running[job_id]
                self._retire(worker)
                shutil.rmtree(job.folder, ignore_errors=True)
                _finish(job, JobStatus.CANCELLED, None, "cancelled while running")
                return
            p = _read_json(job.folder / "progress.json")
            if p and (p.get("progress") != job.progress or p.get("message") != job.message):
                Job.objects.filter(pk=job_id).update(progress=float(p["progress"]), message=str(p["message"]))
            return
        del self.running[job_id]
        result = _read_json(job.folder / "result.json") if code is not None else None
        out = job.folder / "out"
        if result is None:
            exit_code = worker.process.exitcode
            self._retire(worker)
            _finish(
                job,
                JobStatus.FAILED,
                exit_code,
                f"the run process ended without a result (exit code {exit_code})",
            )
        else:
            code = int(result["exit_code"])
            if out.is_dir():
                install_run(out, job.version.run_dir)
                # the plan's next edit starts from this run: read it now, on this worker
                worker.send("prefetch", str(job.version.run_dir))
                worker.holds(str(job.version.run_dir))
            _finish(job, JobStatus.DONE if code == 0 else JobStatus.FAILED, code, str(result["message"]))
        shutil.rmtree(job.folder, ignore_errors=True)

    # loops ---------------------------------------------------------------------------------
    def drain(self, timeout: float = 600.0, poll: float = 0.05) -> None:
        """Run until no job is queued or running (tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while self.tick():
            if time.monotonic() > deadline:
                raise TimeoutError("jobs still running after the timeout")
            time.sleep(poll)

    def run_forever(self, poll: float = 0.2) -> None:
        """The server's loop (in a thread); `stop` ends it and kills nothing.

        Between passes it sleeps until a worker ends, a job is queued (`wake`)
        or ``poll`` seconds pass (progress and cancellations are read then).
        """
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("job dispatcher pass failed")
            finally:
                close_old_connections()
            waitables = [x for w in self.running.values() for x in (w.conn, w.process.sentinel)]
            if waitables:
                wait(waitables, timeout=poll)
            else:
                WAKE.wait(poll)
            WAKE.clear()

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="terraquota-jobs", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
        WAKE.set()

    def shutdown(self) -> None:
        """Stop the loop and end this server's runs (marked failed: they can be started again)."""
        self.stop()
        with self._lock:
            self._end_all()

    def _end_all(self) -> None:
        for worker in self.pool:
            worker.kill()
        self.pool = []
        for job_id in list(self.running):
            del self.running[job_id]
            job = Job.objects.select_related("version", "created_by").get(pk=job_id)
            shutil.rmtree(job.folder, ignore_errors=True)
            _finish(
                job,
                JobStatus.FAILED,
                None,
                "the server stopped while this run was in progress; start the run again",
            )


def recover() -> int:
    """Mark jobs left running by a server that died as failed; the number marked.

    Plan data is untouched: a dead server's workers wrote only into their job
    folders, which are removed here.
    """
    stale = list(Job.objects.filter(status=JobStatus.RUNNING).select_related("version", "created_by"))
    for job in stale:
        _finish(
            job,
            JobStatus.FAILED,
            None,
            "the server stopped while this run was in progress; start the run again",
        )
        shutil.rmtree(job.folder, ignore_errors=True)
    _remove_leftovers()
    return len(stale)


def _remove_leftovers() -> None:
    """Folders a dead server left half-made: unpacked uploads, finished jobs' folders, swapped-out runs."""
    root = Path(settings.WORKSPACE_DIR)
    active = {str(pk) for pk in Job.objects.filter(status=JobStatus.QUEUED).values_list("pk", flat=True)}
    leftovers = list((root / "tmp").glob("*"))
    leftovers += [p for p in (root / "jobs").glob("*") if p.name not in active]
    leftovers += list((root / "plans").glob("*/v*/.run.old-*"))
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)
