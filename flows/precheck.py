"""The no-change fast path: when nothing is new, say so without starting Prefect.

A monthly run often finds its reports unchanged. When it finds all of them unchanged there is no stage
work to orchestrate, and starting Prefect's API (5 s and more), the worker processes and Great
Expectations would be nearly the whole cost of the run. So before any of that, `unchanged_run` hashes
the local report files and compares them with the warehouse's current versions. Only when every report
is a local file already loaded with exactly these bytes does it record the run itself (the rows the
flow would write: the raw manifest, fetch ok, the other stages skipped, in one published transaction)
and return. Anything else (a URL, a new or changed file, no warehouse yet, `--force`) runs the flow.
No Prefect import here: the point is not to pay for it.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import UTC, datetime

import fetchers
from extractors import pdf_guard
from fetchers.http import download_deadline, stage_deadline_from_now
from flows.summary import ReportOutcome, RunSummary
from sitrep.config import Paths, samples_dir
from warehouse.db import current_versions, log_stage, open_read_only, record_raw, writing

progress = logging.getLogger("sitrep.progress")
LATER_STAGES = ("extract", "validate", "load")
UNCHANGED = "unchanged since its last load"


def unique_items(sources: list[str]) -> tuple[list[fetchers.FetchItem], list[fetchers.FetchItem], list[str]]:
    """The report files of `sources`, one per report name (the first listed wins), the repeats, and the
    sources that hold no report file (a warning: an empty folder is often a missing mount)."""
    unique, repeats, empty, seen = [], [], [], set()
    for source in sources:
        items = fetchers.resolve(source)  # ConfigError for a missing source
        if not items:
            empty.append(source)
        for item in items:
            (repeats if item.source_file in seen else unique).append(item)
            seen.add(item.source_file)
    return unique, repeats, empty


def known_reports(store: fetchers.RawStore) -> list[str]:
    """The report IDs a rerun can take: every report the raw store has fetched."""
    return sorted({raw.source_file for raw in store.manifest()})


def check_sources(sources: list[str] | None) -> None:
    """Raise ConfigError now, before Prefect and the workers start, for a source that is missing, a catalog
    that cannot be read or includes itself, or a bad fetch deadline or PDF cap setting (exit 2 within a second, not
    after the start-up). No network: ReliefWeb searches run later, in the flow."""
    for source in sources or [str(samples_dir())]:
        fetchers.resolve(source, remote=False)
    download_deadline()
    stage_deadline_from_now()
    pdf_guard.caps()  # SITREP_PDF_PAGE_MB / SITREP_PDF_REPORT_MB


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def unchanged_run(sources: list[str] | None, paths: Paths) -> RunSummary | None:
    """Record and return a run with no stage work when every report is an unchanged local file; else None."""
    if not paths.warehouse.exists():
        return None
    sources = list(sources or [str(samples_dir())])
    items, repeats, empty = unique_items(sources)
    if not items or repeats or empty or any(item.is_url for item in items):
        return None
    try:
        with open_read_only(paths.warehouse) as con:
            current = current_versions(con)
        if any(current.get(item.source_file) != _sha256(item.location) for item in items):
            return None
    except Exception:  # unreadable file, warehouse or schema: the flow reports it properly
        return None
    run_id = f"quick-{uuid.uuid4()}"
    summary = RunSummary(run_id, str(paths.warehouse))
    store = fetchers.RawStore(paths.raw_dir)
    with writing(paths.warehouse) as staging:
        con = staging.con
        current = current_versions(con)  # again, under the lock: another run may have loaded since
        progress.info(f"sitrep run {run_id}: {len(items)} report(s) from {len(sources)} source(s) "
                      f"-> {paths.warehouse}", extra={"sitrep": {"kind": "header"}})
        progress.info("", extra={"sitrep": {"kind": "plan", "total": len(items), "stages": ("fetch",)}})
        for n, item in enumerate(items, 1):
            started = _now()
            raw = fetchers.fetch(item, store)
            if current.get(raw.source_file) != raw.sha256:  # changed between the check and now
                staging.discard()
                return None
            record_raw(con, raw)
            log_stage(con, run_id, raw.source_file, raw.sha256, "fetch", "ok", started, _now(), None)
            for stage in LATER_STAGES:
                log_stage(con, run_id, raw.source_file, raw.sha256, stage, "skipped", None, None, UNCHANGED)
            summary.reports.append(ReportOutcome(raw.source_file, "skipped",
                                                 notes=[f"{UNCHANGED}: no stage work"]))
            progress.info(f"[{n}/{len(items)}] fetch    {raw.source_file}: {UNCHANGED}",
                          extra={"sitrep": {"kind": "stage", "stage": "fetch", "report": raw.source_file,
                                            "status": "ok"}})
        progress.info("nothing new: every report is unchanged since its last load "
                      "(no stage work done; Prefect not started)")
    return summary


__all__ = ["check_sources", "unchanged_run", "unique_items", "known_reports", "UNCHANGED"]
