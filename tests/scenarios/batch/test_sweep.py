"""Sweeps: grid x zip expansion, stable unique names, overrides, and errors that name the key."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from scenarios.batch.sweep import expand_sweep, member_name_is_safe, short_keys, value_slug
from scenarios.run.scenario import load_scenario
from solver.errors import InputError
from tests.tests_paths import TINY


def _sweep(tmp_path: Path, body: str, name: str = "sweep.toml") -> Path:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    path = tmp_path / name
    path.write_text(f'extends = "scenario.toml"\nname = "s"\n\n[sweep]\n{body}\n')
    return path


def _problem_text(e: pytest.ExceptionInfo[InputError]) -> str:
    return "\n".join(str(p) for p in e.value.problems)


def test_grid_is_cartesian_and_zip_rows_combine_with_it(tmp_path: Path) -> None:
    path = _sweep(
        tmp_path,
        'grid = { "assignment.balance.potential" = [0.1, 0.2],'
        ' "assignment.max_moved_share" = [0.3, 0.4, 0.5] }\n'
        'zip = { "quota.target" = [1000.0, 2000.0], "assignment.seed" = [1, 2] }',
    )
    members = expand_sweep(path)
    assert len(members) == 2 * 3 * 2
    combos = [tuple(m.values.values()) for m in members]
    assert len(set(combos)) == 12
    # declaration order, last grid key fastest, zip rows innermost
    assert combos[:3] == [(0.1, 0.3, 1000.0, 1), (0.1, 0.3, 2000.0, 2), (0.1, 0.4, 1000.0, 1)]
    # zipped keys always move together
    assert {(c[2], c[3]) for c in combos} == {(1000.0, 1), (2000.0, 2)}
    m = members[3]
    assert m.overrides == {
        "name": m.name,
        "assignment": {"balance": {"potential": 0.1}, "max_moved_share": 0.4, "seed": 2},
        "quota": {"target": 2000.0},
    }


def test_members_load_with_their_values_and_keep_the_rest(tmp_path: Path) -> None:
    path = _sweep(tmp_path, 'grid = { "assignment.balance.potential" = [0.1, 0.25] }')
    for m in expand_sweep(path):
        sc = load_scenario(m.source, overrides=m.overrides)
        assert sc.name == m.name
        assert sc.params.assignment.balance == {"potential": m.values["assignment.balance.potential"]}
        assert sc.params.quota.target == 1000.0  # inherited, untouched
        assert sc.params.assignment.weights == {"disruption": 1.0, "distance": 0.1}


def test_default_names_are_stable_unique_and_folder_safe(tmp_path: Path) -> None:
    path = _sweep(
        tmp_path,
        'grid = { "assignment.balance.potential" = [0.05, 0.1], "assignment.weights.distance" = [0.0, 1.5] }',
    )
    names = [m.name for m in expand_sweep(path)]
    assert names == [
        "s_potential=0.05_distance=0",
        "s_potential=0.05_distance=1.5",
        "s_potential=0.1_distance=0",
        "s_potential=0.1_distance=1.5",
    ]
    assert names == [m.name for m in expand_sweep(path)]
    assert all(member_name_is_safe(n) for n in names)


def test_name_template_with_dotted_placeholders_and_format_spec(tmp_path: Path) -> None:
    path = _sweep(
        tmp_path,
        'grid = { "assignment.balance.potential" = [0.02, 0.05] }\n'
        'zip = { "quota.target" = [1000.0, 1500.0] }\n'
        'name = "{name}-bal{assignment.balance.potential:.0%}-t{quota.target}"',
    )
    assert [m.name for m in expand_sweep(path)] == [
        "s-bal2%-t1000",
        "s-bal2%-t1500",
        "s-bal5%-t1000",
        "s-bal5%-t1500",
    ]


def test_data_paths_are_relative_to_the_sweep_file(tmp_path: Path) -> None:
    (tmp_path / "what-ifs").mkdir()
    _sweep(tmp_path, 'grid = { "quota.target" = [1.0] }')
    shutil.copy(TINY / "reps.csv", tmp_path / "what-ifs" / "reps_plus.csv")
    path = tmp_path / "what-ifs" / "hc.toml"
    path.write_text(
        'extends = "../scenario.toml"\nname = "hc"\n[sweep]\n'
        'zip = { "data.reps" = ["../reps.csv", "reps_plus.csv"] }\n'
    )
    members = expand_sweep(path)
    assert [m.name for m in members] == ["hc_reps=reps", "hc_reps=reps_plus"]
    reps = [load_scenario(m.source, overrides=m.overrides).reps for m in members]
    assert reps == [(tmp_path / "reps.csv").resolve(), (tmp_path / "what-ifs" / "reps_plus.csv").resolve()]
    # the accounts path still comes from the base file, relative to it
    assert (
        load_scenario(path, overrides=members[0].overrides).accounts == (tmp_path / "accounts.csv").resolve()
    )


def test_segments_entry_override_keeps_the_other_segments(tmp_path: Path) -> None:
    path = _sweep(tmp_path, 'grid = { "segments.MM" = [[200, 1000], [200, 5000]] }')
    for m in expand_sweep(path):
        sc = load_scenario(m.source, overrides=m.overrides)
        bands = sc.params.segments.bands
        assert bands["SMB"] == (0, 200) and bands["MM"][1] in (1000, 5000)


def test_bare_toml_dotted_keys_are_accepted(tmp_path: Path) -> None:
    path = _sweep(tmp_path, "[sweep.grid]\nassignment.max_moved_share = [0.1, 0.2]")
    path.write_text(path.read_text().replace("[sweep]\n", ""))
    assert [m.values for m in expand_sweep(path)] == [
        {"assignment.max_moved_share": 0.1},
        {"assignment.max_moved_share": 0.2},
    ]


def test_plain_scenario_is_one_member_without_overrides() -> None:
    (member,) = expand_sweep(TINY / "scenario.toml")
    assert member.name == "tiny" and member.overrides == {} and member.values == {}


@pytest.mark.parametrize(
    ("body", "key", "why"),
    [
        (
            'grid = { "assignment.balanse.potential" = [0.1] }',
            "sweep.grid.assignment.balanse.potential",
            "did you mean 'assignment.balance'",
        ),
        ('grid = { "quota.targte" = [1.0] }', "sweep.grid.quota.targte", "did you mean 'quota.target'"),
        ('grid = { "qouta.target" = [1.0] }', "sweep.grid.qouta.target", "did you mean 'quota'"),
        (
            'zip = { "quota.target" = [1.0, 2.0], "assignment.seed" = [1] }',
            "sweep.zip",
            "equal lengths: quota.target has 2, assignment.seed has 1",
        ),
        ('grid = { "quota.target" = [] }', "sweep.grid.quota.target", "empty list"),
        ('grid = { "quota.target" = 5 }', "sweep.grid.quota.target", "must be a list"),
        ('grid = { "name" = ["a", "b"] }', "sweep.grid.name", "cannot be swept"),
        ('grid = { "quota.target.x" = [1] }', "sweep.grid.quota.target.x", "'quota.target' is a value"),
        ('grids = { "quota.target" = [1.0] }', "sweep.grids", "did you mean 'sweep.grid'"),
        (
            'grid = { "quota.target" = [1.0] }\nzip = { "quota.target" = [2.0] }',
            "sweep",
            "'quota.target' and 'quota.target' sweep the same setting",
        ),
        (
            'grid = { "assignment.balance" = [{potential = 0.1}], "assignment.balance.potential" = [0.2] }',
            "sweep",
            "sweep the same setting",
        ),
        ("", "sweep", "declares no grid or zip"),
        ('grid = { "quota.target" = [1.0, 2.0] }\nname = "{name}-fixed"', "sweep.name", "repeat"),
        (
            'grid = { "quota.target" = [1.0] }\nname = "{name}-{quota.targt}"',
            "sweep.name",
            "did you mean {quota.target}",
        ),
        (
            'grid = { "quota.target" = [1.0] }\nname = "a/{quota.target}"',
            "sweep.name",
            "cannot be a folder name",
        ),
    ],
)
def test_structural_problems_name_file_key_and_why(tmp_path: Path, body: str, key: str, why: str) -> None:
    path = _sweep(tmp_path, body)
    with pytest.raises(InputError) as e:
        expand_sweep(path)
    text = _problem_text(e)
    assert str(path) in text and f"'{key}'" in text and why in text, text


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    path = _sweep(tmp_path, 'grid = { "quota.targte" = [1.0], "assignment.seed" = [] }')
    with pytest.raises(InputError) as e:
        expand_sweep(path)
    assert len(e.value.problems) == 2


def test_slugs_and_short_keys() -> None:
    assert value_slug(0.05, "x") == "0.05" and value_slug(120000000.0, "x") == "120000000"
    assert value_slug(True, "x") == "true" and value_slug("/a/b/reps_q3.csv", "data.reps") == "reps_q3"
    assert (
        value_slug({"potential": 0.1, "workload": 0.2}, "assignment.balance") == "potential=0.1+workload=0.2"
    )
    assert value_slug("a b/c", "description") == "a-b-c"
    assert short_keys(["assignment.weights.distance", "scoring.weights.distance", "quota.target"]) == {
        "assignment.weights.distance": "assignment.weights.distance",
        "scoring.weights.distance": "scoring.weights.distance",
        "quota.target": "target",
    }


def test_member_document_is_valid_toml_roundtrip(tmp_path: Path) -> None:
    path = _sweep(
        tmp_path, 'grid = { "assignment.balance" = [{potential = 0.1}, {potential = 0.2, accounts = 0.5}] }'
    )
    members = expand_sweep(path)
    assert [m.name for m in members] == ["s_balance=potential=0.1", "s_balance=potential=0.2+accounts=0.5"]
    sc = load_scenario(path, overrides=members[1].overrides)
    assert tomllib.loads(sc.to_toml())["assignment"]["balance"] == {"potential": 0.2, "accounts": 0.5}
