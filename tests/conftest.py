"""Shared fixtures. Prefect's home and analytics are set before Prefect is imported anywhere."""

from __future__ import annotations

import functools
import importlib.util
import os
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

_HOME = Path(tempfile.mkdtemp(prefix="sitrep-test-prefect-"))
os.environ["PREFECT_HOME"] = str(_HOME)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# the CLI's cache (Prefect's empty-database template) stays out of the user's ~/.cache during tests
os.environ.setdefault("SITREP_CACHE_DIR", tempfile.mkdtemp(prefix="sitrep-test-cache-"))

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sitrep" / "samples"
DATA = Path(__file__).resolve().parent / "data"


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of `sql` on a warehouse file, opened read-only as analysts open it."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@functools.cache
def score_module():
    """tests/data/score.py, the gold scorer (matching rules shared with the CLI's scoring)."""
    spec = importlib.util.spec_from_file_location("gold_score", DATA / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gold_for(source_file: str, kinds: tuple[str, ...] | None = None) -> list[dict]:
    """The gold rows (tests/data/gold_facts.csv) of one sample report, optionally of some kinds only."""
    rows = score_module().load_gold(DATA / "gold_facts.csv")
    return [g for g in rows if g["source_file"] == source_file and (kinds is None or g["kind"] in kinds)]


def gold_misses(source_file: str, figures, kinds: tuple[str, ...] | None = None) -> list[str]:
    """Contexts of the gold rows that no extracted figure matches (same value and unit class)."""
    gold = gold_for(source_file, kinds)
    assert gold, f"no gold rows for {source_file} {kinds or ''}"
    facts = [f.as_row() | {"source_file": source_file} for f in figures
             if f.value is not None and (kinds is None or f.kind in kinds)]
    _, misses, _ = score_module().match(gold, facts)
    return [g["context"] for g in misses]


def assert_reads_gold(source_file: str, figures, kinds: tuple[str, ...] | None = None,
                      recall: float = 0.98) -> None:
    """The figures find the report's gold rows: at least `recall` of them (the project's gold target),
    and never fewer figures than gold rows of those kinds."""
    gold = gold_for(source_file, kinds)
    misses = gold_misses(source_file, figures, kinds)
    assert len(gold) - len(misses) >= recall * len(gold), (source_file, len(misses), len(gold), misses[:5])


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A real, temporary Prefect API (SQLite) for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


class Routes:
    """What the test HTTP server answers: path -> (status, headers, body) or a callable."""

    def __init__(self) -> None:
        self.routes: dict[str, object] = {}
        self.hits: dict[str, int] = {}

    def add(self, path: str, body: bytes | object, status: int = 200, headers: dict | None = None) -> None:
        self.routes[path] = (status, headers or {}, body)


@pytest.fixture
def http_server() -> Iterator[tuple[str, Routes]]:
    """A real HTTP server on 127.0.0.1 serving configurable routes."""
    routes = Routes()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def _serve(self) -> None:
            path = self.path.split("?")[0]
            routes.hits[path] = routes.hits.get(path, 0) + 1
            entry = routes.routes.get(path)
            if entry is None:
                self.send_response(404)
                self.end_headers()
                return
            status, headers, body = entry
            if callable(body):
                body(self, routes.hits[path])
                return
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if "Content-Length" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = _serve
        do_POST = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", routes
    finally:
        server.shutdown()
        server.server_close()


# --- the reference run: the thread runner on the bundled samples --------------------------------------------

FACT_COLUMNS = ("fact_id", "source_file", "kind", "value", "unit", "qualifier", "sector", "location", "indicator",
                "measure", "population", "period", "page")


def warehouse_answers(warehouse: Path) -> tuple[list[tuple], list[tuple]]:
    """What a run published and what it held back: v_facts rows (ids, values, dimensions) and
    v_quarantine rows (id, value, expectation, reason), both sorted."""
    facts = query(warehouse, f"SELECT {', '.join(FACT_COLUMNS)} FROM v_facts ORDER BY fact_id")
    held = query(warehouse, "SELECT fact_id, source_file, value, expectation, reason FROM v_quarantine "
                            "ORDER BY ALL")
    return facts, held


def assert_same_answers(warehouse: Path, reference: Path) -> None:
    """Same fact ids, values and dimensions, same quarantine, as the reference (thread-runner) warehouse;
    the first differences are shown."""
    facts, held = warehouse_answers(warehouse)
    ref_facts, ref_held = warehouse_answers(reference)
    assert ref_facts, "the reference warehouse is empty"
    only_here = sorted(set(facts) - set(ref_facts))
    only_ref = sorted(set(ref_facts) - set(facts))
    assert not only_here and not only_ref, {"not in the thread run": only_here[:5], "missing": only_ref[:5],
                                            "counts": (len(facts), len(ref_facts))}
    assert held == ref_held


@pytest.fixture(scope="session")
def thread_run(prefect_harness, tmp_path_factory):
    """(summary, warehouse) of the monthly flow on the bundled samples with the thread runner: the
    reference the other runners (Dask, a deployment's worker, the ReliefWeb source) must reproduce."""
    from flows.pipeline import monthly_pipeline
    from flows.runners import task_runner

    warehouse = tmp_path_factory.mktemp("thread-run") / "data" / "warehouse.duckdb"
    summary = monthly_pipeline.with_options(task_runner=task_runner("threads"))(sources=None,
                                                                                 warehouse=str(warehouse))
    assert [r.status for r in summary.reports] == ["ok"] * 5, [(r.source_file, r.error) for r in summary.reports]
    return summary, warehouse
