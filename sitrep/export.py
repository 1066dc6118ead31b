"""`sitrep export --format parquet DIR`: every table and view of the warehouse as one Parquet file each.

Facts, dimensions, audit tables, the contract views and the analyst views: `DIR/<name>.parquet`, for
tools that do not read DuckDB (BI tools, pandas/polars, Spark). The warehouse is opened read-only.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.db import open_read_only


def relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the warehouse's own tables, then views (main schema, no system objects)."""
    rows = con.execute("""
        SELECT table_name, 0 AS k FROM duckdb_tables() WHERE NOT internal AND NOT temporary AND schema_name = 'main'
        UNION ALL
        SELECT view_name, 1 FROM duckdb_views() WHERE NOT internal AND NOT temporary AND schema_name = 'main'
        ORDER BY k, 1""").fetchall()
    return [name for name, _ in rows]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export_parquet(warehouse: Path, out_dir: Path) -> list[Path]:
    """Write DIR/<table or view>.parquet for every table and view; returns the files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = open_read_only(Path(warehouse))
    written = []
    try:
        for name in relations(con):
            path = out_dir / f"{name}.parquet"
            tmp = path.with_name(f".{path.name}.tmp")
            con.execute(f"COPY (SELECT * FROM {_ident(name)}) TO {_literal(str(tmp))} "
                        "(FORMAT parquet, COMPRESSION zstd)")
            tmp.replace(path)  # a reader never sees a half-written file
            written.append(path)
    finally:
        con.close()
    return written
