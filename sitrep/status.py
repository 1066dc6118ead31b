"""`sitrep status`: each report's last run, stage by stage, read from v_runs. A validate stage that passed
but held figures back or hit warnings shows "quarantined" or "warn", with the counts; "took" is the
stage's recorded time, the one the run printed."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from sitrep.config import Paths

LAST_RUNS = """
WITH last AS (
    SELECT source_file, arg_max(run_id, coalesce(started, finished)) AS run_id
    FROM v_runs GROUP BY source_file),
dq AS (  -- what validation found, per run and report (written with the load)
    SELECT run_id, source_file, count(*) FILTER (WHERE status = 'warn') AS warns
    FROM v_dq_results GROUP BY ALL),
held AS (
    SELECT q.run_id, d.source_file, count(*) AS held
    FROM quarantine q JOIN dim_report d USING (report_key) GROUP BY ALL)
SELECT r.source_file, r.run_id, r.stage, r.status, r.started, r.finished, r.error,
       CASE WHEN r.stage = 'validate' THEN coalesce(held.held, 0) END AS held,
       CASE WHEN r.stage = 'validate' THEN coalesce(dq.warns, 0) END AS warns
FROM v_runs r JOIN last l USING (source_file, run_id)
LEFT JOIN dq ON dq.run_id = r.run_id AND dq.source_file = r.source_file
LEFT JOIN held ON held.run_id = r.run_id AND held.source_file = r.source_file
ORDER BY r.source_file,
         CASE r.stage WHEN 'fetch' THEN 1 WHEN 'extract' THEN 2 WHEN 'validate' THEN 3 ELSE 4 END
"""


def shown_status(status: str, held: int | None, warns: int | None) -> tuple[str, str]:
    """The status word and note `sitrep status` shows for a stage: an ok validation that held figures back
    is "quarantined", one that only warned is "warn"."""
    if status != "ok" or not (held or warns):
        return status, ""
    note = ", ".join(part for part in (f"{held} figure(s) quarantined" if held else "",
                                       f"{warns} warning(s)" if warns else "") if part)
    return ("quarantined" if held else "warn"), note


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
    for column in ("report", "stage", "status", "took", "finished", "error / note"):
        table.add_column(column, overflow="fold")
    failed = False
    for source_file, _run_id, stage, status, started, finished, error, held, warns in rows:
        took = f"{(finished - started).total_seconds():.1f}s" if started and finished else ""
        status, note = shown_status(status, held, warns)
        error = error or note
        style = {"failed": "red", "skipped": "dim", "ok": "green", "warn": "yellow",
                 "quarantined": "yellow"}.get(status, "")
        failed |= status == "failed"
        table.add_row(source_file, stage, f"[{style}]{status}[/]", took,
                      finished.strftime("%Y-%m-%d %H:%M:%S") if finished else "", error or "")
    console = Console(width=None if sys.stdout.isatty() else 200)  # no folding when piped
    console.print(table)
    if failed:
        console.print("rerun failed stages with: sitrep rerun --stage STAGE [--report ID]")
    return 0
