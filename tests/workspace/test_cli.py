"""`serve` and `user add` registered on a typer app; first start; database URLs."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.tests_paths import REPO


def _app() -> typer.Typer:
    from workspace.cli import register

    app = typer.Typer()

    @app.command()
    def version() -> None:  # a second command, so typer keeps subcommand names
        """(placeholder for the rest of terraquota)"""

    register(app)
    return app


def test_register_adds_serve_and_user_add() -> None:
    result = CliRunner().invoke(_app(), ["--help"])
    assert result.exit_code == 0
    assert "serve" in result.output and "user" in result.output
    serve_help = CliRunner().invoke(_app(), ["serve", "--help"]).output
    for option in ("--workspace", "--db", "--host", "--port", "--no-demo"):
        assert option in serve_help
    add_help = CliRunner().invoke(_app(), ["user", "add", "--help"]).output
    for option in ("--role", "--manager-id", "--workspace", "--db"):
        assert option in add_help


def test_user_add_reads_the_password_from_stdin(tmp_path: Path) -> None:
    """In a fresh process: the command configures Django for its own workspace folder."""
    folder = tmp_path / "ws"
    cmd = [
        sys.executable,
        "-m",
        "workspace",
        "user",
        "add",
        "carol",
        "--role",
        "manager",
        "--manager-id",
        "M1",
        "--workspace",
        str(folder),
    ]
    done = subprocess.run(cmd, input="s3cret-password\n", capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert "s3cret-password" not in done.stdout + done.stderr
    again = subprocess.run(cmd, input="s3cret-password\n", capture_output=True, text=True, cwd=REPO)
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = subprocess.run(
        [*cmd[:5], "dave", "--role", "boss", "--workspace", str(folder)],
        input="pw-long-enough\n",
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert bad.returncode == 2 and "unknown role" in bad.stderr
    assert (folder / "workspace.sqlite3").is_file()


def test_bad_database_url_exits_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "workspace",
            "user",
            "add",
            "x",
            "--role",
            "viewer",
            "--workspace",
            str(tmp_path),
            "--db",
            "mysql://u:topsecret@h/db",
        ],
        input="password-123\n",
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 2 and "scheme" in done.stderr and "topsecret" not in done.stderr


def test_first_start_creates_admin_once_and_queues_the_demo(db: Path, caplog, capsys) -> None:
    from django.contrib.auth import authenticate

    from workspace.cli import first_start
    from workspace.jobs.models import Job
    from workspace.plans.models import Plan

    with caplog.at_level(logging.DEBUG):
        first_start(True, 300, 18)
    out = capsys.readouterr().out
    password = re.search(r"one-time password (\S+)", out).group(1)
    assert password not in caplog.text
    assert authenticate(username="admin", password=password) is not None
    plan = Plan.objects.get()
    assert plan.latest().inputs_dir.joinpath("scenario.toml").is_file()
    assert Job.objects.get().status == "queued"
    # a second start changes nothing and prints no password
    first_start(True, 300, 18)
    assert "password" not in capsys.readouterr().out
    assert Plan.objects.count() == 1 and Job.objects.count() == 1


def test_no_demo_skips_the_plan(db: Path) -> None:
    from workspace.cli import first_start
    from workspace.plans.models import Plan

    first_start(False, 300, 18)
    assert not Plan.objects.exists()


@pytest.mark.parametrize(
    ("url", "engine", "name"),
    [
        ("sqlite:///rel/db.sqlite3", "sqlite3", str(Path("rel/db.sqlite3").resolve())),
        ("sqlite:////abs/db.sqlite3", "sqlite3", "/abs/db.sqlite3"),
        ("postgresql://u:p%40ss@db.example:5433/plans", "postgresql", "plans"),
    ],
)
def test_database_urls(url: str, engine: str, name: str) -> None:
    from workspace.dburl import database_settings, describe

    s = database_settings(url)
    assert s["ENGINE"].endswith(engine) and s["NAME"] == name
    if engine == "postgresql":
        assert (s["USER"], s["PASSWORD"], s["HOST"], s["PORT"]) == ("u", "p@ss", "db.example", "5433")
        assert "p%40ss" not in describe(url)


def test_serve_answers_health_over_http(tmp_path: Path) -> None:
    """The real server: start, answer, stop (the folder gets its admin; no demo)."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workspace",
            "serve",
            "--workspace",
            str(tmp_path / "ws"),
            "--port",
            str(port),
            "--no-demo",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                    assert r.status == 200 and r.read() == b'{"status": "ok"}'
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.2)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "one-time password" in out
    assert (tmp_path / "ws" / "secret_key").is_file()
