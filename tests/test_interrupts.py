"""SIGTERM and SIGINT during a real `sitrep run` (issue 13, item 6): the command leaves within 10 s with one
line, its worker processes and temporary Prefect server are gone, no staging file is left, and the published
warehouse is exactly as it was."""

from __future__ import annotations

import os
import re
import shutil
import signal
import threading
import time

import psutil
import pytest

from warehouse.db import StagedWarehouse

from .conftest import SAMPLES
from .test_faults import start_sitrep

PROMPT = 10.0  # seconds


@pytest.fixture
def previous(tmp_path):
    """A published warehouse (the previous content) and a folder of the five sample reports to load."""
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    staged = StagedWarehouse(warehouse)
    staged.open()
    staged.publish()
    reports = tmp_path / "reports"
    shutil.copytree(SAMPLES, reports)
    return warehouse, reports


def _interrupt_at(tmp_path, warehouse, reports, moment: str, signum: int, whole_group: bool):
    proc = start_sitrep(["run", "--source", str(reports), "--warehouse", str(warehouse)], tmp_path)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    deadline = time.monotonic() + 540
    try:
        while not any(re.match(moment, line) for line in list(lines)):
            assert proc.poll() is None, "".join(lines)[-3000:]
            assert time.monotonic() < deadline, "".join(lines)[-3000:]
            time.sleep(0.05)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children  # the temporary server and the worker processes (and their fork server)
        t0 = time.monotonic()
        if whole_group:
            os.killpg(proc.pid, signum)  # a service manager or a terminal stops the whole group
        else:
            os.kill(proc.pid, signum)  # only the sitrep process is told
        proc.wait(timeout=60)
        took = time.monotonic() - t0
        _gone, alive = psutil.wait_procs(children, timeout=max(0.1, PROMPT - took))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    reader.join(timeout=10)
    return proc.returncode, took, alive, "".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("moment, signum, whole_group", [
    (r"^\[\d+/\d+\] load     ", signal.SIGTERM, True),
    (r"^\[\d+/\d+\] extract  ", signal.SIGINT, False),
], ids=["SIGTERM-to-the-group-during-loads", "SIGINT-to-sitrep-during-extracts"])
def test_an_interrupted_run_leaves_promptly_and_cleanly(tmp_path, previous, moment, signum, whole_group):
    warehouse, reports = previous
    before = warehouse.read_bytes()
    code, took, alive, stderr = _interrupt_at(tmp_path, warehouse, reports, moment, signum, whole_group)
    assert took < PROMPT, (took, stderr[-3000:])
    assert not alive, [p.info if hasattr(p, "info") else p for p in alive]
    assert code == 1
    assert "Traceback" not in stderr
    name = signal.Signals(signum).name
    assert re.search(rf"^sitrep: interrupted by {name}: stopped; nothing half-written was published", stderr, re.M)
    assert warehouse.read_bytes() == before  # untouched
    assert sorted(p.name for p in warehouse.parent.iterdir() if "warehouse.duckdb" in p.name) == [
        "warehouse.duckdb", "warehouse.duckdb.lock"]  # no staging copy, no WAL
