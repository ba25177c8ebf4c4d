"""The first tutorial's sample export is what its generator writes, and loads as the tutorial says."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "docs" / "tutorials" / "data"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "terraquota_docs_sample", DATA / "make_salesforce_sample.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_sample_is_reproducible(tmp_path: Path) -> None:
    _generator().main(tmp_path)
    for name in ("Account.csv", "User.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_sample_reads_as_salesforce_exports() -> None:
    from solver.inputs.readers import read_accounts

    accounts = read_accounts(DATA / "Account.csv")
    assert len(accounts) == 900
    assert accounts["account_id"].str.len().eq(18).all()
    assert set(accounts["country"].dropna()) == {"US", "CA", "GB", "DE", "FR"}
    users = pd.read_csv(DATA / "User.csv", dtype=str, keep_default_na=False)
    owners = set(accounts["current_owner"].dropna())
    assert len(owners - set(users["ID"])) == 1  # one departed owner, as the tutorial tells
