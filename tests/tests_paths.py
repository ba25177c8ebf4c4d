"""Paths the tests share, and the one place that finds the project's shared data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TESTS_DATA = REPO / "tests" / "data"
TINY = TESTS_DATA / "tiny"
SHARED_DATA_ENV = "TERRAQUOTA_SHARED_DATA"
SHARED_DATA = Path(os.environ.get(SHARED_DATA_ENV) or REPO / ".." / "shared" / "data").resolve()


def require_shared(*parts: str) -> Path:
    """A path inside the shared data folder, or a clean skip naming what is missing.

    The folder is `$TERRAQUOTA_SHARED_DATA`, else ``../shared/data`` beside the
    repository; fresh clones of the repository alone do not have it.
    """
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        where = f"${SHARED_DATA_ENV}" if os.environ.get(SHARED_DATA_ENV) else "../shared/data"
        pytest.skip(f"missing {path} (the project's shared data folder, {where})")
    return path
