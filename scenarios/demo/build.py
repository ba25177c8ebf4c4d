"""Where the demo is built before it replaces its folder whole.

The demo is made in a hidden sibling of its folder (``.tq-<digest>.build-<pid>``),
read back into memory, and written as one folder by
`scenarios.run.runfolder.write_folder_atomically`: the previous demo stays
whole under the name until the new one replaces it in one rename. Run
folders record the absolute paths of their inputs (scenario.toml,
inputs.json, the tracking folder's sources), so those are moved from the
build folder to the final one in each file's own string encoding. A build
folder left by a killed demo is removed by the next demo of that folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import markupsafe
import tomli_w

from scenarios.run.runfolder import hidden_sibling

__all__ = ["build_folder", "folder_files", "relocated"]

#: Files that may hold a path, and how each encodes a string.
_ENCODERS: dict[str, tuple[Callable[[str], str], ...]] = {
    ".toml": (lambda s: tomli_w.dumps({"k": s})[5:-2],),
    ".json": (lambda s: json.dumps(s)[1:-1],),
    ".html": (lambda s: str(markupsafe.escape(s)),),
}


def _pid_alive(text: str) -> bool:
    if not text.isdigit():
        return False
    try:
        os.kill(int(text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(target: Path) -> None:
    """Build folders of ``target`` whose demo process no longer runs."""
    prefix = hidden_sibling(target, "build-").name
    for entry in target.parent.iterdir():
        if entry.name.startswith(prefix) and not _pid_alive(entry.name[len(prefix) :]):
            shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def build_folder(target: Path) -> Iterator[Path]:
    """A fresh hidden build folder beside ``target``, removed when the ``with`` ends."""
    target = Path(target).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    build = hidden_sibling(target, f"build-{os.getpid()}")
    shutil.rmtree(build, ignore_errors=True)
    os.mkdir(build)
    try:
        yield build
    finally:
        shutil.rmtree(build, ignore_errors=True)


def folder_files(root: Path) -> dict[str, bytes]:
    """Every file under ``root``: relative POSIX path -> bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def relocated(files: dict[str, bytes], old: Path, new: Path) -> dict[str, bytes]:
    """``files`` with every recorded path under ``old`` moved under ``new``.

    Raises
    ------
    RuntimeError
        A file still names the build folder: a path written in an encoding
        this module does not know (a bug, never the user's input).
    """
    out = dict(files)
    for rel, data in files.items():
        encoders = _ENCODERS.get(Path(rel).suffix)
        if encoders is None:
            continue
        text = data.decode("utf-8")
        for encode in encoders:
            text = text.replace(encode(str(old)), encode(str(new)))
        if old.name in text:
            raise RuntimeError(f"{rel} still names the build folder {old}")
        out[rel] = text.encode("utf-8")
    return out
