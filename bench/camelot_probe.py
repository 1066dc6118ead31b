"""Counts camelot calls for the benchmark, in whichever process runs them (the flow process or a worker).

Imported by the benchmark's sitrep child and, through SITREP_WORKER_INIT, by each extract worker process:
wraps `camelot.read_pdf` so that every call appends one JSON line (file hash, pages, flavor, engine,
seconds, tables found) to the file named by SITREP_BENCH_CAMELOT_LOG. No pipeline file is changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import time


def install() -> None:
    log_path = os.environ.get("SITREP_BENCH_CAMELOT_LOG")
    if not log_path:
        return
    import camelot

    if getattr(camelot.read_pdf, "_sitrep_probe", False):
        return
    original = camelot.read_pdf

    def read_pdf(filepath, pages="1", *args, flavor="lattice", **kwargs):
        t0 = time.perf_counter()
        found = None
        try:
            found = original(filepath, pages, *args, flavor=flavor, **kwargs)
            return found
        finally:
            with open(filepath, "rb") as handle:
                sha = hashlib.sha256(handle.read()).hexdigest()
            line = json.dumps({"sha256": sha, "pages": str(pages), "flavor": flavor, "engine": kwargs.get("engine"),
                               "seconds": round(time.perf_counter() - t0, 4),
                               "tables": len(found) if found is not None else None})
            with open(log_path, "a", encoding="utf-8") as out:  # one short line per write: appends stay whole
                out.write(line + "\n")

    read_pdf._sitrep_probe = True
    camelot.read_pdf = read_pdf


install()
