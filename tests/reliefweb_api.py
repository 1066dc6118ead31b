"""A fake ReliefWeb API v2 `/reports` endpoint, as strict as the real one (https://apidoc.reliefweb.int).

Every request is checked against the documented shape before it is answered:

- `POST /v2/reports?appname=NAME` with a JSON object body (GET query strings are not used by sitrep);
  no appname: 400; an appname that is not pre-approved (since 1 November 2025): 403;
- body keys: `offset`, `limit`, `query`, `filter`, `fields`, `sort`, `preset`, `profile` only;
- `limit` a whole number 0..1000, `offset` a whole number >= 0;
- `query`: `{"value": str, "fields": [known], "operator": "AND"|"OR"}`;
- `filter`: a condition `{"field": known, "value": str | number | [str, ...] | {"from", "to"}, "operator"
  (AND|OR, only with an array value), "negate": bool}` or a group `{"conditions": [filter, ...],
  "operator": AND|OR, "negate": bool}`; date ranges are ISO 8601;
- `fields`: `{"include": [known], "exclude": [known]}`; `sort`: `["known.field:asc|desc", ...]`.

A malformed request gets 400 with the API's error shape; past `quota` calls (the real API allows 1,000 a
day per appname) every call gets 429. A valid request is answered from REPORTS like the API would: the
filter applied, sorted by relevance to the query (stored order on ties) unless `sort` is given, paged by
`offset`/`limit` with `totalCount`, `count` and `links.next`, and only the included fields returned
(`title` when no fields are asked for).
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

from .conftest import SAMPLES

# report fields of the documented field table that sitrep may use (filter, sort, include)
KNOWN_FIELDS = {
    "id", "title", "status", "body", "url", "url_alias", "origin", "date", "date.created", "date.changed",
    "date.original", "country", "country.id", "country.name", "country.shortname", "country.iso3",
    "primary_country", "primary_country.name", "primary_country.iso3", "source", "source.id", "source.name",
    "source.shortname", "source.longname", "source.type.name", "format", "format.id", "format.name", "theme",
    "theme.name", "language", "language.name", "language.code", "disaster", "disaster.name", "disaster_type",
    "disaster_type.name", "file", "file.id", "file.url", "file.filename", "file.mimetype", "file.filesize",
    "file.description", "headline", "headline.title",
}
SORTABLE = {"id", "title", "date", "date.created", "date.changed", "date.original", "score"}
DATE_FIELDS = {"date", "date.created", "date.changed", "date.original"}
BODY_KEYS = {"offset", "limit", "query", "filter", "fields", "sort", "preset", "profile", "facets"}
MAX_LIMIT = 1000
DAILY_QUOTA = 1000

# ReliefWeb reports, in the index's own order (not by date): two from Peru, one from Colombia that the
# client's filter must leave out; one Peru report also carries a spreadsheet, which is not a report file
REPORTS = [
    {"id": "4100001", "title": "GTRM Peru situation report, October 2019", "date": "2019-11-15T00:00:00+00:00",
     "country": ["Peru"], "source": ["R4V", "IOM"], "format": "Situation Report",
     "files": ["gtrm-peru-sitrep-2019-10.pdf", "unhcr-global-focus-peru-2020.html"]},
    {"id": "4100003", "title": "Peru: R4V situation report, September 2023", "date": "2023-10-20T00:00:00+00:00",
     "country": ["Peru"], "source": ["R4V"], "format": "Situation Report",
     "files": ["r4v-peru-sitrep-2023-09.html", "unhcr-arr-peru-2023.pdf"]},
    {"id": "4100009", "title": "Colombia: flash update", "date": "2024-02-01T00:00:00+00:00",
     "country": ["Colombia"], "source": ["OCHA"], "format": "Situation Report",
     "files": ["colombia-flash-update.pdf"]},
    {"id": "4100002", "title": "GTRM Peru situation report, February 2021", "date": "2021-03-10T00:00:00+00:00",
     "country": ["Peru", "Ecuador"], "source": ["UNHCR"], "format": "Situation Report",
     "files": ["gtrm-peru-sitrep-2021-02.pdf", "annex-figures.xlsx"]},
]
APPROVED = {"sitrep-tests-q8x2", "from-env-x1"}


class BadRequest(ValueError):
    """What the API's 400 answer says."""


def _fields(names, where: str) -> None:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise BadRequest(f"Invalid {where}: must be an array of field names")
    unknown = [n for n in names if n not in KNOWN_FIELDS]
    if unknown:
        raise BadRequest(f"Unknown field(s) {unknown} in {where}")


def _iso(value, field: str) -> None:
    try:
        dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise BadRequest(f"Invalid range value for field '{field}'. It must be an ISO 8601 date.") from None


def _operator(node: dict, where: str) -> None:
    if "operator" in node and node["operator"] not in ("AND", "OR"):
        raise BadRequest(f"Invalid operator {node['operator']!r} in {where}: AND or OR")
    if "negate" in node and not isinstance(node["negate"], bool):
        raise BadRequest(f"Invalid negate in {where}: true or false")


def check_filter(node, depth: int = 0) -> None:
    if not isinstance(node, dict):
        raise BadRequest("Invalid filter: must be an object")
    if depth > 5:
        raise BadRequest("Invalid filter: nested too deep")
    _operator(node, "filter")
    if "conditions" in node:
        extra = set(node) - {"conditions", "operator", "negate"}
        if extra or "field" in node:
            raise BadRequest(f"Invalid filter group keys {sorted(extra)}")
        if not isinstance(node["conditions"], list) or not node["conditions"]:
            raise BadRequest("Invalid filter: conditions must be a non-empty array")
        for child in node["conditions"]:
            check_filter(child, depth + 1)
        return
    extra = set(node) - {"field", "value", "operator", "negate"}
    if extra:
        raise BadRequest(f"Invalid filter condition keys {sorted(extra)}")
    field = node.get("field")
    if field not in KNOWN_FIELDS:
        raise BadRequest(f"Unknown filter field {field!r}")
    if "value" not in node:
        return  # field exists
    value = node["value"]
    if isinstance(value, dict):
        if not value or set(value) - {"from", "to"}:
            raise BadRequest(f"Invalid range for field '{field}': from and/or to")
        if field in DATE_FIELDS:
            for bound in value.values():
                _iso(bound, field)
    elif isinstance(value, list):
        if not value or not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
            raise BadRequest(f"Invalid value array for field '{field}'")
    elif not isinstance(value, str | int | float) or isinstance(value, bool):
        raise BadRequest(f"Invalid value for field '{field}'")
    elif "operator" in node:
        raise BadRequest(f"operator is only for an array of values (field '{field}')")


def check_body(body) -> None:
    """Raise BadRequest unless `body` is a request body the real API accepts."""
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    extra = set(body) - BODY_KEYS
    if extra:
        raise BadRequest(f"Unknown parameter(s) {sorted(extra)}")
    for key, low, high in (("limit", 0, MAX_LIMIT), ("offset", 0, None)):
        if key in body:
            value = body[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < low or (high and value > high):
                raise BadRequest(f'Invalid "{key}" specified. Valid values are between {low} and {high or "∞"}')
    if "query" in body:
        query = body["query"]
        if not isinstance(query, dict) or not isinstance(query.get("value"), str) or not query["value"]:
            raise BadRequest("Invalid query: value (a string) is required")
        if set(query) - {"value", "fields", "operator"}:
            raise BadRequest("Invalid query keys")
        _operator(query, "query")
        if "fields" in query:
            _fields(query["fields"], "query.fields")
    if "filter" in body:
        check_filter(body["filter"])
    if "fields" in body:
        fields = body["fields"]
        if not isinstance(fields, dict) or not fields or set(fields) - {"include", "exclude"}:
            raise BadRequest("Invalid fields: include and/or exclude")
        for key, names in fields.items():
            _fields(names, f"fields.{key}")
    if "sort" in body:
        sort = body["sort"]
        if not isinstance(sort, list) or not all(isinstance(s, str) for s in sort):
            raise BadRequest("Invalid sort: an array of 'field:asc|desc'")
        for item in sort:
            field, _, direction = item.partition(":")
            if field not in SORTABLE or direction not in ("asc", "desc"):
                raise BadRequest(f"Invalid sort {item!r}")


def _values(report: dict, field: str) -> list:
    root = field.split(".")[0]
    return {"country": report["country"], "primary_country": report["country"][:1], "source": report["source"],
            "format": [report["format"]], "date": [report["date"]], "title": [report["title"]],
            "id": [report["id"]], "file": report["files"]}.get(root, [])


def _matches(report: dict, node: dict) -> bool:
    if "conditions" in node:
        results = [_matches(report, child) for child in node["conditions"]]
        hit = any(results) if node.get("operator", "AND") == "OR" else all(results)
    else:
        have = _values(report, node["field"])
        value = node.get("value")
        if value is None:
            hit = bool(have)
        elif isinstance(value, dict):
            day = dt.datetime.fromisoformat(have[0]) if have else None
            hit = day is not None and all(
                (day >= dt.datetime.fromisoformat(v)) if k == "from" else (day <= dt.datetime.fromisoformat(v))
                for k, v in value.items())
        elif isinstance(value, list):
            found = [v in have for v in value]
            hit = all(found) if node.get("operator") == "AND" else any(found)
        else:
            hit = value in have
    return hit != bool(node.get("negate", False))


def _score(report: dict, query: dict | None) -> int:
    if not query:
        return 1
    words = query["value"].lower().split()
    found = [w in report["title"].lower() for w in words]
    if query.get("operator", "OR") == "AND" and not all(found):
        return 0
    return sum(found)


def _mimetype(name: str) -> str:
    if name.endswith(".pdf"):
        return "application/pdf"
    if name.endswith(".html"):
        return "text/html"
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FakeReliefWeb:
    """Routes for the fake API and its files on the tests' HTTP server; records every API request and the
    status it was answered with. `fail_first` calls get `status` (a transient 500, a refused appname),
    calls past `quota` get 429 (with `retry_after` seconds in Retry-After when given)."""

    def __init__(self, base: str, routes, fail_first: int = 0, status: int = 500, quota: int = DAILY_QUOTA,
                 retry_after: float | None = None) -> None:
        self.base, self.requests, self.fail_first, self.status = base, [], fail_first, status
        self.quota, self.retry_after, self.calls = quota, retry_after, 0
        routes.add("/v2/reports", self.reports)
        for report in REPORTS:
            for name in report["files"]:
                path = SAMPLES / name
                routes.add(f"/files/{report['id']}/{name}", path.read_bytes() if path.exists() else b"PK\x03\x04")

    @property
    def statuses(self) -> list[int]:
        return [r["status"] for r in self.requests]

    def reports(self, handler, hit: int) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        query = parse_qs(urlsplit(handler.path).query)
        record = {"method": handler.command, "query": query, "headers": dict(handler.headers), "body": None}
        self.requests.append(record)
        self.calls += 1

        def answer(status: int, payload: dict, headers: dict | None = None) -> None:
            record["status"] = status
            self._send(handler, status, payload, headers)

        def error(status: int, message: str, headers: dict | None = None) -> None:
            answer(status, {"status": status, "error": {"type": "Error", "message": message}}, headers)

        if handler.command != "POST":
            return error(405, "sitrep's client POSTs its searches")
        appname = (query.get("appname") or [""])[0]
        if not appname:
            return error(400, "Missing appname parameter")
        if appname not in APPROVED:
            return error(403, f"appname {appname!r} is not approved")
        headers = {"Retry-After": f"{self.retry_after:g}"} if self.retry_after is not None else None
        if self.calls > self.quota:
            return error(429, f"quota of {self.quota} calls a day exceeded", headers)
        if hit <= self.fail_first:
            return error(self.status, "failure on purpose", headers if self.status == 429 else None)
        if "application/json" not in (handler.headers.get("Content-Type") or ""):
            return error(400, "POST bodies must be JSON (Content-Type: application/json)")
        try:
            body = json.loads(raw or b"{}")
            record["body"] = body
            check_body(body)
        except (ValueError, BadRequest) as exc:
            return error(400, str(exc))
        self._answer(body, answer)

    def _answer(self, body: dict, answer) -> None:
        query = body.get("query")
        chosen = [r for r in REPORTS if "filter" not in body or _matches(r, body["filter"])]
        scored = [(r, _score(r, query)) for r in chosen]
        scored = [(r, s) for r, s in scored if s > 0]
        if body.get("sort"):
            for item in reversed(body["sort"]):
                field, _, direction = item.partition(":")
                key = "date" if field in DATE_FIELDS else field
                scored.sort(key=lambda rs, k=key: rs[1] if k == "score" else rs[0][k], reverse=direction == "desc")
        else:  # relevance, the stored order on ties
            scored.sort(key=lambda rs: -rs[1])
        offset, limit = body.get("offset", 0), body.get("limit", 10)
        page = scored[offset:offset + limit]
        include = set((body.get("fields") or {}).get("include") or ["title"])
        data = [{"id": r["id"], "score": s, "href": f"{self.base}/v2/reports/{r['id']}",
                 "fields": self._fields(r, include)} for r, s in page]
        links = {"self": {"href": f"{self.base}/v2/reports?offset={offset}"}}
        if offset + len(page) < len(scored):
            links["next"] = {"href": f"{self.base}/v2/reports?offset={offset + len(page)}&limit={limit}"}
        answer(200, {"time": 3, "href": f"{self.base}/v2/reports", "links": links, "took": 3,
                     "totalCount": len(scored), "count": len(data), "data": data})

    def _fields(self, report: dict, include: set[str]) -> dict:
        out: dict = {}
        if include & {"title"}:
            out["title"] = report["title"]
        if include & {"date", "date.created"}:
            out["date"] = {"created": report["date"]}
        if include & {"url"}:
            out["url"] = f"https://reliefweb.int/node/{report['id']}"
        wanted = {f.split(".", 1)[1] for f in include if f.startswith("file.")} | (
            {"id", "url", "filename", "mimetype"} if "file" in include else set())
        if wanted:
            files = [{"id": str(i), "filename": name, "url": f"{self.base}/files/{report['id']}/{name}",
                      "mimetype": _mimetype(name)} for i, name in enumerate(report["files"])]
            out["file"] = [{k: v for k, v in f.items() if k in wanted} for f in files]
        return out

    @staticmethod
    def _send(handler, status: int, payload: dict, headers: dict | None = None) -> None:
        raw = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(raw)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(raw)
