"""ReliefWeb API v2 as a source: search /v2/reports and list the report files attached.

The API wants an `appname` on every call; results are paged (`limit`, `offset`, `totalCount`,
`links.next`). Only the listing happens here; each file is then fetched like any URL, and the
raw store's content hashes make a file seen before cost no stage work.
"""

from __future__ import annotations

import json

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from sitrep.errors import ConfigError, FetchError, TransientFetchError

from .names import name_from_url, safe_name

DEFAULT_API = "https://api.reliefweb.int/v2"
PAGE = 100


def build_query(spec: dict, offset: int, limit: int) -> dict:
    """The POST body for one page of /v2/reports."""
    conditions = []
    if spec.get("country"):
        conditions.append({"field": "country.name", "value": spec["country"]})
    orgs = spec.get("organizations") or spec.get("sources")
    if orgs:
        conditions.append({"field": "source.shortname", "value": list(orgs), "operator": "OR"})
    body: dict = {
        "offset": offset,
        "limit": limit,
        "fields": {"include": ["title", "date.created", "file.url", "file.filename", "file.mimetype"]},
        "sort": ["date.created:desc"],
    }
    if spec.get("query"):
        body["query"] = {"value": spec["query"], "operator": "AND"}
    if conditions:
        body["filter"] = {"operator": "AND", "conditions": conditions}
    return body


@retry(retry=retry_if_exception_type(TransientFetchError), stop=stop_after_attempt(4),
       wait=wait_exponential(multiplier=1, max=20), reraise=True)
def _post(client: httpx.Client, url: str, body: dict) -> dict:
    try:
        response = client.post(url, json=body)
    except (httpx.TimeoutException, httpx.NetworkError) as exc:
        raise TransientFetchError(f"ReliefWeb API: {type(exc).__name__}: {exc}", report="reliefweb") from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientFetchError(f"ReliefWeb API: HTTP {response.status_code}", report="reliefweb")
    if response.status_code >= 400:
        raise FetchError(f"ReliefWeb API: HTTP {response.status_code}: {response.text[:200]}", report="reliefweb")
    try:
        return response.json()
    except json.JSONDecodeError as exc:
        raise FetchError("ReliefWeb API: the answer is not JSON", report="reliefweb") from exc


def list_reports(spec: dict, *, timeout: float = 30.0) -> list[tuple[str, str]]:
    """(file URL, report ID) for every file of every report the search finds, newest first."""
    if not isinstance(spec, dict) or not spec.get("appname"):
        raise ConfigError("a reliefweb source needs an 'appname' (the API requires one)")
    api = str(spec.get("api", DEFAULT_API)).rstrip("/")
    limit = int(spec.get("limit", 50))
    url = f"{api}/reports"
    files: list[tuple[str, str]] = []
    seen: set[str] = set()
    offset = 0
    with httpx.Client(timeout=timeout, follow_redirects=True, params={"appname": spec["appname"]}) as client:
        while offset < limit:
            page = _post(client, url, build_query(spec, offset, min(PAGE, limit - offset)))
            data = page.get("data") or []
            for report in data:
                for item in (report.get("fields") or {}).get("file") or []:
                    file_url = item.get("url")
                    if not file_url or file_url in seen:
                        continue
                    seen.add(file_url)
                    name = safe_name(item["filename"]) if item.get("filename") else name_from_url(file_url)
                    files.append((file_url, name))
            offset += len(data)
            total = int(page.get("totalCount", 0))
            if not data or offset >= total or not (page.get("links") or {}).get("next"):
                break
    return files
