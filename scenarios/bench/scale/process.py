"""The parent side of the ladder: run one rung in a subprocess and watch its time and memory.

A rung is stopped at `STOP_FACTOR` x its time limit or when its RSS passes the
memory cap; the child's stack is dumped first so the row says where it was.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scenarios.bench.scale.sizes import ScaleSize

__all__ = ["MEMORY_SHARE", "STOP_FACTOR", "mem_available_mb", "run_size", "stopped_at"]

#: A size is stopped at this multiple of its time limit (wall clock, generation included).
STOP_FACTOR = 2.0
#: Seconds a size on Dask may take on top, to start its local cluster (before the solve's clock).
DASK_START_SECONDS = 60.0
#: Never let a child use more than this share of the memory available at start.
MEMORY_SHARE = 0.75
POLL_SECONDS = 0.2
#: Time the child gets to dump its stack (SIGUSR1) before it is killed.
STACK_WAIT_SECONDS = 1.0


def mem_available_mb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("inf")


def _vm_kb(pid: int, field: str) -> float:
    """A ``/proc/<pid>/status`` field in kB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return 0.0


def stopped_at(log_text: str, depth: int = 4) -> str:
    """The innermost terraquota frames of the last faulthandler dump in a child's log.

    faulthandler prints the most recent call first, as
    ``File "<path>", line N in <function>``; the first frames inside the
    project's packages say where a stopped size spent its last moment.
    """
    dumps = log_text.split("Current thread")
    if len(dumps) < 2:
        dumps = log_text.split("Thread 0x")
    if len(dumps) < 2:
        return ""
    frames = []
    for line in dumps[-1].splitlines():
        line = line.strip()
        if not line.startswith("File "):
            continue
        path, _, rest = line[len("File ") :].partition(", line ")
        path = path.strip('"')
        if "/site-packages/" in path or not any(f"/{pkg}/" in path for pkg in ("solver", "scenarios")):
            continue
        number, _, func = rest.partition(" in ")
        frames.append(f"{Path(path).parent.name}/{Path(path).name}:{number} {func}")
    return " <- ".join(frames[:depth])


def run_size(
    size: ScaleSize,
    time_limit: float,
    *,
    memory_cap_mb: float,
    profile_path: Path | None = None,
    rule_set: str = "every",
    dask_workers: int | None = None,
) -> dict[str, object]:
    """Run one size in a fresh subprocess; stop it at `STOP_FACTOR` x time or at the memory cap.

    Returns the row (status ``stopped:time`` / ``stopped:memory`` / ``crashed``
    when the child gave no result) with the child's own peak RSS.
    """
    repo = Path(__file__).resolve().parents[3]  # the checkout holding scenarios/
    with tempfile.TemporaryDirectory(prefix="tq-scale-") as tmp:
        result_file = Path(tmp) / "row.json"
        log_file = Path(tmp) / "child.log"
        cmd = [
            sys.executable,
            "-m",
            "scenarios.bench.scale",
            "--child",
            size.name,
            "--time-limit",
            repr(time_limit),
            "--result",
            str(result_file),
            "--rules",
            rule_set,
            "--generator",
            size.generator,
        ]
        if profile_path is not None:
            cmd += ["--profile-file", str(profile_path)]
        if dask_workers is not None:
            cmd += ["--dask-workers", str(dask_workers)]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(repo), env.get("PYTHONPATH", "")) if p)
        t0 = time.perf_counter()
        stop_after = STOP_FACTOR * time_limit + (DASK_START_SECONDS if dask_workers else 0.0)
        with open(log_file, "wb") as log:
            proc = subprocess.Popen(cmd, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=log)
            stop_reason, peak_kb, rusage, status = None, 0.0, None, 0
            while True:
                pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
                if pid == proc.pid:
                    break
                peak_kb = max(peak_kb, _vm_kb(proc.pid, "VmHWM"))
                if stop_reason is None:
                    if time.perf_counter() - t0 > stop_after:
                        stop_reason = "stopped:time"
                    elif _vm_kb(proc.pid, "VmRSS") / 1024.0 > memory_cap_mb:
                        stop_reason = "stopped:memory"
                    if stop_reason is not None:
                        os.kill(proc.pid, signal.SIGUSR1)
                        time.sleep(STACK_WAIT_SECONDS)
                        os.kill(proc.pid, signal.SIGKILL)
                time.sleep(POLL_SECONDS)
            proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        # ru_maxrss is in kB on Linux: the child's own high-water mark
        peak_mb = max(float(rusage.ru_maxrss), peak_kb) / 1024.0 if rusage else peak_kb / 1024.0
        if stop_reason is None and proc.returncode == 0 and result_file.is_file():
            row = json.loads(result_file.read_text(encoding="utf-8"))
        else:
            log_text = log_file.read_text(encoding="utf-8", errors="replace")
            where = stopped_at(log_text)
            tail = log_text.strip().splitlines()[-3:]
            row = {
                "status": stop_reason or f"crashed({proc.returncode})",
                "seconds": wall,
                "generate_seconds": float("nan"),
                "objective": float("nan"),
                "bound": float("nan"),
                "gap": float("nan"),
                "worst_balance_dev": float("nan"),
                "moved_share": float("nan"),
                "explanation": f"stopped in {where}" if where else " | ".join(tail),
                "blocks": [],
            }
    # with Dask the workers are processes of their own: their peaks add to the run's
    peak_mb += float(row.get("workers_peak_rss_mb", 0.0))  # type: ignore[arg-type]
    row.update(
        {
            "engine": f"dask x {dask_workers}" if dask_workers else "local",
            "size": size.label,
            "accounts": size.accounts,
            "reps": size.reps,
            "peak_rss_mb": peak_mb,
            # CPU the child got (user + system, imports included): on a busy machine
            # far below its wall time, which the time limits are measured in
            "cpu_seconds": float(rusage.ru_utime + rusage.ru_stime) if rusage else float("nan"),
            "time_limit": time_limit,
            "wall_seconds": wall,
        }
    )
    return row
