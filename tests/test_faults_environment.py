"""Faults of the environment and configuration (issue 13, part B), through the real `sitrep` command: a stale
analyst WAL beside a symlinked warehouse, a dripping server, include cycles in catalogs, path arguments that
cannot work, a read-only data folder. Each gives one line naming the path or report, the stage and the
cause, with the contract's exit status, and no traceback (docs/faults.md)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import fetchers
from fetchers.catalog import MAX_DEPTH
from fetchers.store import RawStore
from sitrep.errors import ConfigError, FetchError
from warehouse.db import StagedWarehouse, wal_of

from . import faultdata as fd
from .conftest import query
from .test_faults import LocalServer, sitrep
from .test_publishing import ANALYST_THEN_DIE


def one_error_line(stderr: str) -> str:
    """The single `sitrep: ...` line of a refused command (and nothing that looks like a traceback)."""
    assert "Traceback" not in stderr, stderr[-3000:]
    lines = [line for line in stderr.splitlines() if line.startswith("sitrep: ")]
    assert len(lines) == 1, stderr[-3000:]
    return lines[0]


def dripping(total: int = 100_000, every: float = 1.0):
    """A server that declares `total` bytes and sends one byte every `every` seconds (the issue's case)."""
    def handler(request, hit) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "application/pdf")
        request.send_header("Content-Length", str(total))
        request.end_headers()
        try:
            for _ in range(total):
                request.wfile.write(b"%")
                request.wfile.flush()
                time.sleep(every)
        except OSError:  # the client gave up
            pass
    return handler


# --- the overall download deadline -----------------------------------------------------------------------------

def test_a_dripping_server_fails_at_the_download_deadline(tmp_path):
    with LocalServer() as server:
        server.routes["/drip.pdf"] = dripping()
        item = fetchers.resolve(f"{server.base}/drip.pdf")[0]
        t0 = time.monotonic()
        with pytest.raises(FetchError) as failed:  # the between-bytes timeout (30 s) never fires
            fetchers.fetch(item, RawStore(tmp_path / "raw"), deadline=3)
        took = time.monotonic() - t0
    assert 2.5 < took < 10, took
    assert failed.value.report == "drip.pdf"
    assert str(failed.value).startswith("deadline exceeded: the download took over 3s (SITREP_FETCH_DEADLINE); ")
    assert server.hits["/drip.pdf"] == 1  # not retried: a second try would only drip again
    assert not (tmp_path / "raw").exists() or not any((tmp_path / "raw").rglob("*.pdf"))


def test_the_fetch_stage_deadline_stops_downloads_that_started_in_time(tmp_path):
    with LocalServer() as server:
        server.routes["/drip.pdf"] = dripping()
        item = fetchers.resolve(f"{server.base}/drip.pdf")[0]
        t0 = time.monotonic()
        with pytest.raises(FetchError, match=r"^deadline exceeded: the run's fetch stage ran past its limit "
                                             r"\(SITREP_FETCH_STAGE_DEADLINE\)"):
            fetchers.fetch(item, RawStore(tmp_path / "raw"), stage_deadline=time.time() + 2)
        assert time.monotonic() - t0 < 8


@pytest.mark.parametrize("setting, value, line", [
    ("SITREP_FETCH_DEADLINE", "soon", "sitrep: SITREP_FETCH_DEADLINE must be a whole number (got 'soon')"),
    ("SITREP_FETCH_STAGE_DEADLINE", "0", "sitrep: SITREP_FETCH_STAGE_DEADLINE must be at least 1 (got 0)"),
    ("SITREP_PDF_PAGE_MB", "lots", "sitrep: SITREP_PDF_PAGE_MB must be a whole number (got 'lots')"),
])
def test_a_bad_setting_is_a_configuration_error_before_anything_starts(tmp_path, setting, value, line):
    t0 = time.monotonic()
    out = sitrep(["run", "--source", str(fd.R4V), "--warehouse", str(tmp_path / "data" / "w.duckdb")], tmp_path,
                 timeout=300, **{setting: value})
    assert out.returncode == 2
    assert one_error_line(out.stderr) == line
    assert time.monotonic() - t0 < 60  # no Prefect start-up first (that alone takes minutes on a busy machine)
    assert not (tmp_path / "data" / "prefect" / "server.log").exists()


# --- one real run: a stale analyst WAL beside a symlinked warehouse, and a dripping URL -------------------------

@pytest.fixture(scope="module")
def shared_run(tmp_path_factory):
    """The warehouse is a link to a file on a 'shared disk'; an analyst's DuckDB session committed a table
    there and was killed (a real WAL); the catalog lists a good report and a URL that drips one byte a
    second. One real `sitrep run` with a 3 s download deadline."""
    work = tmp_path_factory.mktemp("shared")
    shared = work / "shared-disk"
    shared.mkdir()
    target = shared / "sitrep.duckdb"
    first = StagedWarehouse(target)
    first.open()
    first.publish()  # an empty warehouse with the schema
    died = subprocess.run([sys.executable, "-c", ANALYST_THEN_DIE, str(target)], capture_output=True)
    assert died.returncode == -9 and wal_of(target).exists()
    link = work / "data" / "warehouse.duckdb"
    link.parent.mkdir()
    link.symlink_to(target)
    reports = work / "reports"
    reports.mkdir()
    shutil.copy(fd.R4V, reports)
    with LocalServer() as server:
        server.routes["/drip.pdf"] = dripping()
        catalog = work / "sources.yaml"
        catalog.write_text(f"sources:\n  - path: reports/\n  - url: {server.base}/drip.pdf\n")
        t0 = time.monotonic()
        out = sitrep(["run", "--source", str(catalog), "--warehouse", str(link)], work, timeout=300,
                     SITREP_FETCH_DEADLINE="3")
        took = time.monotonic() - t0
    return {"out": out, "took": took, "link": link, "target": target}


@pytest.mark.slow
def test_the_analysts_committed_table_survives_the_next_run(shared_run):
    target = shared_run["target"]
    assert not wal_of(target).exists()
    con = duckdb.connect(str(target))  # read-write, as the DuckDB CLI opens it
    try:
        assert con.execute("SELECT answer, note FROM analyst_notes").fetchall() == [(42, "keep me")]
        assert con.execute("SELECT count(*) FROM v_facts WHERE source_file = ?", [fd.R4V.name]).fetchone()[0] > 0
    finally:
        con.close()


@pytest.mark.slow
def test_a_symlinked_warehouse_stays_a_link_to_the_new_data(shared_run):
    link, target = shared_run["link"], shared_run["target"]
    assert link.is_symlink() and link.resolve() == target
    assert query(link, "SELECT DISTINCT source_file FROM v_facts") == [(fd.R4V.name,)]
    assert not [p for p in target.parent.iterdir() if "staging" in p.name]


@pytest.mark.slow
def test_a_dripping_download_fails_at_its_deadline_and_the_others_load(shared_run):
    out = shared_run["out"]
    assert out.returncode == 1, out.stderr[-3000:]
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.startswith("  drip.pdf: ")]
    assert lines and lines[-1].startswith("  drip.pdf: fetch failed: deadline exceeded: the download took over 3s")
    rows = query(shared_run["link"], "SELECT stage, status FROM v_runs WHERE source_file = 'drip.pdf' ORDER BY 1")
    assert rows == [("extract", "skipped"), ("fetch", "failed"), ("load", "skipped"), ("validate", "skipped")]
    took = query(shared_run["link"], "SELECT epoch(finished - started) FROM v_runs WHERE source_file = 'drip.pdf' "
                                     "AND stage = 'fetch'")[0][0]
    assert took < 30  # the server would drip for 100,000 s; the whole run's time is mostly Prefect's start-up


# --- catalogs that include each other ---------------------------------------------------------------------------

def _catalogs(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text)


def test_a_catalog_that_includes_itself_is_a_configuration_error(tmp_path):
    _catalogs(tmp_path, {"self.yaml": "sources:\n  - path: reports/\n  - path: self.yaml\n"})
    (tmp_path / "reports").mkdir()
    shutil.copy(fd.R4V, tmp_path / "reports")
    t0 = time.monotonic()
    out = sitrep(["run", "--source", str(tmp_path / "self.yaml"), "--warehouse", str(tmp_path / "d" / "w.duckdb")],
                 tmp_path, timeout=300)
    assert out.returncode == 2
    line = one_error_line(out.stderr)
    assert line == f"sitrep: catalog {tmp_path / 'self.yaml'} includes itself: {tmp_path / 'self.yaml'} -> " \
                   f"{tmp_path / 'self.yaml'}"
    assert time.monotonic() - t0 < 120


@pytest.mark.parametrize("files, start, message", [
    ({"a.yaml": "sources:\n  - path: b.toml\n", "b.toml": 'sources = [{path = "a.yaml"}]\n'},
     "a.yaml", r"catalog .*a\.yaml is part of an include cycle: .*a\.yaml -> .*b\.toml -> .*a\.yaml$"),
    ({"deep.yaml": "sources: " + "[" * 20_000 + "]" * 20_000 + "\n"},
     "deep.yaml", r"cannot read catalog .*deep\.yaml: nested too deeply"),
    ({"deep.toml": "sources = " + "[" * 20_000 + "]" * 20_000 + "\n"},
     "deep.toml", r"cannot read catalog .*deep\.toml: nested too deeply"),
    ({f"c{i}.yaml": f"sources:\n  - path: c{i + 1}.yaml\n" for i in range(MAX_DEPTH + 2)}
     | {f"c{MAX_DEPTH + 2}.yaml": "sources:\n  - url: https://example.org/r.pdf\n"},
     "c0.yaml", rf"catalog .*c{MAX_DEPTH}\.yaml: includes nested more than {MAX_DEPTH} deep: .*c0\.yaml -> "),
], ids=["mutual-include", "deep-yaml", "deep-toml", "include-chain-too-deep"])
def test_bad_catalogs_are_one_line_configuration_errors(tmp_path, files, start, message):
    _catalogs(tmp_path, files)
    with pytest.raises(ConfigError, match=message) as refused:
        fetchers.resolve(str(tmp_path / start))
    assert "\n" not in str(refused.value)


def test_includes_within_the_depth_limit_still_resolve(tmp_path):
    files = {f"c{i}.yaml": f"sources:\n  - path: c{i + 1}.yaml\n" for i in range(MAX_DEPTH - 1)}
    files[f"c{MAX_DEPTH - 1}.yaml"] = "sources:\n  - url: https://example.org/r.pdf\n  - path: reports/\n"
    _catalogs(tmp_path, files)
    (tmp_path / "reports").mkdir()
    shutil.copy(fd.R4V, tmp_path / "reports")
    assert sorted(i.source_file for i in fetchers.resolve(str(tmp_path / "c0.yaml"))) == ["r.pdf", fd.R4V.name]


def test_a_deep_catalog_through_the_command_exits_2(tmp_path):
    (tmp_path / "deep.toml").write_text("sources = " + "[" * 20_000 + "]" * 20_000 + "\n")
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    staged = StagedWarehouse(warehouse)
    warehouse.parent.mkdir()
    staged.open()
    staged.publish()  # an existing warehouse: the no-change check reads the sources first
    out = sitrep(["run", "--source", str(tmp_path / "deep.toml"), "--warehouse", str(warehouse)], tmp_path,
                 timeout=300)
    assert out.returncode == 2
    assert "nested too deeply" in one_error_line(out.stderr)


# --- path arguments that cannot work -----------------------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    (["run", "--warehouse", "afile/warehouse.duckdb"], r"^sitrep: --warehouse .*/afile/warehouse\.duckdb: "
                                                       r".*/afile is a file, not a folder$"),
    (["status", "--warehouse", "afile/x/warehouse.duckdb"], r"^sitrep: --warehouse .*: .*/afile is a file, "),
    (["run", "--warehouse", "adir"], r"^sitrep: --warehouse .*/adir: is a folder; give a file, "
                                     r"e\.g\. .*/adir/warehouse\.duckdb$"),
    (["report", "--output", "adir"], r"^sitrep: --output .*/adir: is a folder; give a file, e\.g\. "
                                     r".*/adir/report\.html$"),
    (["export", "--format", "parquet", "afile"], r"^sitrep: export afile: is a file, not a folder"),
], ids=["run-warehouse-under-a-file", "status-warehouse-under-a-file", "run-warehouse-is-a-folder",
        "report-output-is-a-folder", "export-into-a-file"])
def test_path_arguments_that_cannot_work_exit_2_in_one_line(tmp_path, args, expected):
    (tmp_path / "afile").write_text("I am a file")
    (tmp_path / "adir").mkdir()
    out = sitrep(args, tmp_path, timeout=120)
    assert out.returncode == 2, out.stderr[-2000:]
    assert re.match(expected, one_error_line(out.stderr)), out.stderr
    assert (tmp_path / "afile").read_text() == "I am a file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir", "afile"]  # nothing created
    assert not any((tmp_path / "adir").iterdir())


@pytest.fixture
def read_only_data(tmp_path):
    """A data folder with a warehouse, on a real read-only file system (a tmpfs remounted read-only: root
    ignores file permissions, so only EROFS shows the fault here). Skipped where mounting is not allowed."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("a tmpfs mount needs root on Linux")
    mount = tmp_path / "ro"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        staged = StagedWarehouse(mount / "warehouse.duckdb")
        staged.open()
        staged.publish()
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_read_only_data_folder_refuses_a_run_in_one_line_and_still_serves_reads(read_only_data, tmp_path):
    warehouse = read_only_data / "warehouse.duckdb"
    before = warehouse.read_bytes()
    out = sitrep(["run", "--source", str(fd.R4V), "--warehouse", str(warehouse)], tmp_path, timeout=120)
    assert out.returncode == 2
    assert one_error_line(out.stderr) == (
        f"sitrep: --warehouse {warehouse}: the data folder {read_only_data} is not writable (Read-only file "
        "system); a run writes the raw store, stage outputs and the warehouse there: choose another --warehouse")
    status = sitrep(["status", "--warehouse", str(warehouse)], tmp_path, timeout=120)
    assert status.returncode == 0 and "Traceback" not in status.stderr
    export = sitrep(["export", "--warehouse", str(warehouse), str(read_only_data / "out")], tmp_path, timeout=120)
    assert export.returncode == 1
    assert one_error_line(export.stderr).startswith("sitrep: export failed: OSError: [Errno 30] Read-only file system")
    assert warehouse.read_bytes() == before
