"""The ReliefWeb API v2 source against a local, API-shaped server on 127.0.0.1.

The fake answers `POST /v2/reports?appname=...` like the real API (totalCount, count, data[].fields.file[],
links.next while there are more), honouring the body's offset and limit, and serves the sample reports
at the file URLs it lists.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

import fetchers
from fetchers.reliefweb import build_query, list_reports
from sitrep.errors import ConfigError, FetchError

from .conftest import SAMPLES, query

# three ReliefWeb reports, newest first; one also carries a spreadsheet, which is not a report file
REPORTS = [
    {"id": "4100003", "title": "Peru: R4V situation report, September 2023",
     "files": ["r4v-peru-sitrep-2023-09.html", "unhcr-arr-peru-2023.pdf"]},
    {"id": "4100002", "title": "GTRM Peru situation report, February 2021",
     "files": ["gtrm-peru-sitrep-2021-02.pdf", "annex-figures.xlsx"]},
    {"id": "4100001", "title": "GTRM Peru situation report, October 2019",
     "files": ["gtrm-peru-sitrep-2019-10.pdf", "unhcr-global-focus-peru-2020.html"]},
]
SAMPLE_NAMES = sorted(p.name for p in SAMPLES.iterdir())


class FakeReliefWeb:
    """Routes for the fake API and its files; records every API request."""

    def __init__(self, base: str, routes, fail_first: int = 0, status: int = 500) -> None:
        self.base, self.requests, self.fail_first, self.status = base, [], fail_first, status
        routes.add("/v2/reports", self.reports)
        for report in REPORTS:
            for name in report["files"]:
                path = SAMPLES / name
                routes.add(f"/files/{report['id']}/{name}", path.read_bytes() if path.exists() else b"PK\x03\x04")

    def reports(self, handler, hit: int) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length) or b"{}")
        self.requests.append({"method": handler.command, "query": parse_qs(urlsplit(handler.path).query),
                              "body": body, "headers": dict(handler.headers)})
        if hit <= self.fail_first:
            return self._send(handler, self.status, {"status": self.status, "error": {"type": "Error"}})
        offset, limit = int(body.get("offset", 0)), int(body.get("limit", 10))
        chosen = REPORTS[offset:offset + limit]
        data = [{"id": r["id"], "score": 1, "href": f"{self.base}/v2/reports/{r['id']}",
                 "fields": {"title": r["title"], "date": {"created": "2023-10-01T00:00:00+00:00"},
                            "file": [{"id": str(i), "filename": name, "url": f"{self.base}/files/{r['id']}/{name}",
                                      "mimetype": "application/pdf" if name.endswith(".pdf") else
                                      "text/html" if name.endswith(".html") else
                                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
                                     for i, name in enumerate(r["files"])]}}
                for r in chosen]
        links = {"self": {"href": f"{self.base}/v2/reports?offset={offset}"}}
        if offset + len(chosen) < len(REPORTS):
            links["next"] = {"href": f"{self.base}/v2/reports?offset={offset + len(chosen)}&limit={limit}"}
        self._send(handler, 200, {"time": 3, "href": f"{self.base}/v2/reports", "links": links,
                                  "took": 3, "totalCount": len(REPORTS), "count": len(data), "data": data})

    @staticmethod
    def _send(handler, status: int, payload: dict) -> None:
        raw = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(raw)))
        handler.end_headers()
        handler.wfile.write(raw)


def _spec(base: str, **extra) -> dict:
    return {"api": f"{base}/v2", "appname": "sitrep-tests-q8x2", "country": "Peru",
            "organizations": ["UNHCR", "IOM", "R4V"], "page_size": 2, **extra}


@pytest.fixture
def api(http_server, monkeypatch):
    monkeypatch.delenv("RELIEFWEB_APPNAME", raising=False)
    base, routes = http_server
    return FakeReliefWeb(base, routes), base, routes


def test_query_body_has_the_documented_shape():
    body = build_query({"query": "situation report", "country": "Peru", "organizations": ["UNHCR", "IOM"],
                        "formats": ["Situation Report"], "since": "2024-01-01"}, offset=100, limit=50)
    assert body["offset"] == 100 and body["limit"] == 50
    assert body["query"] == {"value": "situation report", "operator": "AND"}
    assert body["filter"]["operator"] == "AND"
    assert body["filter"]["conditions"] == [
        {"field": "country.name", "value": "Peru"},
        {"field": "source.shortname", "value": ["UNHCR", "IOM"], "operator": "OR"},
        {"field": "format.name", "value": "Situation Report"},
        {"field": "date.created", "value": {"from": "2024-01-01T00:00:00+00:00"}},
    ]
    assert {"file.url", "file.filename"} <= set(body["fields"]["include"])
    assert body["sort"] == ["date.created:desc"]


def test_appname_filters_and_paging(api):
    fake, base, _ = api
    files = list_reports(_spec(base))
    assert [name for _, name in files] == ["r4v-peru-sitrep-2023-09.html", "unhcr-arr-peru-2023.pdf",
                                           "gtrm-peru-sitrep-2021-02.pdf", "gtrm-peru-sitrep-2019-10.pdf",
                                           "unhcr-global-focus-peru-2020.html"]  # no .xlsx
    assert all(url.startswith(f"{base}/files/") for url, _ in files)
    assert len(fake.requests) == 2  # two pages of two reports, then one
    for request in fake.requests:
        assert request["method"] == "POST"
        assert request["query"]["appname"] == ["sitrep-tests-q8x2"]
        assert request["headers"]["Content-Type"] == "application/json"
        conditions = request["body"]["filter"]["conditions"]
        assert {"field": "country.name", "value": "Peru"} in conditions
        assert {"field": "source.shortname", "value": ["UNHCR", "IOM", "R4V"], "operator": "OR"} in conditions
    assert [(r["body"]["offset"], r["body"]["limit"]) for r in fake.requests] == [(0, 2), (2, 2)]


def test_limit_caps_the_number_of_reports(api):
    fake, base, _ = api
    files = list_reports(_spec(base, limit=1))
    assert [name for _, name in files] == ["r4v-peru-sitrep-2023-09.html", "unhcr-arr-peru-2023.pdf"]
    assert [(r["body"]["offset"], r["body"]["limit"]) for r in fake.requests] == [(0, 1)]


def test_transient_500_is_retried(http_server, monkeypatch):
    base, routes = http_server
    fake = FakeReliefWeb(base, routes, fail_first=1)
    files = list_reports(_spec(base), backoff=0.01)
    assert len(files) == 5 and routes.hits["/v2/reports"] == 3 and len(fake.requests) == 3


def test_persistent_500_gives_up(http_server):
    base, routes = http_server
    FakeReliefWeb(base, routes, fail_first=99)
    with pytest.raises(FetchError, match="HTTP 500"):
        list_reports(_spec(base), backoff=0.01, attempts=2)
    assert routes.hits["/v2/reports"] == 2


def test_refused_appname_is_a_config_error(http_server):
    base, routes = http_server
    FakeReliefWeb(base, routes, fail_first=99, status=403)
    with pytest.raises(ConfigError, match="pre-approved"):
        list_reports(_spec(base), backoff=0.01)
    assert routes.hits["/v2/reports"] == 1  # not retried


def test_missing_appname_is_a_config_error(api, tmp_path):
    fake, base, _ = api
    with pytest.raises(ConfigError, match="appname"):
        list_reports({"api": f"{base}/v2", "country": "Peru"})
    catalog = tmp_path / "sources.yaml"
    catalog.write_text(f"sources:\n  - reliefweb:\n      api: {base}/v2\n      country: Peru\n")
    with pytest.raises(ConfigError, match="appname"):
        fetchers.resolve(str(catalog))
    assert fake.requests == []


def test_appname_from_the_environment(api, monkeypatch):
    fake, base, _ = api
    monkeypatch.setenv("RELIEFWEB_APPNAME", "from-env-x1")
    spec = _spec(base)
    del spec["appname"]
    assert len(list_reports(spec)) == 5
    assert fake.requests[0]["query"]["appname"] == ["from-env-x1"]




@pytest.mark.slow
def test_catalog_through_the_pipeline_then_unchanged(api, prefect_harness, tmp_path):
    from flows.pipeline import monthly_pipeline

    fake, base, routes = api
    catalog = tmp_path / "sources.yaml"
    catalog.write_text(
        "sources:\n"
        "  - reliefweb:\n"
        f"      api: {base}/v2\n"
        "      appname: sitrep-tests-q8x2\n"
        "      country: Peru\n"
        "      organizations: [UNHCR, IOM, R4V]\n"
        "      page_size: 2\n")
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    summary = monthly_pipeline(sources=[str(catalog)], warehouse=str(warehouse))
    assert sorted(r.source_file for r in summary.reports) == SAMPLE_NAMES
    assert [r.status for r in summary.reports] == ["ok"] * 5, [(r.source_file, r.error) for r in summary.reports]
    counts = dict(query(warehouse, "SELECT source_file, count(*) FROM v_facts GROUP BY 1"))
    assert sorted(counts) == SAMPLE_NAMES and all(n > 0 for n in counts.values())
    sources = query(warehouse, "SELECT DISTINCT source, location FROM raw_manifest")
    assert {s for s, _ in sources} == {str(catalog)}
    assert all(loc.startswith(f"{base}/files/") for _, loc in sources)

    file_hits = {p: n for p, n in routes.hits.items() if p.startswith("/files/")}
    second = monthly_pipeline(sources=[str(catalog)], warehouse=str(warehouse))
    assert [r.status for r in second.reports] == ["skipped"] * 5
    assert all(routes.hits[p] == n + 1 for p, n in file_hits.items())  # fetched again, no stage work
    stages = query(warehouse, f"SELECT stage, status, count(*) FROM v_runs WHERE run_id = '{second.run_id}' "
                               "GROUP BY ALL ORDER BY 1")
    assert stages == [("extract", "skipped", 5), ("fetch", "ok", 5), ("load", "skipped", 5),
                      ("validate", "skipped", 5)]
    assert len(fake.requests) == 4  # two pages per run
