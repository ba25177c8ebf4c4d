"""Sweeps: one scenario file, many members, declared in its ``[sweep]`` section.

::

    [sweep]
    grid = { "assignment.balance.potential" = [0.02, 0.05], "assignment.max_moved_share" = [0.05, 0.1] }
    zip = { "quota.target" = [1.0e8, 1.2e8], "data.reps" = ["reps.csv", "reps_hires.csv"] }
    name = "{name}-bal{assignment.balance.potential}-mv{assignment.max_moved_share}"

``grid`` lists are combined cartesian; ``zip`` lists (all the same length) are
taken row by row, and the rows are combined cartesian with the grid. Keys are
dotted paths into the scenario document (checked against
``scenarios.run.scenario.KNOWN_KEYS``); values become nested overrides for
``load_scenario(path, overrides=...)``. ``data.*`` values are paths relative to
the sweep file, as everywhere else in a scenario. Each member gets a stable,
unique, folder-safe name: from the ``name`` template when given, else the base
name plus short ``key=value`` slugs.

Structural mistakes (unknown key, unequal zip lengths, empty lists, duplicate
names) stop the batch before anything runs; a bad *value* only fails its own
member when it is validated in the worker, so the rest of the sweep still runs.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios.run.scenario import KNOWN_KEYS, PATH_KEYS, merged_document
from solver.errors import InputError, InputProblem

__all__ = [
    "SweepMember",
    "expand_sweep",
    "known_dotted_keys",
    "member_name_is_safe",
    "short_keys",
    "value_slug",
]

#: Sub-keys of ``[sweep]``.
SWEEP_KEYS = ("grid", "zip", "name")
#: Scenario keys a sweep may not vary (they define the sweep itself).
FIXED_KEYS = ("name", "extends", "sweep")
#: Keys whose values are file paths, relative to the declaring (sweep) file.
PATH_OVERRIDES = {("data", k) for k in PATH_KEYS} | {("assignment", "forbid")}
#: Tables `scenario._merge` replaces wholesale: overriding one entry must carry the rest.
_WHOLE_TABLES = ("segments", "regions")
#: Characters a run-folder name may not hold (Windows and POSIX).
_UNSAFE = re.compile(r'[/\\:*?"<>|\s]')
_PLACEHOLDER = re.compile(r"\{([^{}:]+)(?::([^{}]*))?\}")
MAX_NAME_LENGTH = 150


@dataclass(frozen=True)
class SweepMember:
    """One member of a sweep (or the single member of a plain scenario file).

    Attributes
    ----------
    name : str
        The member's scenario name (its run folder's name).
    source : Path
        The scenario file the member is loaded from.
    overrides : dict
        Nested overrides for ``load_scenario(source, overrides=...)``; empty for
        a plain scenario.
    values : dict
        Dotted key -> swept value, in declaration order (for summaries and charts).
    """

    name: str
    source: Path
    overrides: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


def known_dotted_keys() -> list[str]:
    """Every dotted key KNOWN_KEYS names (free-form tables accept deeper keys too)."""
    out = []
    for key, sub in KNOWN_KEYS.items():
        out.append(key)
        if isinstance(sub, dict):
            out += [f"{key}.{k}" for k in sub]
    return out


def member_name_is_safe(name: str) -> bool:
    """True when ``name`` can be a run folder's name on every platform."""
    return (
        bool(name) and not name.startswith(".") and not _UNSAFE.search(name) and len(name) <= MAX_NAME_LENGTH
    )


def _flatten(table: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": [..]}}`` and ``{"a.b": [..]}`` both give ``{"a.b": [..]}`` (bare TOML dotted keys)."""
    out: dict[str, Any] = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _key_problem(file: str, where: str, key: str, doc: dict[str, Any]) -> InputProblem | None:
    """Why ``key`` cannot be swept, or None when it can."""
    parts = key.split(".")
    if any(not p for p in parts):
        return InputProblem(file, None, f"{where}.{key}", "empty part in the dotted key")
    if parts[0] in FIXED_KEYS:
        return InputProblem(file, None, f"{where}.{key}", f"'{parts[0]}' cannot be swept")
    level: Any = KNOWN_KEYS
    for i, part in enumerate(parts):
        if not isinstance(level, dict):
            break  # free-form table: any deeper key is the scenario's business
        if part not in level:
            prefix = ".".join(parts[:i])
            options = [f"{prefix}.{k}" if prefix else k for k in level if k not in FIXED_KEYS]
            hint = difflib.get_close_matches(".".join(parts[: i + 1]), options, n=1)
            why = f"unknown scenario key '{'.'.join(parts[: i + 1])}'"
            return InputProblem(
                file, None, f"{where}.{key}", why + (f"; did you mean '{hint[0]}'?" if hint else "")
            )
        level = level[part]
    node: Any = doc
    for i, part in enumerate(parts[:-1]):
        node = node.get(part) if isinstance(node, dict) else None
        if node is not None and not isinstance(node, dict):
            scalar = ".".join(parts[: i + 1])
            return InputProblem(file, None, f"{where}.{key}", f"'{scalar}' is a value, not a table")
    return None


def _read_lists(
    file: str, where: str, table: Any, doc: dict[str, Any]
) -> tuple[dict[str, list[Any]], list[InputProblem]]:
    if table is None:
        return {}, []
    if not isinstance(table, dict):
        return {}, [InputProblem(file, None, where, "must be a table of dotted key = [values]")]
    lists, problems = {}, []
    for key, values in _flatten(table).items():
        p = _key_problem(file, where, key, doc)
        if p is not None:
            problems.append(p)
        elif not isinstance(values, list):
            problems.append(InputProblem(file, None, f"{where}.{key}", "must be a list of values"))
        elif not values:
            problems.append(
                InputProblem(file, None, f"{where}.{key}", "empty list: the sweep would have no members")
            )
        else:
            lists[key] = values
    return lists, problems


def _overlaps(file: str, keys: list[str]) -> list[InputProblem]:
    """A key swept twice, or a key and one of its sub-keys, make members ambiguous."""
    problems = []
    for a, b in itertools.combinations(keys, 2):
        if a == b or b.startswith(a + ".") or a.startswith(b + "."):
            problems.append(InputProblem(file, None, "sweep", f"'{a}' and '{b}' sweep the same setting"))
    return problems


def _absolute_path(value: Any, base: Path) -> Any:
    return str((base / value).resolve()) if isinstance(value, str) else value


def _override(key: str, value: Any, base: Path) -> dict[str, Any]:
    """One dotted key = value as a nested override dict (``data.*`` paths made absolute)."""
    parts = key.split(".")
    if tuple(parts) in PATH_OVERRIDES:
        value = _absolute_path(value, base)
    out: dict[str, Any] = copy.deepcopy(value)
    for p in reversed(parts):
        out = {p: out}
    return out


def _deep_merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def value_slug(value: Any, key: str) -> str:
    """Short, folder-safe text of one swept value."""
    if isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    elif isinstance(value, str) and tuple(key.split(".")) in PATH_OVERRIDES:
        text = Path(value).stem
    elif isinstance(value, dict):
        text = "+".join(f"{k}={value_slug(v, k)}" for k, v in value.items())
    elif isinstance(value, list):
        text = "+".join(value_slug(v, key) for v in value)
    else:
        text = str(value)
    return _UNSAFE.sub("-", text)


def short_keys(keys: list[str]) -> dict[str, str]:
    """Shortest unique dotted suffix of each key (``assignment.balance.potential`` -> ``potential``)."""
    out = {}
    for key in keys:
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            short = ".".join(parts[-n:])
            if sum(1 for k in keys if k == short or k.endswith("." + short)) == 1:
                break
        out[key] = short
    return out


def _render_name(template: str, base_name: str, values: dict[str, Any]) -> str:
    def fill(m: re.Match[str]) -> str:
        key, spec = m.group(1).strip(), m.group(2)
        if key == "name":
            value: Any = base_name
        elif key in values:
            value = values[key]
        else:
            raise KeyError(key)
        if spec:
            return _UNSAFE.sub("-", format(value, spec))
        return base_name if key == "name" else value_slug(value, key)

    return _PLACEHOLDER.sub(fill, template)


def _names(
    file: str, template: Any, base_name: str, rows: list[dict[str, Any]]
) -> tuple[list[str], list[InputProblem]]:
    if template is None:
        short = short_keys(list(rows[0]))
        names = [base_name + "".join(f"_{short[k]}={value_slug(v, k)}" for k, v in r.items()) for r in rows]
    elif not isinstance(template, str):
        return [], [
            InputProblem(file, None, "sweep.name", "must be a text template such as '{name}-{quota.target}'")
        ]
    else:
        try:
            names = [_render_name(template, base_name, r) for r in rows]
        except KeyError as e:
            known = ["name", *rows[0]]
            hint = difflib.get_close_matches(str(e.args[0]), known, n=1)
            why = f"placeholder {{{e.args[0]}}} is neither 'name' nor a swept key"
            return [], [
                InputProblem(
                    file, None, "sweep.name", why + (f"; did you mean {{{hint[0]}}}?" if hint else "")
                )
            ]
        except (ValueError, TypeError) as e:
            return [], [InputProblem(file, None, "sweep.name", f"cannot format a value: {e}")]
    problems = []
    unsafe = sorted({n for n in names if not member_name_is_safe(n)})
    if unsafe:
        problems.append(
            InputProblem(
                file,
                None,
                "sweep.name",
                f'{unsafe[0]!r} cannot be a folder name (no leading dot, spaces or /\\:*?"<>|, '
                f"at most {MAX_NAME_LENGTH} characters)",
            )
        )
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    dupes = sorted(n for n, c in seen.items() if c > 1)
    if dupes:
        problems.append(
            InputProblem(
                file,
                None,
                "sweep.name",
                f"{len(dupes)} member name(s) repeat, e.g. {dupes[0]!r}: put every swept key in the template",
            )
        )
    return names, problems


def _unknown_sweep_keys(file: str, sweep: dict[str, Any]) -> list[InputProblem]:
    """One problem per key of ``[sweep]`` that is not grid, zip or name, with a close match."""
    problems = []
    for k in sweep:
        if k not in SWEEP_KEYS:
            hint = difflib.get_close_matches(k, SWEEP_KEYS, n=1)
            why = "unknown key" + (
                f"; did you mean 'sweep.{hint[0]}'?" if hint else "; known: grid, zip, name"
            )
            problems.append(InputProblem(file, None, f"sweep.{k}", why))
    return problems


def expand_sweep(path: Path | str) -> list[SweepMember]:
    """The members a scenario file declares: its sweep, or itself when it has none.

    Parameters
    ----------
    path : Path or str
        A scenario TOML file, with or without a ``[sweep]`` section (inherited
        sections count).

    Returns
    -------
    list[SweepMember]
        Members in a stable order: grid combinations in declaration order
        (last key fastest), each combined with every zip row.

    Raises
    ------
    InputError
        Naming the file, the ``sweep.*`` key and why, for every structural problem.
    """
    path = Path(path).resolve()
    file = str(path)
    doc = merged_document(path)
    sweep = doc.get("sweep")
    base_name = doc.get("name") if isinstance(doc.get("name"), str) else path.stem
    if sweep is None:
        return [SweepMember(name=str(base_name).strip(), source=path)]
    if not isinstance(sweep, dict):
        raise InputError(InputProblem(file, None, "sweep", "must be a table with grid, zip and name"))
    problems = _unknown_sweep_keys(file, sweep)
    grid, p1 = _read_lists(file, "sweep.grid", sweep.get("grid"), doc)
    zipped, p2 = _read_lists(file, "sweep.zip", sweep.get("zip"), doc)
    problems += p1 + p2 + _overlaps(file, [*grid, *zipped])
    lengths = {k: len(v) for k, v in zipped.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        problems.append(
            InputProblem(file, None, "sweep.zip", f"zipped lists must have equal lengths: {listed}")
        )
    if not grid and not zipped and not problems:
        problems.append(InputProblem(file, None, "sweep", "declares no grid or zip lists"))
    if problems:
        raise InputError(problems)

    zip_rows = [dict(zip(zipped, row, strict=True)) for row in zip(*zipped.values(), strict=True)] or [{}]
    rows = [
        {**dict(zip(grid, combo, strict=True)), **z}
        for combo in itertools.product(*grid.values())
        for z in zip_rows
    ]
    names, problems = _names(file, sweep.get("name"), str(base_name).strip(), rows)
    if problems:
        raise InputError(problems)
    members = []
    for name, row in zip(names, rows, strict=True):
        overrides: dict[str, Any] = {"name": name}
        for key, value in row.items():
            overrides = _deep_merge(overrides, _override(key, value, path.parent))
        for table in _WHOLE_TABLES:
            if table in overrides:  # the merge replaces these wholesale: carry the other entries
                overrides[table] = _deep_merge(copy.deepcopy(doc.get(table) or {}), overrides[table])
        members.append(SweepMember(name=name, source=path, overrides=overrides, values=row))
    return members
