"""Load stage: one report version into the warehouse, in one transaction.

A report either lands whole (its version row, its figures, its quarantine and data-quality
rows, new dimension members) or not at all. Loading a new version of a report (same
source_file, new bytes) marks the old version superseded; its figures stay queryable through
`fact_figure` joined to `dim_report`, while `v_facts` shows current versions only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pandas as pd

from sitrep.errors import LoadError
from warehouse.db import sql_text

ID_FIELDS = ("kind", "unit", "value", "qualifier", "sector", "location", "indicator", "measure",
             "population", "period", "page", "evidence", "raw")


def report_key(source_file: str, sha256: str) -> str:
    return f"{source_file}@{sha256[:16]}"


def fact_ids(source_file: str, figures: pd.DataFrame) -> list[str]:
    """Stable ids: a hash of what the figure is and where it was printed, plus its occurrence
    number among identical figures. The same figure of the same report keeps its id across runs
    and across corrected re-publications that leave it unchanged."""
    ids, seen = [], {}
    for row in figures[list(ID_FIELDS)].itertuples(index=False):
        key = "\x1f".join([source_file, *("" if pd.isna(v) else str(v) for v in row)])
        n = seen.get(key, 0)
        seen[key] = n + 1
        ids.append(hashlib.sha1(f"{key}\x1e{n}".encode()).hexdigest()[:20])
    return ids


@dataclass(frozen=True)
class ReportVersion:
    source_file: str
    sha256: str
    family: str
    report_period: str | None
    title: str | None
    media_type: str
    bytes: int
    source: str
    location: str
    fetched_at: str


def load_report(con: duckdb.DuckDBPyConnection, run_id: str, report: ReportVersion, figures: pd.DataFrame,
                dq_results: pd.DataFrame, quarantine: pd.DataFrame) -> int:
    """Replace `report`'s rows with these, atomically. Returns the number of figures loaded.

    `quarantine.row` indexes `figures` positionally; `dq_results` has expectation, status,
    observed, details.
    """
    key = report_key(report.source_file, report.sha256)
    now = datetime.now(UTC).replace(tzinfo=None)
    figures = figures.reset_index(drop=True).copy()
    figures["fact_id"] = fact_ids(report.source_file, figures)
    figures["seq"] = range(len(figures))
    figures["report_key"] = key
    if "dimensions_from" not in figures.columns:  # an extract stored before the column existed
        figures["dimensions_from"] = None
    rows = [int(r) for r in quarantine.get("row", [])]
    if any(not 0 <= r < len(figures) for r in rows):
        raise LoadError(f"quarantine names figure rows {rows} but the report has {len(figures)} figures",
                        report=report.source_file)
    held = pd.DataFrame({
        "report_key": key,
        "fact_id": [figures.at[r, "fact_id"] for r in rows],
        "run_id": run_id,
        "expectation": list(quarantine.get("expectation", [])),
        "reason": list(quarantine.get("reason", [])),
    })
    dq = dq_results.reindex(columns=["expectation", "status", "observed", "details"]).assign(
        run_id=run_id, report_key=key, source_file=report.source_file)
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        cur.execute("UPDATE dim_report SET is_current = false, superseded_at = ? "
                    "WHERE source_file = ? AND report_key <> ? AND is_current", [now, report.source_file, key])
        for table in ("fact_figure", "quarantine", "dim_report"):
            cur.execute(f"DELETE FROM {table} WHERE report_key = ?", [key])
        cur.execute("DELETE FROM dq_result WHERE report_key = ? AND run_id = ?", [key, run_id])
        cur.execute(
            "INSERT INTO dim_report VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true, NULL)",
            [key, report.source_file, report.sha256, report.family, report.report_period, report.title,
             report.media_type, report.bytes, report.source, report.location,
             datetime.fromisoformat(report.fetched_at).replace(tzinfo=None), now, run_id])
        cur.register("incoming_figures", figures)
        cur.execute("""
            INSERT INTO fact_figure (report_key, fact_id, seq, kind, metric, value, unit, qualifier, sector,
                                     location, indicator, measure, population, period, page, evidence, raw,
                                     section, flags, dimensions_from)
            SELECT report_key, fact_id, seq, kind, metric, value, unit, qualifier, sector, location,
                   indicator, measure, population, period, page, evidence, raw, section, flags, dimensions_from
            FROM incoming_figures""")
        cur.execute(sql_text("figure_key.sql"))  # the key reviewed corrections follow (v_facts applies them)
        cur.register("incoming_quarantine", held)
        cur.execute("INSERT INTO quarantine SELECT report_key, fact_id, run_id, expectation, reason "
                    "FROM incoming_quarantine")
        cur.register("incoming_dq", dq)
        cur.execute("INSERT INTO dq_result SELECT run_id, report_key, source_file, expectation, status, "
                    "observed, details FROM incoming_dq")
        _add_dimension_members(cur)
        cur.execute("COMMIT")
    except Exception as exc:
        try:
            cur.execute("ROLLBACK")
        except duckdb.Error:
            pass
        raise LoadError(f"{type(exc).__name__}: {exc}", report=report.source_file) from exc
    finally:
        for view in ("incoming_figures", "incoming_quarantine", "incoming_dq"):
            try:
                cur.unregister(view)
            except duckdb.Error:
                pass
        cur.close()
    return len(figures)


def corrections_applied(con: duckdb.DuckDBPyConnection, source_file: str, sha256: str) -> int:
    """How many reviewed decisions (sitrep correct) apply to this report version's figures."""
    row = con.execute("""
        SELECT count(*) FROM fact_figure f JOIN v_active_corrections c ON c.figure_key = f.figure_key
        WHERE f.report_key = ?""", [report_key(source_file, sha256)]).fetchone()
    return int(row[0]) if row else 0


def _add_dimension_members(cur: duckdb.DuckDBPyConnection) -> None:
    """New sectors, places, indicators and periods seen in the incoming figures."""
    for dim in ("sector", "location", "indicator"):
        cur.execute(f"""
            INSERT INTO dim_{dim}
            SELECT DISTINCT {dim} FROM incoming_figures
            WHERE {dim} IS NOT NULL AND {dim} NOT IN (SELECT {dim} FROM dim_{dim})""")
    cur.execute("""
        INSERT INTO dim_period
        SELECT DISTINCT p, TRY_CAST(substr(p, 1, 4) AS INTEGER),
               CASE WHEN length(p) >= 7 THEN TRY_CAST(substr(p, 6, 2) AS INTEGER) END
        FROM (SELECT period AS p FROM incoming_figures UNION SELECT report_period FROM dim_report)
        WHERE p IS NOT NULL AND p NOT IN (SELECT period FROM dim_period)""")
