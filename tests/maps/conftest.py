"""Shared fixtures of the map tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.tests_paths import REPO

_FRESH = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.maps.maps_synthetic import synthetic_run
from maps import territory_map_png
from maps.palette import rep_colour_indices
a, r = synthetic_run(60)
territory_map_png(a, r, title="t", dpi=30)
print(json.dumps({
    "colours": rep_colour_indices([f"R{i}" for i in range(60)], ["b"] * 60).tolist(),
    "pyplot_loaded": "matplotlib.pyplot" in sys.modules,
}))
"""


@pytest.fixture(scope="session")
def fresh_process() -> dict:
    """Facts from one render in a new interpreter with another hash seed."""
    env = {**os.environ, "PYTHONHASHSEED": "987"}
    out = subprocess.run(
        [sys.executable, "-c", _FRESH, str(REPO)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])
