"""Getting Prefect's API ready before the flow asks for it, so its start-up is not paid in series.

With no PREFECT_API_URL (the CLI on a laptop), Prefect starts a temporary server the first time a flow
runs and waits for it: about 5 s on a 2-core machine, plus about 10 s more when the data folder is new
and the server has to create and migrate its SQLite database. Two things take that off the run's path:

- `seed_database`: a new data folder's Prefect home gets a copy of an empty database already migrated by
  this Prefect version (a template kept in the user's cache, taken from the first run's fresh database
  right after migration, before any flow wrote to it). The server still checks its migrations on start;
  on an up-to-date database that is a no-op.
- `TemporaryServer`: the CLI starts the temporary server itself, with Prefect's own `prefect server start`,
  as its first step, so that the server's 4-5 s of start-up run while the CLI imports the pipeline and
  warms its worker processes (Prefect would start it only at the flow call, and first import its server
  code into the CLI process: 2.4 s more). The flow then runs with PREFECT_API_URL pointing at it, as at
  any server; the server is stopped at exit, after Prefect's clients have sent their last events.

Nothing here runs when PREFECT_API_URL names a server (a deployment's worker, tests, a shared server).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from flows.lifeline import die_with_parent
from sitrep.errors import ConfigError
from sitrep.interrupt import on_interrupt

log = logging.getLogger(__name__)
CACHE_ENV = "SITREP_CACHE_DIR"


def cache_dir() -> Path:
    """Where per-machine caches live: SITREP_CACHE_DIR, else $XDG_CACHE_HOME/sitrep, else ~/.cache/sitrep."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sitrep"


def _uses_default_sqlite(home: Path) -> Path | None:
    """The SQLite file Prefect will use in `home`, or None when the user chose another database or server."""
    if os.environ.get("PREFECT_API_URL") or os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL") or \
            os.environ.get("PREFECT_SERVER_DATABASE_CONNECTION_URL"):
        return None
    return home / "prefect.db"


def _template() -> Path:
    from importlib.metadata import version

    return cache_dir() / f"prefect-{version('prefect')}-empty.db"


def _copy_sqlite(src: Path, dst: Path) -> None:
    """A consistent copy of a live SQLite database (its WAL included), written under a temporary name."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as source, sqlite3.connect(tmp) as target:
        source.backup(target)
    source.close()
    target.close()
    os.replace(tmp, dst)


def seed_database(home: Path) -> bool:
    """Give a new Prefect home a copy of the migrated empty database; True when it did."""
    db = _uses_default_sqlite(home)
    if db is None or db.exists():
        return False
    template = _template()
    if not template.exists():
        return False
    try:
        _copy_sqlite(template, db)
    except (OSError, sqlite3.Error) as exc:  # a cache problem must never stop a run: Prefect migrates instead
        log.warning("could not seed Prefect's database from %s: %s", template, exc)
        db.unlink(missing_ok=True)
        return False
    return True


def keep_template(home: Path) -> None:
    """After a server migrated a brand-new database (and before any flow wrote to it), keep a copy as
    the template for the next new data folder."""
    db = _uses_default_sqlite(home)
    if db is None or not db.exists():
        return
    template = _template()
    if template.exists():
        return
    try:
        _copy_sqlite(db, template)
    except (OSError, sqlite3.Error) as exc:
        log.warning("could not keep Prefect's empty database as a template in %s: %s", template, exc)


class TemporaryServer:
    """Prefect's API for one CLI run: `prefect server start` on a free loopback port, launched before
    the pipeline is imported and stopped (gracefully) at exit. `start()` returns at once; `wait()` blocks
    until the server answers; `using()` then points Prefect's settings at it, as at any server."""

    def __init__(self, home: Path, timeout: float | None = None) -> None:
        self.home = home
        self.timeout = timeout if timeout is not None else float(
            os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"))
        self.process: subprocess.Popen | None = None
        self.url: str | None = None
        self._fresh = False
        self._log = None
        self._forget = None

    def start(self) -> TemporaryServer:
        if os.environ.get("PREFECT_API_URL"):
            return self  # a real server: nothing to start
        self._fresh = not seed_database(self.home) and not (self.home / "prefect.db").exists()
        self._launch()
        atexit.register(self.stop)
        self._forget = on_interrupt(self._kill)  # SIGTERM/SIGINT: stopped at once, not at exit
        return self

    def _kill(self) -> None:
        """Stop the server quickly (on an interrupt): terminate, then kill after 3 s."""
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                process.kill()

    def _launch(self) -> None:
        with socket.socket() as sock:  # a free port (the server binds it a moment later)
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.home.mkdir(parents=True, exist_ok=True)
        if self._log is None:
            self._log = open(self.home / "server.log", "ab")  # noqa: SIM115 (closed in stop)
        self.url = f"http://127.0.0.1:{port}/api"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port),
             "--no-ui", "--no-scheduler", "--no-late-runs", "--log-level", "WARNING"],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
            preexec_fn=die_with_parent)  # noqa: PLW1509 (the server stops if the CLI is killed)

    def wait(self) -> str | None:
        """The API URL once the server answers; None when none was started (PREFECT_API_URL was set).
        Raises ConfigError when it does not come up (its log is data/prefect/server.log)."""
        if self.process is None:
            return None
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + self.timeout
        for attempt in range(3):
            while self.process.poll() is None and time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                        if response.status == 200:
                            if self._fresh:
                                keep_template(self.home)
                            return self.url
                except (urllib.error.URLError, OSError):
                    pass
                time.sleep(0.1)
            if self.process.poll() is None or attempt == 2:
                break
            self._launch()  # the port was taken in the meantime: another one
        self.stop()
        raise ConfigError(f"Prefect's temporary server did not start within {self.timeout:.0f}s; "
                          f"see {self.home / 'server.log'} (or set PREFECT_API_URL to a running server)")

    @contextlib.contextmanager
    def using(self) -> Iterator[str | None]:
        """Wait for the server, then run the body with PREFECT_API_URL set to it (no-op without one)."""
        url = self.wait()
        if url is None:
            yield None
            return
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url

    def stop(self) -> None:
        """Terminate the server and give it time to write what it received (task run states)."""
        process, self.process = self.process, None
        if self._forget is not None:
            self._forget()
            self._forget = None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


__all__ = ["TemporaryServer", "seed_database", "keep_template", "cache_dir"]
