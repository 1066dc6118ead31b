"""Scale-out: the task runner chosen by SITREP_TASK_RUNNER, and the real flow on a local Dask cluster."""

from __future__ import annotations

import os

import cloudpickle
import pytest
from prefect.task_runners import ThreadPoolTaskRunner

from flows.runners import describe, task_runner, task_runner_from_env
from sitrep.errors import ConfigError

from .conftest import assert_same_answers, query


def test_threads_by_default():
    runner = task_runner_from_env({})
    assert isinstance(runner, ThreadPoolTaskRunner)
    assert runner._max_workers == min(32, (os.cpu_count() or 1) + 4)
    assert task_runner_from_env({"SITREP_TASK_RUNNER": "threads", "SITREP_TASK_WORKERS": "3"})._max_workers == 3


def test_dask_local_cluster_and_address():
    pytest.importorskip("prefect_dask", reason="needs the optional prefect-dask package (pip install -e .[dask])")
    local = task_runner_from_env({"SITREP_TASK_RUNNER": "dask", "SITREP_TASK_WORKERS": "2"})
    assert local.cluster_kwargs["n_workers"] == 2 and local.cluster_kwargs["processes"] is True
    assert local.cluster_kwargs["host"] == "127.0.0.1" and local.cluster_kwargs["dashboard_address"] is None
    threads = task_runner_from_env({"SITREP_TASK_RUNNER": "dask", "SITREP_DASK_PROCESSES": "0"})
    assert threads.cluster_kwargs["processes"] is False and "host" not in threads.cluster_kwargs
    remote = task_runner_from_env({"SITREP_TASK_RUNNER": "Dask", "SITREP_DASK_ADDRESS": "tcp://10.0.0.5:8786"})
    assert remote.address == "tcp://10.0.0.5:8786" and describe(remote) == "dask cluster at tcp://10.0.0.5:8786"


@pytest.mark.parametrize("env, message", [
    ({"SITREP_TASK_RUNNER": "ray"}, "must be one of threads, dask"),
    ({"SITREP_TASK_WORKERS": "many"}, "whole number"),
    ({"SITREP_TASK_WORKERS": "0"}, "at least 1"),
])
def test_bad_settings_are_config_errors(env, message):
    with pytest.raises(ConfigError, match=message):
        task_runner_from_env(env)


@pytest.mark.parametrize("name", ["fetch_report", "extract_stage", "validate_stage"])
def test_stage_tasks_can_be_sent_to_worker_processes(name):
    """Dask pickles each submitted task; a task's body goes by value with the globals it uses."""
    import flows.tasks

    task = getattr(flows.tasks, name)
    try:
        copy = cloudpickle.loads(cloudpickle.dumps(task))
    except Exception as exc:  # e.g. a threading.Lock used directly in the task body
        pytest.fail(f"flows.tasks.{name} cannot be pickled for a Dask worker: {type(exc).__name__}: {exc}. "
                    "Keep locks and other per-process state in module-level helper functions the task calls.")
    assert copy.name == task.name




def _check_warehouse(summary, warehouse, reference):
    """The Dask run loaded every report and published exactly what the thread runner did: the same fact
    ids, values and dimensions, the same quarantine."""
    assert [r.status for r in summary.reports] == ["ok"] * 5, [(r.source_file, r.error) for r in summary.reports]
    assert query(warehouse, "SELECT stage, status, count(*) FROM v_runs GROUP BY ALL ORDER BY 1") == [
        ("extract", "ok", 5), ("fetch", "ok", 5), ("load", "ok", 5), ("validate", "ok", 5)]
    assert query(warehouse, "SELECT count(DISTINCT source_file) FROM v_dq_results") == [(5,)]
    assert_same_answers(warehouse, reference)


@pytest.mark.slow
def test_monthly_pipeline_on_a_dask_cluster_by_address(thread_run, tmp_path, monkeypatch):
    """SITREP_DASK_ADDRESS: the run's extract and validate tasks go to the worker processes of a running
    cluster (here a 2-process LocalCluster); loads stay in the flow process."""
    pytest.importorskip("prefect_dask", reason="needs the optional prefect-dask package (pip install -e .[dask])")
    from distributed import Client, LocalCluster

    from flows.pipeline import monthly_pipeline

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        monkeypatch.setenv("SITREP_TASK_RUNNER", "dask")
        monkeypatch.setenv("SITREP_DASK_ADDRESS", cluster.scheduler_address)
        runner = task_runner_from_env()
        warehouse = tmp_path / "data" / "warehouse.duckdb"
        summary = monthly_pipeline.with_options(task_runner=runner)(warehouse=str(warehouse))
        _check_warehouse(summary, warehouse, thread_run[1])

        def worker_state():
            import flows.tasks

            return os.getpid(), flows.tasks._validator is not None

        states = client.run(worker_state)
    pids = {pid for pid, _ in states.values()}
    assert os.getpid() not in pids and len(pids) == 2
    # validation ran in the workers: each worker process that validated started its own Validator
    assert any(has_validator for _, has_validator in states.values()), states


@pytest.mark.slow
def test_monthly_pipeline_on_a_local_dask_cluster(thread_run, tmp_path, monkeypatch):
    """SITREP_TASK_RUNNER=dask with no address: the runner starts (and stops) its own local cluster."""
    pytest.importorskip("prefect_dask", reason="needs the optional prefect-dask package (pip install -e .[dask])")
    from flows.pipeline import monthly_pipeline

    monkeypatch.setenv("SITREP_TASK_RUNNER", "dask")
    monkeypatch.setenv("SITREP_TASK_WORKERS", "2")
    monkeypatch.delenv("SITREP_DASK_ADDRESS", raising=False)
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    summary = monthly_pipeline.with_options(task_runner=task_runner_from_env())(warehouse=str(warehouse))
    _check_warehouse(summary, warehouse, thread_run[1])


def test_named_runner_helper():
    assert isinstance(task_runner("threads", workers=2), ThreadPoolTaskRunner)
    assert describe(task_runner("threads", workers=2)) == "threads (max 2)"
