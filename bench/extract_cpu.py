"""CPU seconds of extract_report over the five sample reports, for before/after comparisons.

    PYTHONPATH=CHECKOUT python bench/extract_cpu.py [REPEATS]

Prints the minimum and median over REPEATS passes (default 5) after one warm-up pass. It counts this
process's CPU time (time.process_time), which other processes on a shared machine disturb far less
than wall time; run it alternately on two checkouts (e.g. main and a branch) and compare.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import extractors
from extractors import extract_report

SAMPLES = Path(extractors.__file__).resolve().parents[1] / "sitrep" / "samples"


def main() -> int:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    reports = [(path.name, path.read_bytes()) for path in sorted(SAMPLES.iterdir())]
    for name, data in reports:  # warm-up: imports, compiled patterns, caches
        extract_report(data, name)
    runs = []
    for _ in range(repeats):
        start = time.process_time()
        for name, data in reports:
            extract_report(data, name)
        runs.append(time.process_time() - start)
    print(f"{SAMPLES.parents[1]}: {len(reports)} reports, {repeats} passes: "
          f"min {min(runs):.3f}s, median {statistics.median(runs):.3f}s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
