"""Why an account sits with its rep: the text `terraquota explain` prints, for the account panel."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from solver.errors import InputError


def explain_text(run_dir: Path, account_id: str) -> str:
    """The explanation of ``account_id`` in a finished run (a problem's text when it cannot be given)."""
    from scenarios.cli.explain import explain_in_run

    out = io.StringIO()
    console = Console(file=out, width=100, color_system=None, force_terminal=False)
    try:
        explain_in_run(run_dir, account_id, console=console)
    except InputError as e:
        return "; ".join(p.why for p in e.problems)
    return out.getvalue()
