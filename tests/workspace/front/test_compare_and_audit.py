"""The comparison of two versions and the audit page (filters, CSV export, who may read it)."""

from __future__ import annotations

import csv
import io
import shutil
from typing import Any

from tests.workspace.front.conftest import Browser


def _second_version(plan: Any, browsers: dict[str, Browser], tiny_run: Any) -> Any:
    browsers["planner"].post(
        f"/plans/{plan.pk}/v/1/edit/", {"type": "set", "key": "quota.target", "value": "2000000"}
    )
    v2 = plan.latest()
    shutil.copytree(tiny_run, v2.run_dir)  # as a finished run installs it
    return v2


def test_compare_lists_kpis_and_rep_changes(plan: Any, browsers: dict[str, Browser], tiny_run: Any) -> None:
    v2 = _second_version(plan, browsers, tiny_run)
    reps = v2.run_dir / "reps.csv"
    text = reps.read_text().splitlines()
    header = text[0].split(",")
    q = header.index("quota")
    first = text[1].split(",")
    first[q] = f"{float(first[q]) + 1000:.2f}"
    reps.write_text("\n".join([text[0], ",".join(first), *text[2:]]) + "\n")
    page = browsers["finance"].get(f"/plans/{plan.pk}/compare/?a=1&b=2").content.decode()
    assert "headcount" in page and "expected bookings" in page and "bookings vs quota" in page
    table = page[page.index('id="rep-deltas"') :]
    assert f"<td>{first[0]}</td>" in table and ">1,000.00<" in table
    assert f'data-points="/plans/{plan.pk}/v/2/map.json?base=1"' in page


def test_compare_map_flags_accounts_whose_rep_changed(
    plan: Any, browsers: dict[str, Browser], tiny_run: Any
) -> None:
    import json

    v2 = _second_version(plan, browsers, tiny_run)
    path = v2.run_dir / "assignment.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("rep_id")] = "R2" if cells[header.index("rep_id")] != "R2" else "R1"
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    data = json.loads(browsers["viewer"].get(f"/plans/{plan.pk}/v/2/map.json?base=1").content)
    assert sum(data["accounts"]["changed"]) == 1


def test_audit_page_filters_and_exports_csv(plan: Any, browsers: dict[str, Browser]) -> None:
    browsers["finance"].post(f"/plans/{plan.pk}/comments/", {"target": "plan", "text": "=cmd|' /C calc'!A0"})
    page = browsers["viewer"].get(f"/plans/{plan.pk}/audit/").content.decode()
    assert "plan.create" in page and "comment.create" in page
    only = browsers["viewer"].get(f"/plans/{plan.pk}/audit/", htmx=True, data={"user": "finance"})
    only = only.content.decode()
    assert "comment.create" in only and "plan.create" not in only
    r = browsers["viewer"].get(f"/plans/{plan.pk}/audit/", data={"format": "csv"})
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode())))
    assert [row["action"] for row in rows][:1] == ["plan.create"]
    comment = next(row for row in rows if row["action"] == "comment.create")
    assert "=cmd" in comment["after"] and not comment["after"].startswith("=")
    assert browsers["manager1"].get(f"/plans/{plan.pk}/audit/").status_code == 403
