"""What the reader tests share: the Salesforce sample exports, real ids, and small file helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from solver.errors import InputError
from tests.tests_paths import SHARED_DATA, require_shared

DATALOADER = SHARED_DATA / "crm" / "salesforce_sample_dataloader" / "Account.csv"
SFDX_TREE = SHARED_DATA / "crm" / "salesforce_sample_sfdx_tree" / "Account.json"

# Real ids of the Salesforce sample org's Data Loader export (Account.csv).
REAL_IDS = ["0014W00002578rVQAQ", "0014W00002578raQAA", "0014W00002578rfQAA"]
REAL_OWNER = "0054W00000AuCYfQAN"


def shared(path: Path) -> Path:
    return require_shared(str(path.relative_to(SHARED_DATA)))


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems_of(call, *args, **kwargs) -> list:
    with pytest.raises(InputError) as info:
        call(*args, **kwargs)
    return info.value.problems
