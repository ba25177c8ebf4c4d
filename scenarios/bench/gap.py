"""`terraquota bench gap`: the GAP literature suite against published optima.

Reads the instance families under the data folder (``cattrysse1994/``,
``chu1997/``, ``yagiura2004/`` and ``reference_values.csv``), solves each with
`solver.gap.solve_gap`, re-checks every assignment independently and writes
``<instance>.sol`` (one 0-based agent per job per line, in job order) and
``results.csv`` (sorted by family, instance) into the output folder.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from rich.table import Table

from reports.exports.safe_cells import csv_bytes
from scenarios.run.runfolder import write_file_atomically
from solver.errors import InputError, InputProblem
from solver.gap import check_gap_solution, read_gap_instance, solve_gap

logger = logging.getLogger(__name__)

#: Families in the order the suite runs and reports them.
GAP_FAMILIES: tuple[str, ...] = ("cattrysse1994", "chu1997", "yagiura2004")

#: Environment variable that points at the GAP data folder.
GAP_DATA_ENV = "TERRAQUOTA_GAP_DATA"

RESULT_COLUMNS: tuple[str, ...] = (
    "family",
    "instance",
    "m",
    "n",
    "status",
    "objective",
    "bound",
    "gap",
    "reference",
    "ref_kind",
    "diff_to_ref_pct",
    "proven",
    "seconds",
    "feasible_checked",
    "load_1m",
)

#: Fixed text formats of the float columns of results.csv (same run -> same bytes
#: apart from ``seconds`` and ``load_1m``, the machine's one-minute load
#: average when the instance finished: times on a shared machine mean little
#: without it).
_CSV_FORMATS: dict[str, str] = {
    "objective": "{:.1f}",
    "bound": "{:.3f}",
    "gap": "{:.6f}",
    "reference": "{:.1f}",
    "diff_to_ref_pct": "{:.4f}",
    "seconds": "{:.2f}",
    "load_1m": "{:.2f}",
}


def find_gap_data_dir() -> Path | None:
    """The GAP benchmark folder: ``$TERRAQUOTA_GAP_DATA``, else ``<repo>/../shared/data``.

    Returns
    -------
    Path or None
        None when neither location holds ``reference_values.csv``.
    """
    candidates = []
    if os.environ.get(GAP_DATA_ENV):
        candidates.append(Path(os.environ[GAP_DATA_ENV]))
    repo = Path(__file__).resolve().parents[2]
    candidates.append(repo / ".." / "shared" / "data" / "benchmarks" / "gap")
    for path in candidates:
        if (path / "reference_values.csv").is_file():
            return path.resolve()
    return None


def read_reference_values(data_dir: Path) -> pd.DataFrame:
    """Reference value per instance: the optimum when known, else the best known.

    Returns
    -------
    DataFrame
        Indexed by (family, instance) with columns ``reference`` and ``ref_kind``
        (``optimum`` or ``best_known``).
    """
    path = Path(data_dir) / "reference_values.csv"
    if not path.is_file():
        raise InputError(InputProblem(str(path), None, None, "reference values file not found"))
    ref = pd.read_csv(path)
    has_opt = ref["optimum"].notna()
    out = pd.DataFrame(
        {
            "family": ref["dataset"],
            "instance": ref["instance"],
            "reference": ref["optimum"].where(has_opt, ref["best_upper_bound"]).astype(float),
            "ref_kind": np.where(has_opt, "optimum", "best_known"),
        }
    )
    return out.set_index(["family", "instance"]).sort_index()


def list_gap_instances(
    data_dir: Path,
    families: list[str] | None = None,
    instances: list[str] | None = None,
) -> list[tuple[str, Path]]:
    """(family, file) pairs to run, families in suite order and names sorted."""
    data_dir = Path(data_dir)
    wanted = list(GAP_FAMILIES) if families is None else list(families)
    unknown = sorted(set(wanted) - set(GAP_FAMILIES))
    if unknown:
        raise InputError(
            InputProblem(str(data_dir), None, None, f"unknown GAP families {unknown}; known: {GAP_FAMILIES}")
        )
    picked: list[tuple[str, Path]] = []
    for family in GAP_FAMILIES:
        if family not in wanted:
            continue
        folder = data_dir / family
        if not folder.is_dir():
            raise InputError(InputProblem(str(folder), None, None, "family folder not found"))
        files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
        picked.extend((family, p) for p in files if instances is None or p.name in instances)
    if instances is not None:
        missing = sorted(set(instances) - {p.name for _, p in picked})
        if missing:
            raise InputError(InputProblem(str(data_dir), None, None, f"instances not found: {missing}"))
    names = [p.name for _, p in picked]
    if len(names) != len(set(names)):
        raise InputError(InputProblem(str(data_dir), None, None, "instance names repeat across families"))
    return picked


def results_to_csv(df: pd.DataFrame) -> str:
    """results.csv text: rows sorted by family and instance, floats fixed-format."""
    out = df.loc[:, list(RESULT_COLUMNS)].sort_values(["family", "instance"], kind="stable")
    out = out.reset_index(drop=True).astype(object)
    for col, fmt in _CSV_FORMATS.items():
        out[col] = [("" if pd.isna(v) else fmt.format(v)) for v in out[col].tolist()]
    for col in ("proven", "feasible_checked"):
        out[col] = ["true" if v else "false" for v in out[col].tolist()]
    return csv_bytes(out).decode("utf-8")


def run_gap_suite(
    data_dir: Path,
    out_dir: Path,
    *,
    time_limit: float = 20.0,
    families: list[str] | None = None,
    instances: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Solve the GAP literature instances and write their solutions and a table.

    Parameters
    ----------
    data_dir : Path
        Folder with the family sub-folders and ``reference_values.csv``.
    out_dir : Path
        Created if needed; receives ``<instance>.sol`` for every solved instance
        and ``results.csv``.
    time_limit : float
        Seconds per instance.
    families : list of str, optional
        Subset of `GAP_FAMILIES` (default: all).
    instances : list of str, optional
        Instance names to keep (default: all of the selected families).
    progress : callable, optional
        Receives one line of text per finished instance.

    Returns
    -------
    DataFrame
        One row per instance with the columns of `RESULT_COLUMNS`, sorted by
        family and instance.
    """
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    refs = read_reference_values(data_dir)
    todo = list_gap_instances(data_dir, families, instances)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    for k, (family, path) in enumerate(todo, start=1):
        inst = read_gap_instance(path)
        sol = solve_gap(inst, time_limit=time_limit)
        checked = False
        if sol.agent_of_job is not None:
            problems = check_gap_solution(inst, sol.agent_of_job, sol.objective)
            checked = not problems
            if problems:
                logger.error("%s: solution fails the checker: %s", inst.name, problems)
            lines = "\n".join(str(int(a)) for a in sol.agent_of_job) + "\n"
            write_file_atomically(out_dir / f"{inst.name}.sol", lines)
        load = _load_average()
        if (family, inst.name) in refs.index:
            reference = float(refs.loc[(family, inst.name), "reference"])
            ref_kind = str(refs.loc[(family, inst.name), "ref_kind"])
        else:
            reference, ref_kind = float("nan"), ""
        diff = (
            100.0 * (sol.objective - reference) / abs(reference)
            if sol.objective is not None and np.isfinite(reference) and reference != 0
            else float("nan")
        )
        rows.append(
            {
                "family": family,
                "instance": inst.name,
                "m": inst.m,
                "n": inst.n,
                "status": sol.status,
                "objective": np.nan if sol.objective is None else sol.objective,
                "bound": np.nan if sol.bound is None else sol.bound,
                "gap": np.nan if sol.gap is None else sol.gap,
                "reference": reference,
                "ref_kind": ref_kind,
                "diff_to_ref_pct": diff,
                "proven": sol.proven and checked,
                "seconds": sol.seconds,
                "feasible_checked": checked,
                "load_1m": load,
            }
        )
        if progress is not None:
            progress(
                f"[{k}/{len(todo)}] {family}/{inst.name} ({inst.m}x{inst.n}): {sol.status} "
                f"obj={_fmt(sol.objective, '{:.0f}')} ref={_fmt(reference, '{:.0f}')} "
                f"diff={_fmt(diff, '{:+.2f}')}% {sol.seconds:.1f} s (load {_fmt(load, '{:.1f}')})"
            )
    df = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    df = df.sort_values(["family", "instance"], kind="stable").reset_index(drop=True)
    write_file_atomically(out_dir / "results.csv", results_to_csv(df))
    return df


def _load_average() -> float:
    """The one-minute load average, NaN where the platform has none (Windows)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def _fmt(value: float | None, fmt: str) -> str:
    """Format a number, or '-' when missing."""
    if value is None or not np.isfinite(value):
        return "-"
    return fmt.format(value)


def format_gap_table(df: pd.DataFrame) -> Table:
    """A rich table of suite results, one row per instance."""
    table = Table(title="GAP literature benchmark (HiGHS)")
    for col, justify in (
        ("family", "left"),
        ("instance", "left"),
        ("m x n", "right"),
        ("status", "left"),
        ("objective", "right"),
        ("bound", "right"),
        ("gap %", "right"),
        ("reference", "right"),
        ("diff %", "right"),
        ("s", "right"),
        ("load", "right"),
        ("checked", "center"),
    ):
        table.add_column(col, justify=justify)
    for row in df.itertuples(index=False):
        table.add_row(
            str(row.family),
            str(row.instance),
            f"{row.m}x{row.n}",
            str(row.status),
            _fmt(row.objective, "{:.0f}"),
            _fmt(row.bound, "{:.1f}"),
            _fmt(None if pd.isna(row.gap) else 100.0 * row.gap, "{:.3f}"),
            _fmt(row.reference, "{:.0f}") + ("" if row.ref_kind == "optimum" else "*"),
            _fmt(row.diff_to_ref_pct, "{:+.3f}"),
            f"{row.seconds:.1f}",
            _fmt(row.load_1m, "{:.1f}"),
            "yes" if row.feasible_checked else "NO",
        )
    table.caption = "reference: proven optimum; * best known value"
    return table


def gap_summary_lines(df: pd.DataFrame) -> list[str]:
    """One line per family, e.g. ``cattrysse1994: 60/60 optimal, max 1.2 s``."""
    lines = []
    for family in [f for f in GAP_FAMILIES if f in set(df["family"])]:
        part = df[df["family"] == family]
        total = len(part)
        proven = int(part["proven"].sum())
        checked = int(part["feasible_checked"].sum())
        hit = int((part["diff_to_ref_pct"] <= 1e-9).sum())
        diffs = part["diff_to_ref_pct"].dropna()
        worst = f"{diffs.max():+.2f}%" if len(diffs) else "-"
        lines.append(
            f"{family}: {proven}/{total} optimal, {checked}/{total} feasible (checked), "
            f"{hit}/{total} at reference, worst diff to reference {worst}, "
            f"max {part['seconds'].max():.1f} s"
        )
    return lines


def format_gap_text(df: pd.DataFrame) -> str:
    """Plain-text report: the table as fixed-width text and the summary lines."""
    shown = df.assign(
        gap_pct=100.0 * df["gap"],
    ).loc[
        :,
        [
            "family",
            "instance",
            "m",
            "n",
            "status",
            "objective",
            "bound",
            "gap_pct",
            "reference",
            "ref_kind",
            "diff_to_ref_pct",
            "seconds",
            "load_1m",
            "feasible_checked",
        ],
    ]
    body = shown.to_string(
        index=False,
        float_format=lambda v: f"{v:.3f}",
        na_rep="-",
    )
    return body + "\n\n" + "\n".join(gap_summary_lines(df)) + "\n"
