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


def _pid_of(_: object) -> int:
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
    pool = workers.get_pool()
    assert workers.get_pool() is pool  # one pool for the process, not one per job
    pids = {workers.run(_pid) for _ in range(12)} | set(workers.map_jobs(_pid_of, range(12)))
    assert os.getpid() not in pids and len(pids) <= 2  # the same two workers serve every job
    assert workers.get_pool() is pool
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
    from flows.pipeline import monthly_pipeline, summary_of

    monkeypatch.setenv(workers.PROCESSES_ENV, "2")
    monkeypatch.setenv(workers.INIT_ENV, "tests.crashinjector")
    src = tmp_path / "src"
    src.mkdir()
    for name in ("gtrm-peru-sitrep-2021-02.pdf", "r4v-peru-sitrep-2023-09.html"):
        shutil.copy(SAMPLES / name, src / name)
    shutil.copy(SAMPLES / "gtrm-peru-sitrep-2019-10.pdf", src / "crash-me.pdf")
    warehouse = tmp_path / "w.duckdb"
    try:
        summary = summary_of(monthly_pipeline(sources=[str(src)], warehouse=str(warehouse), return_state=True))
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


def _children(pid: int) -> set[int]:
    """All descendants of `pid`, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        for child, parent in parents.items():
            if parent == current and child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_kill_9_of_a_run_leaves_no_server_or_worker_behind(tmp_path):
    """The temporary Prefect server, the fork server and the workers stop when the CLI is killed."""
    import signal
    import subprocess
    import sys
    import time

    src = tmp_path / "src"
    src.mkdir()
    for i in range(12):
        shutil.copy(SAMPLES / "unhcr-arr-peru-2023.pdf", src / f"{i:02d}.pdf")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env[workers.PROCESSES_ENV] = "2"
    proc = subprocess.Popen([sys.executable, "-m", "sitrep.cli", "run", "--source", str(src), "--force"],
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        kids: set[int] = set()
        while time.monotonic() < deadline and len(kids) < 4:  # server, fork server, two workers
            time.sleep(0.5)
            kids = _children(proc.pid)
        assert len(kids) >= 4, f"expected the server, fork server and workers under the run, saw {kids}"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(k) for k in kids):
        time.sleep(0.5)
    assert not [k for k in kids if _alive(k)], "processes of the killed run are still running"


def test_reports_go_through_validate_and_load_in_batches(prefect_harness, tmp_path, monkeypatch):
    """SITREP_BATCH_SIZE=2: five good reports and a bad one make three validate batches and three load
    batches, pipelined with the extracts; each report gets its own outcome and the bad one fails alone."""
    from flows.pipeline import RunFailed, monthly_pipeline

    monkeypatch.setenv("SITREP_BATCH_SIZE", "2")
    src = tmp_path / "src"
    src.mkdir()
    for path in SAMPLES.iterdir():
        shutil.copy(path, src / path.name)
    (src / "gtrm-peru-sitrep-2020-01.pdf").write_bytes(b"")  # sorts between the good ones
    warehouse = tmp_path / "w.duckdb"
    with pytest.raises(RunFailed, match=r"^6 report\(s\): 5 loaded, 0 unchanged, 1 failed") as failed:
        monthly_pipeline(sources=[str(src)], warehouse=str(warehouse))  # the flow run ends Failed
    status = {r.source_file: (r.status, r.stage) for r in failed.value.summary.reports}
    assert status.pop("gtrm-peru-sitrep-2020-01.pdf") == ("failed", "extract")
    assert set(status.values()) == {("ok", None)} and len(status) == 5
    runs = query(warehouse, "SELECT stage, status, count(*) FROM v_runs GROUP BY ALL ORDER BY 1, 2")
    assert runs == [("extract", "failed", 1), ("extract", "ok", 5), ("fetch", "ok", 6), ("load", "ok", 5),
                    ("load", "skipped", 1), ("validate", "ok", 5), ("validate", "skipped", 1)]
    counts = dict(query(warehouse, "SELECT source_file, count(*) FROM v_facts GROUP BY 1"))
    assert sorted(counts) == sorted(status) and min(counts.values()) >= 40
    assert query(warehouse, "SELECT count(DISTINCT source_file) FROM v_dq_results") == [(5,)]
    monkeypatch.setenv("SITREP_BATCH_SIZE", "none")
    with pytest.raises(ConfigError, match="SITREP_BATCH_SIZE must be a whole number"):
        monthly_pipeline(sources=[str(src)], warehouse=str(warehouse), force=True)
    assert dict(query(warehouse, "SELECT source_file, count(*) FROM v_facts GROUP BY 1")) == counts  # kept
