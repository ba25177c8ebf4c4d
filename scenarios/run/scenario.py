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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from solver.config import PlanParams, region_entry
from solver.errors import InputError, InputProblem

#: Every key a scenario may hold (tables map to their known sub-keys; None = free-form table).
KNOWN_KEYS: dict[str, Any] = {
    "name": None,
    "extends": None,
    "description": None,
    "data": {
        "accounts": None,
        "reps": None,
        "events": None,
        "forbid": None,
        "opportunities": None,
        "workbook": None,
    },
    "plan": {
        "start": None,
        "ramp": None,
        "currency": None,
        "fiscal_year_start": None,
        "fiscal_year_named_by": None,
    },
    "segments": None,
    "regions": None,
    "workload": None,
    "scoring": {"weights": None, "potential_scale": None},
    "assignment": {
        "balance": None,
        "max_moved_share": None,
        "weights": None,
        "solver": None,
        "time_limit": None,
        "seed": None,
        "mip_gap": None,
        "objective": None,
        "order": None,
        "lex_tolerance": None,
        "num_workers": None,
        "forbid": None,
    },
    "quota": {
        "target": None,
        "hedge": None,
        "periods": None,
        "basis": None,
        "seasonality": None,
        "penetration": None,
        "max_change": None,
        "attainment_spread": None,
        "targets": None,
        "level_weights": None,
        "max_quota_to_ote": None,
    },
    "capacity": {
        "productivity": None,
        "attainment": None,
        "attrition": None,
        "lead_time_months": None,
        "earliest_start": None,
        "ramp": None,
        "ote": None,
        "headcount": None,
        "budget": None,
        "blocks": None,
    },
    "warnings": {
        "min_bookings_vs_quota": None,
        "min_share_reaching_quota": None,
        "max_capacity_gap": None,
        "max_reps_outside_cap": None,
        "max_override_to_expected": None,
    },
    "sweep": None,
    "salesforce": None,
}
#: Keys whose values are paths relative to the declaring file.
PATH_KEYS = ("accounts", "reps", "events", "forbid", "opportunities", "workbook")


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
    problems = _unknown_keys(doc, str(path))
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
        try:
            params = PlanParams.model_validate(raw)
        except ValidationError as e:
            problems += _pydantic_problems(e, file)
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
