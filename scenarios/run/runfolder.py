"""Atomic run folders: all files or nothing, and never someone else's folder.

A folder is written in a hidden sibling (``.tq-<digest>.new``), each file and
folder fsynced, then swapped with the old folder in one ``renameat2`` exchange
(or renamed into place when there is none), so a crash at any moment leaves
either the old or the new run under the name. Where the exchange is not
available the old folder is first set aside as ``.tq-<digest>.old``; the next
writer puts it back if the crash came between the two renames. Writers of one
parent folder are serialised by a lock on that folder, and every writer first
recovers what an interrupted one left behind.

Every folder written here holds the marker file `MARKER`, but a run folder
without a plan, which holds only the contract's three files and is recognised
by its metrics.json (`scenarios.run.folder_kinds`); `check_output`
(`scenarios.run.output_path`) lets a command replace only such folders. The
lock and the staging live beside the folder, never in it.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from scenarios.run.folder_kinds import MARKER, needs_marker
from solver.errors import InputError, InputProblem

#: Steps of a folder write, in order; `_reached` is called with each (tests crash there).
STEPS = ("locked", "recovered", "writing", "staged", "synced", "set-aside", "swapped", "cleaned")

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _reached(step: str) -> None:
    """Hook called at each step of a write; tests replace it to crash the process there."""


def marker_text(kind: str) -> bytes:
    """The marker's bytes: the kind of folder (run, comparison, tracking, batch)."""
    return f"terraquota {kind}\n".encode()


def hidden_sibling(target: Path, suffix: str) -> Path:
    """The hidden name beside ``target`` used for its ``suffix`` (staging, set-aside, build)."""
    # a digest keeps the name short whatever the target's length (NAME_MAX)
    digest = hashlib.sha1(target.name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return target.parent / f".tq-{digest}.{suffix}"


@contextlib.contextmanager
def _parent_lock(parent: Path) -> Iterator[None]:
    """Exclusive lock on the parent folder: one writer at a time, others wait."""
    fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (new names, renames) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("xb") as f:  # plain open: permissions follow the umask
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _exchange(a: Path, b: Path) -> bool:
    """Swap two names atomically (Linux renameat2); False when the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _legacy_leftovers(target: Path) -> list[Path]:
    """Hidden ``.<name>.staging-*`` / ``.<name>.old-*`` folders of earlier versions."""
    prefix = f".{target.name}."
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return []
    return sorted(
        p
        for p in entries
        if p.name.startswith(prefix) and (p.name[len(prefix) :].startswith(("staging-", "old-")))
    )


def recover(target: Path) -> None:
    """Clean or put back what an interrupted write of ``target`` left (caller holds the lock).

    A set-aside old folder comes back when the new one never arrived; every
    other leftover (staging, an old folder already replaced) is removed.
    """
    target = Path(target)
    old = hidden_sibling(target, "old")
    for legacy in _legacy_leftovers(target):
        if legacy.name.startswith(f".{target.name}.old-") and (legacy / "run").is_dir():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(legacy / "run", old)
        shutil.rmtree(legacy, ignore_errors=True)
    if old.is_dir():
        if target.exists():
            shutil.rmtree(old)
        else:
            os.replace(old, target)
    shutil.rmtree(hidden_sibling(target, "new"), ignore_errors=True)


def _stage(stage: Path, files: dict[str, bytes], kind: str) -> None:
    os.mkdir(stage)  # default mode: the umask decides, unlike mkdtemp's 0700
    folders = {stage}
    marked = {**files, MARKER: marker_text(kind)} if needs_marker(files) else dict(files)
    for rel, data in sorted(marked.items()):
        path = stage / rel
        for parent in reversed(path.relative_to(stage).parents[:-1]):
            folder = stage / parent
            if folder not in folders:
                os.mkdir(folder)
                folders.add(folder)
        _write_synced(path, data)
        _reached("writing")
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        fsync_dir(folder)


def _swap_in(stage: Path, target: Path) -> None:
    """Put the staged folder under the target's name; the old one ends up in a hidden name."""
    if not target.exists():
        os.rename(stage, target)  # fails rather than replace a folder created meanwhile
        return
    if _exchange(stage, target):
        return  # the old run now sits in the staging name
    old = hidden_sibling(target, "old")
    os.replace(target, old)
    _reached("set-aside")
    os.replace(stage, target)


def write_folder_atomically(target: Path, files: dict[str, bytes], kind: str = "run") -> Path:
    """Write ``files`` (relative path -> bytes) as the folder ``target``; return its path.

    An existing folder at ``target`` is replaced whole, so callers check it
    first (`scenarios.run.output_path.check_output`). Any operating-system
    failure (full disk, no permission) is an `InputError` naming the path.
    """
    target = Path(target).absolute()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _parent_lock(target.parent):
            _reached("locked")
            recover(target)
            _reached("recovered")
            stage = hidden_sibling(target, "new")
            try:
                _stage(stage, files, kind)
                _reached("staged")
                fsync_dir(target.parent)
                _reached("synced")
                _swap_in(stage, target)
                fsync_dir(target.parent)
                _reached("swapped")
            finally:
                recover(target)  # puts the old run back if the new one is not in place
            fsync_dir(target.parent)
            _reached("cleaned")
    except OSError as e:
        raise InputError(
            InputProblem(str(target), None, None, f"cannot write the folder: {_reason(e)}")
        ) from e
    return target


def _reason(e: OSError) -> str:
    return e.strerror or str(e)


def write_file_atomically(path: Path, data: bytes | str) -> None:
    """Write one file via a temporary sibling and a rename: readers never see half of it.

    Text is written as UTF-8 with the newlines it has; the file is fsynced
    before the rename and the folder after it.
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".tq-{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            _write_synced(tmp, raw)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        fsync_dir(path.parent)
    except OSError as e:
        raise InputError(InputProblem(str(path), None, None, f"cannot write the file: {_reason(e)}")) from e


def recover_all(parent: Path, names: list[str]) -> int:
    """Recover or clean the leftovers of interrupted writes of ``parent / name``; return how many.

    Run by a batch before it starts, so a folder caught between two renames is
    back under its name before anything decides whether it is up to date.
    """
    parent = Path(parent).absolute()
    if not parent.is_dir():
        return 0
    found = 0
    with _parent_lock(parent):
        for name in names:
            target = parent / name
            leftovers = [
                *_legacy_leftovers(target),
                hidden_sibling(target, "new"),
                hidden_sibling(target, "old"),
            ]
            here = [p for p in leftovers if os.path.lexists(p)]
            if here:
                found += len(here)
                recover(target)
    return found
