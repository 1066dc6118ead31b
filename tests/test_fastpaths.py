"""The start-up paths: the no-change run that does not start Prefect, and the CLI's temporary server
(started early, its database seeded from a template). Real files, a real `prefect server start`."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import urllib.request

import pytest

from flows.api import TemporaryServer, keep_template, seed_database
from flows.precheck import unchanged_run
from sitrep.config import Paths

from .conftest import SAMPLES, query

SITREP = [sys.executable, "-m", "sitrep.cli"]
TWO = ("gtrm-peru-sitrep-2021-02.pdf", "r4v-peru-sitrep-2023-09.html")


def cli(args, cwd, env_extra=None, timeout=600):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(env_extra or {})
    return subprocess.run(SITREP + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def two_reports(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in TWO:
        shutil.copy(SAMPLES / name, src / name)
    return src


def test_no_warehouse_or_new_bytes_means_the_flow_runs(tmp_path, two_reports):
    paths = Paths.for_warehouse(tmp_path / "w.duckdb")
    assert unchanged_run([str(two_reports)], paths) is None  # no warehouse yet
    assert not paths.warehouse.exists()


@pytest.mark.slow
def test_a_no_change_run_is_recorded_without_prefect(tmp_path, two_reports):
    first = cli(["run", "--source", str(two_reports)], tmp_path)
    assert first.returncode == 0, first.stderr
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    facts = query(warehouse, "SELECT count(*) FROM v_facts")

    again = cli(["run", "--source", str(two_reports)], tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Prefect not started" in again.stderr and "2 unchanged" in again.stdout
    assert query(warehouse, "SELECT count(*) FROM v_facts") == facts
    runs = query(warehouse, "SELECT run_id, stage, status, count(*) FROM v_runs WHERE run_id LIKE 'quick-%' "
                            "GROUP BY ALL ORDER BY stage")
    assert [r[1:] for r in runs] == [("extract", "skipped", 2), ("fetch", "ok", 2), ("load", "skipped", 2),
                                     ("validate", "skipped", 2)]
    assert query(warehouse, "SELECT count(*) FROM raw_manifest") == [(4,)]  # each fetch is in the manifest

    # a changed file, an added file, or --force: the flow runs again
    (two_reports / TWO[1]).write_bytes((SAMPLES / TWO[1]).read_bytes().replace(b"</body>", b"<p>x</p></body>"))
    assert unchanged_run([str(two_reports)], Paths.for_warehouse(warehouse)) is None
    changed = cli(["run", "--source", str(two_reports)], tmp_path)
    assert changed.returncode == 0 and "Prefect not started" not in changed.stderr
    assert "1 loaded, 1 unchanged" in changed.stdout
    forced = cli(["run", "--source", str(two_reports), "--force"], tmp_path)
    assert forced.returncode == 0 and "2 loaded" in forced.stdout


def test_seeding_from_the_template(tmp_path, monkeypatch):
    monkeypatch.setenv("SITREP_CACHE_DIR", str(tmp_path / "cache"))
    for var in ("PREFECT_API_URL", "PREFECT_API_DATABASE_CONNECTION_URL", "PREFECT_SERVER_DATABASE_CONNECTION_URL"):
        monkeypatch.delenv(var, raising=False)
    first, second = tmp_path / "one", tmp_path / "two"
    assert not seed_database(first)  # no template yet
    first.mkdir()
    with sqlite3.connect(first / "prefect.db") as con:
        con.execute("CREATE TABLE alembic_version (version_num TEXT)")
        con.execute("INSERT INTO alembic_version VALUES ('head')")
    con.close()
    keep_template(first)
    assert seed_database(second)
    with sqlite3.connect(second / "prefect.db") as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [("head",)]
    con.close()
    assert not seed_database(second)  # an existing database is never replaced
    monkeypatch.setenv("PREFECT_API_DATABASE_CONNECTION_URL", "postgresql+asyncpg://db/prefect")
    assert not seed_database(tmp_path / "three")  # the user's own database: left alone


@pytest.mark.slow
def test_the_temporary_server_starts_answers_and_stops(tmp_path, monkeypatch):
    monkeypatch.setenv("SITREP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    server = TemporaryServer(tmp_path / "home").start()
    try:
        url = server.wait()
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
            assert response.status == 200
        assert list((tmp_path / "cache").glob("prefect-*-empty.db"))  # a brand-new database became the template
        process = server.process
    finally:
        server.stop()
    assert process.poll() is not None
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert TemporaryServer(tmp_path / "home").start().wait() is None  # a configured server: nothing started
