"""A live workspace for browser tests: `terraquota serve` on a free port with a small demo plan.

The server runs as the product runs (its own process, waitress, the job
dispatcher, a file SQLite database in a temporary workspace), so the test
database of the other workspace tests is never shared across threads.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "browser-test-password"
USERS = (("admin", "admin"), ("planner", "planner"), ("finance", "finance"), ("viewer", "viewer"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS_COPY = os.environ.get("TERRAQUOTA_SHOTS_DIR", "")


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no headless Chromium on PATH")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str, stdin: str = "") -> None:
    subprocess.run(
        [sys.executable, "-m", "workspace", *args],
        input=stdin,
        text=True,
        check=True,
        capture_output=True,
        timeout=120,
        env=_env(),
    )


def _env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[3])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    for key in ("TERRAQUOTA_WORKSPACE", "TERRAQUOTA_DB", "DJANGO_SETTINGS_MODULE"):
        env.pop(key, None)
    return env


@dataclass(frozen=True)
class Live:
    url: str
    folder: Path  # the server's workspace folder (plans' files live under plans/)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A running workspace whose demo plan (2,000 accounts) is being solved."""
    pytest.importorskip("django")
    folder = tmp_path_factory.mktemp("browser-workspace")
    for name, role in USERS:
        _cli("user", "add", name, "--role", role, "--workspace", str(folder), stdin=PASSWORD + "\n")
    port = _free_port()
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workspace",
            "serve",
            "--workspace",
            str(folder),
            "--port",
            str(port),
            "--demo-accounts",
            "2000",
            "--demo-reps",
            "30",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=_env(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(base + "/api/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the workspace did not start:\n" + (folder / "server.log").read_text())
            time.sleep(0.3)
        yield Live(base, folder)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    path = chromium_path()
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Shots:
    """Screenshots of each page, under the test's temporary folder (and a copy folder if set)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.taken: list[Path] = []

    def take(self, page: Any, name: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        if SHOTS_COPY:
            Path(SHOTS_COPY).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(SHOTS_COPY) / path.name)
        return path


@pytest.fixture
def shots(tmp_path: Path) -> Shots:
    return Shots(tmp_path)
