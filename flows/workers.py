"""Worker processes for the CPU-bound, pure parts of the stages: PDF extraction and relation building.

Why processes: PDF parsing and pandas work hold the GIL, and PDFium is not thread-safe (every use takes
one lock per process), so the task runner's threads get one core between them. A small pool of worker
processes, started once per flow process and warmed while Prefect and Great Expectations start, gives
the run every core. Prefect tasks stay in the flow process (their states, logs and retries are Prefect's
as before); only the function a task calls runs in a worker.

`SITREP_PROCESSES` sets the pool size: the number of usable CPUs by default, `0` for no pool (the
work runs in the calling thread, as it must inside a daemonic process such as a Dask worker).
A worker that dies (a crash in a C library on a hostile file) breaks the pool; the pool is replaced
and the job retried once in a fresh worker, so one bad report cannot take the others down with it.
`SITREP_WORKER_INIT` names extra modules each worker imports first (instrumentation, e.g. the
benchmark's camelot probe).

Workers fork from a "forkserver", which (like every multiprocessing start method but "fork") imports
the calling script again: a script that runs the flows must guard its body with
`if __name__ == "__main__":` (the `sitrep` command, Prefect's workers and pytest do). If the workers
cannot start at all, the work runs in threads, with a warning.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from sitrep.config import env_int
from sitrep.interrupt import on_interrupt

PROCESSES_ENV = "SITREP_PROCESSES"
INIT_ENV = "SITREP_WORKER_INIT"
T = TypeVar("T")
log = logging.getLogger(__name__)

_pool: ProcessPoolExecutor | None = None
_pool_setup: tuple[int, tuple[str, ...]] = (0, ())
_lock = threading.Lock()
_proven = False  # a worker has completed a job: a broken pool after that is a crash, not a start-up failure
_disabled = False  # workers cannot start here (e.g. a calling script without a __main__ guard): run in-thread


class WorkerCrashed(RuntimeError):
    """A job killed its worker process, also when run again alone in a new one."""


def worker_count(env: dict[str, str] | None = None) -> int:
    """Pool size from SITREP_PROCESSES (default: usable CPUs; 1 CPU or a daemonic process: 0)."""
    n = env_int(os.environ if env is None else env, PROCESSES_ENV, minimum=0)
    if multiprocessing.current_process().daemon:
        return 0  # daemonic processes (Dask workers) may not start children
    if n is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return cpus if cpus > 1 else 0
    return n


PRELOAD = ["flows._forkserver_preload", "extractors", "expectations.relations"]


def _init_modules() -> tuple[str, ...]:
    """The modules SITREP_WORKER_INIT names (comma-separated): instrumentation such as the benchmark's
    camelot probe, imported by each worker before its first job."""
    return tuple(filter(None, (n.strip() for n in os.environ.get(INIT_ENV, "").split(","))))


def _watch(owner: int) -> None:
    """Leave when the flow process that owns the pool is gone (killed: no one will send more jobs)."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            pass


def _init_worker(modules: tuple[str, ...], owner: int | None = None) -> None:
    """Import the heavy modules in each worker before its first job (already there when preloaded), and
    watch the owning process: a `kill -9` of a run must not leave its workers behind."""
    import importlib

    if owner is not None:
        threading.Thread(target=_watch, args=(owner,), name="sitrep-owner-watch", daemon=True).start()

    import expectations.relations  # noqa: F401
    import extractors  # noqa: F401

    for name in modules:
        importlib.import_module(name)


def _context() -> multiprocessing.context.BaseContext:
    """Workers fork from a server process that imported the extractors once ("forkserver"): quick to
    start and restart, no copy of the flow process's threads and sockets (as "fork" would), and the
    caller's main script is not re-run (as "spawn" would)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def _kill_workers() -> None:
    """On SIGTERM/SIGINT (sitrep.interrupt): stop the worker processes and their fork server now; their
    work is pure and its outputs are written whole or not at all."""
    pool = _pool
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.terminate()
    with contextlib.suppress(Exception):
        from multiprocessing import forkserver

        pid = forkserver._forkserver._forkserver_pid  # noqa: SLF001 (no public handle on it)
        if pid:
            os.kill(pid, signal.SIGTERM)


on_interrupt(_kill_workers)


def _ready() -> int:
    return os.getpid()


def get_pool() -> ProcessPoolExecutor | None:
    """The flow process's pool (started on first use), or None when SITREP_PROCESSES is 0."""
    global _pool, _pool_setup
    with _lock:
        size = 0 if _disabled else worker_count()
        setup = (size, _init_modules())
        if _pool is not None and setup != _pool_setup:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
        if _pool is None and size:
            _pool = ProcessPoolExecutor(max_workers=size, mp_context=_context(), initializer=_init_worker,
                                        initargs=(setup[1], os.getpid()))
            _pool_setup = setup
        return _pool


def warm() -> int:
    """Start every worker now (they import the extractors while the caller does other start-up work).
    Returns the pool size; does not wait."""
    pool = get_pool()
    if pool is None:
        return 0
    size = _pool_setup[0]
    for _ in range(size):
        pool.submit(_ready).add_done_callback(_note_proven)
    return size


def _note_proven(future: Future) -> None:
    global _proven
    if not future.cancelled() and not isinstance(future.exception(), BrokenProcessPool):
        _proven = True  # the job ran in a worker (whether it succeeded or raised)


def _replace_broken(pool: ProcessPoolExecutor) -> None:
    """Drop a broken pool. If no worker ever finished a job, workers cannot start in this process (a
    script without an `if __name__ == "__main__":` guard, which every new worker re-runs): stop trying
    and run the jobs in the calling thread, with a warning."""
    global _pool, _disabled
    with _lock:
        if _pool is pool:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
        if not _proven and not _disabled:
            _disabled = True
            log.warning("worker processes could not start (is the script that starts the run guarded by "
                        "`if __name__ == '__main__':`?); running the work in threads instead")


def run(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) in a worker process when there is a pool, else in this thread. Exceptions come back
    as raised by fn (they must pickle: sitrep's errors do)."""
    pool = get_pool()
    if pool is None:
        return fn(*args)
    try:
        future: Future = pool.submit(fn, *args)
        future.add_done_callback(_note_proven)
        return future.result()
    except BrokenProcessPool:
        return _after_break(pool, fn, *args)


def _after_break(pool: ProcessPoolExecutor, fn: Callable[..., T], *args: Any) -> T:
    """A worker died while this job was queued or running: this job or another one killed it. Run the
    job again alone in a new process, so that only the job that crashes fails."""
    _replace_broken(pool)
    if _disabled:
        return fn(*args)
    name = getattr(fn, "__name__", str(fn))
    log.warning("a worker process died while running %s (this job or another); running it again alone", name)
    ctx_pool = ProcessPoolExecutor(max_workers=1, mp_context=_context(), initializer=_init_worker,
                                   initargs=(_init_modules(), os.getpid()))
    try:
        return ctx_pool.submit(fn, *args).result()
    except BrokenProcessPool:
        raise WorkerCrashed(f"the worker process died running {name}, also when run alone "
                            "(a crash in a C library such as PDFium, or out of memory)") from None
    finally:
        ctx_pool.shutdown(wait=True)


def map_jobs(fn: Callable[..., T], items: Iterable[Any]) -> list[T]:
    """[fn(item) for item in items], spread over the worker processes (in order)."""
    items = list(items)
    pool = get_pool()
    if pool is None or len(items) < 2:
        return [run(fn, item) if pool is not None else fn(item) for item in items]
    futures = [pool.submit(fn, item) for item in items]
    for future in futures:
        future.add_done_callback(_note_proven)
    out = []
    for item, future in zip(items, futures, strict=True):
        try:
            out.append(future.result())
        except BrokenProcessPool:
            out.append(_after_break(pool, fn, item))
    return out


def shutdown() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None


atexit.register(shutdown)

__all__ = ["PROCESSES_ENV", "WorkerCrashed", "worker_count", "get_pool", "warm", "run", "map_jobs", "shutdown"]
