"""Scenario zips from the network: unpacked only when every entry is safe.

Refused (with the reason, before anything is written): not a zip, entries
with ``..`` or absolute paths, symlinks, more files or more unpacked bytes
than the limits, no ``scenario.toml`` at the root, scenario files or tables
pointing outside the folder. Sizes are checked on the bytes actually
decompressed, not only on what the zip's directory claims.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from workspace import engine

SCENARIO_FILE = "scenario.toml"
_CHUNK = 1 << 16


class UploadRefused(Exception):
    """The upload is refused; ``problems`` are dicts (file, row, column, why)."""

    def __init__(self, why: str, problems: list[dict[str, object]] | None = None):
        self.why = why
        self.problems = problems or []
        super().__init__(why)


@dataclass(frozen=True)
class Limits:
    max_files: int
    max_unpacked_bytes: int


def _safe_name(name: str) -> PurePosixPath:
    """The entry's relative path, or UploadRefused for absolute and climbing names."""
    if "\\" in name or "\x00" in name:
        raise UploadRefused(f"zip entry {name!r}: backslashes and NUL are not allowed in names")
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and path.parts[0].endswith(":")):
        raise UploadRefused(f"zip entry {name!r} has an absolute path")
    if ".." in path.parts:
        raise UploadRefused(f"zip entry {name!r} climbs out of the folder (..)")
    return path


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def check_entries(archive: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """The file entries to unpack, after refusing anything unsafe (nothing is written)."""
    infos = archive.infolist()
    files = [i for i in infos if not i.is_dir()]
    if len(files) > limits.max_files:
        raise UploadRefused(f"too many files in the zip: {len(files)} (at most {limits.max_files})")
    claimed = 0
    for info in infos:
        _safe_name(info.filename)
        if _is_symlink(info):
            raise UploadRefused(f"zip entry {info.filename!r} is a symbolic link")
        if info.flag_bits & 0x1:
            raise UploadRefused(f"zip entry {info.filename!r} is encrypted")
        claimed += info.file_size
    if claimed > limits.max_unpacked_bytes:
        raise UploadRefused(f"the zip unpacks to {claimed:,} bytes (at most {limits.max_unpacked_bytes:,})")
    return files


def _root_prefix(files: list[zipfile.ZipInfo]) -> PurePosixPath:
    """``scenario.toml`` at the root, or inside the zip's one top folder (a zipped folder)."""
    names = [PurePosixPath(i.filename) for i in files]
    if PurePosixPath(SCENARIO_FILE) in names:
        return PurePosixPath()
    tops = {n.parts[0] for n in names if len(n.parts) > 1}
    if len(tops) == 1 and all(len(n.parts) > 1 for n in names):
        top = PurePosixPath(tops.pop())
        if top / SCENARIO_FILE in names:
            return top
    raise UploadRefused(f"no {SCENARIO_FILE} at the root of the zip")


def unpack(stream: BinaryIO, staging_parent: Path, limits: Limits) -> Path:
    """Unpack a scenario zip into a new folder under ``staging_parent``; the folder's path.

    On refusal nothing remains on disk.
    """
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRefused("the file is not a zip archive") from None
    with archive:
        files = check_entries(archive, limits)
        prefix = _root_prefix(files)
        staging_parent.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="upload-", dir=staging_parent))
        try:
            written = 0
            for info in files:
                rel = (
                    PurePosixPath(info.filename).relative_to(prefix)
                    if prefix.parts
                    else PurePosixPath(info.filename)
                )
                target = folder.joinpath(*rel.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, target.open("xb") as dst:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        if written > limits.max_unpacked_bytes:
                            raise UploadRefused(
                                f"the zip unpacks to more than {limits.max_unpacked_bytes:,} bytes"
                            )
                        dst.write(chunk)
        except zipfile.BadZipFile as e:
            shutil.rmtree(folder, ignore_errors=True)
            raise UploadRefused(f"the zip archive is damaged: {e}") from None
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    return folder


def check_scenario_folder(folder: Path, scenario_file: str = SCENARIO_FILE) -> None:
    """Refuse scenarios whose files point outside the folder, then run the CLI's validation."""
    root = folder.resolve()
    for path in engine.extends_chain(folder, scenario_file):
        if root not in path.parents:
            raise UploadRefused(
                "the scenario extends a file outside the uploaded folder",
                [
                    {
                        "file": scenario_file,
                        "row": None,
                        "column": "extends",
                        "why": "extends must name a file inside the uploaded folder",
                    }
                ],
            )
    try:
        paths = engine.data_paths(folder, scenario_file)
    except engine.EngineInputError as e:
        raise UploadRefused("the scenario is not valid", [p.as_dict() for p in e.problems]) from None
    for key, path in sorted(paths.items()):
        if root not in path.resolve().parents:
            raise UploadRefused(
                "the scenario names a table outside the uploaded folder",
                [
                    {
                        "file": scenario_file,
                        "row": None,
                        "column": key if "." in key else f"data.{key}",
                        "why": "tables must be inside the uploaded folder",
                    }
                ],
            )
    problems = engine.validate(folder, scenario_file)
    if problems:
        raise UploadRefused("the scenario is not valid", [p.as_dict() for p in problems])
