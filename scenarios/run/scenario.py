"""Scenario files: TOML with ``extends``, validated into typed parameters.

A scenario names its input tables (paths relative to the file that declares
them), the plan year, segmentation, regions, scoring, assignment rules and the
quota plan. ``extends = "base.toml"`` inherits another file; this file's keys
override the base's, tables merge key by key. Every problem names the file,
the key and why; unknown keys get a "did you mean".
"""

from __future__ import annotations

import copy
import difflib
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError

from solver.config import PlanParams, region_entry
from solver.errors import InputError, InputProblem


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation holds (``CapacityConfig | None`` -> CapacityConfig)."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _model_keys(model: type[BaseModel]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, field in model.model_fields.items():
        sub = _model_of(field.annotation)
        out[key] = _model_keys(sub) if sub is not None else None
    return out


def _known_keys() -> dict[str, Any]:
    """Every key a scenario may hold: the models' fields plus what the runner reads itself.

    The pydantic models (`solver.config.PlanParams`, ``extra="forbid"``) are
    the one home of the solver's keys; only the keys read outside them are
    listed here. ``[segments]`` is free-form in the file (segment -> band).
    """
    solver_keys = _model_keys(PlanParams)
    solver_keys["segments"] = None
    solver_keys["assignment"] = {**solver_keys["assignment"], "forbid": None}
    return {
        "name": None,
        "extends": None,
        "description": None,
        "data": {key: None for key in PATH_KEYS},
        **solver_keys,
        "workload": None,
        "sweep": None,
        "salesforce": None,
    }


#: Keys whose values are paths relative to the declaring file.
PATH_KEYS = ("accounts", "reps", "events", "forbid", "opportunities", "workbook")
#: Every key a scenario may hold (tables map to their known sub-keys; None = free-form table).
KNOWN_KEYS: dict[str, Any] = _known_keys()


@dataclass(frozen=True)
class Scenario:
    """A resolved scenario: name, absolute input paths, parameters, merged TOML."""

    name: str
    source: Path
    accounts: Path
    reps: Path
    params: PlanParams
    workload: dict[str, float]
    resolved: dict[str, Any]

    def input_paths(self) -> list[Path]:
        """The scenario file and every table it names: what no output may overwrite."""
        data = self.resolved.get("data", {})
        tables = [Path(v) for k, v in data.items() if k in PATH_KEYS and isinstance(v, str)]
        forbid = self.resolved.get("assignment", {}).get("forbid")
        if isinstance(forbid, str):
            tables.append(Path(forbid))
        return [self.source, *tables]

    def to_toml(self) -> str:
        """The fully resolved scenario (no ``extends``), as written to the run folder."""
        return tomli_w.dumps(self.resolved)


def _unknown_keys(doc: dict[str, Any], file: str) -> list[InputProblem]:
    problems = []
    for key, value in doc.items():
        if key not in KNOWN_KEYS:
            hint = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            problems.append(
                InputProblem(
                    file,
                    None,
                    key,
                    "unknown key" + (f"; did you mean '{hint[0]}'?" if hint else ""),
                )
            )
            continue
        sub = KNOWN_KEYS[key]
        if isinstance(sub, dict) and isinstance(value, dict):
            for k in value:
                if k not in sub:
                    hint = difflib.get_close_matches(k, sub, n=1)
                    problems.append(
                        InputProblem(
                            file,
                            None,
                            f"{key}.{k}",
                            "unknown key" + (f"; did you mean '{key}.{hint[0]}'?" if hint else ""),
                        )
                    )
    return problems


def _toml_type(value: Any) -> str:
    return {str: "text", bool: "true/false", int: "a number", float: "a number", list: "a list"}.get(
        type(value), "a table" if isinstance(value, dict) else type(value).__name__
    )


def _type_problems(doc: dict[str, Any], file: str) -> list[InputProblem]:
    """Sections that are not tables, and file names that are not text (before anything reads them)."""
    problems = []
    for key, sub in KNOWN_KEYS.items():
        if key in doc and sub is not None and not isinstance(doc[key], dict):
            why = f"must be a table ([{key}] section), not {_toml_type(doc[key])}"
            problems.append(InputProblem(file, None, key, why))
    paths = [("data", k) for k in PATH_KEYS] + [("assignment", "forbid")]
    for section, key in paths:
        table = doc.get(section)
        if isinstance(table, dict) and key in table and not isinstance(table[key], str):
            why = f"must be a file name (text), not {_toml_type(table[key])}"
            problems.append(InputProblem(file, None, f"{section}.{key}", why))
    return problems


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in top.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k not in ("segments", "regions"):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _absolute_polygon_files(regions: Any, folder: Path) -> None:
    """Polygon-file entries of ``[regions]`` are paths relative to the declaring file."""
    if not isinstance(regions, dict):
        return
    for name, entries in regions.items():
        if not isinstance(entries, list):
            continue
        out = []
        for entry in entries:
            try:
                kind, value = region_entry(entry) if isinstance(entry, str) else ("", "")
            except ValueError:
                kind = ""
            if kind == "polygons":
                path, hash_, codes = value.partition("#")
                entry = str((folder / path).resolve()) + hash_ + codes
            out.append(entry)
        regions[name] = out


def _read_doc(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    """Read one file and its ``extends`` chain, absolutising path keys per file."""
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise InputError(InputProblem(str(chain[0]), None, "extends", f"extends forms a cycle: {cycle}"))
    if not path.is_file():
        where = str(chain[-1]) if chain else str(path)
        raise InputError(
            InputProblem(where, None, "extends" if chain else None, f"scenario file {path} does not exist")
        )
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise InputError(InputProblem(str(path), None, None, f"not valid TOML: {e}")) from None
    problems = _type_problems(doc, str(path)) + _unknown_keys(doc, str(path))
    if problems:
        raise InputError(problems)
    data = doc.get("data", {})
    for key in PATH_KEYS:
        if isinstance(data.get(key), str):
            data[key] = str((path.parent / data[key]).resolve())
    assignment = doc.get("assignment", {})
    if isinstance(assignment, dict) and isinstance(assignment.get("forbid"), str):
        assignment["forbid"] = str((path.parent / assignment["forbid"]).resolve())
    _absolute_polygon_files(doc.get("regions"), path.parent)
    parent = doc.pop("extends", None)
    if parent is None:
        return doc
    if not isinstance(parent, str):
        raise InputError(InputProblem(str(path), None, "extends", "must be a file name (string)"))
    base = _read_doc((path.parent / parent).resolve(), (*chain, path))
    return _merge(base, doc)


def merged_document(path: Path | str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The scenario's merged TOML document (``extends`` resolved), plus overrides."""
    doc = _read_doc(Path(path).resolve(), ())
    return _merge(doc, overrides or {})


def _pydantic_problems(e: ValidationError, file: str) -> list[InputProblem]:
    out = []
    for err in e.errors():
        loc = ".".join(str(x) for x in err["loc"] if not str(x).startswith("function-"))
        loc = loc.replace("segments.bands", "segments")
        out.append(InputProblem(file, None, loc or None, err["msg"]))
    return out


def _number_problems(raw: dict[str, Any], file: str) -> list[InputProblem]:
    """Numbers given as text or true/false (``target = "1000"``), which lax parsing would accept."""
    try:
        PlanParams.model_validate(raw, strict=True)
    except ValidationError as e:
        return [
            InputProblem(
                file,
                None,
                ".".join(str(x) for x in err["loc"] if not str(x).startswith("function-")),
                f"must be a number, not {_toml_type(err['input'])} {err['input']!r}",
            )
            for err in e.errors()
            if err["type"] in ("float_type", "int_type") and isinstance(err["input"], str | bool)
        ]
    return []


def load_scenario(path: Path | str, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, merge and validate a scenario file; raise InputError listing every problem."""
    path = Path(path).resolve()
    doc = merged_document(path, overrides)
    file = str(path)
    problems: list[InputProblem] = []
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(
            InputProblem(file, None, "name", "every scenario needs a name (it names the run folder)")
        )
    elif any(c in name for c in '/\\:*?"<>|') or name.startswith("."):
        problems.append(InputProblem(file, None, "name", f"{name!r} cannot be a folder name"))
    data = doc.get("data", {})
    for key in ("accounts", "reps"):
        if key not in data:
            problems.append(InputProblem(file, None, f"data.{key}", "missing: name the input table"))
    for key in ("plan", "quota"):
        if key not in doc:
            problems.append(InputProblem(file, None, key, f"missing [{key}] section"))
    params = None
    if not any(p.column in ("plan", "quota") for p in problems):
        raw = {
            "plan": doc.get("plan"),
            "segments": {
                "bands": {
                    k: tuple(v) if isinstance(v, list) else v for k, v in doc.get("segments", {}).items()
                }
            },
            "regions": doc.get("regions", {}),
            "scoring": doc.get("scoring", {}),
            # the forbid file is read by `scenarios.run.prepare`; the solver sees pairs only
            "assignment": {k: v for k, v in doc.get("assignment", {}).items() if k != "forbid"},
            "quota": doc.get("quota"),
            "capacity": doc.get("capacity"),
            "warnings": doc.get("warnings", {}),
        }
        numbers = _number_problems(raw, file)
        try:
            params = PlanParams.model_validate(raw)
        except ValidationError as e:
            seen = {p.column for p in numbers}
            problems += [p for p in _pydantic_problems(e, file) if p.column not in seen]
        problems += numbers
    workload = doc.get("workload", {})
    if not isinstance(workload, dict) or not all(
        isinstance(v, int | float) and v >= 0 for v in workload.values()
    ):
        problems.append(InputProblem(file, None, "workload", "must map segment names to numbers >= 0"))
    if problems or params is None:
        raise InputError(problems)
    resolved = dict(doc)
    return Scenario(
        name=name.strip(),
        source=path,
        accounts=Path(data["accounts"]),
        reps=Path(data["reps"]),
        params=params,
        workload={str(k): float(v) for k, v in workload.items()},
        resolved=resolved,
    )
