"""Prefect tasks: one per stage, each for one report. Thin wrappers over the stage packages.

Each task reads its input from the stage store (or the raw store) and writes its output there,
so any stage can be rerun for one report from what the stage before it left.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

import fetchers
from extractors import extract_report
from sitrep.artifacts import StageStore
from sitrep.errors import ValidateError


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class StageOutcome:
    """What a stage did for one report, for v_runs and the progress line."""

    stage: str
    started: datetime
    finished: datetime
    note: str = ""


def _timed(stage: str, started: datetime, note: str = "") -> StageOutcome:
    return StageOutcome(stage, started, now(), note)


@task(name="fetch", task_run_name="fetch {item.source_file}", cache_policy=NO_CACHE)
def fetch_report(item: fetchers.FetchItem, raw_dir: str) -> fetchers.RawFile:
    """Read or download one report into the raw store (HTTP retries live in fetchers.http)."""
    return fetchers.fetch(item, fetchers.RawStore(Path(raw_dir)))


@task(name="extract", task_run_name="extract {raw.source_file}", cache_policy=NO_CACHE)
def extract_stage(raw: fetchers.RawFile, stages_dir: str) -> StageOutcome:
    started = now()
    t0 = time.perf_counter()
    result = extract_report(raw.read(), raw.source_file)
    StageStore(Path(stages_dir)).save_extract(raw.source_file, raw.sha256, result)
    note = f"{len(result.figures)} figures, {result.family}, {time.perf_counter() - t0:.1f}s"
    if result.warnings:
        note += "; " + "; ".join(result.warnings)
    return _timed("extract", started, note)


_validator = None
_validator_lock = threading.Lock()


def get_validator(docs_dir: str):
    """The run's Validator: Great Expectations is imported and its context started once per
    process, not per report. Validation calls are serialised (the GE context is not thread-safe)."""
    global _validator
    with _validator_lock:
        if _validator is None:
            from expectations import Validator

            _validator = Validator(Path(docs_dir))
        return _validator


def _validate(docs_dir: str, source_file: str, family: str, figures):
    """One report through the run's Validator. The lock lives here, not in the task body, so the task
    pickles for Dask workers (a threading.Lock does not)."""
    validator = get_validator(docs_dir)
    with _validator_lock:
        return validator.validate(source_file, family, figures)


@task(name="validate", task_run_name="validate {raw.source_file}", cache_policy=NO_CACHE)
def validate_stage(raw: fetchers.RawFile, stages_dir: str, docs_dir: str) -> StageOutcome:
    started = now()
    store = StageStore(Path(stages_dir))
    if not store.has_extract(raw.source_file, raw.sha256):
        raise ValidateError("no stored extract output: rerun from the extract stage", report=raw.source_file)
    meta, figures = store.load_extract(raw.source_file, raw.sha256)
    result = _validate(docs_dir, raw.source_file, meta["family"], figures)
    store.save_validation(raw.source_file, raw.sha256, result.results, result.quarantine)
    counts = result.results["status"].value_counts().to_dict() if len(result.results) else {}
    note = (f"{counts.get('pass', 0)} pass, {counts.get('warn', 0)} warn, {counts.get('fail', 0)} fail; "
            f"{len(result.quarantine)} quarantined")
    return _timed("validate", started, note)


@task(name="load", task_run_name="load {raw.source_file}", cache_policy=NO_CACHE)
def load_stage(raw: fetchers.RawFile, stages_dir: str, staging_db: str, run_id: str) -> StageOutcome:
    """Load one report's validated figures into the run's staging warehouse (one transaction)."""
    import duckdb

    from warehouse.load import ReportVersion, load_report

    started = now()
    store = StageStore(Path(stages_dir))
    meta, figures = store.load_extract(raw.source_file, raw.sha256)
    if not store.has_validation(raw.source_file, raw.sha256):
        from sitrep.errors import LoadError

        raise LoadError("no stored validation output: rerun from the validate stage", report=raw.source_file)
    results, quarantine = store.load_validation(raw.source_file, raw.sha256)
    version = ReportVersion(raw.source_file, raw.sha256, meta["family"], meta.get("report_period"),
                            meta.get("title"), raw.media_type, raw.bytes, raw.source, raw.location,
                            raw.fetched_at)
    con = duckdb.connect(staging_db)  # same in-process database as the flow's connection
    try:
        n = load_report(con, run_id, version, figures, results, quarantine)
    finally:
        con.close()
    return _timed("load", started, f"{n - len(quarantine)} figures published, {len(quarantine)} held back")
