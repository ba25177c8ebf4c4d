"""Data Loader files that put a run's plan into Salesforce.

Files (UTF-8, LF line ends, header row of API field names, sorted):

- ``Account.csv`` — Id, OwnerId: one row per account (update).
- ``ForecastingQuota.csv`` — QuotaOwnerId, QuotaAmount, StartDate (insert).
- ``Territory2.csv`` — DeveloperName, Name, Description: one territory per
  rep (insert; Territory2ModelId and Territory2TypeId come from the target
  org, see the README).
- ``UserTerritory2Association.csv`` — UserId, Territory2DeveloperName.
- ``ObjectTerritory2Association.csv`` — ObjectId, Territory2DeveloperName,
  AssociationCause (``Territory2Manual``).
- ``README.txt`` — ``terraquota push`` (which looks the ids up by
  DeveloperName), else the ids to fill from the org for Data Loader, the load
  order, and the to-be-hired reps that need a user before their rows can load.

Territory2 records have no external id, so the association files name their
territory by DeveloperName; the README says how to swap it for Territory2Id.
To-be-hired reps keep their planned accounts in Account.csv under their rep
id (not the previous owner), so the files state the plan; Salesforce rejects
those rows until the id is replaced by the new hire's user id, so nothing
loads silently wrong.
"""

from __future__ import annotations

import hashlib
import unicodedata

import numpy as np
import pandas as pd

from reports.exports.safe_cells import csv_bytes
from solver.results.kpis import tbh_mask
from solver.results.run_data import RunData

#: Salesforce limits DeveloperName and Name of Territory2 to 80 characters.
MAX_NAME = 80
ASSOCIATION_CAUSE = "Territory2Manual"


def developer_name(text: str) -> str:
    """Sanitise text to a Salesforce DeveloperName.

    Letters, digits and underscores only (accents folded to ASCII), starts
    with a letter, no double underscore, no trailing underscore, at most
    80 characters.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    out = "".join(c if c.isalnum() else "_" for c in ascii_text)
    while "__" in out:
        out = out.replace("__", "_")
    out = out.strip("_")
    if not out or not out[0].isalpha():
        out = "T_" + out if out else "T"
    return out[:MAX_NAME].rstrip("_")


def _unique(names: pd.Series, keys: pd.Series) -> pd.Series:
    """Make sanitised names unique: colliding ones get a short hash of their rep id."""
    dup = names.duplicated(keep=False)
    if not dup.any():
        return names
    suffix = keys[dup].map(lambda k: hashlib.sha1(str(k).encode("utf-8")).hexdigest()[:8].upper())
    head = names[dup].str.slice(0, MAX_NAME - 9).str.rstrip("_")
    out = names.copy()
    out[dup] = head + "_" + suffix
    return out


def territory_names(reps: pd.DataFrame) -> pd.DataFrame:
    """rep_id -> DeveloperName (segment_region_rep_id), Name and Description."""
    rep_id = reps["rep_id"].astype(str)
    seg = reps["segment"].astype(str) if "segment" in reps else pd.Series("", index=reps.index)
    reg = reps["region"].astype(str) if "region" in reps else pd.Series("", index=reps.index)
    raw = seg + "_" + reg + "_" + rep_id
    dev = _unique(raw.map(developer_name), rep_id)
    tbh = tbh_mask(reps)
    person = reps["name"].astype(object) if "name" in reps else pd.Series(None, index=reps.index)
    person = person.where(~tbh, "to be hired " + rep_id).astype(str)
    label = (seg + " " + reg + " - " + person).str.slice(0, MAX_NAME)
    desc = "terraquota territory of rep " + rep_id + " (" + seg + ", " + reg + ")"
    return pd.DataFrame(
        {"rep_id": rep_id, "DeveloperName": dev, "Name": label, "Description": desc}
    ).sort_values("rep_id", kind="stable")


def _csv(frame: pd.DataFrame) -> bytes:
    return csv_bytes(frame)


def _amounts(values: pd.Series) -> pd.Series:
    """Currency -> '1234.50' strings, exact to the cent (via integer cents)."""
    cents = np.rint(pd.to_numeric(values, errors="coerce").to_numpy(dtype=float) * 100)
    ok = np.isfinite(cents)
    c = np.where(ok, cents, 0).astype(np.int64)
    sign = np.where(c < 0, "-", "")
    whole, frac = np.divmod(np.abs(c), 100)
    text = (
        pd.Series(sign, index=values.index)
        + pd.Series(whole, index=values.index).astype(str)
        + "."
        + pd.Series(frac, index=values.index).astype(str).str.zfill(2)
    )
    return text.where(ok, "")


def _iso_dates(values: pd.Series) -> pd.Series:
    """ISO dates; a value that is not a date is kept as written (and fails to load)."""
    parsed = pd.to_datetime(values, errors="coerce", format="mixed").dt.strftime("%Y-%m-%d")
    return parsed.where(parsed.notna(), values.astype(str))


def _readme(run: RunData, territories: pd.DataFrame, tbh: pd.DataFrame) -> bytes:
    lines = [
        f"Salesforce load files for terraquota run '{run.name}'",
        "=" * 60,
        "",
        "All files are UTF-8 CSV with a header row of Salesforce API field names,",
        "except Territory2DeveloperName, a lookup helper explained in step 2.",
        "Rep ids are written where Salesforce expects User ids (OwnerId, UserId,",
        "QuotaOwnerId): if your reps table used Salesforce User Ids (the Id column",
        "of a User export), they load as they are; otherwise replace them first.",
        "",
        "Loading without filling ids by hand",
        "-----------------------------------",
        "`terraquota push RUN_DIR` shows what would change; `--apply` makes the",
        "changes through the API with every id looked up: name the territory",
        "model, the territory type and the forecasting type by DeveloperName in",
        "the scenario's [salesforce.push] (territory_model, territory_type,",
        "forecasting_type). It writes a rollback file first and can be resumed.",
        "The steps below are for loading these files with Data Loader instead.",
        "",
        "Ids that only the target org knows (fill them in before loading)",
        "-----------------------------------------------------------------",
        "1. Territory2.csv needs two more columns, the same value on every row:",
        "   - Territory2ModelId: the model to load into (create a model in",
        "     Planning state first). Query: SELECT Id, Name, State FROM Territory2Model",
        "   - Territory2TypeId: the territory type to use.",
        "     Query: SELECT Id, DeveloperName, MasterLabel FROM Territory2Type",
        "2. After inserting Territory2.csv, export the new territories:",
        "     SELECT Id, DeveloperName FROM Territory2 WHERE Territory2ModelId = '<model id>'",
        "   In UserTerritory2Association.csv and ObjectTerritory2Association.csv,",
        "   replace the column Territory2DeveloperName by Territory2Id, looking each",
        "   DeveloperName up in that export (DeveloperName is not an external id,",
        "   so Data Loader cannot resolve it by itself).",
        "3. ForecastingQuota.csv needs a ForecastingTypeId column (the forecast",
        "   type the quotas belong to). Query:",
        "     SELECT Id, DeveloperName FROM ForecastingType WHERE IsActive = true",
        "   Multi-currency orgs may add CurrencyIsoCode. StartDate must be the first",
        "   day of a forecast period of the org's fiscal calendar.",
        "",
        "Load order",
        "----------",
        "1. Territory2.csv                    insert",
        "2. UserTerritory2Association.csv     insert",
        "3. ObjectTerritory2Association.csv   insert (AssociationCause Territory2Manual)",
        "4. Account.csv                       update (Id, OwnerId)",
        "5. ForecastingQuota.csv              insert (or upsert on an existing quota Id)",
        "",
        "Reps to be hired",
        "----------------",
    ]
    if tbh.empty:
        lines.append("None: every rep of this plan has a name.")
    else:
        lines += [
            "These planned reps have no Salesforce user yet. Their rep id is written",
            "where a User id belongs (Account.csv OwnerId, UserTerritory2Association.csv",
            "UserId, ForecastingQuota.csv QuotaOwnerId), not the previous owner, so",
            "the files state the plan. Salesforce rejects those rows until the id is",
            "replaced by the new hire's User Id: replace it, or hold those rows back",
            "and load them once the user exists.",
            "",
            "rep_id | territory DeveloperName | accounts",
        ]
        lines += [f"{r.rep_id} | {r.DeveloperName} | {r.accounts}" for r in tbh.itertuples(index=False)]
    lines += [
        "",
        f"{len(territories)} territories (one per rep). DeveloperName is",
        "segment_region_rep_id, reduced to letters, digits and single underscores.",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def salesforce_files(run: RunData) -> dict[str, bytes]:
    """Render the Data Loader files of a run.

    Parameters
    ----------
    run
        The run's tables (assignment, reps, quotas).

    Returns
    -------
    dict of str to bytes
        File name -> content: Account.csv, ForecastingQuota.csv,
        Territory2.csv, UserTerritory2Association.csv,
        ObjectTerritory2Association.csv and README.txt. Same run, same bytes.
    """
    a = run.assignment
    if {"account_id", "rep_id"} <= set(a.columns):
        accounts = pd.DataFrame(
            {"Id": a["account_id"].astype(str), "OwnerId": a["rep_id"].astype(str)}
        ).sort_values(["Id"], kind="stable")
    else:
        accounts = pd.DataFrame({"Id": pd.Series(dtype=str), "OwnerId": pd.Series(dtype=str)})

    q = run.quotas
    if {"rep_id", "period", "quota"} <= set(q.columns):
        quotas = pd.DataFrame(
            {
                "QuotaOwnerId": q["rep_id"].astype(str),
                "QuotaAmount": _amounts(q["quota"]),
                "StartDate": _iso_dates(q["period"]),
            }
        ).sort_values(["QuotaOwnerId", "StartDate"], kind="stable")
    else:
        quotas = pd.DataFrame(columns=["QuotaOwnerId", "QuotaAmount", "StartDate"])

    reps = run.reps
    if "rep_id" in reps:
        terr = territory_names(reps)
        tbh_ids = set(reps.loc[tbh_mask(reps).to_numpy(), "rep_id"].astype(str))
    else:
        terr = pd.DataFrame(columns=["rep_id", "DeveloperName", "Name", "Description"])
        tbh_ids = set()
    dev_of = dict(zip(terr["rep_id"], terr["DeveloperName"], strict=True))
    territories = terr[["DeveloperName", "Name", "Description"]].sort_values("DeveloperName", kind="stable")
    users = pd.DataFrame(
        {"UserId": terr["rep_id"], "Territory2DeveloperName": terr["DeveloperName"]}
    ).sort_values(["Territory2DeveloperName", "UserId"], kind="stable")
    objects = pd.DataFrame(
        {
            "ObjectId": accounts["Id"],
            "Territory2DeveloperName": accounts["OwnerId"].map(dev_of),
            "AssociationCause": ASSOCIATION_CAUSE,
        }
    )
    # An account whose rep is missing from the reps table has no territory to join.
    objects = objects[objects["Territory2DeveloperName"].notna()].sort_values(["ObjectId"], kind="stable")

    n_accounts = accounts.groupby("OwnerId").size()
    tbh = terr[terr["rep_id"].isin(tbh_ids)].assign(
        accounts=lambda f: f["rep_id"].map(n_accounts).fillna(0).astype(int)
    )
    return {
        "Account.csv": _csv(accounts),
        "ForecastingQuota.csv": _csv(quotas),
        "Territory2.csv": _csv(territories),
        "UserTerritory2Association.csv": _csv(users),
        "ObjectTerritory2Association.csv": _csv(objects),
        "README.txt": _readme(run, territories, tbh),
    }
