"""Django for the workspace tests: one test database per session, one rollback per test.

The database is SQLite unless TERRAQUOTA_TEST_DB names another
(tests/workspace/test_postgresql.py reruns this folder on PostgreSQL that way).
Each test gets its own workspace folder, so plan and job files never mix.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.tests_paths import TINY

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session")
def django_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Set Django up once (settings read the environment at import)."""
    root = tmp_path_factory.mktemp("workspace-session")
    os.environ.setdefault("TERRAQUOTA_WORKSPACE", str(root))
    if os.environ.get("TERRAQUOTA_TEST_DB"):
        os.environ["TERRAQUOTA_DB"] = os.environ["TERRAQUOTA_TEST_DB"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workspace.settings")
    import django
    from django.test.utils import (
        override_settings,
        setup_databases,
        setup_test_environment,
        teardown_databases,
    )

    django.setup()
    # settings are read: child processes (CLI tests) must not inherit the test database
    if os.environ.get("TERRAQUOTA_TEST_DB"):
        del os.environ["TERRAQUOTA_DB"]
    setup_test_environment()
    # a fast hasher: the real one is slow on purpose, and tests create many users
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    fast.enable()
    config = setup_databases(verbosity=0, interactive=False)
    yield
    teardown_databases(config, verbosity=0)
    fast.disable()


@pytest.fixture
def db(django_env: None, tmp_path: Path) -> Iterator[Path]:
    """A clean database (rolled back after the test) and a fresh workspace folder; the folder."""
    from django.db import transaction
    from django.test.utils import override_settings

    folder = tmp_path / "ws"
    folder.mkdir()
    with override_settings(WORKSPACE_DIR=folder):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield folder
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


class Api:
    """The Django test client with a bearer token and JSON bodies."""

    def __init__(self, token: str | None):
        from django.test import Client

        self.client = Client()
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self._headers(), **kw)

    def post(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self.client.post(
            path,
            json.dumps(data if data is not None else {}),
            content_type="application/json",
            headers=self._headers(),
            **kw,
        )

    def upload(self, path: str, payload: bytes, name: str = "plan.zip") -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(path, {"file": SimpleUploadedFile(name, payload)}, headers=self._headers())

    def method(self, method: str, path: str) -> Any:
        return self.client.generic(
            method, path, b"{}", content_type="application/json", headers=self._headers()
        )


#: the users every test can use: role, manager_id (tiny: M1 manages R1 and R2, M2 manages R3 and R4)
USERS = {
    "admin": ("admin", ""),
    "planner": ("planner", ""),
    "finance": ("finance", ""),
    "viewer": ("viewer", ""),
    "manager1": ("manager", "M1"),
    "manager2": ("manager", "M2"),
}


@pytest.fixture
def users(db: Path) -> dict[str, Any]:
    from workspace.accounts.users import create_user

    return {name: create_user(name, PASSWORD, role, manager_id=mid) for name, (role, mid) in USERS.items()}


@pytest.fixture
def api(users: dict[str, Any]) -> dict[str, Api]:
    """A token-holding client per user (tokens issued directly; /api/token has its own tests)."""
    from workspace.accounts.models import ApiToken

    return {name: Api(ApiToken.issue(user)) for name, user in users.items()}


def zip_folder(folder: Path, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(folder).as_posix())
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.fixture(scope="session")
def tiny_zip() -> bytes:
    return zip_folder(TINY)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario solved once per session (what a job would install)."""
    from workspace import engine

    out = tmp_path_factory.mktemp("tiny-run") / "run"
    code, _ = engine.solve_into(TINY / "scenario.toml", out)
    assert code == 0
    return out


@pytest.fixture(scope="session")
def tiny_checked(tmp_path_factory: pytest.TempPathFactory) -> bool:
    """The tiny folder passes the upload checks (once per session; each plan is a copy of it)."""
    from workspace.plans.uploads import check_scenario_folder

    copy = tmp_path_factory.mktemp("tiny-check") / "tiny"
    shutil.copytree(TINY, copy)
    check_scenario_folder(copy)
    return True


@pytest.fixture
def plan(users: dict[str, Any], tiny_run: Path, tiny_checked: bool) -> Any:
    """Plan 'tiny', version 1 solved (the session's run copied in, as a finished job leaves it)."""
    from workspace.plans import services

    folder = Path(str(users["planner"].pk))  # any name: moved into the plan
    staging = services.staging_dir() / f"copy-{folder}"
    shutil.copytree(TINY, staging)
    plan = services.create_plan_from_folder(users["planner"], staging, checked=tiny_checked)
    shutil.copytree(tiny_run, plan.latest().run_dir)
    return plan


@pytest.fixture
def dispatcher(db: Path) -> Iterator[Any]:
    """Runs jobs in worker processes; `drain()` waits for them."""
    from workspace.jobs.runner import Dispatcher

    d = Dispatcher(workers=2)
    yield d
    d._end_all()
