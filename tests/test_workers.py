"""The worker processes (flows.workers): real processes, real crashes, and the thread fallback."""

from __future__ import annotations

import os
import shutil

import pytest

from flows import workers
from sitrep.errors import ConfigError, ExtractError

from .conftest import SAMPLES, query


def _pid() -> int:
    return os.getpid()


def _die() -> None:
    os._exit(139)  # what a segmentation fault in a C library looks like to the pool


def _raise(report: str) -> None:
    raise ExtractError("cannot open PDF: truncated or damaged", report=report)


def _square(x: int) -> int:
    return x * x


@pytest.fixture
def two_workers(monkeypatch):
    monkeypatch.setenv(workers.PROCESSES_ENV, "2")
    monkeypatch.delenv(workers.INIT_ENV, raising=False)
    workers.run(_pid)  # a pool that has run a job
    yield
    workers.shutdown()


def test_pool_size_from_the_environment():
    assert workers.worker_count({"SITREP_PROCESSES": "3"}) == 3
    assert workers.worker_count({"SITREP_PROCESSES": "0"}) == 0
    assert workers.worker_count({}) == (len(os.sched_getaffinity(0)) if len(os.sched_getaffinity(0)) > 1 else 0)
    for bad in ("many", "-1"):
        with pytest.raises(ConfigError, match="SITREP_PROCESSES"):
            workers.worker_count({"SITREP_PROCESSES": bad})


def test_jobs_run_in_other_processes_and_errors_come_back_whole(two_workers):
    assert workers.run(_pid) != os.getpid()
    assert workers.map_jobs(_square, range(6)) == [0, 1, 4, 9, 16, 25]
    with pytest.raises(ExtractError) as caught:
        workers.run(_raise, "a.pdf")
    assert caught.value.report == "a.pdf" and "truncated" in str(caught.value)


def test_no_pool_runs_in_the_calling_thread(monkeypatch):
    monkeypatch.setenv(workers.PROCESSES_ENV, "0")
    assert workers.get_pool() is None
    assert workers.run(_pid) == os.getpid()
    assert workers.map_jobs(_square, [2, 3]) == [4, 9]


def test_a_crashing_job_is_retried_then_reported_and_the_pool_recovers(two_workers, caplog):
    with pytest.raises(workers.WorkerCrashed, match="died running _die, also when run alone"):
        workers.run(_die)
    assert "a worker process died while running _die (this job or another); running it again alone" in caplog.text
    assert workers.run(_pid) != os.getpid()  # a fresh pool serves the next job
    assert workers.map_jobs(_square, [4]) == [16]


def test_workers_that_cannot_start_fall_back_to_threads(monkeypatch, caplog):
    workers.shutdown()
    monkeypatch.setenv(workers.PROCESSES_ENV, "2")
    monkeypatch.setenv(workers.INIT_ENV, "no_such_module_for_sitrep_workers")  # every worker dies at start
    monkeypatch.setattr(workers, "_proven", False)
    monkeypatch.setattr(workers, "_disabled", False)
    assert workers.run(_pid) == os.getpid()
    assert "worker processes could not start" in caplog.text
    assert workers.get_pool() is None
    monkeypatch.undo()
    workers.shutdown()


def test_a_worker_crash_fails_only_its_report(prefect_harness, tmp_path, monkeypatch):
    """A report whose extraction kills its worker process (as a PDFium crash would) fails at extract with
    a one-line error; the other reports load, in the same run."""
    from flows.pipeline import monthly_pipeline

    monkeypatch.setenv(workers.PROCESSES_ENV, "2")
    monkeypatch.setenv(workers.INIT_ENV, "tests.crashinjector")
    src = tmp_path / "src"
    src.mkdir()
    for name in ("gtrm-peru-sitrep-2021-02.pdf", "r4v-peru-sitrep-2023-09.html"):
        shutil.copy(SAMPLES / name, src / name)
    shutil.copy(SAMPLES / "gtrm-peru-sitrep-2019-10.pdf", src / "crash-me.pdf")
    warehouse = tmp_path / "w.duckdb"
    try:
        summary = monthly_pipeline(sources=[str(src)], warehouse=str(warehouse))
    finally:
        workers.shutdown()
    status = {r.source_file: (r.status, r.stage, r.error) for r in summary.reports}
    assert status["crash-me.pdf"][:2] == ("failed", "extract")
    assert "worker process died running extract_to_store, also when run alone" in status["crash-me.pdf"][2]
    assert status["gtrm-peru-sitrep-2021-02.pdf"][0] == status["r4v-peru-sitrep-2023-09.html"][0] == "ok"
    assert dict(query(warehouse, "SELECT source_file, count(*) FROM v_facts GROUP BY 1")).keys() == {
        "gtrm-peru-sitrep-2021-02.pdf", "r4v-peru-sitrep-2023-09.html"}
    assert query(warehouse, "SELECT status FROM v_runs WHERE source_file = 'crash-me.pdf' AND stage = 'extract'") \
        == [("failed",)]
