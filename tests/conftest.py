"""Shared fixtures. Prefect's home and analytics are set before Prefect is imported anywhere."""

from __future__ import annotations

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
