"""Salesforce Data Loader files."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from reports import developer_name, salesforce_files
from tests.reports import fixtures as fx

VALID = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$")
FILES = [
    "Account.csv",
    "ForecastingQuota.csv",
    "ObjectTerritory2Association.csv",
    "README.txt",
    "Territory2.csv",
    "UserTerritory2Association.csv",
]


def _read(files: dict[str, bytes], name: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(files[name]), dtype=str, keep_default_na=False)


def test_files_match_the_assignment_and_quotas() -> None:
    run = fx.make_run()
    files = salesforce_files(run)
    assert sorted(files) == FILES
    accounts = _read(files, "Account.csv")
    assert accounts.columns.tolist() == ["Id", "OwnerId"]
    assert accounts["Id"].tolist() == sorted(run.assignment["account_id"])
    expected = run.assignment.set_index("account_id")["rep_id"]
    assert accounts.set_index("Id")["OwnerId"].equals(expected.rename("OwnerId").rename_axis("Id"))

    quotas = _read(files, "ForecastingQuota.csv")
    assert quotas.columns.tolist() == ["QuotaOwnerId", "QuotaAmount", "StartDate"]
    assert quotas["QuotaAmount"].str.fullmatch(r"\d+\.\d{2}").all()
    assert quotas["StartDate"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    cents = quotas.assign(c=quotas["QuotaAmount"].str.replace(".", "", regex=False).astype(int))
    per_rep = cents.groupby("QuotaOwnerId")["c"].sum()
    want = (run.quotas.groupby("rep_id")["quota"].sum() * 100).round().astype(int)
    assert per_rep.to_dict() == want.to_dict()
    assert len(quotas) == len(run.quotas)


def test_territories_and_associations() -> None:
    run = fx.make_run()
    files = salesforce_files(run)
    terr = _read(files, "Territory2.csv")
    assert terr.columns.tolist() == ["DeveloperName", "Name", "Description"]
    assert terr["DeveloperName"].tolist() == ["MM_EMEA_R3", "MM_EMEA_R4", "MM_NA_R1", "MM_NA_R2"]
    assert terr["Name"].str.len().le(80).all()
    assert "MM NA - Ada Lovelace" in terr["Name"].tolist()
    users = _read(files, "UserTerritory2Association.csv")
    assert users.columns.tolist() == ["UserId", "Territory2DeveloperName"]
    assert dict(zip(users["UserId"], users["Territory2DeveloperName"], strict=True)) == {
        "R1": "MM_NA_R1",
        "R2": "MM_NA_R2",
        "R3": "MM_EMEA_R3",
        "R4": "MM_EMEA_R4",
    }
    objects = _read(files, "ObjectTerritory2Association.csv")
    assert objects.columns.tolist() == ["ObjectId", "Territory2DeveloperName", "AssociationCause"]
    assert (objects["AssociationCause"] == "Territory2Manual").all()
    owner = run.assignment.set_index("account_id")["rep_id"]
    dev = dict(zip(users["UserId"], users["Territory2DeveloperName"], strict=True))
    assert objects.set_index("ObjectId")["Territory2DeveloperName"].to_dict() == {
        a: dev[r] for a, r in owner.items()
    }


def test_readme_lists_org_ids_and_planned_hires() -> None:
    readme = salesforce_files(fx.make_run())["README.txt"].decode("utf-8")
    for needed in ("Territory2ModelId", "Territory2TypeId", "ForecastingTypeId", "Territory2Id"):
        assert needed in readme
    assert "R4 | MM_EMEA_R4 | 5" in readme  # the hire, its territory, its accounts
    assert "R1 |" not in readme


def test_bytes_are_utf8_lf_and_deterministic() -> None:
    run = fx.make_run()
    files = salesforce_files(run)
    for data in files.values():
        assert b"\r" not in data
        data.decode("utf-8")
    assert "Émile".encode() in files["Territory2.csv"]
    shuffled = replace(
        run,
        assignment=run.assignment.sample(frac=1, random_state=1),
        reps=run.reps.sample(frac=1, random_state=2),
        quotas=run.quotas.sample(frac=1, random_state=3),
    )
    assert salesforce_files(shuffled) == files


def test_text_cells_are_neutralised() -> None:
    run = fx.make_run(rep_names={"R1": "=1+2"})
    terr = _read(salesforce_files(run), "Territory2.csv")
    assert "MM NA - =1+2" in terr["Name"].tolist()  # not at the start: harmless
    bad_segment = replace(run, reps=run.reps.assign(segment="@SUM(1)"))
    terr = _read(salesforce_files(bad_segment), "Territory2.csv")
    assert terr["Name"].str.startswith("'@SUM(1)").all()
    assert terr["DeveloperName"].map(lambda s: bool(VALID.match(s))).all()


def test_developer_name_rules() -> None:
    assert developer_name("MM_NA_R1") == "MM_NA_R1"
    assert developer_name("Mid-Market__Île-de-France  r 7") == "Mid_Market_Ile_de_France_r_7"
    assert developer_name("123 abc_") == "T_123_abc"
    assert developer_name("___") == "T"
    assert len(developer_name("x" * 200)) == 80


def test_colliding_names_are_made_unique() -> None:
    run = fx.make_run()
    reps = run.reps.copy()
    reps["rep_id"] = ["a-b", "a_b", "a b", "R4"]
    reps["segment"], reps["region"] = "S", "R"
    terr = _read(salesforce_files(replace(run, reps=reps)), "Territory2.csv")
    assert terr["DeveloperName"].is_unique
    assert terr["DeveloperName"].map(lambda s: bool(VALID.match(s)) and len(s) <= 80).all()


@given(st.text(min_size=0, max_size=120))
def test_developer_name_always_valid(text: str) -> None:
    name = developer_name(text)
    assert VALID.match(name), name
    assert len(name) <= 80
