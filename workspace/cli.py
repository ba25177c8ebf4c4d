"""`terraquota serve` and `terraquota user add`, added to the terraquota command by `register`.

The terraquota typer app finds this through the entry point group
``terraquota.commands`` (``workspace = "workspace.cli:register"``); the
scenarios package never imports the workspace.
"""

from __future__ import annotations

import getpass
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

log = logging.getLogger(__name__)

WorkspaceOpt = Annotated[Path, typer.Option("--workspace", help="Workspace folder")]
DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default: SQLite in the folder)")]


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _configure(workspace: Path, db: str | None, host: str | None = None) -> None:
    from workspace.bootstrap import configure
    from workspace.dburl import DatabaseURLError, describe

    try:
        configure(workspace, db, host)
    except DatabaseURLError as e:
        _err(f"--db: {e}")
        raise typer.Exit(2) from None
    except Exception as e:  # no server, wrong password, ...: say which database, never the password
        url = db or os.environ.get("TERRAQUOTA_DB")
        _err(
            f"cannot open the database {describe(url) if url else '(SQLite in ' + str(workspace) + ')'}: "
            f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        )
        raise typer.Exit(2) from None


def first_start(demo: bool, demo_accounts: int, demo_reps: int) -> None:
    """On an empty workspace: the admin (password printed once) and the demo plan, queued to solve."""
    from django.contrib.auth import get_user_model

    from workspace import engine
    from workspace.accounts.users import create_user, one_time_password
    from workspace.plans.models import Plan
    from workspace.plans.services import create_plan_from_folder, queue_job, staging_dir

    if not get_user_model().objects.exists():
        password = one_time_password()
        create_user("admin", password, "admin", check_password=False)
        # printed once, to the terminal only: never logged, never stored in clear
        typer.echo(f"first start: created user 'admin' with the one-time password {password}")
        typer.echo("keep it now: it is not shown again (`terraquota user add` creates more users)")
    if demo and not Plan.objects.exists():
        admin = get_user_model().objects.filter(profile__role="admin").order_by("id").first()
        typer.echo(f"first start: building the demo plan ({demo_accounts:,} accounts, {demo_reps} reps)")
        staging_dir().mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="demo-", dir=staging_dir()))
        try:
            scenario_file = engine.write_demo(folder, demo_accounts, demo_reps)
            plan = create_plan_from_folder(admin, folder, scenario_file, name="Demo: FY27 baseline")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        job = queue_job(plan.latest(), admin)
        typer.echo(f"first start: demo plan {plan.pk} created; job {job.pk} solves it in the background")


def serve(
    workspace: WorkspaceOpt = Path("terraquota-workspace"),
    db: DbOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on")] = 8000,
    no_demo: Annotated[
        bool, typer.Option("--no-demo", help="Skip loading the demo plan on first start")
    ] = False,
    demo_accounts: Annotated[int, typer.Option("--demo-accounts", hidden=True)] = 20_000,
    demo_reps: Annotated[int, typer.Option("--demo-reps", hidden=True)] = 150,
    threads: Annotated[int, typer.Option("--threads", help="Web server threads")] = 8,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Dask scheduler address (tcp://host:8786): runs solve their blocks on that cluster",
        ),
    ] = None,
) -> None:
    """Start the planning workspace (web pages and JSON API) on HOST:PORT."""
    if scheduler:
        from workspace.jobs.worker import SCHEDULER_ENV

        # job workers are started by this process and inherit the address (see workspace.jobs.worker)
        os.environ[SCHEDULER_ENV] = scheduler
    _configure(workspace, db, host)
    import waitress

    from workspace.jobs.runner import Dispatcher, recover
    from workspace.wsgi import application

    failed = recover()
    if failed:
        typer.echo(f"{failed} run(s) left unfinished by the previous server were marked failed")
    first_start(not no_demo, demo_accounts, demo_reps)
    dispatcher = Dispatcher()
    dispatcher.start_thread()
    typer.echo(f"terraquota workspace on http://{host}:{port}/ (folder {Path(workspace).resolve()})")
    try:
        waitress.serve(application, host=host, port=port, threads=threads, ident="terraquota")
    finally:
        dispatcher.shutdown()


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            _err("the passwords differ")
            raise typer.Exit(2)
        return first
    return sys.stdin.readline().rstrip("\r\n")


def user_add(
    name: Annotated[str, typer.Argument(help="User name")],
    role: Annotated[str, typer.Option("--role", help="admin, planner, finance, manager or viewer")],
    manager_id: Annotated[
        str | None, typer.Option("--manager-id", help="A manager's id in reps.manager_id")
    ] = None,
    workspace: WorkspaceOpt = Path("terraquota-workspace"),
    db: DbOpt = None,
) -> None:
    """Create a workspace user; the password is read from stdin."""
    password = _read_password()
    _configure(workspace, db)
    from workspace.accounts.users import UserError, create_user

    try:
        create_user(name, password, role, manager_id=manager_id or "")
    except UserError as e:
        _err(str(e))
        raise typer.Exit(2) from None
    typer.echo(f"created {role} {name!r}")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``user add`` to the terraquota command."""
    app.command("serve")(serve)
    users = typer.Typer(help="Workspace users.", no_args_is_help=True)
    users.command("add")(user_add)
    app.add_typer(users, name="user")
