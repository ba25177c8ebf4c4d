"""Shared test helpers: where the repository's and the project's shared data live."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tests_paths import SHARED_DATA, TINY


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or a clean skip naming the missing folder (fresh clones lack it)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"missing {SHARED_DATA} (the project's shared data folder)")
    return SHARED_DATA


@pytest.fixture
def tiny_dir() -> Path:
    return TINY
