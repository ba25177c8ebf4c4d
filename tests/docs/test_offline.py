"""The documentation site loads nothing from outside: scripts, styles and fonts are its own files."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
VENDOR = DOCS / "javascripts" / "vendor"
_REMOTE = re.compile(r"(https?:)?//", re.IGNORECASE)


class _Loader(yaml.SafeLoader):
    """mkdocs.yml uses `!relative`; its value is irrelevant here."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _config() -> dict[str, Any]:
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)


def test_config_names_no_address() -> None:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.findall(r"\w+://", text) == []


def test_theme_fonts_are_not_fetched() -> None:
    assert _config()["theme"]["font"] is False


def test_every_extra_script_and_style_is_a_file_of_the_site() -> None:
    config = _config()
    extras = [*config.get("extra_javascript", []), *config.get("extra_css", [])]
    assert extras
    for entry in extras:
        path = entry if isinstance(entry, str) else entry["path"]
        assert not _REMOTE.match(path), path
        assert (DOCS / path).is_file(), path


def test_own_scripts_name_no_address() -> None:
    own = [p for p in (DOCS / "javascripts").rglob("*.js") if VENDOR not in p.parents]
    assert own
    for script in own:
        assert re.findall(r"\w+://", script.read_text(encoding="utf-8")) == [], script.name


def test_mathjax_is_vendored_with_its_licence() -> None:
    """The page loads the vendored MathJax, kept byte for byte as its NOTICE records."""
    scripts = [s for s in _config()["extra_javascript"] if "mathjax-" in s and "vendor" in s]
    assert len(scripts) == 1
    script = DOCS / scripts[0]
    folder = script.parent
    assert "Apache License" in (folder / "LICENSE").read_text(encoding="utf-8")
    notice = (folder / "NOTICE").read_text(encoding="utf-8")
    version = folder.name.removeprefix("mathjax-")
    assert f"mathjax@{version}" in notice
    assert hashlib.sha256(script.read_bytes()).hexdigest() in notice
