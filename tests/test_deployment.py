"""The project's Prefect deployment (prefect.yaml) on a real Prefect server, run by a real process worker.

Starts `prefect server start` (SQLite in a temporary PREFECT_HOME, analytics off), creates the process work
pool, runs `prefect deploy --name monthly` from the project folder, starts a flow run with the warehouse
parameter pointing at a temporary file, lets `prefect worker start --run-once` run it, and checks the
warehouse. Every subprocess is started in its own session and killed (with its children) at the end.
Takes about a minute on a 2-core machine (server start-up alone is 10-30 s).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import duckdb
import httpx
import pytest

from .conftest import ROOT, SAMPLES, assert_same_answers, query

pytestmark = pytest.mark.slow

POOL = "sitrep-process"
DEPLOYMENT = "monthly_pipeline/monthly"
SERVER_STARTUP = 180.0  # seconds
RUN_TIMEOUT = 600.0


@dataclass
class Server:
    api: str  # http://127.0.0.1:PORT/api
    env: dict[str, str]  # environment for the CLI, worker and flow runs
    log: Path
    timings: dict[str, float]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen, grace: float = 15.0) -> None:
    """Stop a process started with start_new_session=True, and every child it started."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _prefect(server: Server, *args: str, cwd: Path = ROOT, timeout: float = 180.0) -> str:
    """Run the prefect CLI of this virtualenv against the test server; its output, or fail with it."""
    done = subprocess.run([sys.executable, "-m", "prefect", *args], cwd=cwd, env=server.env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"prefect {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    home = tmp_path_factory.mktemp("prefect-server")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({
        "PREFECT_HOME": str(home / "home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    })
    log = home / "server.log"
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        api = f"http://127.0.0.1:{port}/api"
        deadline = started + SERVER_STARTUP
        while True:
            assert proc.poll() is None, f"prefect server exited {proc.returncode}:\n{_tail(log)}"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, f"no /api/health after {SERVER_STARTUP:.0f}s:\n{_tail(log)}"
            time.sleep(0.5)
        env["PREFECT_API_URL"] = api
        yield Server(api, env, log, {"server start": time.monotonic() - started})
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def deployment(server) -> dict:
    """The work pool and the `monthly` deployment of prefect.yaml, deployed from the project folder."""
    t0 = time.monotonic()
    _prefect(server, "work-pool", "create", POOL, "--type", "process")
    out = _prefect(server, "--no-prompt", "deploy", "--name", "monthly")
    assert "monthly_pipeline/monthly" in out, out
    server.timings["pool + deploy"] = time.monotonic() - t0
    response = httpx.get(f"{server.api}/deployments/name/{DEPLOYMENT}", timeout=10)
    response.raise_for_status()
    return response.json()


def _run_on_worker(server: Server, tmp_path: Path, *params: str) -> tuple[str, dict, Path]:
    """Start a run of the deployment, let one process worker (started elsewhere: the pull step must take the
    run to the project) execute it, and return the flow run's id, its API record and the worker's log."""
    out = _prefect(server, "deployment", "run", DEPLOYMENT, *params)
    match = re.search(r"UUID: ([0-9a-f-]{36})", out)
    assert match, out
    worker_log = tmp_path / "worker.log"
    with worker_log.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL, "--run-once"],
            cwd=tmp_path, env=server.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        worker.wait(RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the worker did not finish within {RUN_TIMEOUT:.0f}s:\n{_tail(worker_log)}")
    finally:
        _stop(worker)
    run = httpx.get(f"{server.api}/flow_runs/{match.group(1)}", timeout=10).json()
    return match.group(1), run, worker_log


def test_deployment_matches_prefect_yaml(deployment):
    assert deployment["work_pool_name"] == POOL and deployment["work_queue_name"] == "default"
    assert deployment["entrypoint"] == "flows/pipeline.py:monthly_pipeline"
    # prefect.yaml has no pull section: `prefect deploy` adds set_working_directory(<the project folder>),
    # so workers on this machine run flows/pipeline.py from here, wherever the worker was started
    assert deployment["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT.resolve())}}]
    assert deployment["parameters"] == {"sources": None, "warehouse": "data/warehouse.duckdb", "force": False}
    [schedule] = deployment["schedules"]
    assert schedule["schedule"]["cron"] == "0 6 5 * *" and schedule["schedule"]["timezone"] == "America/Lima"
    assert schedule["active"] is True
    assert deployment["global_concurrency_limit"]["limit"] == 1


def test_flow_run_on_a_process_worker_loads_the_reports(server, deployment, thread_run, tmp_path):
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    t0 = time.monotonic()
    flow_run_id, run, worker_log = _run_on_worker(server, tmp_path, "--param", f"warehouse={warehouse}")
    server.timings["flow run on the worker"] = time.monotonic() - t0

    assert run["state_type"] == "COMPLETED", f"{run['state_type']}: {run['state']['message']}\n{_tail(worker_log)}"
    assert run["parameters"]["warehouse"] == str(warehouse)
    assert "set_working_directory" in worker_log.read_text(errors="replace")

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        runs = con.execute("SELECT DISTINCT run_id, status FROM v_runs").fetchall()
    finally:
        con.close()
    assert runs == [(flow_run_id, "ok")]  # v_runs.run_id is the Prefect flow run's id
    assert_same_answers(warehouse, thread_run[1])  # what an in-process thread-runner run publishes
    print("\ntimings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in server.timings.items()))


def test_a_run_in_which_a_report_fails_ends_failed_with_the_summary(server, deployment, tmp_path):
    """The scheduler's view: a deployment run in which one report fails ends FAILED (so failure alerts fire),
    its state message is the one-line outcome, and the worker's log has that line once at the end and the
    failure once, without a traceback."""
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "r4v-peru-sitrep-2023-09.html").write_bytes((SAMPLES / "r4v-peru-sitrep-2023-09.html").read_bytes())
    (reports / "empty-report.pdf").write_bytes(b"")
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    flow_run_id, run, worker_log = _run_on_worker(server, tmp_path, "--param", f"warehouse={warehouse}",
                                                  "--param", f'sources=["{reports}"]')
    line = f"2 report(s): 1 loaded, 0 unchanged, 1 failed -> {warehouse}"
    assert run["state_type"] == "FAILED", f"{run['state_type']}: {run['state']['message']}\n{_tail(worker_log)}"
    assert run["state"]["message"] == line
    text = worker_log.read_text(errors="replace")
    assert "Traceback" not in text, _tail(worker_log, 80)
    assert sum(f"- {line}" in ln for ln in text.splitlines()) == 1, _tail(worker_log, 80)
    assert sum("FAILED   empty-report.pdf: extract failed: empty file (0 bytes)" in ln
               for ln in text.splitlines()) == 1, _tail(worker_log, 80)
    logs = httpx.post(f"{server.api}/logs/filter", timeout=10,
                      json={"logs": {"flow_run_id": {"any_": [flow_run_id]}}, "limit": 200}).json()
    messages = [entry["message"] for entry in logs]
    assert messages.count(line) == 1 and sum("Traceback" in m for m in messages) == 0
    assert query(warehouse, "SELECT DISTINCT source_file FROM v_facts") == [("r4v-peru-sitrep-2023-09.html",)]


def _sqlalchemy_2_1() -> bool:
    major, minor = (int(x) for x in version("sqlalchemy").split(".")[:2])
    return (major, minor) >= (2, 1)


@pytest.mark.xfail(_sqlalchemy_2_1(), strict=True,
                   reason="prefect 3.8's scheduler cannot insert scheduled runs with SQLAlchemy 2.1 "
                          "(InvalidRequestError: Can't evaluate bulk DML statement; FlowRun.state is a hybrid): "
                          "pin sqlalchemy<2.1")
def test_cron_schedule_creates_runs(server, deployment):
    """The server's scheduler turns the cron schedule into scheduled runs (06:00 Lima = 11:00 UTC, on the 5th)."""
    deadline = time.monotonic() + 45
    while True:
        response = httpx.post(f"{server.api}/flow_runs/filter", timeout=10, json={
            "flow_runs": {"deployment_id": {"any_": [deployment["id"]]}, "state": {"type": {"any_": ["SCHEDULED"]}}},
            "limit": 50})
        runs = [r for r in response.json() if r["auto_scheduled"]]
        scheduler_failed = "Can't evaluate bulk DML statement" in server.log.read_text(errors="replace")
        if runs or scheduler_failed or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert runs, f"no scheduled runs; server log:\n{_tail(server.log, 15)}"
    assert all(r["expected_start_time"][8:16] == "05T11:00" for r in runs), [r["expected_start_time"] for r in runs]
