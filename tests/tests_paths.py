"""Paths the tests share (importable: tests/ is on sys.path via conftest)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TESTS_DATA = REPO / "tests" / "data"
TINY = TESTS_DATA / "tiny"
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()
