"""Prefect tasks, thin wrappers over the stage packages: fetch and extract per report; validate and
load per batch of reports (their fixed costs, a Great Expectations run and a DuckDB connection, are
paid once per batch), with one outcome per report so one report's failure never fails the others.

Each task reads its input from the stage store (or the raw store) and writes its output there,
so any stage can be rerun for one report from what the stage before it left.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

import fetchers
from extractors import extract_report
from flows import workers
from sitrep.artifacts import StageStore
from sitrep.errors import ExtractError, LoadError, SitrepError, ValidateError, error_line


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


def extract_to_store(raw_path: str, source_file: str, sha256: str, stages_dir: str) -> str:
    """The extract stage's work for one report (raw bytes -> figures in the stage store); returns the
    progress note (the recorder adds the stage's time, as v_runs records it). A plain function: it runs in
    a worker process (flows.workers)."""
    result = extract_report(Path(raw_path).read_bytes(), source_file)
    StageStore(Path(stages_dir)).save_extract(source_file, sha256, result)
    note = f"{len(result.figures)} figures, {result.family}"
    if result.warnings:
        note += "; " + "; ".join(result.warnings)
    return note


@dataclass(frozen=True)
class StageFailure:
    """A stage that failed for one report of a batch (the other reports of the batch go on)."""

    stage: str
    started: datetime
    finished: datetime
    error: str


BatchOutcome = dict[str, StageOutcome | StageFailure]


# A failure's details (its traceback, with a worker process's remote one): the `sitrep` command sends them to
# data/prefect/sitrep.log (it sets `propagate`); elsewhere (a deployment's worker) they stay out of the log,
# which has the failure's one line.
details = logging.getLogger("sitrep.details")
if not details.handlers:
    details.addHandler(logging.NullHandler())
    details.propagate = False


def _failure(stage: str, started: datetime, exc: BaseException) -> StageFailure:
    details.warning("%s failed: %s", stage, error_line(exc), exc_info=exc)
    return StageFailure(stage, started, now(), error_line(exc))


@task(name="fetch", task_run_name="fetch {item.source_file}", cache_policy=NO_CACHE)
def fetch_report(item: fetchers.FetchItem, raw_dir: str,
                 stage_deadline: float | None = None) -> fetchers.RawFile | StageFailure:
    """Read or download one report into the raw store (HTTP retries and deadlines live in fetchers.http);
    `stage_deadline` is the wall-clock time by which the run's fetch stage must be done. A report that
    cannot be fetched for a known reason is an outcome (one line, no traceback), not a broken task."""
    started = now()
    try:
        return fetchers.fetch(item, fetchers.RawStore(Path(raw_dir)), stage_deadline=stage_deadline)
    except SitrepError as exc:
        return _failure("fetch", started, exc)


@task(name="extract", task_run_name="extract {raw.source_file}", cache_policy=NO_CACHE)
def extract_stage(raw: fetchers.RawFile, stages_dir: str) -> StageOutcome | StageFailure:
    """Extract one report in a worker process; a report that fails for a known reason (sitrep's own errors,
    a worker that died) is an outcome, so the log has one line for it, without a traceback."""
    started = now()
    try:
        note = workers.run(extract_to_store, raw.path, raw.source_file, raw.sha256, stages_dir)
    except workers.WorkerCrashed as exc:
        return _failure("extract", started, ExtractError(str(exc), report=raw.source_file))
    except SitrepError as exc:
        return _failure("extract", started, exc)
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


def warm_validator(docs_dir: str) -> threading.Thread:
    """Start Great Expectations (import and context, 2-3 s of CPU) in a background thread now, e.g. while
    Prefect's server starts, instead of on the flow thread when the first report is ready."""
    thread = threading.Thread(target=get_validator, args=(docs_dir,), name="sitrep-ge-start", daemon=True)
    thread.start()
    return thread


def _validate(docs_dir: str, reports: list[tuple[str, str, object]], series=None):
    """Reports through the run's Validator. The lock lives here, not in the task body, so the task
    pickles for Dask workers (a threading.Lock does not)."""
    validator = get_validator(docs_dir)
    with _validator_lock:
        return validator.validate_many(reports, map_jobs=workers.map_jobs, series=series)


@task(name="validate", task_run_name="validate {label}", cache_policy=NO_CACHE)
def validate_stage(raws: list[fetchers.RawFile], stages_dir: str, docs_dir: str, label: str = "",
                   warehouse: str | None = None) -> BatchOutcome:
    """Validate a batch of reports in one pass of the suites (Great Expectations' cost is per run, not per
    figure); a report whose stored extract is missing fails alone. With `warehouse` (the published file,
    read-only), each report's figures are also checked against their series' neighbours there."""
    started = now()
    store = StageStore(Path(stages_dir))
    out: BatchOutcome = {}
    ready, frames, periods = [], [], []
    for raw in raws:
        try:
            if not store.has_extract(raw.source_file, raw.sha256):
                raise ValidateError("no stored extract output: rerun from the extract stage", report=raw.source_file)
            meta, figures = store.load_extract(raw.source_file, raw.sha256)
        except Exception as exc:
            out[raw.source_file] = _failure("validate", started, exc)
            continue
        ready.append(raw)
        frames.append((raw.source_file, meta["family"], figures))
        periods.append(meta.get("report_period"))
    series = None
    if warehouse is not None and frames:
        from expectations.series import batch_neighbours

        series = batch_neighbours(Path(warehouse), [(s, f, p, x) for (s, f, x), p in zip(frames, periods,
                                                                                         strict=True)])
    for raw, result in zip(ready, _validate(docs_dir, frames, series) if frames else [], strict=True):
        try:
            store.save_validation(raw.source_file, raw.sha256, result.results, result.quarantine)
        except Exception as exc:
            out[raw.source_file] = _failure("validate", started, exc)
            continue
        counts = result.results["status"].value_counts().to_dict() if len(result.results) else {}
        note = (f"{counts.get('pass', 0)} pass, {counts.get('warn', 0)} warn, {counts.get('fail', 0)} fail; "
                f"{len(result.quarantine)} quarantined")
        out[raw.source_file] = _timed("validate", started, note)
    return out


def _load_one(con, store: StageStore, raw: fetchers.RawFile, run_id: str) -> str:
    from warehouse.load import ReportVersion, corrections_applied, load_report

    meta, figures = store.load_extract(raw.source_file, raw.sha256)
    if not store.has_validation(raw.source_file, raw.sha256):
        raise LoadError("no stored validation output: rerun from the validate stage", report=raw.source_file)
    results, quarantine = store.load_validation(raw.source_file, raw.sha256)
    version = ReportVersion(raw.source_file, raw.sha256, meta["family"], meta.get("report_period"),
                            meta.get("title"), raw.media_type, raw.bytes, raw.source, raw.location,
                            raw.fetched_at)
    n = load_report(con, run_id, version, figures, results, quarantine)
    note = f"{n - len(quarantine)} figures published, {len(quarantine)} held back"
    reviewed = corrections_applied(con, raw.source_file, raw.sha256)
    return note + (f"; {reviewed} reviewed correction(s) applied" if reviewed else "")


@task(name="load", task_run_name="load {label}", cache_policy=NO_CACHE)
def load_stage(raws: list[fetchers.RawFile], stages_dir: str, staging_db: str, run_id: str,
               label: str = "") -> BatchOutcome:
    """Load validated reports into the run's staging warehouse, each in its own transaction: a report
    that fails to load leaves no row behind and the others still load."""
    import duckdb

    store = StageStore(Path(stages_dir))
    out: BatchOutcome = {}
    con = duckdb.connect(staging_db)  # same in-process database as the flow's connection
    try:
        for raw in raws:
            started = now()
            try:
                out[raw.source_file] = _timed("load", started, _load_one(con, store, raw, run_id))
            except Exception as exc:
                out[raw.source_file] = _failure("load", started, exc)
    finally:
        con.close()
    return out
