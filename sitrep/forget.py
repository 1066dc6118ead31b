"""`sitrep forget REPORT ... --yes`: remove reports from the warehouse and the stores, for a report fetched by
mistake or a name that should never have been run. Its figures (every version), quarantine, data-quality
results, run history and manifest rows leave the warehouse in one published transaction; then its stage
outputs (data/stages/<report>/) and its raw files (those no other report shares) leave the data folder.
Without --yes it only says what it would remove."""

from __future__ import annotations

import shutil

from sitrep.config import Paths
from sitrep.errors import ConfigError

WORDS = {"fact_figure": "figure(s)", "quarantine": "quarantine row(s)", "dq_result": "data-quality result(s)",
         "dim_report": "version(s)", "run_log": "v_runs row(s)", "raw_manifest": "manifest row(s)"}


def _known(paths: Paths) -> list[str]:
    import fetchers
    from warehouse.db import open_read_only
    from warehouse.forget import known_in_warehouse

    with open_read_only(paths.warehouse) as con:
        names = set(known_in_warehouse(con))
    return sorted(names | {raw.source_file for raw in fetchers.RawStore(paths.raw_dir).manifest()})


def forget(paths: Paths, reports: list[str], yes: bool) -> int:
    """Remove `reports` (with `yes`) or say what would go; the exit status."""
    import fetchers
    from warehouse.db import open_read_only, writing
    from warehouse.forget import forget_report, report_rows

    known = _known(paths)
    unknown = [r for r in reports if r not in known]
    if unknown:
        raise ConfigError(f"unknown report {', '.join(map(repr, unknown))}: the known report IDs are "
                          f"{', '.join(known) or 'none'}")
    if not yes:
        with open_read_only(paths.warehouse) as con:
            for name in reports:
                rows = report_rows(con, name)
                parts = [f"{n} {WORDS[table]}" for table, n in rows.items() if n]
                if (paths.stages_dir / name).is_dir():
                    parts.append(f"its stage outputs ({paths.stages_dir / name})")
                print(f"would remove {name}: {', '.join(parts)}, and its raw files no other report shares")
        print("nothing removed: add --yes to remove them")
        return 2
    with writing(paths.warehouse) as staging:
        counts = {name: forget_report(staging.con, name) for name in reports}
    store = fetchers.RawStore(paths.raw_dir)
    for name in reports:
        raw_files = store.forget(name)
        stages = paths.stages_dir / name
        if stages.is_dir():
            shutil.rmtree(stages)
        rows = counts[name]
        print(f"forgot {name}: " + ", ".join([f"{n} {WORDS[table]}" for table, n in rows.items() if n]
                                             + [f"{len(raw_files)} raw file(s)"]))
    return 0


__all__ = ["forget"]
