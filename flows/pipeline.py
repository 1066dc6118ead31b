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
from prefect.states import Failed, State

import fetchers
from extractors import pdf_guard
from fetchers.http import download_deadline, stage_deadline_from_now
from flows import workers
from flows.precheck import UNCHANGED, known_reports, unique_items
from flows.runners import task_runner_from_env
from flows.summary import ReportOutcome, RunFailed, RunSummary, summary_of
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
from sitrep.errors import check_known, error_line
from warehouse.db import StagedWarehouse, failed_reports, is_loaded, log_stage, record_raw, writing


class _FailedIsNotACrash(logging.Filter):
    """Prefect's engine, running a deployment's flow run, logs a run that ended Failed as "Engine execution
    exited with unexpected exception", with its own traceback. For sitrep a failed report is an outcome,
    already logged (its FAILED line, then the run's one-line outcome, which is also the state's message), so
    that record is dropped; real crashes keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], RunFailed))


if not any(isinstance(f, _FailedIsNotACrash) for f in logging.getLogger("prefect.flow_runs").filters):
    logging.getLogger("prefect.flow_runs").addFilter(_FailedIsNotACrash())

STAGES = ("fetch", "extract", "validate", "load")
BATCH_ENV = "SITREP_BATCH_SIZE"
DEFAULT_BATCH = 25
# The run's progress lines and events. The CLI shows them (sitrep.progress handlers); elsewhere (a deployment's
# worker) they reach the log through the flow run's logger only, so each line is logged once.
progress = logging.getLogger("sitrep.progress")
if not progress.handlers:
    progress.addHandler(logging.NullHandler())
    progress.propagate = False


def _error_text(state: State) -> str:
    exc = state.result(raise_on_failure=False)
    if isinstance(exc, BaseException):
        return error_line(exc)
    return " ".join((state.message or "failed").split())[:1000]


def _say(message: str, level: int = logging.INFO, event: dict | None = None, run_log: bool = True) -> None:
    """A progress line: to the CLI's display (with `event`, what happened, for its progress bar) and, with
    `run_log`, to the flow run's log."""
    progress.log(level, message, extra={"sitrep": event or {}})
    if not run_log:
        return
    try:
        get_run_logger().log(level, message)
    except Exception:  # outside a run context (tests calling helpers)
        pass


def _plan(total: int, stages: tuple[str, ...]) -> None:
    """Tell the display how many reports go through which stages (the progress bar's totals)."""
    progress.info("", extra={"sitrep": {"kind": "plan", "total": total, "stages": stages}})


def _took(started, finished) -> str:
    return f"{(finished - started).total_seconds():.1f}s" if started and finished else ""


class _Recorder:
    """Writes v_runs rows and progress lines as stages finish. Each line counts the reports done with its
    stage ("[3/40] extract  ..."), so the lines say how far each stage is as they arrive; the time on a line
    is the one v_runs records (and `sitrep status` shows)."""

    def __init__(self, con, run_id: str, total: int) -> None:
        self.con, self.run_id, self.total = con, run_id, total
        self.counts = dict.fromkeys(STAGES, 0)

    def _count(self, stage: str) -> str:
        self.counts[stage] += 1
        return f"[{self.counts[stage]}/{self.total}]"

    def ok(self, raw: fetchers.RawFile, outcome: StageOutcome, report: ReportOutcome) -> None:
        log_stage(self.con, self.run_id, raw.source_file, raw.sha256, outcome.stage, "ok",
                  outcome.started, outcome.finished, None)
        report.notes.append(f"{outcome.stage}: {outcome.note}")
        _say(f"{self._count(outcome.stage)} {outcome.stage:8} {raw.source_file}: {outcome.note} "
             f"({_took(outcome.started, outcome.finished)})",
             event={"kind": "stage", "stage": outcome.stage, "report": raw.source_file, "status": "ok"})

    def failed(self, source_file: str, sha256: str | None, stage: str, error: str, started,
               report: ReportOutcome, finished=None) -> None:
        log_stage(self.con, self.run_id, source_file, sha256, stage, "failed", started, finished or now(), error)
        later = STAGES[STAGES.index(stage) + 1:]
        for after in later:
            log_stage(self.con, self.run_id, source_file, sha256, after, "skipped", None, None,
                      f"not run: {stage} failed")
        report.status, report.stage, report.error = "failed", stage, error
        _say(f"{self._count(stage)} FAILED   {source_file}: {stage} failed: {error}", logging.ERROR,
             event={"kind": "stage", "stage": stage, "report": source_file, "status": "failed", "skips": later})

    def settled(self, raw: fetchers.RawFile, stage: str, state: State, started, report: ReportOutcome) -> bool:
        """Record a finished stage task from its Prefect state; True when it succeeded."""
        if state.is_failed():
            self.failed(raw.source_file, raw.sha256, stage, _error_text(state), started, report)
            return False
        outcome = state.result()
        if isinstance(outcome, StageFailure):
            self.failed(raw.source_file, raw.sha256, stage, outcome.error, outcome.started, report, outcome.finished)
            return False
        self.ok(raw, outcome, report)
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
                if isinstance(outcome, StageFailure):
                    self.failed(raw.source_file, raw.sha256, stage, outcome.error, outcome.started,
                                outcomes[raw.source_file], outcome.finished)
                else:
                    self.failed(raw.source_file, raw.sha256, stage, "no outcome reported", now(),
                                outcomes[raw.source_file])
        return passed

    def skipped(self, raw: fetchers.RawFile, stages: tuple[str, ...], why: str) -> None:
        for stage in stages:
            log_stage(self.con, self.run_id, raw.source_file, raw.sha256, stage, "skipped", None, None, why)
        _say("", event={"kind": "stage", "stage": stages[0], "report": raw.source_file, "status": "skipped",
                        "skips": stages[1:]}, run_log=False)

    def validating(self, raws: list[fetchers.RawFile]) -> None:
        """A batch goes to validation (one pass of the suites for the whole batch)."""
        _say(f"      validate {len(raws)} report(s) in one pass: {_label(raws)}",
             event={"kind": "validating", "count": len(raws)})


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
        future = None
        if "validate" in want:
            recorder.validating(batch)
            future = validate_stage.submit(batch, stages_dir, docs_dir, _label(batch), str(paths.warehouse))
        pending.append((batch, future))

    def drain(block: bool) -> None:
        while pending and (block or _done(pending[0][1])):
            batch, future = pending.pop(0)
            if future is not None:
                future.wait()
                batch = recorder.batch(batch, "validate", future.state, outcomes)
            if batch:
                state = load_stage(batch, stages_dir, staging_db, run_id, _label(batch), return_state=True)
                recorder.batch(batch, "load", state, outcomes)

    batch: list[fetchers.RawFile] = []
    for raw in raws:
        future = extract_futures.get(raw.source_file)
        if future is not None:
            future.wait()
            if not recorder.settled(raw, "extract", future.state, started[raw.source_file],
                                    outcomes[raw.source_file]):
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


def _finish(summary: RunSummary) -> RunSummary | State:
    """Log the run's one-line outcome (once, at the end) and end the flow run in the state it deserves:
    Failed, with that line as its message, when any report failed (so a scheduler's alerts fire)."""
    line = summary.line()
    if summary.failed:
        get_run_logger().error(line)
        return Failed(message=line, data=RunFailed(line, summary))
    get_run_logger().info(line)
    return summary


@flow(name="monthly_pipeline", log_prints=True, task_runner=task_runner_from_env())
def monthly_pipeline(sources: list[str] | None = None, warehouse: str = "data/warehouse.duckdb",
                     force: bool = False) -> RunSummary:
    """Fetch every report of `sources` (default: the bundled samples), then extract, validate and
    load the new or changed ones. Reports whose bytes are already loaded do no stage work. The flow run
    ends Failed (its message the one-line outcome) when any report failed; the others are loaded."""
    paths = Paths.for_warehouse(warehouse)
    run_id = _current_run_id()
    sources = list(sources or [str(samples_dir())])
    summary = RunSummary(run_id, str(paths.warehouse))
    batch_size()  # a bad SITREP_BATCH_SIZE stops the run before anything is written
    unique, repeats, empty = unique_items(sources)  # ConfigError for a missing source: the run stops (exit 2)
    pdf_guard.caps()  # ConfigError for a bad SITREP_PDF_PAGE_MB / SITREP_PDF_REPORT_MB: exit 2 before any work
    download_deadline()  # so does a bad deadline setting, here rather than in every fetch
    for source in empty:
        _say(f"warning: no report files in {source}", logging.WARNING)
    for item in repeats:
        _say(f"  skipping a second report named {item.source_file} (from {item.location})", logging.WARNING)
    _say(f"sitrep run {run_id}: {len(unique)} report(s) from {len(sources)} source(s) -> {paths.warehouse}",
         event={"kind": "header"})
    _plan(len(unique), STAGES)
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
                continue
            raw = future.result()
            if isinstance(raw, StageFailure):
                recorder.failed(item.source_file, None, "fetch", raw.error, raw.started, report, raw.finished)
                continue
            record_raw(con, raw)
            recorder.ok(raw, StageOutcome("fetch", fetch_started, now(),
                                          f"{raw.bytes:,} bytes, sha256 {raw.sha256[:12]}"), report)
            if not force and is_loaded(con, raw.source_file, raw.sha256):
                recorder.skipped(raw, STAGES[1:], UNCHANGED)
                report.status = "skipped"
                report.notes.append(f"{UNCHANGED}: no stage work")
                continue
            todo.append(raw)
        if todo:
            _run_stages(todo, "extract", paths, staging, run_id, recorder, outcomes)
        elif not unique:
            _say("nothing to do: the sources hold no report files", logging.WARNING)
        elif not summary.failed:
            _say("nothing new: every report is unchanged since its last load (no stage work done)")
    if todo:
        summary.data_docs = _build_docs(paths)
    return _finish(summary)


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
    for the named reports (by source_file) or, with none named, for those whose last run failed.
    A report never fetched is refused before anything is written (ConfigError)."""
    if stage not in STAGES[1:]:
        from sitrep.errors import ConfigError

        raise ConfigError(f"--stage must be one of extract, validate, load (got {stage!r})")
    batch_size()
    paths = Paths.for_warehouse(warehouse)
    run_id = _current_run_id()
    summary = RunSummary(run_id, str(paths.warehouse))
    store = fetchers.RawStore(paths.raw_dir)
    if reports:
        check_known(reports, known_reports(store))  # before the lock: an unknown name writes nothing
    with writing(paths.warehouse) as staging:
        con = staging.con
        names = list(reports or failed_reports(con))
        outcomes = {n: ReportOutcome(n) for n in names}
        summary.reports = list(outcomes.values())
        recorder = _Recorder(con, run_id, len(names))
        raws = []
        for name in names:
            raw = store.latest(name)
            if raw is None:  # a failed report whose raw file is gone (the raw store was cleared)
                recorder.failed(name, None, stage, "never fetched: run `sitrep run` with its source first",
                                now(), outcomes[name])
                continue
            raws.append(raw)
        _say(f"sitrep rerun {run_id}: {stage} and later stages for {len(raws)} report(s)", event={"kind": "header"})
        _plan(len(names), STAGES[STAGES.index(stage):])
        if raws:
            _run_stages(raws, stage, paths, staging, run_id, recorder, outcomes)
        elif not names:
            _say("nothing to rerun: no report's last run failed")
    if raws and stage in ("extract", "validate"):
        summary.data_docs = _build_docs(paths)
    return _finish(summary)


__all__ = ["monthly_pipeline", "rerun_stage", "RunSummary", "ReportOutcome", "RunFailed", "summary_of"]
