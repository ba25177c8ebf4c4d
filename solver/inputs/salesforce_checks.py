"""Every check of a scenario's ``[salesforce]`` section that needs no network, all at once.

`terraquota validate` runs these so a user learns before ``pull`` or ``push``
what they would refuse: wrong key types, a mapping to a column the planner
does not read (or to one column twice, through its aliases), a required
column mapped away, an API version Salesforce does not spell that way, a
DeveloperName Salesforce would reject, and whether any credentials are there
to log in with. Credentials are looked for, never read out: a problem names
the environment variable or the Salesforce CLI file, never a value.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from solver.errors import InputProblem
from solver.inputs.columns import ACCOUNTS, REPS, TableSpec, header_key
from solver.tracking.opportunities import OPPORTUNITIES

__all__ = [
    "PUSH_KEYS",
    "check_credentials",
    "check_mapping",
    "check_push",
    "cli_login",
]

#: ``[salesforce.push]`` keys and their TOML types (`scenarios.cli.push.PushOptions` reads them).
PUSH_KEYS: dict[str, type] = {
    "territory_model": str,
    "territory_type": str,
    "forecasting_type": str,
    "batch_size": int,
}
#: Salesforce takes at most this many records in one composite call.
MAX_BATCH = 200
_SPECS: dict[str, TableSpec] = {"accounts": ACCOUNTS, "reps": REPS, "opportunities": OPPORTUNITIES}
#: A DeveloperName: a letter first, then letters, digits and single underscores, no trailing one.
_DEVELOPER_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$")
_DEVELOPER_NAME_MAX = 80


def check_mapping(
    table: str, mapping: Mapping[str, str], file: str, extra_columns: Collection[str] = ()
) -> list[InputProblem]:
    """Target columns of one table's merged mapping (planner column -> Salesforce field).

    A target the table's reader does not know is dropped by ``run``, two
    targets that are aliases of one column are refused by the reader, and a
    required column mapped to ``""`` cannot be read at all. ``extra_columns``
    are accepted as they are (the accounts' score columns of ``[scoring] weights``).
    """
    spec = _SPECS[table]
    key = f"salesforce.{table}.fields"
    targets = list(mapping)
    claimed, unknown = spec.match(targets)
    extra = {header_key(c) for c in extra_columns}
    problems = [
        InputProblem(
            file,
            None,
            f"{key}.{targets[pos]}",
            f"{targets[pos]!r} is not a column of the {table} table, so `run` would not read it; "
            f"known: {', '.join(spec.names)}",
        )
        for pos in unknown
        if header_key(targets[pos]) not in extra
    ]
    problems += [
        InputProblem(
            file,
            None,
            f"{key}.{targets[positions[1]]}",
            f"{' and '.join(repr(targets[p]) for p in positions)} both fill the column {name!r} "
            f'(the standard mapping included); keep one, drop the other with {targets[positions[0]]} = ""',
        )
        for name, positions in claimed.items()
        if len(positions) > 1
    ]
    problems += [
        InputProblem(file, None, f"{key}.{name}", f"the {table} table needs {name!r}: map it to a field")
        for name in spec.required
        if name not in claimed and not (table == "reps" and name in ("segment", "region"))
    ]
    return problems


def check_push(section: Any, file: str) -> list[InputProblem]:
    """``[salesforce.push]``: known keys, their types, DeveloperNames, the batch size."""
    if section is None:
        return []
    if not isinstance(section, dict):
        return [InputProblem(file, None, "salesforce.push", "must be a table ([salesforce.push])")]
    problems = [
        InputProblem(file, None, f"salesforce.push.{k}", f"unknown key; known: {', '.join(PUSH_KEYS)}")
        for k in section
        if k not in PUSH_KEYS
    ]
    for k, kind in PUSH_KEYS.items():
        if k not in section:
            continue
        value = section[k]
        if not isinstance(value, kind) or isinstance(value, bool):
            problems.append(
                InputProblem(
                    file, None, f"salesforce.push.{k}", f"must be {_a(kind)}, not {type(value).__name__}"
                )
            )
        elif isinstance(value, str) and not _is_developer_name(value):
            problems.append(
                InputProblem(
                    file,
                    None,
                    f"salesforce.push.{k}",
                    f"{value!r} is not a DeveloperName (a letter, then letters, digits and single "
                    f"underscores, not ending in one, at most {_DEVELOPER_NAME_MAX} characters)",
                )
            )
        elif isinstance(value, int) and not 1 <= value <= MAX_BATCH:
            problems.append(
                InputProblem(file, None, f"salesforce.push.{k}", f"must be between 1 and {MAX_BATCH}")
            )
    return problems


def _a(kind: type) -> str:
    return {str: "a string", int: "a whole number"}[kind]


def _is_developer_name(text: str) -> bool:
    return len(text) <= _DEVELOPER_NAME_MAX and bool(_DEVELOPER_NAME.fullmatch(text))


# --------------------------------------------------------------------------- credentials


def _json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _target_org(env: Mapping[str, str], home: Path, cwd: Path) -> str | None:
    """The org the Salesforce CLI would use: SF_TARGET_ORG, else the project's, else the global default."""
    if env.get("SF_TARGET_ORG"):
        return env["SF_TARGET_ORG"]
    for config in (cwd / ".sf" / "config.json", home / ".sf" / "config.json"):
        if _json(config).get("target-org"):
            return str(_json(config)["target-org"])
    legacy = _json(home / ".sfdx" / "sfdx-config.json")
    found = legacy.get("target-org") or legacy.get("defaultusername")
    return str(found) if found else None


def cli_login(env: Mapping[str, str], home: Path, cwd: Path) -> str | None:
    """Alias or username of the Salesforce CLI's stored login for the target org, if one is stored.

    Reads the CLI's own files (``~/.sf/config.json``, ``~/.sfdx/alias.json``,
    ``~/.sfdx/<username>.json``) and only checks that the login file exists:
    no network, and nothing of the file's contents leaves this function.
    """
    target = _target_org(env, home, cwd)
    if target is None:
        return None
    aliases: dict[str, Any] = {}
    for path in (home / ".sfdx" / "alias.json", home / ".sf" / "alias.json"):
        orgs = _json(path).get("orgs")
        if isinstance(orgs, dict):
            aliases = {**orgs, **aliases}
    username = str(aliases.get(target, target))
    return target if (home / ".sfdx" / f"{username}.json").is_file() else None


def check_credentials(
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    cwd: Path | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> tuple[str | None, list[InputProblem]]:
    """Where ``pull`` and ``push`` would get their login, or why they would find none.

    Follows the order of `solver.inputs.salesforce_api.credentials_from`.
    Returns the source's description (never a secret) and the problems.
    """
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    cwd = Path.cwd() if cwd is None else cwd

    def problem(why: str) -> list[InputProblem]:
        return [InputProblem("environment", None, "salesforce", why)]

    if env.get("SF_ACCESS_TOKEN") or env.get("SF_INSTANCE_URL"):
        missing = [k for k in ("SF_ACCESS_TOKEN", "SF_INSTANCE_URL") if not env.get(k)]
        if missing:
            return None, problem(f"{missing[0]} is not set (SF_ACCESS_TOKEN and SF_INSTANCE_URL go together)")
        return "environment (SF_ACCESS_TOKEN, SF_INSTANCE_URL)", []
    if env.get("SF_USERNAME"):
        if not env.get("SF_PASSWORD"):
            return None, problem("SF_USERNAME is set but SF_PASSWORD is not")
        return "environment (SF_USERNAME, SF_PASSWORD)", []
    how = (
        "set SF_ACCESS_TOKEN and SF_INSTANCE_URL, or SF_USERNAME, SF_PASSWORD and SF_SECURITY_TOKEN, "
        "or log in with the Salesforce CLI (sf org login web)"
    )
    if which("sf") is None:
        return None, problem(f"no Salesforce credentials for pull and push: {how}")
    login = cli_login(env, home, cwd)
    if login is None:
        target = _target_org(env, home, cwd)
        name = f"org {target!r}" if target else "a default org"
        return None, problem(f"the Salesforce CLI has no stored login for {name}: {how}")
    return f"Salesforce CLI login ({login})", []
