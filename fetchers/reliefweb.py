"""ReliefWeb API v2 as a source: search /v2/reports and list the report files attached.

Every call is `POST {api}/reports?appname=APPNAME` with a JSON body (query, filter, fields, limit,
offset, sort). Since 1 November 2025 the API only answers a pre-approved appname (request one at
https://apidoc.reliefweb.int/parameters#appname); others get HTTP 403. Results come in pages:
`totalCount`, `count`, `data[].fields`, and `links.next` while there are more. The API allows
1,000 calls a day per appname (and at most 1,000 reports a call): past that it answers HTTP 429. A 429
is retried with backoff (waiting what its Retry-After says, when that is under a minute); one that asks
for a longer wait (the day's quota is spent) fails the listing at once with a line that says so. A
listing costs one call per `page_size` reports, so a monthly run of a few sources uses a handful. Only the listing
happens here; each file is then fetched like any URL, and the raw store's content hashes make a
file seen before cost no stage work.

Catalog entry (see fetchers/catalog.py):

```yaml
- reliefweb:
    appname: myorg-sitrep-x7k2      # or set RELIEFWEB_APPNAME
    query: "situation report"       # optional free text
    country: Peru                   # country name(s)
    organizations: [UNHCR, IOM, R4V]  # publishing organisations' short names
    formats: [Situation Report]     # optional ReliefWeb content formats
    since: 2024-01-01               # optional: reports created on or after this date
    limit: 50                       # at most this many reports (newest first)
```
"""

from __future__ import annotations

import datetime as dt
import email.utils
import os

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from sitrep.errors import ConfigError, FetchError, TransientFetchError

from .http import USER_AGENT
from .names import name_from_url, safe_name

DEFAULT_API = "https://api.reliefweb.int/v2"
APPNAME_ENV = "RELIEFWEB_APPNAME"
MAX_PAGE = 1000  # the API's own cap on `limit`
DEFAULT_PAGE = 100
DEFAULT_LIMIT = 50
REPORT_SUFFIXES = (".pdf", ".html", ".htm")
REPORT_MIMETYPES = ("application/pdf", "text/html")
FIELDS = ["title", "date.created", "url", "file.url", "file.filename", "file.mimetype"]
DAILY_QUOTA = 1000  # calls a day per appname ("Quotas" in https://apidoc.reliefweb.int)
MAX_RETRY_AFTER = 60.0  # seconds: a 429 asking for a longer wait means the day's quota is spent


class RateLimited(TransientFetchError):
    """HTTP 429: too many calls; `retry_after` is the wait the API asked for (seconds), if it said."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message, report="reliefweb")
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _wait(backoff: float):
    """Exponential backoff, or the Retry-After of a 429 when it gave one."""
    exponential = wait_exponential(multiplier=backoff, max=20)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return exc.retry_after
        return exponential(state)

    return wait


def _names(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str | int | float):
        return [str(value)]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v).strip()]
    raise ConfigError(f"reliefweb: expected a name or a list of names, got {value!r}")


def _condition(field: str, values: list[str]) -> dict:
    if len(values) == 1:
        return {"field": field, "value": values[0]}
    return {"field": field, "value": values, "operator": "OR"}  # any of them, said explicitly


def _day(value, key: str) -> str:
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"reliefweb: {key} must be a date like 2024-01-31 (got {value!r})") from None
    return f"{day.isoformat()}T00:00:00+00:00"


def build_query(spec: dict, offset: int, limit: int) -> dict:
    """The POST body for one page of /v2/reports."""
    conditions = []
    countries = _names(spec.get("country") or spec.get("countries"))
    if countries:
        conditions.append(_condition("country.name", countries))
    orgs = _names(spec.get("organizations") or spec.get("sources"))
    if orgs:
        conditions.append(_condition("source.shortname", orgs))
    formats = _names(spec.get("formats") or spec.get("format"))
    if formats:
        conditions.append(_condition("format.name", formats))
    if spec.get("since") or spec.get("until"):
        span = {}
        if spec.get("since"):
            span["from"] = _day(spec["since"], "since")
        if spec.get("until"):
            span["to"] = _day(spec["until"], "until")
        conditions.append({"field": "date.created", "value": span})
    body: dict = {
        "offset": offset,
        "limit": limit,
        "fields": {"include": list(FIELDS)},
        "sort": ["date.created:desc"],  # newest first
    }
    if spec.get("query"):
        body["query"] = {"value": str(spec["query"]), "operator": "AND"}
    if conditions:
        body["filter"] = {"operator": "AND", "conditions": conditions}
    return body


def _post_once(client: httpx.Client, url: str, body: dict) -> dict:
    try:
        response = client.post(url, json=body)
    except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        raise TransientFetchError(f"ReliefWeb API: {type(exc).__name__}: {exc}", report="reliefweb") from exc
    if response.status_code == 429:
        after = _retry_after(response.headers.get("Retry-After"))
        quota = (f"over the API's rate limit ({DAILY_QUOTA:,} calls a day per appname)"
                 + (f", retry after {after:,.0f} s" if after is not None else ""))
        if after is not None and after > MAX_RETRY_AFTER:
            raise FetchError(f"ReliefWeb API: HTTP 429: {quota}; the day's quota is spent", report="reliefweb")
        raise RateLimited(f"ReliefWeb API: HTTP 429: {quota}", after)
    if response.status_code >= 500:
        raise TransientFetchError(f"ReliefWeb API: HTTP {response.status_code}", report="reliefweb")
    if response.status_code in (401, 403):
        raise ConfigError(f"ReliefWeb API refused the appname (HTTP {response.status_code}): since November 2025 "
                          "it must be pre-approved, see https://apidoc.reliefweb.int/parameters#appname")
    if response.status_code >= 400:
        raise FetchError(f"ReliefWeb API: HTTP {response.status_code}: {response.text[:200]}", report="reliefweb")
    try:
        page = response.json()
    except ValueError as exc:
        raise FetchError("ReliefWeb API: the answer is not JSON", report="reliefweb") from exc
    if not isinstance(page, dict):
        raise FetchError("ReliefWeb API: the answer is not a JSON object", report="reliefweb")
    return page


def _is_report_file(item: dict) -> bool:
    name = str(item.get("filename") or item.get("url") or "").lower().split("?")[0]
    mimetype = str(item.get("mimetype") or "").lower()
    return name.endswith(REPORT_SUFFIXES) or mimetype.startswith(REPORT_MIMETYPES)


def list_reports(spec: dict, *, timeout: float = 30.0, attempts: int = 4,
                 backoff: float = 1.0) -> list[tuple[str, str]]:
    """(file URL, report ID) for every PDF or HTML file of every report the search finds, newest
    first, up to `limit` reports. Files of other types (spreadsheets, images) are left out."""
    if not isinstance(spec, dict):
        raise ConfigError("a reliefweb source must be a mapping of settings (appname, country, ...)")
    appname = str(spec.get("appname") or os.environ.get(APPNAME_ENV) or "").strip()
    if not appname:
        raise ConfigError(f"a reliefweb source needs an 'appname' (the API requires one; or set {APPNAME_ENV})")
    api = str(spec.get("api") or DEFAULT_API).rstrip("/")
    try:
        limit = int(spec.get("limit", DEFAULT_LIMIT))
        page_size = min(MAX_PAGE, int(spec.get("page_size", DEFAULT_PAGE)))
    except (TypeError, ValueError):
        raise ConfigError("reliefweb: limit and page_size must be whole numbers") from None
    if limit < 1 or page_size < 1:
        raise ConfigError("reliefweb: limit and page_size must be at least 1")
    url = f"{api}/reports"
    retrying = Retrying(retry=retry_if_exception_type(TransientFetchError), stop=stop_after_attempt(attempts),
                        wait=_wait(backoff), reraise=True)
    files: list[tuple[str, str]] = []
    seen: set[str] = set()
    offset = 0
    with httpx.Client(timeout=timeout, follow_redirects=True, params={"appname": appname},
                      headers={"User-Agent": USER_AGENT, "Accept": "application/json"}) as client:
        while offset < limit:
            body = build_query(spec, offset, min(page_size, limit - offset))
            page = retrying(_post_once, client, url, body)
            data = page.get("data") or []
            for report in data:
                for item in (report.get("fields") or {}).get("file") or []:
                    file_url = item.get("url")
                    if not file_url or file_url in seen or not _is_report_file(item):
                        continue
                    seen.add(file_url)
                    name = safe_name(item["filename"]) if item.get("filename") else name_from_url(file_url)
                    files.append((file_url, name))
            offset += len(data)
            try:
                total = int(page.get("totalCount", 0))
            except (TypeError, ValueError):
                total = 0
            if not data or offset >= total or not (page.get("links") or {}).get("next"):
                break
    return files


__all__ = ["list_reports", "build_query", "DEFAULT_API", "APPNAME_ENV", "DAILY_QUOTA", "RateLimited"]
