"""`terraquota resolve` end to end on a small demo: touched blocks only, byte-identical rows elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from scenarios.cli.commands import app
from scenarios.demo.data import write_demo_inputs
from scenarios.run.prepare import prepare_tables
from scenarios.run.resolve import load_base, resolve_run
from scenarios.run.resolve_changes import apply_changes
from scenarios.run.runfolder import write_folder_atomically
from scenarios.run.runner import run_scenario
from scenarios.run.scenario import load_scenario


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("resolve")
    inputs = write_demo_inputs(root / "inputs", n_accounts=900, n_reps=30, seed=1)
    outcome = run_scenario(load_scenario(inputs.scenarios[0]), render=False)
    assert outcome.exit_code == 0
    return write_folder_atomically(root / "base", outcome.files)


def _rows(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _resolve(run: Path, changes: list[dict], out: Path, *extra: str) -> object:
    (out.parent / f"{out.name}.json").write_text(json.dumps({"changes": changes}))
    args = ["resolve", str(run), str(out.parent / f"{out.name}.json"), "-o", str(out), "--no-render", *extra]
    return CliRunner().invoke(app, args)


def _pin_target(run: Path) -> tuple[str, str, str]:
    """A mid-sized SMB x NA account and another rep of its block."""
    a = _table(run / "assignment.csv")
    reps = _table(run / "reps.csv")
    smb = a[(a["segment"] == "SMB") & (a["region"] == "NA") & (a["family_id"] == a["account_id"])]
    row = smb.iloc[len(smb) // 2]
    others = reps[(reps["segment"] == "SMB") & (reps["region"] == "NA") & (reps["rep_id"] != row["rep_id"])]
    active = others[others["capacity_factor"].astype(float) > 0]
    return row["account_id"], active["rep_id"].iloc[0], row["rep_id"]


def test_a_pin_rewrites_only_its_block(demo_run: Path, tmp_path: Path) -> None:
    account, rep, _ = _pin_target(demo_run)
    out = tmp_path / "pinned"
    done = _resolve(demo_run, [{"type": "pin", "account_id": account, "rep_id": rep}], out)
    assert done.exit_code == 0, done.output
    assert "re-solved blocks: SMB x NA" in done.output
    before, after = _rows(demo_run / "assignment.csv"), _rows(out / "assignment.csv")
    assert len(before) == len(after) and before[0] == after[0]
    new = _table(out / "assignment.csv")
    assert new.set_index("account_id").loc[account, "rep_id"] == rep
    for old_row, new_row, seg, reg in zip(before[1:], after[1:], new["segment"], new["region"], strict=True):
        if (seg, reg) != ("SMB", "NA"):
            assert old_row == new_row
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["resolve"]["blocks"] == ["SMB x NA"] and metrics["resolve"]["whole"] is False
    assert 1 <= metrics["resolve"]["moved_from_base"]["accounts"] <= 15
    assert json.loads((out / "changes.json").read_text())["changes"][0]["type"] == "pin"


def test_a_quota_change_never_resolves(demo_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "quota"
    done = _resolve(demo_run, [{"type": "set", "key": "quota.target", "value": 150_000_000}], out)
    assert done.exit_code == 0, done.output
    assert (out / "assignment.csv").read_bytes() == (demo_run / "assignment.csv").read_bytes()
    metrics = json.loads((out / "metrics.json").read_text())
    base = json.loads((demo_run / "metrics.json").read_text())
    assert metrics["resolve"]["blocks"] == [] and metrics["objective"] == base["objective"]
    assert metrics["quota"]["target"] == "150000000.00"
    assert (out / "quotas.csv").read_bytes() != (demo_run / "quotas.csv").read_bytes()


def test_a_rep_leaving_and_a_new_hire(demo_run: Path, tmp_path: Path) -> None:
    _, rep, _ = _pin_target(demo_run)
    changes = [
        {"type": "rep", "rep_id": rep, "end_date": "2027-07-31"},
        {
            "type": "add_rep",
            "rep": {"rep_id": "Z-HIRE", "segment": "MM", "region": "EMEA", "start_date": "2027-04-01"},
        },
    ]
    done = resolve_run(demo_run, changes, render=False)
    assert done.outcome.exit_code == 0
    assert set(done.resolved.blocks) == {"SMB x NA", "MM x EMEA"}
    reps = pd.read_csv(pd.io.common.BytesIO(done.outcome.files["reps.csv"]), dtype=str).set_index("rep_id")
    assert float(reps.loc[rep, "capacity_factor"]) == pytest.approx(0.5)
    assert int(reps.loc["Z-HIRE", "accounts"]) > 0


def test_a_looser_tolerance_resolves_every_block_and_moves_nothing(demo_run: Path) -> None:
    done = resolve_run(
        demo_run, [{"type": "set", "key": "assignment.balance.potential", "value": 0.08}], render=False
    )
    assert done.outcome.exit_code == 0
    assert len(done.resolved.blocks) == 6
    assert done.resolved.moved_accounts == 0, "the current plan keeps a looser band and costs nothing to keep"


def test_the_run_is_read_once_for_many_resolves(demo_run: Path) -> None:
    base = load_base(demo_run)
    account, rep, _ = _pin_target(demo_run)
    one = resolve_run(
        demo_run, [{"type": "pin", "account_id": account, "rep_id": rep}], render=False, base=base
    )
    two = resolve_run(
        demo_run, [{"type": "pin", "account_id": account, "rep_id": rep}], render=False, base=base
    )
    assert one.outcome.files["assignment.csv"] == two.outcome.files["assignment.csv"]


@pytest.mark.parametrize("across", ["segment", "region"])
def test_a_pin_out_of_its_block_is_infeasible_as_a_full_solve_says(
    demo_run: Path, tmp_path: Path, across: str
) -> None:
    account, _, _ = _pin_target(demo_run)  # an SMB x NA account
    reps = _table(demo_run / "reps.csv")
    other = reps[(reps["segment"] != "SMB") if across == "segment" else (reps["region"] != "NA")]
    changes = [{"type": "pin", "account_id": account, "rep_id": other["rep_id"].iloc[0]}]
    done = resolve_run(demo_run, changes, render=False)
    base = load_base(demo_run)
    changed = apply_changes(base.accounts, base.reps, changes, "changes")
    full = run_scenario(
        base.scenario, render=False, prepared=prepare_tables(base.scenario, changed.accounts, changed.reps)
    )
    assert full.exit_code == done.outcome.exit_code == 3
    assert done.outcome.files["explanation.txt"] == full.files["explanation.txt"]
    assert account.encode() in full.files["explanation.txt"]
    assert not done.resolved.whole, "no block is solved to learn that a pin cannot hold"
    cli = _resolve(demo_run, changes, tmp_path / "pinned")
    assert cli.exit_code == 3, cli.output
    assert (tmp_path / "pinned" / "explanation.txt").read_bytes() == full.files["explanation.txt"]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"type": "move"}, "row 1, column 'type'"),
        ({"type": "pin", "account_id": "nope", "rep_id": "R0001"}, "row 1, column 'account_id'"),
        ({"type": "pin", "account_id": "A000001"}, "row 1, column 'rep_id'"),
        ({"type": "rep", "rep_id": "R0001", "end_date": "31/07/2027"}, "row 1, column 'end_date'"),
        (
            {"type": "add_rep", "rep": {"rep_id": "R0001", "segment": "SMB", "region": "NA"}},
            "column 'rep.rep_id'",
        ),
        ({"type": "unpin", "account_id": "A000001", "rep_id": "R1"}, "row 1, column 'rep_id'"),
    ],
)
def test_bad_changes_exit_2_naming_the_change(
    demo_run: Path, tmp_path: Path, change: dict, where: str
) -> None:
    out = tmp_path / "bad"
    done = _resolve(demo_run, [change], out)
    assert done.exit_code == 2, done.output
    assert where in done.output.replace("\n", " ")
    assert not out.exists()


def test_the_run_folder_itself_is_never_the_output(demo_run: Path, tmp_path: Path) -> None:
    changes = tmp_path / "c.json"
    changes.write_text(json.dumps([{"type": "set", "key": "quota.target", "value": 1}]))
    before = (demo_run / "assignment.csv").read_bytes()
    done = CliRunner().invoke(
        app, ["resolve", str(demo_run), str(changes), "-o", str(demo_run), "--no-render"]
    )
    assert done.exit_code == 2, done.output
    assert (demo_run / "assignment.csv").read_bytes() == before


def test_a_resolved_run_keeps_its_changes_for_the_next_resolve(demo_run: Path, tmp_path: Path) -> None:
    account, rep, _ = _pin_target(demo_run)
    first = tmp_path / "first"
    assert _resolve(demo_run, [{"type": "pin", "account_id": account, "rep_id": rep}], first).exit_code == 0
    second = tmp_path / "second"
    done = _resolve(first, [{"type": "set", "key": "assignment.balance.potential", "value": 0.06}], second)
    assert done.exit_code == 0, done.output
    new = _table(second / "assignment.csv").set_index("account_id")
    assert new.loc[account, "rep_id"] == rep and new.loc[account, "reason"].startswith("pinned")
    recorded = json.loads((second / "changes.json").read_text())["changes"]
    assert [c["type"] for c in recorded] == ["pin", "set"]
    metrics = json.loads((second / "metrics.json").read_text())
    assert (
        metrics["counts"]["pinned_accounts"]
        == json.loads((demo_run / "metrics.json").read_text())["counts"]["pinned_accounts"] + 1
    )
