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
import pycountry

from sitrep.errors import LoadError
from sitrep.interrupt import on_interrupt

UNITS = {
    "number": "a count of people, households, items, days, liters, organizations",
    "usd": "US dollars",
    "pen": "Peruvian soles",
    "percent": "percent on a 0 to 100 scale",
}
# every other currency: its ISO 4217 code in lower case, in whole units of that currency
UNITS.update({c.alpha_3.lower(): f"{c.name} ({c.alpha_3})"
              for c in sorted(pycountry.currencies, key=lambda c: c.alpha_3) if c.alpha_3.lower() not in UNITS})


def sql_text(name: str) -> str:
    return resources.files("warehouse").joinpath(name).read_text("utf-8")


SQL_FILES = ("schema.sql", "figure_key.sql", "views.sql", "analyst_views.sql", "series.sql", "comments.sql")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables, (re)create the views and their comments. Idempotent."""
    folder = resources.files("warehouse")
    for name in SQL_FILES:
        if folder.joinpath(name).is_file():
            con.execute(sql_text(name))
    con.executemany("INSERT INTO dim_unit SELECT ?, ? WHERE ? NOT IN (SELECT unit FROM dim_unit)",
                    [[unit, description, unit] for unit, description in UNITS.items()])


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


STAGING_MARGIN = 32 * 1024 * 1024  # bytes free beyond the warehouse's size before a staging copy is made


def wal_of(path: Path) -> Path:
    """DuckDB's write-ahead log beside a database file: committed work not yet checkpointed into it."""
    return path.with_name(path.name + ".wal")


def staging_space(size: int) -> int:
    """Free bytes a staging copy of a `size`-byte warehouse needs: its size plus a margin for the loads."""
    return size + max(STAGING_MARGIN, size // 4)


def checkpoint_live(warehouse: Path) -> None:
    """Fold a WAL beside the published warehouse into it (an analyst's read-write session that died leaves
    one): open it read-write, which replays the log, and CHECKPOINT. Without this the copy would miss the
    analyst's committed work, and the WAL, left beside a new file, would make every later open fail.
    Raises LoadError (and changes nothing) when it cannot be opened for writing."""
    if not wal_of(warehouse).exists():
        return  # nothing outside the file: copy it as it is (read-only sessions may stay open)
    try:
        con = duckdb.connect(str(warehouse))
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
    except duckdb.Error as exc:
        raise LoadError(f"cannot open the warehouse {warehouse} to fold in its write-ahead log "
                        f"{wal_of(warehouse).name} (committed work of another session): {exc}; close the other "
                        "session (or restore the file) and run again; nothing was changed") from exc


class StagedWarehouse:
    """A private copy of the warehouse that a run writes, published atomically by `publish()`.

    A symlinked warehouse is resolved: the staging copy lives beside the link's target and replaces it, so
    the link keeps pointing at the new data."""

    def __init__(self, warehouse: Path) -> None:
        self.warehouse = Path(warehouse).resolve()
        self.staging = self.warehouse.with_name(f".{self.warehouse.name}.staging")
        self.con: duckdb.DuckDBPyConnection | None = None
        self._forget = None

    def _remove_staging(self) -> None:
        for path in (self.staging, wal_of(self.staging)):
            path.unlink(missing_ok=True)

    def open(self) -> duckdb.DuckDBPyConnection:
        self._remove_staging()  # from a run that was killed
        self._forget = on_interrupt(self._remove_staging)  # SIGTERM/SIGINT: no staging file left behind
        if self.warehouse.exists():
            checkpoint_live(self.warehouse)
            self._copy()
        try:
            self.con = duckdb.connect(str(self.staging))
            ensure_schema(self.con)
        except duckdb.Error as exc:  # a corrupt or foreign file: never overwrite it, say so
            self.discard()
            raise LoadError(f"cannot open the warehouse {self.warehouse}: {exc}; restore it or move it away") \
                from exc
        return self.con

    def _copy(self) -> None:
        """The staging copy, after checking there is room for it; a partial copy never stays behind."""
        folder = self.warehouse.parent
        size = self.warehouse.stat().st_size
        need, free = staging_space(size), shutil.disk_usage(folder).free
        if free < need:
            raise LoadError(f"not enough free space in {folder} for the staging copy of {self.warehouse.name}: "
                            f"{free / 1e6:,.1f} MB free, {need / 1e6:,.1f} MB needed (its size plus a margin); "
                            "nothing was changed")
        try:
            shutil.copy2(self.warehouse, self.staging)
        except OSError as exc:
            self._remove_staging()
            raise LoadError(f"cannot copy the warehouse {self.warehouse} to its staging file {self.staging.name}: "
                            f"{exc.strerror or exc}; nothing was changed") from exc

    def publish(self) -> None:
        """Make the staged state the warehouse, in one rename. Refuses (LoadError, nothing published) when the
        checkpoint cannot be written (a full disk) or another session wrote to the warehouse meanwhile."""
        assert self.con is not None
        try:
            self.con.execute("CHECKPOINT")
            self.con.close()
            self.con = None
            with open(self.staging, "rb") as handle:
                os.fsync(handle.fileno())
        except (duckdb.Error, OSError) as exc:
            self.discard()
            raise LoadError(f"cannot write the staging copy of {self.warehouse} ({self.staging.name}): "
                            f"{getattr(exc, 'strerror', None) or exc}; nothing was published") from exc
        if wal_of(self.warehouse).exists():  # committed work of a session opened during the run
            self.discard()
            raise LoadError(f"the warehouse {self.warehouse} was written by another session during the run "
                            f"({wal_of(self.warehouse).name} appeared); nothing was published, so its work is kept: "
                            "close that session and run again")
        os.replace(self.staging, self.warehouse)
        self._unregister()
        dir_fd = os.open(self.warehouse.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _unregister(self) -> None:
        if self._forget is not None:
            self._forget()
            self._forget = None

    def discard(self) -> None:
        if self.con is not None:
            with contextlib.suppress(duckdb.Error):
                self.con.close()
            self.con = None
        self._remove_staging()
        self._unregister()


@contextlib.contextmanager
def writing(warehouse: Path) -> Iterator[StagedWarehouse]:
    """One run's write access: the run lock, a staging copy open for writing (`.con`), published when the
    block ends normally (unless the block discarded it), discarded when it raises."""
    with run_lock(Path(warehouse).resolve()):  # one lock per file, whatever link names it
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


def fetched_reports(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every report the warehouse's raw manifest has (what a rerun can take)."""
    return [r[0] for r in con.execute("SELECT DISTINCT source_file FROM raw_manifest ORDER BY 1").fetchall()]


def failed_reports(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Reports whose most recent run recorded a failed stage (what a bare `sitrep rerun` retries)."""
    rows = con.execute("""
        WITH last AS (
            SELECT source_file, arg_max(run_id, started) AS run_id FROM run_log
            WHERE started IS NOT NULL GROUP BY source_file)
        SELECT DISTINCT l.source_file FROM last l
        JOIN run_log r ON r.source_file = l.source_file AND r.run_id = l.run_id
        WHERE r.status = 'failed' ORDER BY 1""").fetchall()
    return [r[0] for r in rows]


def open_read_only(warehouse: Path) -> duckdb.DuckDBPyConnection:
    if not warehouse.exists():
        raise LoadError(f"no warehouse at {warehouse}: run `sitrep run` first")
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise LoadError(f"cannot open the warehouse {warehouse}: {exc}; restore it or move it away") from exc
