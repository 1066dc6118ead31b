"""Cross-report checks: each incoming figure against the same series' neighbours in the published warehouse.

A series is what v_series says it is (warehouse/series.sql): the same statement runs here in an in-memory
DuckDB over the published warehouse's v_facts (read-only, the file analysts read, corrections applied)
plus one incoming report, whose figures replace the published version of the same report. Each incoming
series point is compared with the nearest earlier and the nearest later period of its series, so a
back-filled older month is checked against the months around it, whatever the load order. Reports of
the same validation batch are not compared with each other: only published figures are the reference.

The ratios feed two Great Expectations checks (expectations/suites.py: series_jump, series_change):
`jump_all` is the smallest ratio against the neighbours (a jump is out of line with every neighbour),
`jump_any` the largest (a change worth a look). A ratio is max(v/n, n/v) of two positive values. Prose
points get no `jump_all`: a sentence lined up by metric and dimensions is less surely the same figure as
last month's than a table cell or a key figure, so prose is only warned about (series_change), never held.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import duckdb
import pandas as pd

from sitrep.config import env_float

from . import relations as R

log = logging.getLogger(__name__)

JUMP_RATIO_ENV, WARN_RATIO_ENV = "SITREP_SERIES_JUMP_RATIO", "SITREP_SERIES_WARN_RATIO"
DEFAULT_JUMP_RATIO, DEFAULT_WARN_RATIO = 10.0, 3.0
FACT_COLUMNS = ("fact_id", "source_file", "report_family", "report_period", "kind", "metric", "value", "unit",
                "qualifier", "sector", "location", "indicator", "measure", "population", "period", "page",
                "evidence")
COLUMNS = ("row", "series", "value", "previous_value", "previous_period", "previous_source_file", "next_value",
           "next_period", "next_source_file", "jump_all", "jump_any", "reason")


def ratios() -> tuple[float, float]:
    """(fail ratio, warn ratio): SITREP_SERIES_JUMP_RATIO (default 10) and SITREP_SERIES_WARN_RATIO
    (default 3; never above the fail ratio)."""
    jump = env_float(os.environ, JUMP_RATIO_ENV, minimum=1.0) or DEFAULT_JUMP_RATIO
    warn = env_float(os.environ, WARN_RATIO_ENV, minimum=1.0) or DEFAULT_WARN_RATIO
    return jump, min(warn, jump)


def empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(COLUMNS))


def published_facts(warehouse: Path | None, families: set[str],
                    con: duckdb.DuckDBPyConnection | None = None) -> pd.DataFrame | None:
    """The published warehouse's current figures of these families (v_facts, attached read-only to `con`, an
    in-memory connection); None when there is no published warehouse yet."""
    if warehouse is None or not Path(warehouse).exists() or not families:
        return None
    own = con is None
    con = duckdb.connect() if own else con
    try:
        path = str(warehouse).replace("'", "''")
        con.execute(f"ATTACH '{path}' AS published_warehouse (READ_ONLY)")
        try:
            marks = ", ".join("?" for _ in families)
            return con.execute(f"SELECT {', '.join(FACT_COLUMNS)} FROM published_warehouse.v_facts "
                               f"WHERE report_family IN ({marks})", sorted(families)).df()
        finally:
            con.execute("DETACH published_warehouse")
    finally:
        if own:
            con.close()


def _incoming(source_file: str, family: str, report_period: str, figures: pd.DataFrame) -> pd.DataFrame:
    """A report's figures in v_facts' shape; fact_id row:N keeps each one's position."""
    incoming = figures.reset_index(drop=True).reindex(columns=list(FACT_COLUMNS)).copy()
    incoming["fact_id"] = [f"row:{i}" for i in range(len(incoming))]
    incoming["source_file"], incoming["report_family"] = source_file, family
    incoming["report_period"] = report_period
    incoming["value"] = pd.to_numeric(incoming["value"], errors="coerce").astype(float)
    incoming["page"] = pd.to_numeric(incoming["page"], errors="coerce").astype(float)
    for column in FACT_COLUMNS:
        if column not in ("value", "page"):
            incoming[column] = incoming[column].astype(object).where(incoming[column].notna(), None)
    return incoming


def _line_up(con: duckdb.DuckDBPyConnection, published: pd.DataFrame) -> None:
    """v_facts (published figures, minus the incoming report's own published version, plus the incoming
    report) and v_series over it, in an in-memory connection; each report then registers incoming_facts."""
    from warehouse.db import sql_text

    cols = ", ".join(FACT_COLUMNS)
    con.register("published_facts", published.reindex(columns=list(FACT_COLUMNS)))
    con.register("incoming_facts", _incoming("", "", "", pd.DataFrame(columns=list(FACT_COLUMNS))))
    con.execute(f"""CREATE VIEW v_facts AS
        SELECT {cols}, false AS corrected FROM published_facts
        WHERE source_file NOT IN (SELECT source_file FROM incoming_facts)
        UNION ALL SELECT {cols}, false AS corrected FROM incoming_facts""")
    con.execute(sql_text("series.sql"))


def _report_points(con: duckdb.DuckDBPyConnection, source_file: str, family: str, report_period: str | None,
                   figures: pd.DataFrame) -> pd.DataFrame:
    if not report_period or figures is None or figures.empty:
        return empty()
    con.register("incoming_facts", _incoming(source_file, family, report_period, figures))
    points = con.execute("""SELECT series_id, kind, metric, sector, location, population, indicator, unit,
                                   period, value, source_file, fact_id FROM v_series""").df()
    return _compare(points)


def neighbours(published: pd.DataFrame | None, source_file: str, family: str, report_period: str | None,
               figures: pd.DataFrame) -> pd.DataFrame:
    """One row per figure of this report that is a point of a series with published neighbours (`row` is
    the figure's position in `figures`), with its neighbours, ratios and a reason sentence."""
    if published is None or published.empty:
        return empty()
    con = duckdb.connect()
    try:
        _line_up(con, published)
        return _report_points(con, source_file, family, report_period, figures)
    finally:
        con.close()


def _label(p: dict) -> str:
    dims = [f"{k} {p[k]}" for k in ("sector", "location", "population", "indicator") if isinstance(p[k], str)]
    return f"{p['kind']} {p['metric']}" + (f" ({', '.join(dims)})" if dims else "") + f" [{p['unit']}]"


def _ratio(a: float, b: float) -> float | None:
    if a is None or b is None or pd.isna(a) or pd.isna(b) or a <= 0 or b <= 0:
        return None
    return max(a / b, b / a)


def _compare(points: pd.DataFrame) -> pd.DataFrame:
    """Each incoming point (fact_id row:N) against the nearest earlier and later published periods of its
    series (plain Python over the few points of the incoming report's series)."""
    records = points.to_dict("records")
    mine = [p for p in records if p["fact_id"].startswith("row:")]
    wanted = {p["series_id"] for p in mine}
    by_series: dict[str, list[dict]] = {}
    for p in records:
        if p["series_id"] in wanted and not p["fact_id"].startswith("row:"):
            by_series.setdefault(p["series_id"], []).append(p)
    rows = []
    for p in mine:
        series = sorted(by_series.get(p["series_id"], []), key=lambda n: (n["period"], n["source_file"]))
        before = [n for n in series if n["period"] < p["period"]]
        after = [n for n in series if n["period"] > p["period"]]
        prev, nxt = (before[-1] if before else None), (after[0] if after else None)
        found = [(word, n, _ratio(p["value"], n["value"])) for word, n in (("previous", prev), ("next", nxt))
                 if n is not None]
        found = [(word, n, r) for word, n, r in found if r is not None]
        if not found:
            continue
        ratios_ = [r for _, _, r in found]
        parts = [(f"{R.fmt(round(r, 1))}×" if p["value"] >= n["value"] else f"1/{R.fmt(round(r, 1))} of")
                 + f" the series' {word} value {R.fmt(n['value'])} ({n['period']}, {n['source_file']})"
                 for word, n, r in found]
        reason = (f"{_label(p)} {R.fmt(p['value'])} ({p['period']}, {p['source_file']}) is "
                  + " and ".join(parts))
        rows.append({
            "row": int(p["fact_id"].split(":")[1]), "series": p["series_id"], "value": p["value"],
            "previous_value": None if prev is None else prev["value"],
            "previous_period": None if prev is None else prev["period"],
            "previous_source_file": None if prev is None else prev["source_file"],
            "next_value": None if nxt is None else nxt["value"],
            "next_period": None if nxt is None else nxt["period"],
            "next_source_file": None if nxt is None else nxt["source_file"],
            "jump_all": None if p["kind"] == "prose" else round(min(ratios_), 6),
            "jump_any": round(max(ratios_), 6), "reason": reason})
    return pd.DataFrame(rows, columns=list(COLUMNS)).sort_values("row", ignore_index=True)


def batch_neighbours(warehouse: Path | None,
                     reports: list[tuple[str, str, str | None, pd.DataFrame]]) -> list[pd.DataFrame | str]:
    """neighbours() for each (source_file, family, report_period, figures) of a batch, from one read of the
    published warehouse and one in-memory connection. Where that cannot be done, the entry is the reason (a
    str): the series checks then say so and hold nothing back."""
    con = duckdb.connect()
    try:
        try:
            published = published_facts(warehouse, {str(f) for _, f, _, _ in reports if f}, con)
        except duckdb.Error as exc:
            log.warning("series checks: the published warehouse %s could not be read: %s", warehouse, exc)
            return [f"the published warehouse could not be read: {exc}"] * len(reports)
        if published is None or published.empty:
            return [empty() for _ in reports]
        _line_up(con, published)
        out: list[pd.DataFrame | str] = []
        for source_file, family, period, figures in reports:
            try:
                out.append(_report_points(con, source_file, family, period, figures))
            except Exception as exc:  # a frame the series query cannot read: say so, do not fail validation
                log.warning("series checks of %s could not run: %s", source_file, exc)
                out.append(f"could not be evaluated: {type(exc).__name__}: {exc}")
        return out
    finally:
        con.close()
