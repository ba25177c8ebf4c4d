"""One error hierarchy for everything a user can get wrong.

Bad input is an exception (the CLI turns it into exit code 2 and a list of
problems); an infeasible plan is *not* an exception but a `Result` status.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class InputProblem:
    """One thing wrong with the input, located as precisely as we can.

    ``row`` is the 1-based data row as a spreadsheet user sees it (the header
    is row 1, so the first record is row 2); ``None`` when the problem is not
    tied to one row.
    """

    file: str
    row: int | None
    column: str | None
    why: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.why}"


class TerraquotaError(Exception):
    """Base class of every error terraquota raises on purpose."""


class InputError(TerraquotaError):
    """The inputs (tables or scenario) are wrong; carries every problem found."""

    def __init__(self, problems: list[InputProblem] | InputProblem):
        if isinstance(problems, InputProblem):
            problems = [problems]
        self.problems: list[InputProblem] = sorted(
            problems, key=lambda p: (p.file, p.row or 0, p.column or "", p.why)
        )
        n = len(self.problems)
        head = f"{n} input problem{'s' if n != 1 else ''}"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class ConservationError(TerraquotaError):
    """Money was dropped or invented somewhere: always a bug, never input."""
