"""Where a command may write: checked before any solving.

A command writes only into a new folder, an empty one, or a folder
terraquota wrote before (it holds `runfolder.MARKER`), and replaces that
folder whole. A file, a device, a folder of someone else's files, or a folder
holding the command's own inputs is refused with exit 2, naming the path and
why, before a second of solving is spent.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from scenarios.run.folder_kinds import MARKER, is_terraquota_folder
from solver.errors import InputError, InputProblem

_NAME_MAX_FALLBACK = 255
#: Room left in a name for terraquota's own suffixes (e.g. ``-alt3``).
_SUFFIX_ROOM = 8


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return _NAME_MAX_FALLBACK


def _existing_ancestor(path: Path) -> Path:
    for parent in path.parents:
        if os.path.lexists(parent):
            return parent
    return Path(path.anchor)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _why_not_folder(target: Path, container: bool) -> str | None:
    """Why an existing path cannot be (re)written as a folder; None when it can."""
    if not target.is_dir():
        return "is a file, not a folder: terraquota writes a whole folder and never replaces a file"
    entries = [p for p in target.iterdir()]
    if not entries or is_terraquota_folder(target):
        return None
    if container:
        strangers = [p.name for p in entries if not p.name.startswith(".") and not is_terraquota_folder(p)]
        if not strangers:
            return None
        shown = ", ".join(sorted(strangers)[:3])
        return f"holds files terraquota did not write ({shown}); choose a new or empty folder"
    shown = ", ".join(sorted(p.name for p in entries)[:3])
    return (
        f"is a folder terraquota did not write (it holds {shown} and no {MARKER} marker); "
        "choose a new or empty folder: it would be replaced whole"
    )


def _why_not_writable(folder: Path, what: str) -> str | None:
    """Try to make (and remove) an entry in ``folder``: permission bits lie on /proc and for root."""
    probe = folder / f".tq-probe-{os.getpid()}"
    try:
        os.mkdir(probe)
        os.rmdir(probe)
    except OSError as e:
        return f"{what}: {folder} is not writable ({e.strerror or e})"
    return None


def check_output(target: Path, *, inputs: Iterable[Path] = (), container: bool = False) -> Path:
    """Return ``target`` made absolute, or raise `InputError` saying why it may not be written.

    ``inputs`` are the files and folders the command reads: the output may
    neither be one of them nor hold one. ``container`` accepts a folder whose
    visible entries are all terraquota folders (a batch's run folders).
    """
    raw = Path(target)
    absolute = Path(os.path.abspath(raw))
    where = str(raw)
    resolved = absolute.resolve()
    limit = _name_max(_existing_ancestor(absolute)) - _SUFFIX_ROOM
    for part in absolute.parts[1:]:
        if len(os.fsencode(part)) > limit:
            why = f"the name '{part[:40]}...' is {len(os.fsencode(part))} bytes; the limit is {limit}"
            raise InputError(InputProblem(where, None, None, why))
    for source in inputs:
        src = Path(source).resolve()
        if _inside(src, resolved):
            what = "is" if src == resolved else "holds"
            why = f"{what} an input of this command ({src}): writing there would destroy it"
            raise InputError(InputProblem(where, None, None, why))
    if os.path.lexists(absolute):
        why = _why_not_folder(resolved, container)
        if why is None:
            why = _why_not_writable(resolved.parent, "cannot be replaced")
    else:
        ancestor = _existing_ancestor(absolute).resolve()
        why = (
            f"cannot be created: {ancestor} is a file, not a folder"
            if not ancestor.is_dir()
            else _why_not_writable(ancestor, "cannot be created")
        )
    if why is not None:
        raise InputError(InputProblem(where, None, None, why))
    return absolute


def check_output_file(target: Path, *, inputs: Iterable[Path] = ()) -> Path:
    """Like `check_output` for a command that writes one file (``plan-hires``)."""
    raw = Path(target)
    absolute = Path(os.path.abspath(raw))
    resolved = absolute.resolve()
    why = None
    if any(Path(s).resolve() == resolved for s in inputs):
        why = "is an input of this command: writing there would destroy it"
    elif os.path.lexists(absolute) and not resolved.is_file():
        why = "exists and is not a regular file"
    else:
        ancestor = _existing_ancestor(absolute).resolve()
        why = (
            f"cannot be written: {ancestor} is not a folder"
            if not ancestor.is_dir()
            else _why_not_writable(ancestor, "cannot be written")
        )
    if why is not None:
        raise InputError(InputProblem(str(raw), None, None, why))
    return absolute
