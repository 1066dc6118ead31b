"""Fetch stage against real files and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import time

import pytest

import fetchers
from fetchers.names import name_from_url, safe_name
from fetchers.store import RawStore
from sitrep.errors import ConfigError, FetchError

from .conftest import SAMPLES


def test_folder_lists_report_files_only(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4 x")
    (tmp_path / "b.html").write_bytes(b"<html></html>")
    (tmp_path / "notes.txt").write_text("not a report")
    items = fetchers.resolve(str(tmp_path))
    assert [i.source_file for i in items] == ["a.pdf", "b.html"]


def test_same_bytes_stored_once_with_two_manifest_rows(tmp_path):
    store = RawStore(tmp_path / "raw")
    item = fetchers.resolve(str(SAMPLES / "gtrm-peru-sitrep-2021-02.pdf"))[0]
    first = fetchers.fetch(item, store)
    second = fetchers.fetch(item, store)
    assert first.sha256 == second.sha256 and first.path == second.path
    assert len([p for p in (tmp_path / "raw").rglob("*") if p.is_file() and p.name != "manifest.jsonl"]) == 1
    rows = [json.loads(line) for line in store.manifest_path.read_text().splitlines()]
    assert len(rows) == 2
    assert set(rows[0]) >= {"source", "location", "fetched_at", "bytes", "sha256", "media_type"}
    assert rows[0]["media_type"] == "application/pdf" and rows[0]["bytes"] == first.bytes


def test_missing_source_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="source not found"):
        fetchers.resolve(str(tmp_path / "nope"))


def test_url_download(http_server, tmp_path):
    base, routes = http_server
    body = (SAMPLES / "r4v-peru-sitrep-2023-09.html").read_bytes()
    routes.add("/files/report.html", body, headers={"Content-Type": "text/html"})
    item = fetchers.resolve(f"{base}/files/report.html")[0]
    raw = fetchers.fetch(item, RawStore(tmp_path / "raw"))
    assert raw.source_file == "report.html" and raw.read() == body and raw.media_type == "text/html"


def test_404_is_not_retried(http_server, tmp_path):
    base, routes = http_server
    item = fetchers.resolve(f"{base}/missing.pdf")[0]
    with pytest.raises(FetchError, match="HTTP 404"):
        fetchers.fetch(item, RawStore(tmp_path / "raw"), backoff=0.01)
    assert routes.hits["/missing.pdf"] == 1


def test_500_then_success_is_retried(http_server, tmp_path):
    base, routes = http_server
    body = b"%PDF-1.4 fine"

    def flaky(handler, hit):
        handler.send_response(500 if hit == 1 else 200)
        handler.send_header("Content-Length", "0" if hit == 1 else str(len(body)))
        handler.end_headers()
        if hit > 1:
            handler.wfile.write(body)

    routes.add("/flaky.pdf", flaky)
    raw = fetchers.fetch(fetchers.resolve(f"{base}/flaky.pdf")[0], RawStore(tmp_path / "raw"), backoff=0.01)
    assert raw.read() == body and routes.hits["/flaky.pdf"] == 2


def test_truncated_body_is_detected_and_nothing_stored(http_server, tmp_path):
    base, routes = http_server

    def truncated(handler, hit):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b"%PDF-1.4 only part")
        handler.close_connection = True

    routes.add("/cut.pdf", truncated)
    store = RawStore(tmp_path / "raw")
    with pytest.raises(FetchError):
        fetchers.fetch(fetchers.resolve(f"{base}/cut.pdf")[0], store, backoff=0.01, attempts=2)
    assert routes.hits["/cut.pdf"] == 2
    assert not store.manifest_path.exists()
    assert not [p for p in (tmp_path / "raw").rglob("*") if p.is_file()]


def test_timeout_is_retried_then_reported(http_server, tmp_path):
    base, routes = http_server

    def slow(handler, hit):
        time.sleep(1.0)
        handler.send_response(200)
        handler.end_headers()

    routes.add("/slow.pdf", slow)
    with pytest.raises(FetchError, match="Timeout"):
        fetchers.fetch(fetchers.resolve(f"{base}/slow.pdf")[0], RawStore(tmp_path / "raw"),
                       timeout=0.2, backoff=0.01, attempts=2)
    assert routes.hits["/slow.pdf"] == 2


def test_redirect_is_followed(http_server, tmp_path):
    base, routes = http_server
    routes.add("/old.pdf", b"", status=301, headers={"Location": f"{base}/new.pdf"})
    routes.add("/new.pdf", b"%PDF-1.4 moved")
    raw = fetchers.fetch(fetchers.resolve(f"{base}/old.pdf")[0], RawStore(tmp_path / "raw"))
    assert raw.read() == b"%PDF-1.4 moved" and raw.source_file == "old.pdf"


def test_size_cap(http_server, tmp_path):
    base, routes = http_server
    routes.add("/big.pdf", b"%PDF" + b"x" * 5000)
    with pytest.raises(FetchError, match="cap"):
        fetchers.fetch(fetchers.resolve(f"{base}/big.pdf")[0], RawStore(tmp_path / "raw"), max_bytes=1000)


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"),
    ("/abs/path/report.pdf", "report.pdf"),
    ("..", "report"),
    ("rep ort%2F..%2Fx.pdf", "x.pdf"),
    ("informe-peru-año.pdf", "informe-peru-ano.pdf"),
    ("C:\\Users\\x\\r.pdf", "r.pdf"),
])
def test_untrusted_names_cannot_escape(name, expected):
    assert safe_name(name) == expected


def test_name_from_url():
    assert name_from_url("https://example.org/a/b/peru-sitrep.pdf?x=1") == "peru-sitrep.pdf"
    assert name_from_url("https://example.org/") == "example.org"


def test_catalog_lists_paths_and_urls(tmp_path):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "x.pdf").write_bytes(b"%PDF-1.4")
    catalog = tmp_path / "sources.yaml"
    catalog.write_text("sources:\n  - path: reports\n  - url: https://example.org/files/y.html\n"
                       "    name: ../../evil.html\n")
    items = fetchers.resolve(str(catalog))
    assert [i.source_file for i in items] == ["x.pdf", "evil.html"]
    assert items[1].location == "https://example.org/files/y.html"


def test_bad_catalog_is_a_config_error(tmp_path):
    catalog = tmp_path / "bad.yaml"
    catalog.write_text("sources:\n  - nothing: here\n")
    with pytest.raises(ConfigError, match="entry 1"):
        fetchers.resolve(str(catalog))
