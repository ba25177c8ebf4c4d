"""Reading a version's scenario without running it: checks, table paths, the ``extends`` chain.

These are the cheap questions the web app asks before (or instead of) a run;
they live apart from running so that a page can ask them without loading the
solver (`warm_up` is how a worker loads it ahead of time).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from solver.errors import InputError
from workspace.engine.problems import EngineInputError, Problem, located_problems

__all__ = ["data_paths", "extends_chain", "load_scenario_file", "validate", "warm_up"]


def load_scenario_file(scenario_path: Path) -> Any:
    from scenarios.run import load_scenario

    return load_scenario(scenario_path)


def validate(inputs_dir: Path, scenario_file: str) -> list[Problem]:
    """Every problem `terraquota validate` would print for this scenario (empty = valid)."""
    from scenarios.run import prepare

    try:
        prepare(load_scenario_file(inputs_dir / scenario_file))
    except InputError as e:
        return located_problems(e, inputs_dir)
    return []


def data_paths(inputs_dir: Path, scenario_file: str) -> dict[str, Path]:
    """The scenario's resolved table paths (``[data]``, ``assignment.forbid``; ``extends`` followed)."""
    from scenarios.run import merged_document

    try:
        doc = merged_document(inputs_dir / scenario_file)
    except InputError as e:
        raise EngineInputError(located_problems(e, inputs_dir)) from None
    paths = {k: Path(v) for k, v in doc.get("data", {}).items() if isinstance(v, str)}
    forbid = doc.get("assignment", {}).get("forbid")
    if isinstance(forbid, str):
        paths["assignment.forbid"] = Path(forbid)
    return paths


def extends_chain(inputs_dir: Path, scenario_file: str) -> list[Path]:
    """The scenario file and every file it extends, resolved, without reading tables."""
    chain: list[Path] = []
    path = (inputs_dir / scenario_file).resolve()
    while path not in chain and path.is_file():
        chain.append(path)
        try:
            parent = tomllib.loads(path.read_text(encoding="utf-8")).get("extends")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            break
        if not isinstance(parent, str):
            break
        path = (path.parent / parent).resolve()
    else:
        if path not in chain:
            chain.append(path)  # a missing file: the caller checks where it points
    return chain


def warm_up() -> None:
    """Import the library's heavy modules now (worker processes are forked from a warm parent)."""
    import importlib

    for name in ("scenarios.cli.summaries", "scenarios.run", "scenarios.run.resolve", "solver.assignment"):
        importlib.import_module(name)
    # the geocoder's reference tables (cached per process): about a second each run otherwise
    from solver.inputs import geocode

    geocode._cities()
    geocode._zips()
