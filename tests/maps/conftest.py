"""Import set-up for the map tests.

tests/conftest.py puts tests/ on sys.path, where the folder tests/maps would
stand in for the real ``maps`` package as an empty namespace package (the
editable install's finder comes after the path finder). So the real package
is imported here first, with tests/ hidden, and this folder is put on
sys.path for the helper module ``maps_synthetic``.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
_TESTS = _HERE.parent


def _import_real_package(name: str) -> None:
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__file__", None):
        return
    for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
        del sys.modules[key]
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _TESTS]
    try:
        importlib.import_module(name)
    finally:
        sys.path[:] = saved


_import_real_package("maps")
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))


_FRESH = """
import json, sys
sys.path.insert(0, sys.argv[1])
from maps_synthetic import synthetic_run
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
        [sys.executable, "-c", _FRESH, str(_HERE)],
        cwd=_TESTS.parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])
