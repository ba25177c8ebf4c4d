"""Concurrent edits against a real server: of two edits of the same base, exactly one wins."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from tests.tests_paths import REPO
from tests.workspace.conftest import PASSWORD

_BOUNDARY = "terraquota-test-boundary"


def _call(base: str, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, dict]:
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _multipart(payload: bytes) -> bytes:
    return (
        (
            f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="plan.zip"\r\n'
            "Content-Type: application/zip\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{_BOUNDARY}--\r\n".encode()
    )


@contextlib.contextmanager
def _server_database() -> Iterator[list[str]]:
    """``--db`` for the server: its own PostgreSQL database in the PostgreSQL run, else SQLite in its folder.

    Not the session's test database: the server commits, and the other tests expect it empty.
    """
    url = os.environ.get("TERRAQUOTA_TEST_DB")
    if not url:
        yield []
        return
    import psycopg

    parts = urlsplit(url)
    name = f"terraquota_race_{os.getpid()}"
    admin = {
        "host": parts.hostname or "localhost",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password or None,
        "dbname": "postgres",
    }
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield ["--db", url.rsplit("/", 1)[0] + "/" + name]
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_two_simultaneous_edits_of_one_base_one_wins_one_gets_409(tmp_path: Path, tiny_zip: bytes) -> None:
    with _server_database() as db:
        _race(tmp_path / "ws", tiny_zip, db)


def _race(folder: Path, tiny_zip: bytes, db: list[str]) -> None:
    add = [
        sys.executable,
        "-m",
        "workspace",
        "user",
        "add",
        "pat",
        "--role",
        "planner",
        "--workspace",
        str(folder),
        *db,
    ]
    subprocess.run(add, input=PASSWORD + "\n", text=True, check=True, capture_output=True, cwd=REPO)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workspace",
            "serve",
            "--workspace",
            str(folder),
            "--port",
            str(port),
            "--no-demo",
            *db,
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _call(base, "GET", "/api/health", None, {})
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        _, tok = _call(
            base,
            "POST",
            "/api/token",
            json.dumps({"username": "pat", "password": PASSWORD}).encode(),
            {"Content-Type": "application/json"},
        )
        auth = {"Authorization": f"Bearer {tok['token']}"}
        status, made = _call(
            base,
            "POST",
            "/api/plans",
            _multipart(tiny_zip),
            {**auth, "Content-Type": f"multipart/form-data; boundary={_BOUNDARY}"},
        )
        assert status == 201, made
        pid = made["id"]

        def edit(account: str) -> tuple[int, dict]:
            body = {"base_version": 1, "changes": [{"type": "pin", "account_id": account, "rep_id": "R2"}]}
            return _call(
                base,
                "POST",
                f"/api/plans/{pid}/changes",
                json.dumps(body).encode(),
                {**auth, "Content-Type": "application/json"},
            )

        for _ in range(3):  # a few rounds: the race is real, the answer must not depend on who wins
            with ThreadPoolExecutor(2) as pool:
                answers = list(pool.map(edit, ["A01", "A02"]))
            assert sorted(status for status, _ in answers) == [201, 409], answers
            _, plans = _call(base, "GET", "/api/plans", None, auth)
            latest = plans[0]["latest_version"]
            assert latest == 2
            # the losing edit left nothing behind
            assert not (folder / "plans" / str(pid) / "v3").exists()
            # next round starts from a fresh plan
            status, made = _call(
                base,
                "POST",
                "/api/plans",
                _multipart(tiny_zip),
                {**auth, "Content-Type": f"multipart/form-data; boundary={_BOUNDARY}"},
            )
            pid = made["id"]
    finally:
        server.terminate()
        server.wait(timeout=30)
