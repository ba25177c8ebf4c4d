"""POST /api/plans: a zipped scenario folder becomes a plan; hostile or invalid zips are refused."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from tests.tests_paths import TINY
from tests.workspace.conftest import zip_folder


def _zip(entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
    return buf.getvalue()


def _tiny_entries() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in TINY.iterdir() if p.is_file()}


def _left_on_disk(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name not in ("secret_key",)
    )


def test_upload_creates_plan_version_1(api: dict, db: Path, tiny_zip: bytes) -> None:
    r = api["planner"].upload("/api/plans", tiny_zip)
    assert r.status_code == 201, r.content
    assert r.json()["version"] == 1
    plans = api["viewer"].get("/api/plans").json()
    assert plans == [{"id": r.json()["id"], "name": "tiny", "latest_version": 1, "status": "draft"}]
    version = api["viewer"].get(f"/api/plans/{r.json()['id']}/versions/1").json()
    assert version["status"] == "draft" and version["metrics"] is None and version["parent"] is None
    assert version["created_by"] == "planner"
    stored = db / "plans" / str(r.json()["id"]) / "v1" / "inputs"
    assert (stored / "accounts.csv").read_bytes() == (TINY / "accounts.csv").read_bytes()


def test_a_zipped_folder_with_one_top_folder_is_accepted(api: dict) -> None:
    entries = {f"tiny/{k}": v for k, v in _tiny_entries().items()}
    assert api["planner"].upload("/api/plans", _zip(entries)).status_code == 201


def test_files_are_404_before_a_run(api: dict, tiny_zip: bytes) -> None:
    pid = api["planner"].upload("/api/plans", tiny_zip).json()["id"]
    r = api["viewer"].get(f"/api/plans/{pid}/versions/1/files/assignment.csv")
    assert r.status_code == 404 and "not run yet" in r.json()["error"]


HOSTILE = {
    "not a zip": (b"this is not a zip file", "not a zip"),
    "climbing path": (_zip({**_tiny_entries(), "../evil.txt": b"x"}), "climbs out"),
    "nested climbing path": (_zip({**_tiny_entries(), "a/../../evil.txt": b"x"}), "climbs out"),
    "absolute path": (_zip({**_tiny_entries(), "/tmp/evil.txt": b"x"}), "absolute"),
    "symlink": (_zip(_tiny_entries(), symlinks={"link.csv": "/etc/passwd"}), "symbolic link"),
    "too many files": (_zip({**_tiny_entries(), **{f"f{i}.txt": b"x" for i in range(30)}}), "too many files"),
    "too many bytes": (_zip({**_tiny_entries(), "big.bin": b"0" * 300_000}), "unpacks to"),
    "no scenario.toml": (_zip({"accounts.csv": b"a"}), "no scenario.toml"),
    "table outside the folder": (
        _zip(
            {
                **_tiny_entries(),
                "scenario.toml": (TINY / "scenario.toml")
                .read_bytes()
                .replace(b'accounts = "accounts.csv"', b'accounts = "../../../../etc/passwd.csv"'),
            }
        ),
        "outside",
    ),
    "extends outside the folder": (
        _zip(
            {
                **_tiny_entries(),
                "scenario.toml": b'extends = "/etc/base.toml"\n' + (TINY / "scenario.toml").read_bytes(),
            }
        ),
        "outside",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_zips_are_refused_and_nothing_is_written(api: dict, db: Path, case: str) -> None:
    from django.test.utils import override_settings

    payload, why = HOSTILE[case]
    before = _left_on_disk(db)
    with override_settings(UPLOAD_MAX_FILES=20, UPLOAD_MAX_UNPACKED_BYTES=200_000):
        r = api["planner"].upload("/api/plans", payload)
    assert r.status_code == 400, r.content
    assert why in r.json()["error"]
    assert _left_on_disk(db) == before
    assert not (db / "plans").exists() or not any((db / "plans").iterdir())
    assert api["viewer"].get("/api/plans").json() == []
    assert not Path("/tmp/evil.txt").exists()


def test_a_zip_that_lies_about_its_sizes_is_stopped_while_unpacking(tmp_path: Path) -> None:
    from workspace.plans.uploads import Limits, UploadRefused, unpack

    payload = bytearray(_zip({"scenario.toml": b"0" * 50_000}))
    # shrink the declared size in both headers: the real bytes still come out
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = payload.find(sig)
        payload[at + off : at + off + 4] = (10).to_bytes(4, "little")
    with pytest.raises(UploadRefused):
        unpack(io.BytesIO(bytes(payload)), tmp_path / "staging", Limits(10, 1_000))
    assert not any((tmp_path / "staging").iterdir())


def test_an_invalid_scenario_lists_its_problems(api: dict, db: Path) -> None:
    entries = _tiny_entries()
    entries["accounts.csv"] = entries["accounts.csv"].replace(
        b"A02,Hartford Mills,60,US", b"A02,Hartford Mills,-5,US"
    )
    entries["scenario.toml"] = entries["scenario.toml"].replace(b'periods = "quarter"', b'periods = "weekly"')
    r = api["planner"].upload("/api/plans", _zip(entries))
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert all(set(p) == {"file", "row", "column", "why"} for p in detail)
    files = {p["file"] for p in detail}
    assert files <= {"scenario.toml", "accounts.csv"} and files
    assert not any("/" in p["file"] for p in detail)  # no machine paths
    assert _left_on_disk(db) == []


def test_only_planners_and_admins_upload(api: dict, tiny_zip: bytes) -> None:
    for name in ("viewer", "finance", "manager1"):
        assert api[name].upload("/api/plans", tiny_zip).status_code == 403
    assert api["admin"].upload("/api/plans", tiny_zip).status_code == 201


def test_upload_without_file_field_is_400(api: dict) -> None:
    r = api["planner"].post("/api/plans", {})
    assert r.status_code == 400 and "file" in r.json()["error"]


def test_zip_folder_helper_roundtrip() -> None:
    assert zipfile.ZipFile(io.BytesIO(zip_folder(TINY))).namelist()
