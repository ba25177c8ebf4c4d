"""mkdocs hook: the reference pages, generated from the code so they cannot drift.

A page holds a marker comment where a generated table goes:

- ``<!-- reference:cli -->``: every command of the ``terraquota`` typer app,
  its arguments and options (names, types, defaults, help), read from the
  click command that typer builds;
- ``<!-- reference:scenario-keys -->``: every key a scenario file may hold
  (`scenarios.run.KNOWN_KEYS`), with type and default from the pydantic models
  of `solver.config` and the meaning from `scenario_keys.DESCRIPTIONS`.

The functions are importable on their own (``tests/docs`` uses them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import importlib.util
import math
import os
import re
import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

CLI_MARKER = "<!-- reference:cli -->"
KEYS_MARKER = "<!-- reference:scenario-keys -->"
#: Option defaults computed on the machine that builds the docs: shown in words, not as a number.
MACHINE_DEFAULTS = {("batch", "workers"): ("the number of CPUs", lambda: max(1, os.cpu_count() or 1))}


def _descriptions() -> dict[str, str]:
    """`scenario_keys.DESCRIPTIONS`, loaded beside this file (mkdocs imports hooks by path)."""
    path = Path(__file__).with_name("scenario_keys.py")
    spec = importlib.util.spec_from_file_location("terraquota_docs_scenario_keys", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.DESCRIPTIONS


def _text(text: object) -> str:
    """Markdown-safe text: ``<name>`` outside code spans is shown, not taken for an HTML tag."""
    parts = str(text).split("`")
    for i in range(0, len(parts), 2):  # even parts lie outside code spans
        parts[i] = parts[i].replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(parts)


def _cell(text: object) -> str:
    """Text safe inside a markdown table cell."""
    return _text(text).replace("|", "\\|").replace("\n", " ")


# ---------------------------------------------------------------- CLI


@dataclass(frozen=True)
class CliParam:
    """One argument or option of one command, as the reference shows it."""

    command: str
    name: str
    kind: str  # "argument" or "option"
    flags: str
    type: str
    default: str
    required: bool
    many: bool
    help: str


def _root_command() -> Any:
    """The click command of the ``terraquota`` app with its plugins (the workspace's serve, user).

    Plugins register on a copy, so the app other code imports is left as it is.
    """
    import typer
    import typer.main

    from scenarios.cli import app
    from scenarios.cli.commands import register_plugins

    full = typer.Typer(name=app.info.name, help=app.info.help)
    full.registered_commands = list(app.registered_commands)
    full.registered_groups = list(app.registered_groups)
    register_plugins(full)
    return typer.main.get_command(full)


def _commands(group: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(full name, click command) of every command, sub-groups flattened, sorted by name."""
    out = []
    for name in sorted(group.commands):
        cmd = group.commands[name]
        if getattr(cmd, "hidden", False):
            continue
        full = f"{prefix}{name}"
        if hasattr(cmd, "commands"):
            out += _commands(cmd, full + " ")
        else:
            out.append((full, cmd))
    return out


def _type_name(param: Any) -> str:
    if getattr(param, "is_flag", False):
        return "flag"
    click_type = getattr(param, "type", None)
    # typer with its own click has no ``type``: the annotation's name instead
    name = str(click_type.name).lower() if click_type is not None else param.bare_type().lower()
    inner = re.fullmatch(r"list\[(.*)\]", name)
    return inner.group(1) if inner else name


def _many(param: Any) -> bool:
    """An argument that takes several values, or an option that may be repeated."""
    return bool(getattr(param, "multiple", False)) or param.nargs == -1


def _default(command: str, param: Any) -> str:
    machine = MACHINE_DEFAULTS.get((command, param.name))
    if machine is not None:
        return machine[0]
    value = param.default
    if value is None or getattr(param, "is_flag", False) or param.required:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return f"`{value}`"


def cli_params() -> list[CliParam]:
    """Every argument and option of every command of the ``terraquota`` app."""
    rows = []
    for name, cmd in _commands(_root_command()):
        for p in cmd.params:
            if getattr(p, "hidden", False) or p.name == "help":
                continue
            is_opt = p.param_type_name == "option"
            flags = (
                ", ".join(f"`{o}`" for o in (*p.opts, *p.secondary_opts)) if is_opt else f"`{p.name.upper()}`"
            )
            rows.append(
                CliParam(
                    command=name,
                    name=p.name,
                    kind="option" if is_opt else "argument",
                    flags=flags,
                    type=_type_name(p),
                    default=_default(name, p),
                    required=bool(p.required),
                    many=_many(p),
                    help=(getattr(p, "help", None) or "").strip(),
                )
            )
    return rows


def command_help() -> dict[str, str]:
    """Command name -> its help text (the function's docstring)."""
    return {name: (cmd.help or "").strip() for name, cmd in _commands(_root_command())}


def _usage(name: str, params: list[CliParam]) -> str:
    args = []
    for p in params:
        if p.kind != "argument":
            continue
        args.append(p.flags.strip("`") + ("..." if p.many else ""))
    return " ".join(["terraquota", name, "[OPTIONS]", *args])


def cli_markdown() -> str:
    """The CLI reference: one section per command."""
    params = cli_params()
    out = []
    for name, text in command_help().items():
        mine = [p for p in params if p.command == name]
        out += [f"## `terraquota {name}`", "", _text(text), "", "```text", _usage(name, mine), "```", ""]
        if mine:
            out += ["| argument / option | type | default | meaning |", "|---|---|---|---|"]
            for p in mine:
                need = " (required)" if p.required and p.kind == "option" else ""
                need += " (repeatable)" if p.many and p.kind == "option" else ""
                out.append(f"| {p.flags}{need} | {p.type} | {_cell(p.default)} | {_cell(p.help)} |")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------- scenario keys


@dataclass(frozen=True)
class KeyRow:
    """One scenario key, as the reference shows it."""

    key: str
    type: str
    default: str
    required: bool
    description: str


def _known_keys() -> dict[str, Any]:
    from scenarios.run import KNOWN_KEYS

    return KNOWN_KEYS


def _sweep_keys() -> tuple[str, ...]:
    from scenarios.batch.sweep import SWEEP_KEYS

    return tuple(SWEEP_KEYS)


def _type_text(annotation: Any) -> str:
    """A pydantic field's annotation in plain words: ``float | None`` -> ``float (optional)``."""
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        kinds = [a for a in args if a is not type(None)]
        text = " or ".join(_type_text(a) for a in kinds)
        return text
    if origin is typing.Literal:
        return " / ".join(f'"{a}"' for a in args)
    if origin is dict:
        return f"table of {_type_text(args[1])}" if args else "table"
    if origin is tuple:
        return f"list of {_type_text(args[0])}" if args else "list"
    if annotation is dt.date:
        return "date"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    if annotation is Any:
        return "any"
    return getattr(annotation, "__name__", str(annotation))


def _default_text(field: Any) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return ""
    else:
        value = field.default
    if value is None:
        return ""
    if isinstance(value, BaseModel):
        return ""
    if isinstance(value, dict):
        if not value:
            return ""
        return "`{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }`"
    if isinstance(value, tuple):
        return "`[" + ", ".join(_toml(v) for v in value) + "]`" if value else ""
    return f"`{_toml(value)}`"


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value) if isinstance(value, float) else str(value)


def _models() -> dict[str, type[BaseModel]]:
    """Scenario section -> the pydantic model that validates it."""
    from solver.config import PlanParams

    out: dict[str, type[BaseModel]] = {}
    for section, field in PlanParams.model_fields.items():
        for arg in (field.annotation, *typing.get_args(field.annotation)):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                out[section] = arg
    return out


def _block_model() -> type[BaseModel]:
    from solver.config import CapacityBlock

    return CapacityBlock


def _salesforce_keys() -> list[tuple[str, str, str, bool]]:
    """``[salesforce]``: read by `pull` (`PullConfig`) and `push` (`PushOptions`), not by the solver."""
    from scenarios.cli.push import PushOptions
    from solver.inputs.salesforce_pull import ObjectPull, PullConfig

    defaults = PullConfig()
    out: list[tuple[str, str, str, bool]] = []
    for k, f in PullConfig.model_fields.items():
        if f.annotation is not ObjectPull:
            out.append((f"salesforce.{k}", _type_text(f.annotation), _default_text(f), False))
            continue
        out.append((f"salesforce.{k}", "table", "", False))
        for sub, g in ObjectPull.model_fields.items():
            if sub == "fields":
                default = "the standard fields"
            else:
                where = defaults.where(k)
                default = f"`{_toml(where)}`" if where else ""
            out.append((f"salesforce.{k}.{sub}", _type_text(g.annotation), default, False))
    out.append(("salesforce.push", "table", "", False))
    hints = typing.get_type_hints(PushOptions)
    for field in dataclasses.fields(PushOptions):
        default = "" if field.default is None else f"`{_toml(field.default)}`"
        out.append((f"salesforce.push.{field.name}", _type_text(hints[field.name]), default, False))
    return out


#: Keys whose section is free-form in the code: their sub-keys are names the user picks.
_NAMED = {"segments": "NAME", "regions": "NAME", "workload": "SEGMENT"}
_NAMED_TYPES = {"segments": "list of 2 numbers", "regions": "list of str", "workload": "float"}
#: Top-level keys that hold one value, not a table.
_SCALARS = ("name", "extends", "description")
_REQUIRED = {"name", "data.accounts", "data.reps", "plan", "quota"}


def _section_keys(key: str, sub: Any, model: type[BaseModel] | None) -> list[tuple[str, str, str, bool]]:
    """(key, type, default, required) of one top-level key and the keys below it."""
    scalar = key in _SCALARS
    out = [(key, "str" if scalar else "table", "", False)]
    if key in _NAMED:
        out.append((f"{key}.{_NAMED[key]}", _NAMED_TYPES[key], "", False))
    if key == "sweep":
        out += [(f"sweep.{k}", "str" if k == "name" else "table of lists", "", False) for k in _sweep_keys()]
    fields = model.model_fields if model is not None else {}
    for k in sub if isinstance(sub, dict) else ():
        f = fields.get(k)
        if f is None:  # read by scenarios (paths), not by the solver's models
            out.append((f"{key}.{k}", "path", "", False))
        elif k == "blocks":
            out.append((f"{key}.{k}", "tables by region, then segment", "", False))
        else:
            out.append((f"{key}.{k}", _type_text(f.annotation), _default_text(f), f.is_required()))
    if key == "salesforce":
        out += _salesforce_keys()
    if key == "capacity":
        for k, f in _block_model().model_fields.items():
            out.append(
                (f"capacity.blocks.REGION.SEGMENT.{k}", _type_text(f.annotation), _default_text(f), False)
            )
    return out


def scenario_keys() -> list[KeyRow]:
    """Every key of a scenario file, in the order of `KNOWN_KEYS`."""
    desc = _descriptions()
    models = _models()
    return [
        KeyRow(k, type_, default, required or k in _REQUIRED, desc.get(k, ""))
        for key, sub in _known_keys().items()
        for k, type_, default, required in _section_keys(key, sub, models.get(key))
    ]


def scenario_keys_markdown() -> str:
    """The scenario-key reference: the top-level keys, then one table per section."""
    groups: dict[str, list[KeyRow]] = {}
    for row in scenario_keys():
        top = row.key.split(".")[0]
        groups.setdefault(top if _is_section(top) else "", []).append(row)
    out: list[str] = []
    for group, rows in groups.items():
        title = f"`[{group}]`" if group else "Top-level keys"
        out += [f"## {title}", "", "| key | type | default | meaning |", "|---|---|---|---|"]
        for row in rows:
            need = " (required)" if row.required else ""
            out.append(
                f"| `{row.key}`{need} | {_cell(row.type)} | {_cell(row.default)} | {_cell(row.description)} |"
            )
        out.append("")
    return "\n".join(out)


def _is_section(key: str) -> bool:
    """Every top-level key but the few that hold one value is a TOML table: its own section."""
    return key not in _SCALARS


# ---------------------------------------------------------------- input columns

#: Table name in a marker -> (module, attribute) of its `TableSpec`.
TABLES = {
    "accounts": ("solver.inputs.columns", "ACCOUNTS"),
    "reps": ("solver.inputs.columns", "REPS"),
    "opportunities": ("solver.tracking.opportunities", "OPPORTUNITIES"),
    "overrides": ("solver.tracking.overrides", "OVERRIDES"),
}
_KIND_WORDS = {
    "id": "id",
    "text": "text",
    "int": "whole number",
    "float": "number",
    "date": "ISO date",
}


def _table_spec(table: str) -> Any:
    module, name = TABLES[table]
    return getattr(importlib.import_module(module), name)


def _range(col: Any) -> str:
    if col.lower is not None and col.upper is not None:
        return f"{col.lower:g} to {col.upper:g}"
    if col.lower is not None:
        return f">= {col.lower:g}"
    return ""


def columns_markdown(table: str) -> str:
    """One input table's columns: canonical name, accepted headers, kind, range."""
    spec = _table_spec(table)
    out = ["| column | also accepted as | required | kind | range |", "|---|---|---|---|---|"]
    for col in spec.columns:
        aliases = ", ".join(f"`{a}`" for a in col.aliases)
        kind = _KIND_WORDS[col.kind] + (f" ({col.normalise.replace('_', ' ')})" if col.normalise else "")
        need = "yes" if col.required else ""
        out.append(f"| `{col.name}` | {_cell(aliases)} | {need} | {kind} | {_range(col)} |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- workspace API

API_MARKER = "<!-- reference:workspace-api -->"


def _body_fields(body: dict[str, Any] | None) -> str:
    """The fields of a request body, required ones marked with *."""
    if not body:
        return ""
    content = body.get("content", {})
    for kind, media in content.items():
        schema = media.get("schema", {})
        props = schema.get("properties", {})
        need = set(schema.get("required", []))
        fields = ", ".join(f"`{k}`" + ("*" if k in need else "") for k in props)
        return fields if kind == "application/json" else f"{kind}: {fields}"
    return ""


def workspace_api_markdown() -> str:
    """Every endpoint of the workspace API, from the table its OpenAPI document is built from."""
    from workspace.api.openapi import OPERATIONS

    out = ["| method | path | does | body (* required) | success |", "|---|---|---|---|---|"]
    for (method, path), (summary, body, status) in sorted(
        OPERATIONS.items(), key=lambda kv: (kv[0][1], kv[0][0])
    ):
        out.append(
            f"| {method.upper()} | `{path}` | {_cell(summary)} | {_cell(_body_fields(body))} | {status} |"
        )
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- hook


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Replace the reference markers with the generated tables."""
    if CLI_MARKER in markdown:
        markdown = markdown.replace(CLI_MARKER, cli_markdown())
    if KEYS_MARKER in markdown:
        markdown = markdown.replace(KEYS_MARKER, scenario_keys_markdown())
    if API_MARKER in markdown:
        markdown = markdown.replace(API_MARKER, workspace_api_markdown())
    for table in TABLES:
        marker = f"<!-- reference:columns:{table} -->"
        if marker in markdown:
            markdown = markdown.replace(marker, columns_markdown(table))
    return markdown


def _main() -> None:  # pragma: no cover - a quick look from the shell
    sys.stdout.write(cli_markdown() if "--cli" in sys.argv else scenario_keys_markdown())


if __name__ == "__main__":  # pragma: no cover
    _main()
