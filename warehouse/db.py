"""Opening, publishing and reading the warehouse file.

Analysts keep `warehouse.duckdb` open while the monthly run loads, and a DuckDB file opened for
writing locks out every other process. So a run never writes the published file: it copies it to
a private staging file, loads there (each report in its own transaction), and at the end swaps the
staging file in with `os.replace`. Sessions already open keep reading their snapshot; new ones see
the new data; a run killed at any moment leaves the published file as it was. A lock file makes a
second concurrent run wait (up to `wait` seconds) and then refuse with a clear message.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from importlib import resources
from pathlib import Path

import duckdb

from sitrep.errors import LoadError

UNITS = {
    "number": "a count of people, households, items, days, liters, organizations",
    "usd": "US dollars",
    "pen": "Peruvian soles",
    "percent": "percent on a 0 to 100 scale",
}


def _sql(name: str) -> str:
    return resources.files("warehouse").joinpath(name).read_text("utf-8")


SQL_FILES = ("schema.sql", "views.sql", "analyst_views.sql", "comments.sql")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables, (re)create the views and their comments. Idempotent."""
    folder = resources.files("warehouse")
    for name in SQL_FILES:
        if folder.joinpath(name).is_file():
            con.execute(_sql(name))
    for unit, description in UNITS.items():
        con.execute("INSERT INTO dim_unit SELECT ?, ? WHERE ? NOT IN (SELECT unit FROM dim_unit)",
                    [unit, description, unit])


def lock_wait() -> float:
    """Seconds a run waits for another run's lock (SITREP_LOCK_WAIT, default 30)."""
    try:
        return max(0.0, float(os.environ.get("SITREP_LOCK_WAIT", "30")))
    except ValueError:
        return 30.0


@contextlib.contextmanager
def run_lock(warehouse: Path, wait: float | None = None) -> Iterator[None]:
    """One writer per warehouse: the second run waits (SITREP_LOCK_WAIT seconds), then refuses."""
    wait = lock_wait() if wait is None else wait
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    handle = lock_path.open("a+")
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LoadError(f"another sitrep run is writing {warehouse} (lock {lock_path}); "
                                    f"waited {wait:.0f}s, try again when it has finished") from None
                time.sleep(0.5)
        yield
    finally:
        handle.close()


class StagedWarehouse:
    """A private copy of the warehouse that a run writes, published atomically by `publish()`."""

    def __init__(self, warehouse: Path) -> None:
        self.warehouse = warehouse
        self.staging = warehouse.with_name(f".{warehouse.name}.staging")
        self.con: duckdb.DuckDBPyConnection | None = None

    def open(self) -> duckdb.DuckDBPyConnection:
        for leftover in (self.staging, self.staging.with_name(self.staging.name + ".wal")):
            leftover.unlink(missing_ok=True)  # from a run that was killed
        if self.warehouse.exists():
            shutil.copy2(self.warehouse, self.staging)
        try:
            self.con = duckdb.connect(str(self.staging))
            ensure_schema(self.con)
        except duckdb.Error as exc:  # a corrupt or foreign file: never overwrite it, say so
            self.discard()
            raise LoadError(f"cannot open the warehouse {self.warehouse}: {exc}; restore it or move it away") \
                from exc
        return self.con

    def publish(self) -> None:
        """Make the staged state the warehouse, in one rename."""
        assert self.con is not None
        self.con.execute("CHECKPOINT")
        self.con.close()
        self.con = None
        with open(self.staging, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self.staging, self.warehouse)
        dir_fd = os.open(self.warehouse.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def discard(self) -> None:
        if self.con is not None:
            with contextlib.suppress(duckdb.Error):
                self.con.close()
            self.con = None
        self.staging.unlink(missing_ok=True)
        self.staging.with_name(self.staging.name + ".wal").unlink(missing_ok=True)


@contextlib.contextmanager
def writing(warehouse: Path) -> Iterator[StagedWarehouse]:
    """One run's write access: the run lock, a staging copy open for writing (`.con`), published when the
    block ends normally (unless the block discarded it), discarded when it raises."""
    with run_lock(warehouse):
        staging = StagedWarehouse(warehouse)
        staging.open()
        try:
            yield staging
            if staging.con is not None:
                staging.publish()
        except BaseException:
            staging.discard()
            raise


def log_stage(con: duckdb.DuckDBPyConnection, run_id: str, source_file: str, sha256: str | None, stage: str,
              status: str, started: datetime | None, finished: datetime | None, error: str | None) -> None:
    """One row of v_runs."""
    con.execute("INSERT INTO run_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, source_file, sha256, stage, status, started, finished, error])


def record_raw(con: duckdb.DuckDBPyConnection, raw) -> None:
    """One raw_manifest row: a report file as fetched (a fetchers.RawFile)."""
    con.execute("INSERT INTO raw_manifest VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [raw.sha256, raw.source_file, raw.bytes, raw.media_type, raw.source, raw.location,
                 raw.fetched_at[:19], raw.path])


def current_versions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """source_file -> sha256 of each report's current loaded version."""
    return dict(con.execute("SELECT source_file, sha256 FROM dim_report WHERE is_current").fetchall())


def is_loaded(con: duckdb.DuckDBPyConnection, source_file: str, sha256: str) -> bool:
    """True when exactly these bytes of this report are the current loaded version."""
    row = con.execute("SELECT count(*) FROM dim_report WHERE source_file = ? AND sha256 = ? AND is_current",
                      [source_file, sha256]).fetchone()
    return bool(row and row[0])


def open_read_only(warehouse: Path) -> duckdb.DuckDBPyConnection:
    if not warehouse.exists():
        raise LoadError(f"no warehouse at {warehouse}: run `sitrep run` first")
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise LoadError(f"cannot open the warehouse {warehouse}: {exc}; restore it or move it away") from exc
