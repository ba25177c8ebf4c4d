"""The workspace tests again, on PostgreSQL, when a server is reachable.

The URL comes from TERRAQUOTA_TEST_PG_URL, else postgresql://postgres@localhost
is tried (with and without the password 'postgres'); the test skips naming
what is missing. Django settings are per process, so the other workspace
test modules run in a child pytest with TERRAQUOTA_TEST_DB set.
"""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.tests_paths import REPO

CANDIDATES = (
    "postgresql://postgres@localhost/terraquota",
    "postgresql://postgres:postgres@localhost/terraquota",
)


def _reachable(url: str) -> str | None:
    """None when we can log in to the server's maintenance database, else why not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    parts = urlsplit(url)
    try:
        with psycopg.connect(
            host=parts.hostname or "localhost",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname="postgres",
            connect_timeout=3,
        ):
            return None
    except psycopg.Error as e:
        return str(e).splitlines()[0] if str(e) else type(e).__name__


def _url() -> str:
    given = os.environ.get("TERRAQUOTA_TEST_PG_URL")
    reasons = []
    for url in [given] if given else CANDIDATES:
        why = _reachable(url)
        if why is None:
            return url
        reasons.append(f"{urlsplit(url)._replace(netloc=urlsplit(url).hostname or '').geturl()}: {why}")
    pytest.skip("no PostgreSQL server reachable (set TERRAQUOTA_TEST_PG_URL): " + "; ".join(reasons))


@pytest.mark.skipif(os.environ.get("TERRAQUOTA_TEST_DB") is not None, reason="already the PostgreSQL run")
def test_workspace_tests_pass_on_postgresql() -> None:
    url = _url()
    # a database name of our own: several test sessions may share one server
    url = url.rsplit("/", 1)[0] + f"/terraquota_{os.getpid()}"
    here = REPO / "tests" / "workspace"
    modules = sorted(
        str(p.relative_to(REPO)) for p in here.glob("test_*.py") if p.name != "test_postgresql.py"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *modules],
        cwd=REPO,
        env={**os.environ, "TERRAQUOTA_TEST_DB": url},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
