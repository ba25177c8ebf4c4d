"""Downloads of a version's run folder and, once published, its Salesforce load files."""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from workspace import access
from workspace.front.pages import page_view, version_of
from workspace.plans.models import Version

#: the folders a page may offer: the run (as `terraquota run` wrote it) and the publication
FOLDERS = {"run": "run_dir", "published": "published_dir"}


def _inside(root: Path, name: str) -> Path | None:
    """``name`` inside ``root``, refusing anything that climbs out of it and hidden files."""
    root = root.resolve()
    path = (root / name).resolve()
    if root not in path.parents or not path.is_file() or _hidden(path.relative_to(root)):
        return None
    return path


def _hidden(relative: Path) -> bool:
    """Dot files are the writer's own markers, not part of what users download."""
    return any(part.startswith(".") for part in relative.parts)


def listing(version: Version) -> dict[str, list[str]]:
    """The files of each folder, by relative name, sorted."""
    out = {}
    for folder, attribute in FOLDERS.items():
        root = Path(getattr(version, attribute))
        if root.is_dir():
            names = (p.relative_to(root) for p in root.rglob("*") if p.is_file())
            out[folder] = sorted(n.as_posix() for n in names if not _hidden(n))
    return out


@require_GET
@page_view(access.Action.READ_FILES)
def version_file(request: HttpRequest, plan_id: int, number: int, folder: str, name: str) -> HttpResponse:
    version = version_of(plan_id, number)
    if folder not in FOLDERS:
        raise Http404("no such folder")
    path = _inside(Path(getattr(version, FOLDERS[folder])), name)
    if path is None:
        raise Http404(f"version {version.number} has no {folder} file {name!r}")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
