"""Atomic run folders: all files or nothing.

Files are staged in a hidden sibling folder and renamed into place at the
end; an interrupted run leaves no partial folder behind, and an existing run
folder is replaced only once the new one is complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path


def write_folder_atomically(target: Path, files: dict[str, bytes]) -> Path:
    """Write ``files`` (relative path -> bytes) as the folder ``target``."""
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    try:
        for rel, data in sorted(files.items()):
            path = stage / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / "run")
        os.replace(stage, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return target


def write_file_atomically(path: Path, data: bytes | str) -> None:
    """Write one file via a temporary sibling and a rename: readers never see half of it.

    Text is written as UTF-8 with the newlines it has.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with tmp.open("xb") as f:  # plain open: the usual permissions (umask), unlike mkstemp
            f.write(raw)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
