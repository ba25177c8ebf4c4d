"""The worker side of a job: runs in its own process and writes only into the job's folder.

It reads the version's inputs, runs `workspace.engine`, and leaves in
``job_dir``: ``progress.json`` (updated as it goes), ``out/`` (the run folder)
and ``result.json`` (exit code and message). The dispatcher in the web process
moves ``out/`` into the version's folder; a worker orphaned by a dead server
can therefore never change a plan. No Django here: workers never touch the
database.
"""

from __future__ import annotations

import contextlib
import json
import os
import traceback
from multiprocessing.connection import Connection
from pathlib import Path

from scenarios.run.engine import run_engine
from workspace import engine

#: Set by ``terraquota serve --scheduler``: runs solve their blocks on that Dask cluster.
SCHEDULER_ENV = "TERRAQUOTA_DASK_SCHEDULER"


def _write_json(path: Path, data: dict[str, object]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def run_job(
    job_dir: str,
    kind: str,
    scenario_path: str,
    parent_run_dir: str | None,
    changes: list[dict[str, object]] | None = None,
) -> int:
    """Run one job into its folder; the run's exit code (0 solved, 2 bad input, 3, 4, 1 bug)."""
    folder = Path(job_dir)
    out = folder / "out"

    def progress(fraction: float, message: str) -> None:
        _write_json(folder / "progress.json", {"progress": fraction, "message": message})

    try:
        # with a Dask scheduler configured, the run's blocks and pieces are solved on its cluster
        with run_engine("local", os.environ.get(SCHEDULER_ENV) or None):
            code, message = _run(kind, scenario_path, parent_run_dir, changes, out, progress)
    except engine.EngineInputError as e:
        code = 2
        message = f"{len(e.problems)} input problem(s):\n" + "\n".join(
            f"  - {p.file}"
            + (f", row {p.row}" if p.row is not None else "")
            + (f", column '{p.column}'" if p.column else "")
            + f": {p.why}"
            for p in e.problems
        )
    except Exception as e:  # a bug: the message says so, the traceback stays in the job folder
        (folder / "traceback.txt").write_text(traceback.format_exc(), encoding="utf-8")
        code, message = 1, f"the run failed ({type(e).__name__}: {e})"
    _write_json(folder / "result.json", {"exit_code": code, "message": message})
    return code


def _run(
    kind: str,
    scenario_path: str,
    parent_run_dir: str | None,
    changes: list[dict[str, object]] | None,
    out: Path,
    progress: engine.Progress,
) -> tuple[int, str]:
    """The engine call a job kind stands for: quota re-split, re-solve of touched blocks, or a solve."""
    if kind == "resplit" and parent_run_dir:
        return engine.resplit_into(Path(scenario_path), Path(parent_run_dir), out, progress)
    if kind == "resolve" and parent_run_dir and changes:
        return engine.resolve_into(Path(parent_run_dir), Path(scenario_path), changes, out, progress)
    return engine.solve_into(Path(scenario_path), out, progress)


def serve(conn: Connection) -> None:
    """A long-lived worker: jobs come one at a time over ``conn``, each answered with its exit code.

    ``("job", *arguments of run_job)`` runs a job; ``("prefetch", run_dir)``
    reads a finished run ahead of the next edit (`engine.load_run` keeps it);
    the pipe's end stops the worker. Cancelling a job is killing its worker.
    """
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message[0] == "job":
            conn.send(("done", run_job(*message[1:])))
        elif message[0] == "prefetch":
            with contextlib.suppress(Exception):  # only a head start: the job reads it if this fails
                engine.load_run(Path(message[1]))
