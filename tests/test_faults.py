"""Bad input and faults: each gives one clear line naming the report, the stage and the cause, the run goes
on, the good reports load, v_runs records the failure, nothing is lost or corrupted (docs/faults.md).

Most bad inputs go through ONE real `sitrep run` subprocess (a folder of bad files beside good reports,
plus a catalog of URLs served by a local HTTP server); the assertions per file read its stderr and v_runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

import fetchers
from extractors import extract_report
from fetchers.store import RawStore
from sitrep.errors import ExtractError, FetchError, LoadError, SitrepError

from . import faultdata as fd
from .conftest import query

SITREP = [sys.executable, "-m", "sitrep.cli"]
ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def sitrep(args: list[str], cwd: Path, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(SITREP + args, cwd=cwd, env=_env() | env, capture_output=True, text=True,
                          timeout=timeout)


def start_sitrep(args: list[str], cwd: Path) -> subprocess.Popen:
    """A `sitrep` subprocess in its own process group (so a kill reaches Prefect's server process too)."""
    return subprocess.Popen(SITREP + args, cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)




# --- a local HTTP server for the URL sources of the big run -------------------------------------------------

class LocalServer:
    """Serves `routes` (path -> handler(request, hit)) on 127.0.0.1; counts hits per path."""

    def __init__(self) -> None:
        self.routes: dict[str, object] = {}
        self.hits: Counter[str] = Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = self.path.split("?")[0]
                server.hits[path] += 1
                handler = server.routes.get(path)
                if handler is None:
                    body = fd.error_page()
                    self.send_response(404)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                handler(self, server.hits[path])

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def body(data: bytes, status: int = 200, content_type: str = "text/html", extra: dict | None = None):
    def handler(request, hit) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        for key, value in (extra or {}).items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)
    return handler


def dropped_mid_body(data: bytes):
    """Declares the whole length, sends half, closes the connection."""
    def handler(request, hit) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "application/pdf")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data[: len(data) // 2])
        request.wfile.flush()
        request.close_connection = True
    return handler


def fails_first(data: bytes, failures: int = 1):
    def handler(request, hit) -> None:
        if hit <= failures:
            body(b"busy", status=500, content_type="text/plain")(request, hit)
        else:
            body(data)(request, hit)
    return handler


def redirect(to: str):
    def handler(request, hit) -> None:
        request.send_response(301)
        request.send_header("Location", to)
        request.send_header("Content-Length", "0")
        request.end_headers()
    return handler


# --- the big run: every bad file next to good reports --------------------------------------------------------

GOOD = ("r4v-peru-sitrep-2023-09.html", "gtrm-peru-sitrep-2019-10.pdf")
LONG_PDF = "long-300-pages.pdf"
QUOTE_NAME = "o'brien.html"  # a quote in a report name; safe_name keeps it out of file names
DROP_NAME = "x; DROP TABLE fact_figure; --.html"

# report -> (stage that fails, what its one line must say)
FAILS = {
    "zero-bytes.pdf": ("extract", r"empty file \(0 bytes\)"),
    "truncated.pdf": ("extract", r"cannot open PDF: truncated or damaged"),
    "encrypted.pdf": ("extract", r"cannot open PDF: encrypted \(a password is needed"),
    "scanned-image-only.pdf": ("extract", r"no text layer \(scanned\?\)"),
    "error-page-saved-as.pdf": ("extract", r"looks like an error page, not a report: '404 Not Found'"),
    "random-bytes.pdf": ("extract", r"not a PDF or web page"),
    "random-bytes.html": ("extract", r"not a PDF or web page"),
    "flate-bomb.pdf": ("extract", r"page 1 inflates to more than 64 MB of content \(the SITREP_PDF_PAGE_MB cap\); "
                                  r"refused as a decompression bomb"),
    # URLs of the catalog
    "served-404-page.pdf": ("extract", r"looks like an error page, not a report: '404 Not Found'"),
    "access-denied.html": ("extract", r"looks like an error page, not a report: 'Access Denied'"),
    "missing.pdf": ("fetch", r"HTTP 404 from http://127\.0\.0\.1"),
    "dropped.pdf": ("fetch", r"truncated download: connection dropped after \d[\d,]* of [\d,]+ bytes"),
}
LOADS = {
    *GOOD, LONG_PDF, "unknown-structure.html", "latin1-page.html", "script-page.html",
    "o-brien.html", "x-DROP-TABLE-fact_figure---.html",
    "flaky.html", "moved.html", "x.pdf",  # URLs: 500 then success, a redirect, a name that tried to escape
}


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    """One `sitrep run` over a folder of bad and good files and a catalog of URLs (good and bad)."""
    work = tmp_path_factory.mktemp("faults")
    reports = work / "reports"
    fd.write_bad_reports(reports)
    for name in GOOD:
        shutil.copy(fd.SAMPLES / name, reports / name)
    (reports / LONG_PDF).write_bytes(fd.many_pages_pdf(300))
    (reports / QUOTE_NAME).write_bytes(fd.GLOBAL_FOCUS.read_bytes())
    (reports / DROP_NAME).write_bytes(fd.GLOBAL_FOCUS.read_bytes())
    marker = work / "EXECUTED"
    (reports / "script-page.html").write_bytes(fd.script_page(marker))
    r4v = fd.R4V.read_bytes()
    with LocalServer() as server:
        server.routes.update({
            "/files/served-404-page.pdf": body(fd.error_page()),  # an error page with status 200
            "/files/access-denied.html": body(fd.access_denied_page()),
            "/files/dropped.pdf": dropped_mid_body(fd.GTRM_2021.read_bytes()),
            "/files/flaky.html": fails_first(r4v.replace(b"<title>", b"<title> ", 1)),
            "/files/moved.html": redirect("/files/new-location.html"),
            "/files/new-location.html": body(r4v.replace(b"<title>", b"<title>  ", 1)),
            "/files/escape.html": body(r4v.replace(b"<title>", b"<title>   ", 1)),
        })
        catalog = work / "sources.yaml"
        urls = ("served-404-page.pdf", "access-denied.html", "missing.pdf", "dropped.pdf", "flaky.html",
                "moved.html")
        catalog.write_text("sources:\n" + "".join(f"  - url: {server.base}/files/{name}\n" for name in urls)
                           + f"  - url: {server.base}/files/escape.html\n    name: ../../x.pdf\n")
        t0 = time.perf_counter()
        out = sitrep(["run", "--source", str(reports), "--source", str(catalog),
                      "--warehouse", str(work / "data" / "warehouse.duckdb")], work)
        took = time.perf_counter() - t0
    return {"work": work, "out": out, "warehouse": work / "data" / "warehouse.duckdb", "hits": server.hits,
            "marker": marker, "took": took}


@pytest.mark.slow
def test_run_exits_1_without_traceback_and_details_go_to_the_log(bad_run):
    out = bad_run["out"]
    assert out.returncode == 1, out.stderr[-3000:]
    assert "Traceback" not in out.stdout + out.stderr
    log = (bad_run["work"] / "data" / "prefect" / "sitrep.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "PdfiumError" in log  # the details are kept, in the log
    summary = re.search(r"(\d+) report\(s\): (\d+) loaded, 0 unchanged, (\d+) failed", out.stdout)
    assert summary and summary.groups() == (str(len(FAILS) + len(LOADS)), str(len(LOADS)), str(len(FAILS)))


@pytest.mark.slow
@pytest.mark.parametrize("report", sorted(FAILS))
def test_each_bad_input_fails_alone_with_one_clear_line(bad_run, report):
    stage, cause = FAILS[report]
    lines = [ln for ln in bad_run["out"].stderr.splitlines() if ln.startswith(f"  {report}: ")]
    assert len(lines) == 1, bad_run["out"].stderr[-3000:]
    assert re.match(rf"  {re.escape(report)}: {stage} failed: .*{cause}", lines[0]), lines[0]
    rows = query(bad_run["warehouse"], "SELECT stage, status, error FROM v_runs WHERE source_file = ? ORDER BY "
                 "CASE stage WHEN 'fetch' THEN 1 WHEN 'extract' THEN 2 WHEN 'validate' THEN 3 ELSE 4 END", [report])
    stages = ("fetch", "extract", "validate", "load")
    failed_at = stages.index(stage)
    assert [r[:2] for r in rows] == [(s, "ok" if i < failed_at else "failed" if i == failed_at else "skipped")
                                     for i, s in enumerate(stages)]
    assert re.search(cause, rows[failed_at][2]) and rows[failed_at][2] in lines[0]
    assert query(bad_run["warehouse"], "SELECT count(*) FROM v_facts WHERE source_file = ?", [report]) == [(0,)]


@pytest.mark.slow
def test_good_reports_load_beside_the_bad_ones(bad_run):
    loaded = dict(query(bad_run["warehouse"], "SELECT source_file, count(*) FROM v_facts GROUP BY 1"))
    assert set(loaded) == LOADS
    # every loaded report's stages all say ok
    states = query(bad_run["warehouse"], "SELECT source_file, list(status ORDER BY stage) FROM v_runs GROUP BY 1")
    assert {name for name, statuses in states if set(statuses) == {"ok"}} == LOADS


@pytest.mark.slow
def test_v_runs_errors_are_one_line(bad_run):
    errors = [e for (e,) in query(bad_run["warehouse"], "SELECT error FROM v_runs WHERE error IS NOT NULL")]
    assert errors and all("\n" not in e and "Traceback" not in e and len(e) <= 1000 for e in errors)


@pytest.mark.slow
def test_page_of_no_known_structure_loads_through_the_generic_extractor_with_a_warning(bad_run):
    line = next(ln for ln in bad_run["out"].stderr.splitlines() if "extract  unknown-structure.html" in ln)
    assert "no known report family recognised; used the generic extractor" in line
    rows = query(bad_run["warehouse"], "SELECT report_family, value FROM v_facts "
                 "WHERE source_file = 'unknown-structure.html' ORDER BY value")
    assert {r[0] for r in rows} == {"generic"} and [r[1] for r in rows] == [37, 85, 400, 1250, 12500]


@pytest.mark.slow
def test_non_utf8_page_is_decoded_by_its_declared_charset(bad_run):
    evidence = " ".join(e for (e,) in query(bad_run["warehouse"], "SELECT evidence FROM v_facts "
                                                                  "WHERE source_file = 'latin1-page.html'"))
    assert "organización atendió a 1.250 niños y niñas en Perú" in evidence
    assert "Ã" not in evidence and "ń" not in evidence and "\ufffd" not in evidence


@pytest.mark.slow
def test_several_hundred_pages_complete_in_reasonable_time(bad_run):
    line = next(ln for ln in bad_run["out"].stderr.splitlines() if f"extract  {LONG_PDF}" in ln)
    seconds = float(re.search(r"([\d.]+)s", line.split(",")[-1]).group(1))
    assert seconds < 180, line  # ~30 s on 2 cores (linear: ~0.1 s a page in the 2019 GTRM layout)
    pages = query(bad_run["warehouse"], f"SELECT max(page), count(*) FROM v_facts WHERE source_file = '{LONG_PDF}'")
    assert pages[0][0] == 300 and pages[0][1] > 5000


@pytest.mark.slow
def test_nothing_in_a_report_is_executed(bad_run):
    assert not bad_run["marker"].exists()
    assert query(bad_run["warehouse"], "SELECT value FROM v_facts WHERE source_file = 'script-page.html'") == [
        (640.0,)]


@pytest.mark.slow
def test_quotes_and_sql_in_names_load_as_data(bad_run):
    names = {n for (n,) in query(bad_run["warehouse"], "SELECT DISTINCT source_file FROM v_facts")}
    assert {"o-brien.html", "x-DROP-TABLE-fact_figure---.html"} <= names
    assert query(bad_run["warehouse"], "SELECT count(*) > 0 FROM fact_figure") == [(True,)]


@pytest.mark.slow
def test_network_faults_through_the_pipeline(bad_run):
    hits = bad_run["hits"]
    assert hits["/files/missing.pdf"] == 1  # a 404 is not retried
    assert hits["/files/dropped.pdf"] == 4  # a dropped connection is retried, then reported
    assert hits["/files/flaky.html"] == 2  # 500 then success: loaded
    assert hits["/files/moved.html"] == 1 and hits["/files/new-location.html"] == 1
    moved = query(bad_run["warehouse"], "SELECT location FROM raw_manifest WHERE source_file = 'moved.html'")
    assert moved and moved[0][0].endswith("/files/moved.html")


@pytest.mark.slow
def test_raw_store_keeps_only_whole_files(bad_run):
    raw = bad_run["work"] / "data" / "raw"
    files = [p for p in raw.rglob("*") if p.is_file() and p.name != "manifest.jsonl"]
    assert files and not [p for p in files if p.name.startswith(".part-")]
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name  # content-addressed and whole
    kept = {r.source_file for r in RawStore(raw).manifest()}
    assert not kept & {"missing.pdf", "dropped.pdf"}


@pytest.mark.slow
def test_names_from_a_catalog_cannot_escape_the_data_folder(bad_run):
    work = bad_run["work"]
    data = work / "data"
    assert query(bad_run["warehouse"], "SELECT count(*) > 0 FROM v_facts WHERE source_file = 'x.pdf'") == [(True,)]
    assert not (work / "x.pdf").exists() and not (work.parent / "x.pdf").exists()
    for path in work.rglob("*"):
        if "x.pdf" in path.parts:
            assert path.resolve().is_relative_to(data), path


@pytest.mark.slow
def test_status_shows_the_failures(bad_run):
    status = sitrep(["status", "--warehouse", str(bad_run["warehouse"])], bad_run["work"])
    assert status.returncode == 0, status.stderr
    assert "encrypted.pdf" in status.stdout and "failed" in status.stdout and "Traceback" not in status.stdout


# --- the same faults in process (fast, exact) ------------------------------------------------------------------

@pytest.mark.parametrize("name, data, cause", [
    ("zero.pdf", b"", "empty file"),
    ("cut.pdf", fd.truncated_pdf(0.9), "truncated or damaged"),
    ("locked.pdf", fd.encrypted_pdf(), "encrypted"),
    ("scan.pdf", fd.image_only_pdf(1), "no text layer (scanned?)"),
    ("err.pdf", fd.error_page(), "looks like an error page"),
    ("err.html", fd.error_page("403 Forbidden", "You don't have permission"), "looks like an error page"),
    ("err.html", fd.error_page("500 Internal Server Error", "Try later"), "looks like an error page"),
    ("denied.html", fd.access_denied_page(), "looks like an error page"),
    ("noise.pdf", fd.random_bytes(), "not a PDF or web page"),
    ("fake.pdf", b"%PDF-1.7\n" + fd.random_bytes(2000), "cannot open PDF"),
])
def test_extract_refuses_with_a_typed_one_line_error(name, data, cause):
    with pytest.raises(ExtractError) as info:
        extract_report(data, name)
    assert info.value.report == name and cause in str(info.value) and "\n" not in info.value.one_line()
    assert info.value.one_line().startswith(f"{name}: extract failed: ")


def test_a_long_report_about_errors_is_not_an_error_page():
    page = ("<html><head><title>Access denied: refugees without documents</title></head><body>"
            + "<p>In 2023, 1,200 people were denied access to health services in Lima.</p>" * 80
            + "</body></html>").encode()
    assert extract_report(page, "report.html").figures


def test_sitrep_errors_are_always_one_line():
    error = LoadError("Binder Error: no such column\n\nLINE 1: SELECT x\n          ^", report="r.pdf")
    assert error.one_line() == "r.pdf: load failed: Binder Error: no such column LINE 1: SELECT x ^"
    assert len(str(SitrepError("x" * 5000))) == SitrepError.max_chars


def test_gzip_bomb_is_capped_on_decoded_size(tmp_path):
    with LocalServer() as server:
        server.routes["/bomb.html"] = body(gzip.compress(b" " * 200_000), extra={"Content-Encoding": "gzip"})
        server.routes["/small.html"] = body(gzip.compress(b"<html>ok</html>"), extra={"Content-Encoding": "gzip"})
        store = RawStore(tmp_path / "raw")
        with pytest.raises(FetchError, match="cap"):
            fetchers.fetch(fetchers.resolve(f"{server.base}/bomb.html")[0], store, max_bytes=10_000)
        assert fetchers.fetch(fetchers.resolve(f"{server.base}/small.html")[0], store).read() == b"<html>ok</html>"


def test_connection_dropped_mid_chunked_body_is_retried_then_reported(tmp_path):
    def chunked_then_drop(request, hit) -> None:
        request.send_response(200)
        request.send_header("Transfer-Encoding", "chunked")
        request.end_headers()
        request.wfile.write(b"10\r\n%PDF-1.4 partial\r\n")  # no terminating chunk
        request.wfile.flush()
        request.close_connection = True

    with LocalServer() as server:
        server.routes["/chunked.pdf"] = chunked_then_drop
        store = RawStore(tmp_path / "raw")
        with pytest.raises(FetchError, match="truncated download: connection dropped"):
            fetchers.fetch(fetchers.resolve(f"{server.base}/chunked.pdf")[0], store, backoff=0.01, attempts=2)
        assert server.hits["/chunked.pdf"] == 2
    assert not [p for p in (tmp_path / "raw").rglob("*") if p.is_file()]


def test_sql_is_parameterised_for_any_report_name(tmp_path):
    """Names reach SQL only as parameters: a quote or a statement in a name is just data."""
    from sitrep.artifacts import figures_frame
    from warehouse.db import StagedWarehouse, log_stage
    from warehouse.load import ReportVersion, load_report

    result = extract_report(fd.R4V.read_bytes(), "r.html")
    figures = figures_frame(result)
    staged = StagedWarehouse(tmp_path / "w.duckdb")
    con = staged.open()
    for name in ("o'brien.pdf", "x'; DROP TABLE fact_figure; --.pdf", 'q"uote\\.pdf'):
        version = ReportVersion(name, hashlib.sha256(name.encode()).hexdigest(), result.family, "2023-09", None,
                                "text/html", 1, "src'", "loc'", "2026-01-01T00:00:00+00:00")
        load_report(con, "run'1", version, figures, pd.DataFrame(columns=["expectation", "status", "observed",
                                                                          "details"]),
                    pd.DataFrame(columns=["row", "expectation", "reason"]))
        log_stage(con, "run'1", name, None, "load", "ok", None, None, "it's fine")
    staged.publish()
    counts = dict(query(tmp_path / "w.duckdb", "SELECT source_file, count(*) FROM v_facts GROUP BY 1"))
    assert counts == {"o'brien.pdf": len(figures), "x'; DROP TABLE fact_figure; --.pdf": len(figures),
                      'q"uote\\.pdf': len(figures)}


# --- the warehouse under kill -9 and concurrent runs -----------------------------------------------------------

FIRST = ("r4v-peru-sitrep-2023-09.html", "unhcr-global-focus-peru-2020.html", "gtrm-peru-sitrep-2019-10.pdf")
ADDED = "unhcr-arr-peru-2023.pdf"  # what the killed runs would have added had they finished


def _snapshot(warehouse: Path) -> dict[str, list]:
    rows = query(warehouse, "SELECT source_file, fact_id, value FROM v_facts ORDER BY source_file, fact_id")
    out: dict[str, list] = {}
    for source_file, fact_id, value in rows:
        out.setdefault(source_file, []).append((fact_id, value))
    return out


@pytest.fixture(scope="module")
def first_warehouse(tmp_path_factory):
    """A warehouse built by one successful run: the 'previous content' a killed run must leave intact."""
    work = tmp_path_factory.mktemp("killed")
    reports, more = work / "reports", work / "reports-and-one-more"
    reports.mkdir()
    more.mkdir()
    for name in FIRST:
        shutil.copy(fd.SAMPLES / name, reports / name)
        shutil.copy(fd.SAMPLES / name, more / name)
    shutil.copy(fd.SAMPLES / ADDED, more / ADDED)
    warehouse = work / "data" / "warehouse.duckdb"
    out = sitrep(["run", "--source", str(reports), "--warehouse", str(warehouse)], work)
    assert out.returncode == 0, out.stderr[-3000:]
    snapshot = _snapshot(warehouse)
    assert set(snapshot) == set(FIRST)
    added = len(extract_report((fd.SAMPLES / ADDED).read_bytes(), ADDED).figures)
    return {"work": work, "reports": reports, "more": more, "warehouse": warehouse, "snapshot": snapshot,
            "added_figures": added}


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # the run and the Prefect server it started, at once
    proc.communicate(timeout=60)


# when to kill: a delay from the start, or the first progress line (stderr) matching a pattern
KILL_MOMENTS = {
    "3s after start (Prefect starting)": 3.0,
    "staging file created": "staging",
    "first extract done": r"^\[\d+/\d+\] extract  ",
    "first report loaded into staging": r"^\[\d+/\d+\] load     ",
    "last report done, publishing": r"^\[4/4\] load     ",
}


@pytest.mark.slow
@pytest.mark.parametrize("moment", list(KILL_MOMENTS))
def test_kill_9_leaves_the_published_warehouse_as_it_was(first_warehouse, moment):
    work, warehouse = first_warehouse["work"], first_warehouse["warehouse"]
    staging = warehouse.with_name(f".{warehouse.name}.staging")
    staging.unlink(missing_ok=True)  # a leftover of the previous kill would be mistaken for this run's
    when = KILL_MOMENTS[moment]
    proc = start_sitrep(["run", "--force", "--source", str(first_warehouse["more"]), "--warehouse", str(warehouse)],
                        work)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    t0 = time.monotonic()
    try:
        while proc.poll() is None and time.monotonic() < t0 + 300:
            if isinstance(when, float) and time.monotonic() - t0 >= when:
                break
            if when == "staging" and staging.exists():
                break
            if isinstance(when, str) and any(re.match(when, line) for line in list(lines)):
                break
            time.sleep(0.01)
        finished = proc.poll() is not None
    finally:
        _kill_group(proc)
    after = _snapshot(warehouse)  # the file opens
    if finished or after != first_warehouse["snapshot"]:
        # only a kill racing the final rename may see the run complete, and then it is whole
        assert moment.startswith("last report"), (moment, "".join(lines)[-2000:])
        assert {k: v for k, v in after.items() if k != ADDED} == first_warehouse["snapshot"]
        assert len(after[ADDED]) == first_warehouse["added_figures"]


@pytest.mark.slow
def test_the_run_after_kills_ignores_the_leftover_staging_file(first_warehouse):
    warehouse = first_warehouse["warehouse"]
    staging = warehouse.with_name(f".{warehouse.name}.staging")
    staging.write_bytes(b"half-written junk from a killed run")  # whatever a kill left there
    out = sitrep(["run", "--source", str(first_warehouse["more"]), "--warehouse", str(warehouse)],
                 first_warehouse["work"])
    assert out.returncode == 0, out.stderr[-3000:]
    assert not staging.exists()
    after = _snapshot(warehouse)
    assert {k: v for k, v in after.items() if k != ADDED} == first_warehouse["snapshot"]  # same ids and values
    assert len(after[ADDED]) == first_warehouse["added_figures"]


@pytest.mark.slow
def test_a_second_run_refuses_while_the_lock_is_held(first_warehouse):
    warehouse = first_warehouse["warehouse"]
    before = _snapshot(warehouse)
    lock = warehouse.with_name(warehouse.name + ".lock")
    with lock.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running sitrep holds it
        out = sitrep(["run", "--force", "--source", str(first_warehouse["reports"]), "--warehouse", str(warehouse)],
                     first_warehouse["work"], timeout=300, SITREP_LOCK_WAIT="5")
    assert out.returncode == 1, out.stderr[-3000:]
    assert re.search(r"^sitrep: load failed: another sitrep run is writing .*waited 5s, try again when it has "
                     r"finished$", out.stderr, re.M), out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    assert _snapshot(warehouse) == before


@pytest.mark.slow
def test_a_second_run_waits_for_the_lock_then_runs(first_warehouse):
    warehouse = first_warehouse["warehouse"]
    before = _snapshot(warehouse)
    lock = warehouse.with_name(warehouse.name + ".lock")
    with lock.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        proc = start_sitrep(["run", "--source", str(first_warehouse["more"]), "--warehouse", str(warehouse)],
                            first_warehouse["work"])
        time.sleep(8)
        assert proc.poll() is None  # waiting for the lock, not writing
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    assert "4 unchanged" in out
    assert _snapshot(warehouse) == before


@pytest.mark.slow
def test_two_real_runs_at_once_leave_a_valid_warehouse(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(fd.R4V, reports)
    shutil.copy(fd.GLOBAL_FOCUS, reports)
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    args = ["run", "--force", "--source", str(reports), "--warehouse", str(warehouse)]
    first = start_sitrep(args, tmp_path)
    time.sleep(1)
    second = start_sitrep(args, tmp_path)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    results = [(p.returncode, out, err) for p, (out, err) in zip((first, second), outputs, strict=True)]
    for code, _out, err in results:
        assert "Traceback" not in err
        # each run either loads, or (had the other held the lock for over 30 s) refuses clearly
        assert code == 0 or (code == 1 and "another sitrep run is writing" in err), err[-3000:]
    assert any(code == 0 for code, _, _ in results)
    snapshot = _snapshot(warehouse)
    assert set(snapshot) == {fd.R4V.name, fd.GLOBAL_FOCUS.name}
    runs = query(warehouse, "SELECT count(DISTINCT run_id) FROM v_runs WHERE status = 'ok' AND stage = 'load'")
    assert runs[0][0] == sum(code == 0 for code, _, _ in results)


# --- a corrupt warehouse file ---------------------------------------------------------------------------------------

def test_status_on_a_corrupt_warehouse_says_so_in_one_line(tmp_path):
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    warehouse.write_bytes(b"not a DuckDB file")
    out = sitrep(["status", "--warehouse", str(warehouse)], tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert re.search(r"^sitrep: .*warehouse.*not a valid DuckDB", out.stderr, re.M)


@pytest.mark.slow
def test_run_on_a_corrupt_warehouse_refuses_in_one_line_and_keeps_it(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(fd.R4V, reports)
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    warehouse.write_bytes(b"not a DuckDB file")
    out = sitrep(["run", "--source", str(reports), "--warehouse", str(warehouse)], tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert re.search(r"^sitrep: load failed: .*not a valid DuckDB", out.stderr, re.M)
    assert warehouse.read_bytes() == b"not a DuckDB file"  # never overwritten: the analyst decides
