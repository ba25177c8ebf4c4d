"""Every money figure of `compare` carries the baseline's currency: terminal, CSVs, report."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from tests.tests_paths import TINY

EUR = 'extends = "scenario.toml"\nname = "{name}"\n\n[plan]\ncurrency = "EUR"\n\n[quota]\ntarget = {target}\n'


def _invoke(*args: str) -> subprocess.CompletedProcess[str]:
    from typer.testing import CliRunner

    from scenarios.cli.commands import app

    result = CliRunner().invoke(app, list(args))
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


@pytest.mark.slow
def test_compare_shows_money_with_its_currency(tmp_path: Path) -> None:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    for name, target in (("base", "1000.00"), ("more", "1200.00")):
        (tmp_path / f"{name}.toml").write_text(EUR.format(name=name, target=target))
        done = _invoke("run", str(tmp_path / f"{name}.toml"), "-o", str(tmp_path / name), "--no-render")
        assert done.returncode == 0, done.stdout + done.stderr
    done = _invoke("compare", str(tmp_path / "base"), str(tmp_path / "more"), "-o", str(tmp_path / "cmp"))
    assert done.returncode == 0, done.stdout + done.stderr
    out = " ".join(done.stdout.split())
    # quota totals: target x 1.1 (the region hedge): 1,100.00 and 1,320.00
    assert "EUR 1,100.00" in out and "EUR 1,320.00" in out
    assert "Reps changed against the baseline" in out and "Δ quota (EUR)" in out
    deltas = pd.read_csv(tmp_path / "cmp" / "rep_deltas.csv", keep_default_na=False)
    assert set(deltas["currency"]) == {"EUR"}
    # the reps' quota deltas add up to the change of the quota total, 220.00, to the cent
    assert round(deltas["quota_delta[more]"].astype(float).sum(), 2) == 220.00
    for rep, delta in deltas.set_index("rep_id")["quota_delta[more]"].items():
        if abs(float(delta)) > 0.005:
            assert f"EUR {float(delta):+,.2f}" in out, rep
    kpis = pd.read_csv(tmp_path / "cmp" / "kpis.csv", keep_default_na=False).set_index("kpi")
    assert kpis.loc["quota_total", "currency"] == "EUR"
    assert kpis.loc["moved_accounts", "currency"] == ""
    assert (kpis["currency"] == "EUR").sum() >= 3  # quota total, cost, expected bookings
    assert set(pd.read_csv(tmp_path / "cmp" / "moves.csv", keep_default_na=False)["currency"]) <= {"EUR"}
    html = (tmp_path / "cmp" / "report.html").read_text()
    for head in ("Quota (EUR)", "Potential (EUR)", "Moved potential (EUR)"):
        assert head in html, head
