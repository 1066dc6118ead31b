"""Thread runner against a local Dask cluster: wall time of `sitrep run` on the bundled samples, and whether
both publish the same facts (ids, values, dimensions) and the same quarantine.

Each run is the CLI as a user starts it (a temporary Prefect server included), into a fresh warehouse.
Runs alternate (threads, dask, threads, ...) so a change in the machine's load hits both alike.

    python bench/runners.py [--repeat 3] [--dask-workers 2] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
FACTS = ("SELECT fact_id, source_file, kind, value, unit, qualifier, sector, location, indicator, measure, "
         "population, period, page FROM v_facts ORDER BY fact_id")
HELD = "SELECT fact_id, source_file, value, expectation, reason FROM v_quarantine ORDER BY ALL"


def answers(warehouse: Path) -> tuple[list, list]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(FACTS).fetchall(), con.execute(HELD).fetchall()
    finally:
        con.close()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(runner: str, workers: int, folder: Path) -> tuple[float, float, Path]:
    """Wall seconds, CPU seconds (the CLI and every process it waited for: less sensitive than wall time
    to other work on the machine) and the warehouse of one `sitrep run`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SITREP_"))}
    env.update({"SITREP_TASK_RUNNER": runner, "PYTHONPATH": str(ROOT), "PREFECT_HOME": str(folder / "prefect"),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"})
    if runner == "dask":
        env["SITREP_TASK_WORKERS"] = str(workers)
    warehouse = folder / "data" / "warehouse.duckdb"
    t0, cpu0 = time.perf_counter(), _children_cpu()
    done = subprocess.run([sys.executable, "-m", "sitrep.cli", "run", "--warehouse", str(warehouse)], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=900)
    elapsed, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if done.returncode != 0:
        sys.exit(f"{runner} run exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed, cpu, warehouse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dask-workers", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {"threads": [], "dask": []}
    cpus: dict[str, list[float]] = {"threads": [], "dask": []}
    reference = None
    identical = True
    with tempfile.TemporaryDirectory(prefix="sitrep-bench-runners-") as tmp:
        for i in range(args.repeat):
            for runner in ("threads", "dask"):
                folder = Path(tmp) / f"{runner}-{i}"
                folder.mkdir()
                elapsed, cpu, warehouse = one_run(runner, args.dask_workers, folder)
                times[runner].append(elapsed)
                cpus[runner].append(cpu)
                got = answers(warehouse)
                reference = reference or got
                same = got == reference
                identical &= same
                print(f"{runner:8} run {i + 1}: {elapsed:6.1f} s wall, {cpu:6.1f} s CPU, {len(got[0])} facts, "
                      f"{len(got[1])} held back, "
                      f"{'same as' if same else 'DIFFERENT from'} the first thread run", flush=True)
    load = os.getloadavg()
    summary = {"repeat": args.repeat, "dask_workers": args.dask_workers, "cpus": os.cpu_count(),
               "loadavg_after": [round(x, 2) for x in load], "identical": identical,
               **{f"{r}_s": [round(t, 1) for t in ts] for r, ts in times.items()},
               **{f"{r}_median_s": round(statistics.median(ts), 1) for r, ts in times.items()},
               **{f"{r}_cpu_s": [round(t, 1) for t in ts] for r, ts in cpus.items()}}
    print(f"median wall: threads {summary['threads_median_s']} s, dask ({args.dask_workers} workers) "
          f"{summary['dask_median_s']} s; median CPU: threads {statistics.median(cpus['threads']):.1f} s, "
          f"dask {statistics.median(cpus['dask']):.1f} s; facts and quarantine identical: {identical}; "
          f"load average after {summary['loadavg_after']}")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
