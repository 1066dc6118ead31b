"""Which Prefect task runner the flows use: threads in the flow process (default) or a Dask cluster.

Chosen by environment variables, so the same deployment can scale out without a code change:

| variable | meaning |
|---|---|
| `SITREP_TASK_RUNNER` | `threads` (default) or `dask` |
| `SITREP_TASK_WORKERS` | threads: pool size; dask: worker processes of the local cluster |
| `SITREP_DASK_ADDRESS` | `tcp://host:8786`: use this running Dask cluster instead of starting a local one |
| `SITREP_DASK_PROCESSES` | `0`: the local Dask cluster runs its workers as threads of the flow process |
| `SITREP_DASK_DASHBOARD` | e.g. `127.0.0.1:8787` to serve the local cluster's dashboard (off by default) |

Only the extract and validate tasks (and fetches) run on the runner; loads stay in the flow process,
one at a time (DuckDB has one writer). With Dask worker processes, each worker process starts its own
Great Expectations Validator once (the per-process singleton in flows.tasks). Dask workers of a real
cluster must see the same data folder (raw store, stage store) as the flow, at the same path.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from sitrep.config import env_int
from sitrep.errors import ConfigError

RUNNER_ENV = "SITREP_TASK_RUNNER"
WORKERS_ENV = "SITREP_TASK_WORKERS"
ADDRESS_ENV = "SITREP_DASK_ADDRESS"
PROCESSES_ENV = "SITREP_DASK_PROCESSES"
DASHBOARD_ENV = "SITREP_DASK_DASHBOARD"
RUNNERS = ("threads", "dask")


def default_thread_workers() -> int:
    """The standard library's ThreadPoolExecutor default: I/O-bound fetches overlap, and the pool
    stays bounded (Prefect's own default is unbounded)."""
    return min(32, (os.cpu_count() or 1) + 4)


def task_runner(name: str = "threads", *, workers: int | None = None, address: str | None = None,
                processes: bool = True, dashboard: str | None = None) -> TaskRunner:
    """A task runner by name: "threads" or "dask" (a local cluster, or `address` of a running one)."""
    name = (name or "threads").strip().lower()
    if name == "threads":
        return ThreadPoolTaskRunner(max_workers=workers or default_thread_workers())
    if name == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:
            raise ConfigError("SITREP_TASK_RUNNER=dask needs the prefect-dask package "
                              "(pip install prefect-dask)") from exc
        if address:
            return DaskTaskRunner(address=address)
        n = workers or max(1, os.cpu_count() or 1)
        cluster_kwargs = {
            "n_workers": n,
            # one thread per worker process: PDF extraction is CPU-bound and not thread-parallel;
            # with processes=False the workers are threads of the flow process instead
            "threads_per_worker": 1 if processes else 2,
            "processes": processes,
            "dashboard_address": dashboard,
        }
        if processes:  # the scheduler and workers listen on loopback only (threads talk in-process)
            cluster_kwargs["host"] = "127.0.0.1"
        return DaskTaskRunner(cluster_class="distributed.LocalCluster", cluster_kwargs=cluster_kwargs)
    raise ConfigError(f"{RUNNER_ENV} must be one of {', '.join(RUNNERS)} (got {name!r})")


def _int(env: Mapping[str, str], key: str) -> int | None:
    return env_int(env, key, minimum=1)


def task_runner_from_env(env: Mapping[str, str] | None = None) -> TaskRunner:
    """The task runner the environment asks for (see the module docstring); threads by default."""
    env = os.environ if env is None else env
    return task_runner(
        env.get(RUNNER_ENV) or "threads",
        workers=_int(env, WORKERS_ENV),
        address=(env.get(ADDRESS_ENV) or "").strip() or None,
        processes=(env.get(PROCESSES_ENV) or "1").strip().lower() not in ("0", "false", "no", "threads"),
        dashboard=(env.get(DASHBOARD_ENV) or "").strip() or None,
    )


def needs_shared_api(runner: TaskRunner) -> bool:
    """True for runners whose tasks run in other processes (Dask with worker processes, or a cluster)."""
    if isinstance(runner, ThreadPoolTaskRunner):
        return False
    if getattr(runner, "address", None):
        return True
    return bool((getattr(runner, "cluster_kwargs", None) or {}).get("processes", True))


@contextlib.contextmanager
def shared_api(runner: TaskRunner, timeout: int | None = None) -> Iterator[str | None]:
    """Make the flow and its Dask worker processes use one Prefect API.

    With no PREFECT_API_URL (the CLI's ephemeral mode) every process that reports a task run starts
    its own temporary Prefect server, so each Dask worker process would start one (slow, and all on the
    same SQLite file). Here the flow process starts the temporary server first and puts its URL in the
    settings that Prefect sends along with each task, so the workers use it. A no-op when an API URL
    is set (a real server, a worker-run deployment, tests) or the runner keeps tasks in-process.
    Yields the API URL used, or None.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value() or not needs_shared_api(runner):
        yield PREFECT_API_URL.value()
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the singleton Prefect's own ephemeral mode would start
    server.start(timeout=timeout)  # None: PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        yield server.api_url


def describe(runner: TaskRunner) -> str:
    """One line for the progress log: which runner a run uses."""
    if isinstance(runner, ThreadPoolTaskRunner):
        return f"threads (max {runner._max_workers})"
    if getattr(runner, "address", None):
        return f"dask cluster at {runner.address}"
    kwargs = getattr(runner, "cluster_kwargs", None) or {}
    return f"dask local cluster ({kwargs.get('n_workers', '?')} workers, processes={kwargs.get('processes')})"


__all__ = ["task_runner", "task_runner_from_env", "shared_api", "describe", "RUNNER_ENV", "ADDRESS_ENV", "WORKERS_ENV"]
