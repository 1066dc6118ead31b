"""The ReliefWeb API v2 source against a local fake of the API on 127.0.0.1 that is as strict as the real one
(tests/reliefweb_api.py): it checks each request's shape (appname, JSON filter syntax, known field names,
limit <= 1000), answers 400 to a malformed one and 429 past a quota, applies the filter, sorts by relevance
unless asked otherwise, returns only the fields asked for, and serves the sample reports at the file URLs
it lists.
"""

from __future__ import annotations

import time

import httpx
import pytest

import fetchers
from fetchers.reliefweb import DAILY_QUOTA, build_query, list_reports
from sitrep.errors import ConfigError, FetchError

from .conftest import SAMPLES, assert_same_answers, query
from .reliefweb_api import MAX_LIMIT, BadRequest, FakeReliefWeb, check_body

SAMPLE_NAMES = sorted(p.name for p in SAMPLES.iterdir())
NEWEST_FIRST = ["r4v-peru-sitrep-2023-09.html", "unhcr-arr-peru-2023.pdf", "gtrm-peru-sitrep-2021-02.pdf",
                "gtrm-peru-sitrep-2019-10.pdf", "unhcr-global-focus-peru-2020.html"]  # no .xlsx, no Colombia


def _spec(base: str, **extra) -> dict:
    return {"api": f"{base}/v2", "appname": "sitrep-tests-q8x2", "country": "Peru",
            "organizations": ["UNHCR", "IOM", "R4V"], "page_size": 2, **extra}


@pytest.fixture
def api(http_server, monkeypatch):
    monkeypatch.delenv("RELIEFWEB_APPNAME", raising=False)
    base, routes = http_server
    return FakeReliefWeb(base, routes), base, routes


SPECS = [
    {"country": "Peru"},
    {"query": "situation report", "country": ["Peru", "Ecuador"], "organizations": ["UNHCR", "IOM"],
     "formats": ["Situation Report"], "since": "2024-01-01", "until": "2024-12-31"},
    {"countries": "Peru", "sources": "R4V", "format": "Situation Report", "since": "2019-01-01"},
]


@pytest.mark.parametrize("spec", SPECS)
def test_query_bodies_are_valid_api_requests(spec):
    """Every body the client builds passes the API's checks (known fields, operators, ranges, limit)."""
    for offset, limit in ((0, 1), (100, 50), (0, MAX_LIMIT)):
        body = build_query(spec, offset=offset, limit=limit)
        check_body(body)
        assert (body["offset"], body["limit"]) == (offset, limit)
        assert {"file.url", "file.filename"} <= set(body["fields"]["include"])
        assert body["sort"] == ["date.created:desc"]  # newest first, not by relevance


@pytest.mark.parametrize("body, says", [
    ({"filter": {"field": "countries.name", "value": "Peru"}}, "Unknown filter field"),
    ({"filter": {"field": "country.name", "value": ["Peru", "Chile"], "operator": "ANY"}}, "Invalid operator"),
    ({"filter": {"field": "country.name", "value": "Peru", "operator": "OR"}}, "only for an array"),
    ({"filter": {"operator": "AND", "conditions": {"field": "country.name", "value": "Peru"}}}, "non-empty array"),
    ({"filter": {"conditions": [{"field": "date.created", "value": {"since": "2024-01-01"}}]}}, "Invalid range"),
    ({"filter": {"field": "date.created", "value": {"from": "last year"}}}, "ISO 8601"),
    ({"filter": [{"field": "country.name", "value": "Peru"}]}, "must be an object"),
    ({"fields": {"include": ["file.link"]}}, "Unknown field"),
    ({"sort": ["date.created:newest"]}, "Invalid sort"),
    ({"sort": "date.created:desc"}, "Invalid sort"),
    ({"limit": 5000}, 'Invalid "limit"'),
    ({"offset": -1}, 'Invalid "offset"'),
    ({"query": {"value": "peru", "operator": "NEAR"}}, "Invalid operator"),
    ({"filters": {"field": "country.name", "value": "Peru"}}, "Unknown parameter"),
])
def test_the_fake_refuses_malformed_requests(body, says):
    with pytest.raises(BadRequest, match=says):
        check_body(body)


def test_a_malformed_filter_fails_the_listing(api):
    """A body the API refuses is a 400, not a silent empty listing: the source fails with that line."""
    fake, base, _ = api
    with pytest.raises(FetchError, match="HTTP 400.*Unknown filter field"):
        _post_raw(base, {"filter": {"field": "countries", "value": "Peru"}})
    assert fake.statuses == [400]


def _post_raw(base: str, body: dict) -> None:
    """One call the way the client makes it, with a hand-made body (to show the 400 path)."""
    from fetchers.reliefweb import _post_once

    with httpx.Client(params={"appname": "sitrep-tests-q8x2"}) as client:
        _post_once(client, f"{base}/v2/reports", body)


def test_appname_filters_and_paging(api):
    fake, base, _ = api
    files = list_reports(_spec(base))
    # the filter leaves the Colombian report out, the sort puts the newest first (the index's own order
    # and relevance would not), the fields asked for include the files' URLs and names
    assert [name for _, name in files] == NEWEST_FIRST
    assert all(url.startswith(f"{base}/files/") for url, _ in files)
    assert fake.statuses == [200, 200]  # two pages of two reports, then one
    for request in fake.requests:
        assert request["method"] == "POST"
        assert request["query"]["appname"] == ["sitrep-tests-q8x2"]
        assert request["headers"]["Content-Type"] == "application/json"
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


def test_refused_appname_is_a_config_error(api):
    fake, base, routes = api
    with pytest.raises(ConfigError, match="pre-approved"):
        list_reports(_spec(base, appname="myorg-not-approved"), backoff=0.01)
    assert fake.statuses == [403]  # not retried


def test_429_waits_what_retry_after_says(http_server):
    base, routes = http_server
    fake = FakeReliefWeb(base, routes, fail_first=2, status=429, retry_after=0.3)
    started = time.monotonic()
    files = list_reports(_spec(base), backoff=0.01)
    assert [name for _, name in files] == NEWEST_FIRST
    assert fake.statuses == [429, 429, 200, 200]
    assert time.monotonic() - started >= 0.6  # twice the 0.3 s it asked for, not the 0.01 s backoff


def test_429_without_retry_after_backs_off_and_retries(http_server):
    base, routes = http_server
    fake = FakeReliefWeb(base, routes, fail_first=1, status=429)
    assert [name for _, name in list_reports(_spec(base), backoff=0.01)] == NEWEST_FIRST
    assert fake.statuses == [429, 200, 200]


def test_past_the_quota_the_listing_fails_with_a_line_that_says_so(http_server):
    base, routes = http_server
    fake = FakeReliefWeb(base, routes, quota=1)  # one call left today, the listing needs two
    with pytest.raises(FetchError, match=f"HTTP 429.*{DAILY_QUOTA:,} calls a day"):
        list_reports(_spec(base), backoff=0.01, attempts=3)
    assert fake.statuses == [200, 429, 429, 429]


def test_a_quota_reset_hours_away_is_not_waited_for(http_server):
    base, routes = http_server
    fake = FakeReliefWeb(base, routes, quota=0, retry_after=6 * 3600)
    with pytest.raises(FetchError, match="quota is spent"):
        list_reports(_spec(base), backoff=0.01)
    assert fake.statuses == [429]


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
def test_catalog_through_the_pipeline_then_unchanged(api, thread_run, tmp_path):
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
    assert_same_answers(warehouse, thread_run[1])  # the same facts as the samples read from the folder
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
