"""The generated reference covers every command, option and scenario key, each with a meaning."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

HOOKS = Path(__file__).resolve().parents[2] / "docs" / "hooks"


def _load(name: str) -> ModuleType:
    """Import a docs hook by path, as mkdocs does (it is not part of a package)."""
    module_name = f"terraquota_docs_{name}"
    spec = importlib.util.spec_from_file_location(module_name, HOOKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    return _load("reference")


def test_every_command_has_help(reference: ModuleType) -> None:
    helps = reference.command_help()
    assert {"run", "validate", "compare", "batch", "replan", "explain"} <= set(helps)
    assert [name for name, text in helps.items() if not text] == []


def test_every_argument_and_option_has_help(reference: ModuleType) -> None:
    params = reference.cli_params()
    assert params
    missing = [f"{p.command} {p.flags}" for p in params if not p.help]
    assert missing == [], "give these arguments and options help= text (it is their reference entry)"


def test_cli_page_lists_every_command_and_option(reference: ModuleType) -> None:
    page = reference.cli_markdown()
    for name in reference.command_help():
        assert f"## `terraquota {name}`" in page
    for p in reference.cli_params():
        assert p.flags in page


def test_machine_dependent_defaults_are_shown_in_words(reference: ModuleType) -> None:
    """A default computed on the build machine (the CPU count) must not land in the page as a number."""
    params = {(p.command, p.name): p for p in reference.cli_params()}
    for (command, name), (words, value) in reference.MACHINE_DEFAULTS.items():
        assert params[(command, name)].default == words
        assert value() == max(1, os.cpu_count() or 1)


def test_every_scenario_key_has_a_meaning(reference: ModuleType) -> None:
    rows = reference.scenario_keys()
    undocumented = [row.key for row in rows if not row.description]
    assert undocumented == [], "say what these scenario keys mean in docs/hooks/scenario_keys.py"


def test_every_known_key_is_in_the_reference(reference: ModuleType) -> None:
    from scenarios.run import KNOWN_KEYS

    keys = {row.key for row in reference.scenario_keys()}
    for key, sub in KNOWN_KEYS.items():
        assert key in keys
        for k in sub or {}:
            assert f"{key}.{k}" in keys


def test_every_model_field_is_in_the_reference(reference: ModuleType) -> None:
    """A field added to a scenario model without a KNOWN_KEYS entry would be unreachable: catch both."""
    from solver.config import CapacityBlock, PlanParams

    keys = {row.key for row in reference.scenario_keys()}
    for section, model in reference._models().items():
        if section == "segments":  # validated as {"bands": ...}; users write the bands directly
            continue
        for field in model.model_fields:
            assert f"{section}.{field}" in keys, f"{section}.{field}"
    for field in CapacityBlock.model_fields:
        assert f"capacity.blocks.REGION.SEGMENT.{field}" in keys
    assert set(PlanParams.model_fields) <= keys


def test_no_description_for_a_key_the_code_does_not_know(reference: ModuleType) -> None:
    descriptions = _load("scenario_keys").DESCRIPTIONS
    keys = {row.key for row in reference.scenario_keys()}
    assert sorted(set(descriptions) - keys) == []


def test_scenario_key_page_shows_types_and_defaults(reference: ModuleType) -> None:
    page = reference.scenario_keys_markdown()
    assert "| `assignment.balance` | table of float | `{ potential = 0.05 }` |" in page
    assert '| `quota.periods` | "quarter" / "month" | `"quarter"` |' in page
    assert "| `plan.start` (required) | date |" in page


def test_input_column_tables_list_every_column(reference: ModuleType) -> None:
    from solver.inputs.columns import ACCOUNTS, REPS

    for table, spec in (("accounts", ACCOUNTS), ("reps", REPS)):
        page = reference.columns_markdown(table)
        for col in spec.columns:
            assert f"| `{col.name}` |" in page
    assert "`NumberOfEmployees`" in reference.columns_markdown("accounts")


def test_markers_are_replaced(reference: ModuleType) -> None:
    text = "a\n<!-- reference:cli -->\nb\n<!-- reference:columns:reps -->\n"
    out = reference.on_page_markdown(text, None, None, None)
    assert "<!-- reference:" not in out
    assert "## `terraquota run`" in out


def test_plugin_commands_are_listed(reference: ModuleType) -> None:
    """Commands that installed plugins add (the workspace's serve and user add) are in the reference."""
    from importlib.metadata import entry_points

    from scenarios.cli import app
    from scenarios.cli.commands import PLUGIN_GROUP

    before = list(app.registered_commands)
    helps = reference.command_help()
    assert list(app.registered_commands) == before  # the app itself is left as it was
    if any(e.name == "workspace" for e in entry_points(group=PLUGIN_GROUP)):
        assert {"serve", "user add"} <= set(helps)


def test_workspace_api_lists_the_contract_endpoints(reference: ModuleType) -> None:
    page = reference.workspace_api_markdown()
    for method, path in (
        ("GET", "/api/health"),
        ("POST", "/api/token"),
        ("POST", "/api/plans/{plan_id}/changes"),
        ("GET", "/api/plans/{plan_id}/audit"),
    ):
        assert f"| {method} | `{path}` |" in page


def test_angle_brackets_outside_code_are_escaped(reference: ModuleType) -> None:
    """Help such as "default runs/<name>" must not vanish as an unknown HTML tag."""
    assert reference._cell("default runs/<name>") == "default runs/&lt;name&gt;"
    assert reference._cell("`runs/<name>` or <x>") == "`runs/<name>` or &lt;x&gt;"


def test_every_salesforce_key_is_in_the_reference(reference: ModuleType) -> None:
    """`[salesforce]` is read by pull and push, not by the scenario models: keys come from theirs."""
    import dataclasses

    from scenarios.cli.push import PushOptions
    from solver.inputs.salesforce_pull import ObjectPull, PullConfig

    keys = {row.key for row in reference.scenario_keys()}
    for field, info in PullConfig.model_fields.items():
        assert f"salesforce.{field}" in keys
        if info.annotation is ObjectPull:
            for sub in ObjectPull.model_fields:
                assert f"salesforce.{field}.{sub}" in keys
    for option in dataclasses.fields(PushOptions):
        assert f"salesforce.push.{option.name}" in keys
    page = reference.scenario_keys_markdown()
    assert "| `salesforce.reps.where` | str | `\"IsActive = true AND UserType = 'Standard'\"` |" in page
