"""The sitrep flows: `monthly_pipeline` (fetch, extract, validate, load) and `rerun_stage`.

Orchestration only: which report goes through which stage, in what order, and what is
recorded. A report that fails a stage is marked failed in v_runs and the others go on.
Loads are serialised (DuckDB has one writer) into a staging copy of the warehouse that is
published in one rename at the end (warehouse.db).
"""

from __future__ import annotations

import logging
import os

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import State

import fetchers
from extractors import pdf_guard
from fetchers.http import download_deadline, stage_deadline_from_now
from flows import workers
from flows.precheck import UNCHANGED, unique_items
from flows.runners import task_runner_from_env
from flows.summary import ReportOutcome, RunSummary
from flows.tasks import (
    StageFailure,
    StageOutcome,
    extract_stage,
    fetch_report,
    get_validator,
    load_stage,
    now,
    validate_stage,
)
from sitrep.config import Paths, env_int, samples_dir
from sitrep.errors import error_line
from warehouse.db import StagedWarehouse, is_loaded, log_stage, record_raw, writing

STAGES = ("fetch", "extract", "validate", "load")
BATCH_ENV = "SITREP_BATCH_SIZE"
DEFAULT_BATCH = 25
progress = logging.getLogger("sitrep.progress")


def _error_text(state: State) -> str:
    exc = state.result(raise_on_failure=False)
    if isinstance(exc, BaseException):
        return error_line(exc)
    return " ".join((state.message or "failed").split())[:1000]


def _say(message: str, level: int = logging.INFO) -> None:
    progress.log(level, message)
    try:
        get_run_logger().log(level, message)
    except Exception:  # outside a run context (tests calling helpers)
        pass


class _Recorder:
    """Writes v_runs rows and progress lines as stages finish."""

    def __init__(self, con, run_id: str, total: int) -> None:
        self.con, self.run_id, self.total, self.done = con, run_id, total, 0

    def ok(self, raw: fetchers.RawFile, outcome: StageOutcome, report: ReportOutcome) -> None:
        log_stage(self.con, self.run_id, raw.source_file, raw.sha256, outcome.stage, "ok",
                  outcome.started, outcome.finished, None)
        report.notes.append(f"{outcome.stage}: {outcome.note}")
        _say(f"  {outcome.stage:8} {raw.source_file}: {outcome.note}")

    def failed(self, source_file: str, sha256: str | None, stage: str, error: str, started,
               report: ReportOutcome) -> None:
        log_stage(self.con, self.run_id, source_file, sha256, stage, "failed", started, now(), error)
        for later in STAGES[STAGES.index(stage) + 1:]:
            log_stage(self.con, self.run_id, source_file, sha256, later, "skipped", None, None,
                      f"not run: {stage} failed")
        report.status, report.stage, report.error = "failed", stage, error
        _say(f"  FAILED   {source_file}: {stage} failed: {error}", logging.ERROR)

    def settled(self, raw: fetchers.RawFile, stage: str, state: State, started, report: ReportOutcome) -> bool:
        """Record a finished stage task from its Prefect state; True when it succeeded."""
        if state.is_failed():
            self.failed(raw.source_file, raw.sha256, stage, _error_text(state), started, report)
            return False
        self.ok(raw, state.result(), report)
        return True

    def batch(self, raws: list[fetchers.RawFile], stage: str, state: State,
              outcomes: dict[str, ReportOutcome]) -> list[fetchers.RawFile]:
        """Record a finished batch task report by report; the reports that passed the stage."""
        if state.is_failed():  # the task itself broke: every report of the batch failed this stage
            error = _error_text(state)
            for raw in raws:
                self.failed(raw.source_file, raw.sha256, stage, error, now(), outcomes[raw.source_file])
            return []
        results = state.result()
        passed = []
        for raw in raws:
            outcome = results.get(raw.source_file)
            if isinstance(outcome, StageOutcome):
                self.ok(raw, outcome, outcomes[raw.source_file])
                passed.append(raw)
            else:
                error = outcome.error if isinstance(outcome, StageFailure) else "no outcome reported"
                when = outcome.started if isinstance(outcome, StageFailure) else now()
                self.failed(raw.source_file, raw.sha256, stage, error, when, outcomes[raw.source_file])
        return passed

    def skipped(self, raw: fetchers.RawFile, stages: tuple[str, ...], why: str) -> None:
        for stage in stages:
            log_stage(self.con, self.run_id, raw.source_file, raw.sha256, stage, "skipped", None, None, why)

    def finished_report(self, report: ReportOutcome) -> None:
        self.done += 1
        _say(f"[{self.done}/{self.total}] {report.source_file}: {report.status}")


def batch_size() -> int:
    """Reports per validate and load batch (SITREP_BATCH_SIZE, default 25)."""
    return env_int(os.environ, BATCH_ENV, minimum=1) or DEFAULT_BATCH


def _done(future) -> bool:
    """Finished, without asking the API (a future's `state` is a request while it runs)."""
    if future is None:
        return True
    wrapped = getattr(future, "wrapped_future", None)
    return wrapped.done() if hasattr(wrapped, "done") else future.state.is_final()


def _label(raws: list[fetchers.RawFile]) -> str:
    return raws[0].source_file + (f" (+{len(raws) - 1} more)" if len(raws) > 1 else "")


def _run_stages(raws: list[fetchers.RawFile], first_stage: str, paths: Paths, staging: StagedWarehouse,
                run_id: str, recorder: _Recorder, outcomes: dict[str, ReportOutcome]) -> None:
    """Run `first_stage` and the stages after it for each report. Extracts run in parallel (in worker
    processes); the extracted reports are validated in batches on the task runner while later extracts
    go on, and each validated batch is loaded on the flow thread (one writer), in arrival order."""
    stages_dir, docs_dir, staging_db = str(paths.stages_dir), str(paths.dq_dir), str(staging.staging)
    want = STAGES[STAGES.index(first_stage):]
    size = batch_size()
    if "extract" in want or "validate" in want:
        workers.warm()  # cheap when the CLI has already started them
    started = {raw.source_file: now() for raw in raws}
    extract_futures = {raw.source_file: extract_stage.submit(raw, stages_dir) for raw in raws} \
        if "extract" in want else {}
    if "validate" in want:
        get_validator(docs_dir)  # Great Expectations starts once per run, while the extracts run
    pending: list[tuple[list[fetchers.RawFile], object]] = []  # batches waiting for validation, in order

    def submit(batch: list[fetchers.RawFile]) -> None:
        future = validate_stage.submit(batch, stages_dir, docs_dir, _label(batch), str(paths.warehouse)) \
            if "validate" in want else None
        pending.append((batch, future))

    def drain(block: bool) -> None:
        while pending and (block or _done(pending[0][1])):
            batch, future = pending.pop(0)
            if future is not None:
                future.wait()
                passed = recorder.batch(batch, "validate", future.state, outcomes)
                for raw in batch:
                    if raw not in passed:
                        recorder.finished_report(outcomes[raw.source_file])
                batch = passed
            if batch:
                state = load_stage(batch, stages_dir, staging_db, run_id, _label(batch), return_state=True)
                recorder.batch(batch, "load", state, outcomes)
                for raw in batch:
                    recorder.finished_report(outcomes[raw.source_file])

    batch: list[fetchers.RawFile] = []
    for raw in raws:
        future = extract_futures.get(raw.source_file)
        if future is not None:
            future.wait()
            if not recorder.settled(raw, "extract", future.state, started[raw.source_file],
                                    outcomes[raw.source_file]):
                recorder.finished_report(outcomes[raw.source_file])
                continue
        batch.append(raw)
        if len(batch) >= size:
            submit(batch)
            batch = []
        drain(block=False)
    if batch:
        submit(batch)
    drain(block=True)


def _current_run_id() -> str:
    return str(flow_run.get_id() or os.urandom(8).hex())


@flow(name="monthly_pipeline", log_prints=True, task_runner=task_runner_from_env())
def monthly_pipeline(sources: list[str] | None = None, warehouse: str = "data/warehouse.duckdb",
                     force: bool = False) -> RunSummary:
    """Fetch every report of `sources` (default: the bundled samples), then extract, validate and
    load the new or changed ones. Reports whose bytes are already loaded do no stage work."""
    paths = Paths.for_warehouse(warehouse)
    run_id = _current_run_id()
    sources = list(sources or [str(samples_dir())])
    summary = RunSummary(run_id, str(paths.warehouse))
    unique, repeats = unique_items(sources)  # ConfigError for a missing source: the run stops (exit 2)
    pdf_guard.caps()  # ConfigError for a bad SITREP_PDF_PAGE_MB / SITREP_PDF_REPORT_MB: exit 2 before any work
    download_deadline()  # so does a bad deadline setting, here rather than in every fetch
    for item in repeats:
        _say(f"  skipping a second report named {item.source_file} (from {item.location})", logging.WARNING)
    _say(f"sitrep run {run_id}: {len(unique)} report(s) from {len(sources)} source(s) -> {paths.warehouse}")
    with writing(paths.warehouse) as staging:
        con = staging.con
        outcomes = {i.source_file: ReportOutcome(i.source_file) for i in unique}
        summary.reports = list(outcomes.values())
        recorder = _Recorder(con, run_id, len(unique))
        fetch_started = now()
        stage_deadline = stage_deadline_from_now()
        futures = [(item, fetch_report.submit(item, str(paths.raw_dir), stage_deadline)) for item in unique]
        todo: list[fetchers.RawFile] = []
        for item, future in futures:
            future.wait()
            report = outcomes[item.source_file]
            if future.state.is_failed():
                recorder.failed(item.source_file, None, "fetch", _error_text(future.state), fetch_started,
                                report)
                recorder.finished_report(report)
                continue
            raw = future.result()
            record_raw(con, raw)
            recorder.ok(raw, StageOutcome("fetch", fetch_started, now(),
                                          f"{raw.bytes:,} bytes, sha256 {raw.sha256[:12]}"), report)
            if not force and is_loaded(con, raw.source_file, raw.sha256):
                recorder.skipped(raw, STAGES[1:], UNCHANGED)
                report.status = "skipped"
                report.notes.append(f"{UNCHANGED}: no stage work")
                recorder.finished_report(report)
                continue
            todo.append(raw)
        if todo:
            _run_stages(todo, "extract", paths, staging, run_id, recorder, outcomes)
        else:
            _say("nothing new: every report is unchanged since its last load (no stage work done)")
    if todo:
        summary.data_docs = _build_docs(paths)
    return summary


def _build_docs(paths: Paths) -> str | None:
    """sitrep's data-quality pages (sitrep.dq_pages) from the published warehouse: one page per report and run,
    offline, earlier runs kept."""
    from sitrep.dq_pages import write_dq_pages

    try:
        return str(write_dq_pages(paths.warehouse, paths.dq_dir))
    except Exception as exc:  # Data Docs are a convenience; never fail a run over them
        _say(f"Data Docs not built: {exc}", logging.WARNING)
        return None


@flow(name="rerun_stage", log_prints=True, task_runner=task_runner_from_env())
def rerun_stage(stage: str, reports: list[str] | None = None,
                warehouse: str = "data/warehouse.duckdb") -> RunSummary:
    """Run `stage` and the stages after it again, from the stored output of the stage before it,
    for the named reports (by source_file) or, with none named, for those whose last run failed."""
    if stage not in STAGES[1:]:
        from sitrep.errors import ConfigError

        raise ConfigError(f"--stage must be one of extract, validate, load (got {stage!r})")
    paths = Paths.for_warehouse(warehouse)
    run_id = _current_run_id()
    summary = RunSummary(run_id, str(paths.warehouse))
    store = fetchers.RawStore(paths.raw_dir)
    with writing(paths.warehouse) as staging:
        con = staging.con
        names = list(reports or _failed_reports(con))
        outcomes = {n: ReportOutcome(n) for n in names}
        summary.reports = list(outcomes.values())
        recorder = _Recorder(con, run_id, len(names))
        raws = []
        for name in names:
            raw = store.latest(name)
            if raw is None:
                recorder.failed(name, None, stage, "never fetched: run `sitrep run` with its source first",
                                now(), outcomes[name])
                continue
            raws.append(raw)
        _say(f"sitrep rerun {run_id}: {stage} and later stages for {len(raws)} report(s)")
        if raws:
            _run_stages(raws, stage, paths, staging, run_id, recorder, outcomes)
    if raws and stage in ("extract", "validate"):
        summary.data_docs = _build_docs(paths)
    return summary


def _failed_reports(con) -> list[str]:
    """Reports whose most recent run recorded a failed stage."""
    rows = con.execute("""
        WITH last AS (
            SELECT source_file, arg_max(run_id, started) AS run_id FROM run_log
            WHERE started IS NOT NULL GROUP BY source_file)
        SELECT DISTINCT l.source_file FROM last l
        JOIN run_log r ON r.source_file = l.source_file AND r.run_id = l.run_id
        WHERE r.status = 'failed' ORDER BY 1""").fetchall()
    return [r[0] for r in rows]


__all__ = ["monthly_pipeline", "rerun_stage", "RunSummary", "ReportOutcome"]
