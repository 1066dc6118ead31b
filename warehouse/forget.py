"""Removing a report from the warehouse (`sitrep forget`): every version's figures, quarantine and
data-quality rows, its run history and its raw-manifest rows. Runs inside one staging transaction
(warehouse.db.writing), so the published file either still has all of it or none."""

from __future__ import annotations

import duckdb

# (table, condition): the rows that belong to one report, by its source_file (?)
_VERSIONS = "report_key IN (SELECT report_key FROM dim_report WHERE source_file = ?)"
REPORT_ROWS = (
    ("fact_figure", _VERSIONS),
    ("quarantine", _VERSIONS),
    ("dq_result", "source_file = ?"),
    ("dim_report", "source_file = ?"),
    ("run_log", "source_file = ?"),
    ("raw_manifest", "source_file = ?"),
)


def known_in_warehouse(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every report the warehouse has a row for (loaded, failed or only fetched)."""
    rows = con.execute("SELECT source_file FROM dim_report UNION SELECT source_file FROM run_log "
                       "UNION SELECT source_file FROM raw_manifest ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def report_rows(con: duckdb.DuckDBPyConnection, source_file: str) -> dict[str, int]:
    """How many rows of each table belong to the report."""
    return {table: con.execute(f"SELECT count(*) FROM {table} WHERE {where}", [source_file]).fetchone()[0]
            for table, where in REPORT_ROWS}


def forget_report(con: duckdb.DuckDBPyConnection, source_file: str) -> dict[str, int]:
    """Delete the report's rows from every table (facts before the versions they hang on); the counts."""
    counts = report_rows(con, source_file)
    for table, where in REPORT_ROWS:
        con.execute(f"DELETE FROM {table} WHERE {where}", [source_file])
    return counts


__all__ = ["forget_report", "report_rows", "known_in_warehouse", "REPORT_ROWS"]
