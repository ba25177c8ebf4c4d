"""Workspace benchmark: a real server on the demo plan, timed as users feel it.

``python -m workspace.bench [--accounts N] [--users U] [--keep DIR]`` builds the
demo inputs in a temporary workspace, solves them (the baseline), starts the
server (waitress, the job dispatcher) on a free port and times, over HTTP:

- the plan page's data (version summary) and the map data (assignment.csv, and
  the pages' map.json when the pages app is installed),
- a quota-only edit until its job is done (after ``--think`` seconds, as a
  planner reads the plan first: the worker reads the run meanwhile),
- moving one account (a pin) until its job is done,
- U concurrent users reading the plan (p95 latency).

It prints one table (measure, seconds, target, ratio to target, CPU seconds);
nothing is asserted: targets are the workspace's goals, the ratios say how far
off. CPU seconds are those the server process and its job workers spent during
the measure (read from /proc; blank elsewhere): on a busy machine wall time
waits for cores, CPU time says what the work itself costs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

PASSWORD = "bench-password-1"


class Client:
    """Bearer-token HTTP calls to the server under test."""

    def __init__(self, base: str, token: str | None = None):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def json(self, method: str, path: str, body: Any = None) -> Any:
        status, raw = self.call(method, path, body)
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {raw[:300]!r}")
        return json.loads(raw)


def _ticks(pid: int) -> float | None:
    """CPU seconds (user + system) process ``pid`` has used, None when /proc cannot say."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds of this process and of the dispatcher's workers (they live on between jobs)."""

    def __init__(self, dispatcher: Any = None):
        self.dispatcher = dispatcher

    def _pids(self) -> list[int]:
        pool = getattr(self.dispatcher, "pool", [])
        return [os.getpid(), *(w.process.pid for w in pool if w.process.pid)]

    def snapshot(self) -> dict[int, float]:
        return {pid: t for pid in self._pids() if (t := _ticks(pid)) is not None}

    def since(self, before: dict[int, float]) -> float | None:
        """CPU seconds used since ``before`` (a worker started meanwhile counts from zero)."""
        now = self.snapshot()
        if os.getpid() not in now:
            return None
        return sum(t - before.get(pid, 0.0) for pid, t in now.items())


def _timed(
    fn: Callable[[], Any], repeat: int = 1, meter: CpuMeter | None = None
) -> tuple[float, float | None]:
    """The best of ``repeat`` wall-clock timings (seconds) and the CPU seconds of that run."""
    meter = meter or CpuMeter()
    best, cpu = float("inf"), None
    for _ in range(repeat):
        before = meter.snapshot()
        t0 = time.perf_counter()
        fn()
        wall = time.perf_counter() - t0
        if wall < best:
            best, cpu = wall, meter.since(before)
    return best, cpu


def _wait_job(client: Client, job: int, timeout: float = 1800) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = client.json("GET", f"/api/jobs/{job}")
        if state["status"] in ("done", "failed", "cancelled"):
            return state
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job} still {state['status']}")
        time.sleep(0.05)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(folder: Path, accounts: int, reps: int) -> tuple[str, Any]:
    """Configure Django for ``folder``, make users and the demo plan, serve on a free port."""
    from workspace.bootstrap import configure

    configure(folder)
    import waitress

    from workspace import engine
    from workspace.accounts.users import create_user
    from workspace.jobs.runner import Dispatcher
    from workspace.plans.services import create_plan_from_folder, staging_dir
    from workspace.wsgi import application

    planner = create_user("planner", PASSWORD, "planner")
    staging = staging_dir() / "bench-demo"
    staging.mkdir(parents=True)
    scenario_file = engine.write_demo(staging, accounts, reps)
    create_plan_from_folder(planner, staging, scenario_file, name="bench")
    dispatcher = Dispatcher()
    dispatcher.start_thread()
    port = _free_port()
    server = waitress.create_server(application, host="127.0.0.1", port=port, threads=16)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{port}", (server, dispatcher)


def _concurrent(client: Client, paths: list[str], users: int, per_user: int) -> list[float]:
    def one_user(_: int) -> list[float]:
        times = []
        for i in range(per_user):
            t0 = time.perf_counter()
            status, _ = client.call("GET", paths[i % len(paths)])
            if status != 200:
                raise RuntimeError(f"GET {paths[i % len(paths)]}: {status}")
            times.append(time.perf_counter() - t0)
        return times

    with ThreadPoolExecutor(users) as pool:
        return [t for ts in pool.map(one_user, range(users)) for t in ts]


#: one line of the table: measure, wall seconds, target (None: no target), CPU seconds (None: unknown)
Row = tuple[str, float, float | None, float | None]


def run(
    accounts: int, reps: int, users: int, per_user: int, keep: Path | None, think: float = 5.0
) -> list[Row]:
    folder = keep or Path(tempfile.mkdtemp(prefix="terraquota-bench-ws-"))
    rows: list[Row] = []
    try:
        base, (_server, dispatcher) = _start_server(folder, accounts, reps)
        meter = CpuMeter(dispatcher)
        anon = Client(base)
        token = anon.json("POST", "/api/token", {"username": "planner", "password": PASSWORD})["token"]
        c = Client(base, token)

        def solve() -> str:
            job = c.json("POST", "/api/plans/1/versions/1/run")["job"]
            return str(_wait_job(c, job)["status"])

        status: list[str] = []
        wall, cpu = _timed(lambda: status.append(solve()), meter=meter)
        rows.append((f"full solve, {accounts:,} accounts ({status[0]})", wall, None, cpu))
        summary = _timed(lambda: c.json("GET", "/api/plans/1/versions/1"), 5, meter)
        rows.append(("plan page data (version summary)", summary[0], 1.0, summary[1]))
        assignment = _timed(lambda: c.call("GET", "/api/plans/1/versions/1/files/assignment.csv"), 5, meter)
        rows.append(("map data (assignment.csv)", assignment[0], 1.0, assignment[1]))

        def edit(number: int, changes: list[dict[str, Any]]) -> Callable[[], None]:
            def go() -> None:
                made = c.json("POST", "/api/plans/1/changes", {"base_version": number, "changes": changes})
                done = _wait_job(c, made["job"])
                if done["status"] != "done":
                    raise RuntimeError(f"edit job {done}")

            return go

        time.sleep(think)  # a planner reads the plan before editing; meanwhile the worker reads the run
        quota = [{"type": "set", "key": "quota.target", "value": 130_000_000.0}]
        rows.append(
            ("quota-only edit, until solved", *_with_target(_timed(edit(1, quota), meter=meter), 1.0))
        )
        account = json.loads(c.call("GET", "/api/plans/1/versions/2/accounts")[1])[0]
        other = next(
            r["rep_id"]
            for r in c.json("GET", "/api/plans/1/versions/2/reps")
            if r["rep_id"] != account["rep_id"]
            and r.get("segment") == account.get("segment")
            and r.get("region") == account.get("region")
        )
        pin = [{"type": "pin", "account_id": account["account_id"], "rep_id": other}]
        time.sleep(think)
        rows.append(("move one account, until solved", *_with_target(_timed(edit(2, pin), meter=meter), 3.0)))

        paths = ["/api/plans", "/api/plans/1/versions/3", "/api/plans/1/comments"]
        before = meter.snapshot()
        latencies = _concurrent(c, paths, users, per_user)
        p95 = statistics.quantiles(latencies, n=20)[-1]
        rows.append(
            (f"{users} concurrent users, p95 of {len(latencies)} reads", p95, 1.0, meter.since(before))
        )
        dispatcher.shutdown()  # the server's threads end with the process
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return rows


def _with_target(timed: tuple[float, float | None], target: float) -> tuple[float, float, float | None]:
    return timed[0], target, timed[1]


def table(rows: list[Row]) -> str:
    """The measures, their targets and ratios, and the CPU seconds spent (all reads, for the users line)."""
    width = max(len(r[0]) for r in rows)
    out = [f"{'measure':<{width}}  {'seconds':>9}  {'target':>7}  {'ratio':>6}  {'cpu s':>8}"]
    for name, seconds, target, cpu in rows:
        ratio = f"{seconds / target:6.2f}" if target else "     -"
        tgt = f"{target:7.1f}" if target else "      -"
        used = f"{cpu:8.3f}" if cpu is not None else "       -"
        out.append(f"{name:<{width}}  {seconds:9.3f}  {tgt}  {ratio}  {used}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workspace.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=150)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--per-user", type=int, default=10)
    parser.add_argument("--think", type=float, default=5.0, help="seconds between edits (not timed)")
    parser.add_argument(
        "--keep", type=Path, default=None, help="workspace folder to keep (default: temporary)"
    )
    args = parser.parse_args(argv)
    rows = run(args.accounts, args.reps, args.users, args.per_user, args.keep, args.think)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
