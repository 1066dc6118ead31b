"""`sitrep status`: each report's last run, stage by stage, read from v_runs."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from sitrep.config import Paths

LAST_RUNS = """
WITH last AS (
    SELECT source_file, arg_max(run_id, coalesce(started, finished)) AS run_id
    FROM v_runs GROUP BY source_file)
SELECT r.source_file, r.run_id, r.stage, r.status, r.started, r.finished, r.error
FROM v_runs r JOIN last l USING (source_file, run_id)
ORDER BY r.source_file,
         CASE r.stage WHEN 'fetch' THEN 1 WHEN 'extract' THEN 2 WHEN 'validate' THEN 3 ELSE 4 END
"""


def last_runs(paths: Paths) -> list[tuple]:
    from warehouse.db import open_read_only

    con = open_read_only(paths.warehouse)
    try:
        return con.execute(LAST_RUNS).fetchall()
    finally:
        con.close()


def print_status(paths: Paths) -> int:
    rows = last_runs(paths)
    table = Table(title=f"sitrep status: {paths.warehouse}", show_lines=False)
    for column in ("report", "stage", "status", "took", "finished", "error"):
        table.add_column(column, overflow="fold")
    failed = False
    for source_file, _run_id, stage, status, started, finished, error in rows:
        took = f"{(finished - started).total_seconds():.1f}s" if started and finished else ""
        style = {"failed": "red", "skipped": "dim", "ok": "green"}.get(status, "")
        failed |= status == "failed"
        table.add_row(source_file, stage, f"[{style}]{status}[/]", took,
                      finished.strftime("%Y-%m-%d %H:%M:%S") if finished else "", error or "")
    console = Console(width=None if sys.stdout.isatty() else 200)  # no folding when piped
    console.print(table)
    if failed:
        console.print("rerun failed stages with: sitrep rerun --stage STAGE [--report ID]")
    return 0
