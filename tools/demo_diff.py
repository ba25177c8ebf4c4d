"""Compare two demo (or run) folders file by file, ignoring only wall-clock figures and absolute paths.

A refactoring must leave `terraquota demo`'s output byte-identical; only
timings (``seconds`` keys, "12.7 s" in report text) and the folder's own
absolute path legitimately differ between two runs. Usage::

    terraquota demo -o /tmp/before   # on the old commit
    terraquota demo -o /tmp/after    # on the new commit
    python tools/demo_diff.py /tmp/before /tmp/after

Exit 0 when every file matches after normalising, 1 otherwise (each differing
file is listed).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

TIMING = re.compile(rb'(?:data-v="[0-9.e+-]+">)?\d+(?:\.\d+)? s\b|\d+ s wall\b')


def _normalise_json(value: object) -> object:
    if isinstance(value, dict):
        return {k: (0 if k in {"seconds", "wall_seconds"} else _normalise_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise_json(v) for v in value]
    return value


def normalised(path: Path, root: Path) -> bytes:
    """File bytes with timings and the folder's absolute path blanked."""
    data = path.read_bytes().replace(str(root.resolve()).encode(), b"<ROOT>")
    if path.suffix == ".json":
        return json.dumps(_normalise_json(json.loads(data)), sort_keys=True).encode()
    if path.suffix in {".html", ".txt", ".md"}:
        data = re.sub(rb'<tr><td data-v="seconds">.*?</tr>', b"<T>", data)  # a comparison's solve times
        return TIMING.sub(b"<T>", data)
    if path.suffix == ".csv":  # a comparison's KPI table has one row of solve times
        return b"\n".join(line for line in data.split(b"\n") if not line.startswith(b"seconds,"))
    return data


def differing_files(before: Path, after: Path) -> list[str]:
    """Relative paths that are missing on one side or differ after normalising."""
    names = {p.relative_to(before) for p in before.rglob("*") if p.is_file()}
    names |= {p.relative_to(after) for p in after.rglob("*") if p.is_file()}
    out = []
    for rel in sorted(names):
        a, b = before / rel, after / rel
        if not (a.is_file() and b.is_file()) or normalised(a, before) != normalised(b, after):
            out.append(str(rel))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    diff = differing_files(Path(argv[0]), Path(argv[1]))
    for rel in diff:
        print(f"differs: {rel}")
    print(f"{len(diff)} file(s) differ" if diff else "identical (timings and paths aside)")
    return 1 if diff else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
