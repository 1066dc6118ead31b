"""Cost of the cross-report checks' warehouse side: reading the published figures of a family and lining up
one incoming report's figures with their series' neighbours (expectations.series.batch_neighbours).

The incoming report is a current report of the warehouse under another file name, so every one of its
series points has neighbours (or itself-free neighbours) in the published data.

    python bench/series_check.py WAREHOUSE SOURCE_FILE [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import duckdb

from expectations.series import batch_neighbours

FIGURES = """SELECT f.kind, f.metric, f.value, f.unit, f.qualifier, f.sector, f.location, f.indicator, f.measure,
                    f.population, f.period, f.page, f.evidence
             FROM fact_figure f JOIN dim_report r USING (report_key)
             WHERE r.is_current AND r.source_file = ? ORDER BY f.seq"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("source_file")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    con = duckdb.connect(str(args.warehouse), read_only=True)
    try:
        family, period = con.execute("SELECT report_family, report_period FROM dim_report WHERE is_current AND "
                                     "source_file = ?", [args.source_file]).fetchone()
        figures = con.execute(FIGURES, [args.source_file]).df()
        published = con.execute("SELECT count(*) FROM v_facts WHERE report_family = ?", [family]).fetchone()[0]
    finally:
        con.close()
    times, points = [], 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        out = batch_neighbours(args.warehouse, [("bench-" + args.source_file, family, period, figures)])
        times.append(time.perf_counter() - t0)
        points = len(out[0])
    print(f"{len(figures)} incoming figures, {published} published figures of {family}, {points} series points "
          f"with neighbours: min {min(times) * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms "
          f"over {args.repeat} runs")


if __name__ == "__main__":
    main()
