"""Publishing that respects what is already there (issue 13): an analyst's stale WAL, a warehouse held open
for writing, a symlinked warehouse, a full disk. Real DuckDB files, real killed processes, real symlinks,
a real tmpfs mount for the full disk (skipped, with the reason, where the machine cannot mount one)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from extractors.records import ExtractResult, Figure
from sitrep.artifacts import figures_frame
from sitrep.errors import LoadError
from warehouse import db
from warehouse.db import StagedWarehouse, wal_of
from warehouse.load import ReportVersion, load_report

NO_DQ = pd.DataFrame(columns=["expectation", "status", "observed", "details"])
NO_Q = pd.DataFrame(columns=["row", "expectation", "reason"])


def _figures(*values: float) -> pd.DataFrame:
    figs = [Figure(kind="table", value=v, unit="number", evidence=f"row {v}", sector="Health", page=1)
            for v in values]
    return figures_frame(ExtractResult("gtrm_sitrep", "2021-02", figs))


def _version(sha: str) -> ReportVersion:
    return ReportVersion("r.pdf", sha, "gtrm_sitrep", "2021-02", None, "application/pdf", 10, "src", "loc",
                         "2026-01-01T00:00:00+00:00")


def _run(path: Path, sha: str, *values: float) -> None:
    """One staged run: load a report version, publish."""
    staged = StagedWarehouse(path)
    load_report(staged.open(), f"run-{sha[:4]}", _version(sha), _figures(*values), NO_DQ, NO_Q)
    staged.publish()


def _values(path: Path) -> list[float]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return sorted(v for (v,) in con.execute("SELECT value FROM v_facts").fetchall())
    finally:
        con.close()


ANALYST_THEN_DIE = """
import duckdb, os, signal, sys
con = duckdb.connect(sys.argv[1])  # read-write, as the DuckDB CLI opens a file by default
con.execute("CREATE TABLE analyst_notes AS SELECT 42 AS answer, 'keep me' AS note")
os.kill(os.getpid(), signal.SIGKILL)  # the session dies: its committed table is only in the WAL
"""

ANALYST_KEEPS_WRITING = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE analyst_notes AS SELECT 42 AS answer")
print("ready", flush=True)
time.sleep(120)
"""


def test_a_stale_wal_left_by_a_killed_session_is_folded_in_and_kept(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _run(path, "a" * 64, 1)
    died = subprocess.run([sys.executable, "-c", ANALYST_THEN_DIE, str(path)], capture_output=True)
    assert died.returncode == -9 and wal_of(path).exists()  # a real stale WAL, as the issue found it
    _run(path, "b" * 64, 2)
    assert not wal_of(path).exists()  # no stale log beside the new file
    con = duckdb.connect(str(path))  # read-write, as an analyst opens it next
    try:
        assert con.execute("SELECT answer, note FROM analyst_notes").fetchall() == [(42, "keep me")]
        assert con.execute("SELECT value FROM v_facts").fetchall() == [(2.0,)]
    finally:
        con.close()


def test_a_warehouse_open_for_writing_elsewhere_is_refused_and_left_as_it_was(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _run(path, "a" * 64, 1)
    analyst = subprocess.Popen([sys.executable, "-c", ANALYST_KEEPS_WRITING, str(path)], stdout=subprocess.PIPE,
                               text=True)
    try:
        assert analyst.stdout.readline().strip() == "ready"
        before = path.read_bytes()
        staged = StagedWarehouse(path)
        with pytest.raises(LoadError) as refused:
            staged.open()
        message = refused.value.one_line()
        assert "\n" not in message
        assert message.startswith("load failed: cannot open the warehouse") and str(path) in message
        assert "write-ahead log" in message and "nothing was changed" in message
        assert path.read_bytes() == before and wal_of(path).exists()
        assert not staged.staging.exists()
    finally:
        analyst.kill()
        analyst.wait()


def test_work_written_to_the_warehouse_during_a_run_is_not_published_over(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _run(path, "a" * 64, 1)
    staged = StagedWarehouse(path)
    load_report(staged.open(), "run-b", _version("b" * 64), _figures(2), NO_DQ, NO_Q)
    died = subprocess.run([sys.executable, "-c", ANALYST_THEN_DIE, str(path)], capture_output=True)
    assert died.returncode == -9  # an analyst committed a table (and died) while the run loaded
    with pytest.raises(LoadError, match="written by another session during the run"):
        staged.publish()
    assert not staged.staging.exists()
    con = duckdb.connect(str(path))
    try:  # the analyst's table and the previous facts are both still there
        assert con.execute("SELECT answer FROM analyst_notes").fetchall() == [(42,)]
        assert con.execute("SELECT value FROM v_facts").fetchall() == [(1.0,)]
    finally:
        con.close()


def test_a_symlinked_warehouse_is_published_beside_its_target(tmp_path):
    shared = tmp_path / "shared-disk"
    shared.mkdir()
    target = shared / "sitrep.duckdb"
    data = tmp_path / "data"
    data.mkdir()
    link = data / "warehouse.duckdb"
    link.symlink_to(target)  # a link whose target does not exist yet
    _run(link, "a" * 64, 1)
    _run(link, "b" * 64, 2)
    assert link.is_symlink() and os.readlink(link) == str(target)  # still the link
    assert target.is_file() and not target.is_symlink()
    assert _values(target) == [2.0] and _values(link) == [2.0]
    assert sorted(p.name for p in data.iterdir()) == ["warehouse.duckdb"]  # nothing staged beside the link
    assert not any(p.name.endswith(".staging") for p in shared.iterdir())


@pytest.fixture
def tmpfs(tmp_path) -> Path:
    """A real, small tmpfs: a disk that fills up. Skipped where mounting is not allowed (not root, no
    CAP_SYS_ADMIN, not Linux)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("a tmpfs mount needs root on Linux")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path, leave: int) -> None:
    """Fill the file system of `folder` until about `leave` bytes are free."""
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    with open(folder / "filler", "wb") as handle:
        with contextlib.suppress(OSError):
            handle.write(b"\0" * max(0, free - leave))


def test_a_full_disk_refuses_before_the_staging_copy_and_changes_nothing(tmpfs):
    path = tmpfs / "warehouse.duckdb"
    _run(path, "a" * 64, 1)
    _fill(tmpfs, leave=1_000_000)  # 1 MB free, as in the issue
    before = path.read_bytes()
    staged = StagedWarehouse(path)
    with pytest.raises(LoadError) as refused:
        staged.open()
    assert refused.value.one_line().startswith(f"load failed: not enough free space in {tmpfs} for the staging copy")
    assert sorted(p.name for p in tmpfs.iterdir()) == ["filler", "warehouse.duckdb"]  # no partial staging file
    assert path.read_bytes() == before


def test_a_disk_that_fills_during_the_loads_leaves_no_staging_file(tmpfs, monkeypatch):
    path = tmpfs / "warehouse.duckdb"
    _run(path, "a" * 64, 1)
    before = path.read_bytes()
    monkeypatch.setattr(db, "STAGING_MARGIN", 0)  # let the copy start with little room to grow
    _fill(tmpfs, leave=db.staging_space(path.stat().st_size) + 50_000)
    staged = StagedWarehouse(path)
    con = staged.open()
    with pytest.raises((duckdb.Error, LoadError)):  # the commit of a big load, or else the checkpoint, fails
        load_report(con, "run-b", _version("b" * 64), _figures(*range(20_000)), NO_DQ, NO_Q)
        staged.publish()
    staged.discard()  # what writing() does when the run fails
    assert sorted(p.name for p in tmpfs.iterdir()) == ["filler", "warehouse.duckdb"]
    assert path.read_bytes() == before
    assert _values(path) == [1.0]


def test_publish_turns_a_failed_checkpoint_into_one_line_and_removes_the_staging_file(tmpfs, monkeypatch):
    path = tmpfs / "warehouse.duckdb"
    _run(path, "a" * 64, 1)
    before = path.read_bytes()
    monkeypatch.setattr(db, "STAGING_MARGIN", 0)
    staged = StagedWarehouse(path)
    con = staged.open()
    con.execute("SET checkpoint_threshold = '1GB'")  # commits stay in the WAL: the checkpoint writes the file
    load_report(con, "run-b", _version("b" * 64), _figures(*range(20_000)), NO_DQ, NO_Q)
    _fill(tmpfs, leave=0)  # the disk fills up (another program) before the run publishes
    t0 = time.monotonic()
    with pytest.raises(LoadError) as refused:
        staged.publish()
    assert time.monotonic() - t0 < 60
    message = refused.value.one_line()
    assert "\n" not in message and message.startswith("load failed: cannot write the staging copy")
    assert "nothing was published" in message
    assert sorted(p.name for p in tmpfs.iterdir()) == ["filler", "warehouse.duckdb"]
    assert path.read_bytes() == before
