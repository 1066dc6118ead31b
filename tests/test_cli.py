"""The `sitrep` command as users run it: a real subprocess, its exit codes and messages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import duckdb
import pytest

from .conftest import SAMPLES

SITREP = [sys.executable, "-m", "sitrep.cli"]


def run(args, cwd, timeout=600):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return subprocess.run(SITREP + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def test_help_lists_the_commands(tmp_path):
    out = run(["--help"], tmp_path)
    assert out.returncode == 0
    for command in ("run", "rerun", "status"):
        assert command in out.stdout
    assert "--source" in run(["run", "--help"], tmp_path).stdout


def test_bad_arguments_exit_2(tmp_path):
    assert run(["rerun", "--stage", "nonsense"], tmp_path).returncode == 2
    missing = run(["run", "--source", str(tmp_path / "no-such-folder")], tmp_path)
    assert missing.returncode == 2
    assert "source not found" in missing.stderr


@pytest.mark.slow
def test_a_bad_file_fails_alone_and_is_named(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(SAMPLES / "r4v-peru-sitrep-2023-09.html", reports)
    (reports / "empty-report.pdf").write_bytes(b"")
    out = run(["run", "--source", str(reports)], tmp_path)
    assert out.returncode == 1, out.stderr
    assert "empty-report.pdf: extract failed: empty file" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    con = duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True)
    assert con.execute("SELECT DISTINCT source_file FROM v_facts").fetchall() == [("r4v-peru-sitrep-2023-09.html",)]
    assert con.execute("SELECT stage, status, error FROM v_runs WHERE source_file = 'empty-report.pdf' "
                       "AND stage = 'extract'").fetchall() == [("extract", "failed", "empty file (0 bytes)")]
    con.close()
    status = run(["status"], tmp_path)
    assert status.returncode == 0 and "empty-report.pdf" in status.stdout and "failed" in status.stdout
