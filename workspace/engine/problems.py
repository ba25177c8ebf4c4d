"""Problems as the workspace shows them: the CLI's problems, located relative to the scenario folder.

Every engine call that meets bad input raises `EngineInputError` with these, so
the web app renders them the way `terraquota validate` prints them and no
machine path reaches a user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solver.errors import InputError

__all__ = ["EngineInputError", "Problem", "Progress", "located_problems"]

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Problem:
    """One thing wrong, located as the CLI locates it (file relative to the scenario folder)."""

    file: str
    row: int | None
    column: str | None
    why: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "column": self.column, "why": self.why}


class EngineInputError(Exception):
    """The scenario or a change is wrong; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.file}: {p.why}" for p in problems[:5]))


def _relative(file: str, root: Path) -> str:
    """Problem file names relative to the scenario folder: no machine paths reach users."""
    try:
        return Path(file).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(file).name


def located_problems(e: InputError, root: Path) -> list[Problem]:
    return [Problem(_relative(p.file, root), p.row, p.column, p.why) for p in e.problems]
