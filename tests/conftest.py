"""Shared test fixtures: the repository's tiny instance and the project's shared data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tests_paths import TINY, require_shared


@pytest.fixture
def shared_data() -> Path:
    """The shared data folder, or a clean skip naming it (fresh clones lack it)."""
    return require_shared()


@pytest.fixture
def tiny_dir() -> Path:
    return TINY
