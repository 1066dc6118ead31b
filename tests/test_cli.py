"""The `sitrep` command as users run it: a real subprocess, its exit codes and messages."""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import time

import duckdb
import pytest

from .conftest import SAMPLES, query

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


def _lines(cmd, cwd, env):
    """Run `cmd`, reading its stderr line by line as it arrives: (lines with their arrival time, stdout, code)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [(time.monotonic() - t0, line.rstrip("\n")) for line in proc.stderr]
    out = proc.stdout.read()
    return lines, out, proc.wait(600)


def _snapshot(folder):
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    """One real run of the CLI (not a terminal) on a good report and an empty one, validated one report
    a batch so that every stage line can arrive while the run goes on."""
    work = tmp_path_factory.mktemp("cli")
    reports = work / "reports"
    reports.mkdir()
    shutil.copy(SAMPLES / "r4v-peru-sitrep-2023-09.html", reports)
    (reports / "empty-report.pdf").write_bytes(b"")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["SITREP_BATCH_SIZE"] = "1"
    env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "600"  # a busy machine
    lines, out, code = _lines(SITREP + ["run", "--source", str(reports)], work, env)
    return {"work": work, "reports": reports, "lines": lines, "stdout": out, "code": code, "env": env,
            "warehouse": work / "data" / "warehouse.duckdb"}


@pytest.mark.slow
def test_a_bad_file_fails_alone_and_is_named(bad_run):
    tmp_path = bad_run["work"]
    stderr = "\n".join(line for _, line in bad_run["lines"])
    assert bad_run["code"] == 1, stderr
    assert "empty-report.pdf: extract failed: empty file" in stderr
    assert "Traceback" not in stderr + bad_run["stdout"]
    con = duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True)
    assert con.execute("SELECT DISTINCT source_file FROM v_facts").fetchall() == [("r4v-peru-sitrep-2023-09.html",)]
    assert con.execute("SELECT stage, status, error FROM v_runs WHERE source_file = 'empty-report.pdf' "
                       "AND stage = 'extract'").fetchall() == [("extract", "failed", "empty file (0 bytes)")]
    con.close()
    status = run(["status"], tmp_path)
    assert status.returncode == 0 and "empty-report.pdf" in status.stdout and "failed" in status.stdout


@pytest.mark.slow
def test_progress_lines_count_each_stage_as_it_finishes(bad_run):
    """Not on a terminal: the CLI's first line, then one line per report and stage ("[n/N] stage ..."),
    each failure once, and no "nothing new" after a failure."""
    lines = [line for _, line in bad_run["lines"]]
    assert lines[0] == "sitrep run: 1 source(s) -> " + str(bad_run["warehouse"]), lines[:3]
    staged = [line for line in lines if re.match(r"^\[\d/2\] ", line)]
    assert [line.split()[:2] for line in staged] == [
        ["[1/2]", "fetch"], ["[2/2]", "fetch"],  # in the order the reports are listed
        ["[1/2]", "FAILED"], ["[2/2]", "extract"],  # empty-report.pdf fails at once; then the page
        ["[1/2]", "validate"], ["[1/2]", "load"]], staged
    assert staged[2] == "[1/2] FAILED   empty-report.pdf: extract failed: empty file (0 bytes)"
    # the validation of the batch is announced before it ends
    assert any("validate 1 report(s) in one pass" in line for line in lines[:lines.index(staged[4])])
    assert sum("empty file (0 bytes)" in line for line in lines) == 2  # as it happened, and in the summary
    assert not any("nothing new" in line for line in lines)
    assert re.search(r"^2 report\(s\): 1 loaded, 0 unchanged, 1 failed in [\d.]+s", bad_run["stdout"], re.M)


@pytest.mark.slow
def test_status_took_is_the_time_the_run_printed(bad_run):
    printed = {m.group(1, 2): m.group(3) for _, line in bad_run["lines"]
               if (m := re.match(r"^\[\d/2\] (\w+) +(\S+): .* \(([\d.]+s)\)$", line))}
    status = run(["status"], bad_run["work"]).stdout
    shown = {(row[1].strip(), row[0].strip()): row[3].strip() for row in
             (line.split("│")[1:-1] for line in status.splitlines() if line.startswith("│"))}
    assert printed and all(shown[key] == took for key, took in printed.items()), (printed, shown)


@pytest.mark.slow
def test_rerun_of_an_unknown_report_is_refused_and_writes_nothing(bad_run):
    work = bad_run["work"]
    before = _snapshot(work / "data")
    t0 = time.monotonic()
    out = run(["rerun", "--stage", "validate", "--report", "nope.pdf"], work)
    took = time.monotonic() - t0
    assert out.returncode == 2, out.stderr
    assert ("sitrep: unknown report 'nope.pdf': the known report IDs are empty-report.pdf, "
            "r4v-peru-sitrep-2023-09.html") in out.stderr
    assert _snapshot(work / "data") == before  # no ghost row, no Prefect run, no staging file
    print(f"\nrefused in {took:.1f}s")


@pytest.mark.slow
def test_forget_removes_a_report_and_a_bare_rerun_then_has_nothing_to_do(bad_run):
    work, warehouse = bad_run["work"], bad_run["warehouse"]
    before = _snapshot(work / "data")
    asked = run(["forget", "empty-report.pdf"], work)
    assert asked.returncode == 2 and "add --yes" in asked.stdout and "would remove empty-report.pdf" in asked.stdout
    assert _snapshot(work / "data") == before
    done = run(["forget", "empty-report.pdf", "--yes"], work)
    assert done.returncode == 0, done.stderr
    assert query(warehouse, "SELECT count(*) FROM v_runs WHERE source_file = 'empty-report.pdf'") == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM raw_manifest WHERE source_file = 'empty-report.pdf'") == [(0,)]
    assert query(warehouse, "SELECT DISTINCT source_file FROM v_runs") == [("r4v-peru-sitrep-2023-09.html",)]
    assert query(warehouse, "SELECT count(*) FROM v_facts") == [(47,)]  # the other report is untouched
    manifest = (work / "data" / "raw" / "manifest.jsonl").read_text()
    assert "empty-report.pdf" not in manifest and "r4v-peru-sitrep-2023-09.html" in manifest
    assert not (work / "data" / "stages" / "empty-report.pdf").exists()
    again = run(["forget", "empty-report.pdf", "--yes"], work)
    assert again.returncode == 2 and "unknown report 'empty-report.pdf'" in again.stderr
    rerun = run(["rerun", "--stage", "extract"], work)
    assert rerun.returncode == 0 and "nothing to rerun: no report's last run failed" in rerun.stderr


@pytest.mark.slow
def test_quiet_prints_nothing_when_all_is_well_and_a_terminal_gets_progress_bars(bad_run):
    work = bad_run["work"]
    (bad_run["reports"] / "empty-report.pdf").unlink(missing_ok=True)
    quiet = run(["run", "--quiet", "--source", str(bad_run["reports"])], work)
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == "", quiet
    # on a terminal (a pty): rich progress bars, not the plain lines
    import pty

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    proc = subprocess.Popen(SITREP + ["run", "--source", str(bad_run["reports"])], cwd=work, env=env,
                            stdin=follower, stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    chunks, deadline = [], time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            if not select.select([leader], [], [], 1)[0]:
                continue
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the pty closes when the run ends
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()
    assert proc.wait(60) == 0, b"".join(chunks)[-2000:]
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "fetch" in screen and "1/1" in screen and "━" in screen, screen[-2000:]
    assert "[1/1] fetch" not in screen  # the plain lines are for logs
    assert "1 report(s): 0 loaded, 1 unchanged, 0 failed" in screen


def test_commands_on_a_missing_warehouse_say_so_and_create_nothing(tmp_path):
    for args in (["status"], ["report", "--output", "r.html"], ["export", "out"], ["forget", "x.pdf", "--yes"],
                 ["rerun", "--stage", "load", "--report", "x.pdf"]):
        out = run(args, tmp_path)
        assert out.returncode == 2, (args, out.stderr)
        assert f"sitrep: no warehouse at {tmp_path / 'data' / 'warehouse.duckdb'} yet" in out.stderr, out.stderr
        assert "load failed" not in out.stderr and "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []  # no data/, no prefect/ folder


def test_an_empty_source_folder_is_refused_with_a_warning(tmp_path):
    (tmp_path / "empty").mkdir()
    out = run(["run", "--source", "empty"], tmp_path)
    assert out.returncode == 2
    assert "sitrep: no report files in empty: nothing to run" in out.stderr
    assert "Error logging to API" not in out.stderr and "Traceback" not in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_configuration_errors_come_before_prefect_and_without_its_noise(tmp_path):
    env_bad = {"SITREP_BATCH_SIZE": "none"}
    for args, env in ((["run", "--source", "nowhere"], {}), (["run"], env_bad)):
        out = subprocess.run(SITREP + args, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                             env={**{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}, **env})
        assert out.returncode == 2, out.stderr
        assert "Error logging to API" not in out.stderr and "All connection attempts failed" not in out.stderr
        assert not (tmp_path / "data" / "prefect").exists()
