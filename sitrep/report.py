"""`sitrep report`: a static HTML report of the warehouse that opens without a server or network.

Charts are Vega-Lite specs built with Altair and drawn by vega-embed, whose JavaScript bundle (from
the `vl-convert-python` package) is inlined once in the page, so the file works offline. Every chart
mark is one figure: its tooltip shows the report, page and verbatim evidence, and clicking it jumps
to the figure's row in the evidence table. All text from reports is untrusted: the page is rendered
with Jinja2 autoescaping, chart specs are embedded as JSON with <, > and & escaped, and vega-tooltip
escapes tooltip text.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import jinja2
import pandas as pd

from sitrep.config import Paths
from warehouse.db import open_read_only

TEMPLATE = "report.html.j2"
EVIDENCE_TOOLTIP = [
    alt.Tooltip("source_file:N", title="report"),
    alt.Tooltip("page:Q", title="page"),
    alt.Tooltip("evidence:N", title="evidence"),
]


@dataclass
class Chart:
    key: str
    title: str
    question: str
    spec: dict | None  # None when there is nothing to draw
    view: str


def _df(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain values, None for missing ones (for the template)."""
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _plain(value: Any) -> Any:
    if getattr(value, "ndim", 0):  # a LIST column arrives as a numpy array
        return [_plain(v) for v in value.tolist()]
    if _missing(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _missing(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _with_links(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds `href` (the figure's row in the evidence table) and a printable page."""
    frame = frame.copy()
    frame["href"] = "#fact-" + frame["fact_id"].astype(str)
    frame["page"] = frame["page"].astype("Int64")
    return frame


def _spec(chart: alt.TopLevelMixin) -> dict:
    with alt.data_transformers.disable_max_rows():
        return chart.to_dict()


# Ten strong hues, then ten light ones: the first twelve sectors never share a colour.
PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#b279a2", "#9e765f", "#439894", "#d67195", "#79706e",
           "#b79a20", "#9ecae9", "#ffbf79", "#88d27a", "#ff9d98", "#d6a5c9", "#d8b5a5", "#83bcb6", "#fcbfd2",
           "#bab0ac", "#f2cf5b"]
GRAINS = {"month": "monthly reports", "year": "annual reports"}


def sector_colours(sectors: list[str]) -> alt.Scale:
    """One colour per sector (sorted, so a sector keeps its colour from page to page); past the palette,
    colours repeat only beyond twenty sectors."""
    domain = sorted(set(sectors))
    return alt.Scale(domain=domain, range=[PALETTE[i % len(PALETTE)] for i in range(len(domain))])


def _people_reached_chart(con: duckdb.DuckDBPyConnection) -> tuple[Chart, pd.DataFrame]:
    # The figures behind each report's own sector total (stacked), and apart from them the largest prose figure
    # (a tick: a floor, never added). Monthly and annual reports on separate panels, each with its own axis.
    facts = _df(con, """
        SELECT p.report_date, p.report_period, p.period_grain, p.sector, f.value, f.qualifier, f.kind,
               'printed total' AS basis, f.source_file, f.page, f.evidence, f.fact_id
        FROM v_people_reached p, unnest(p.fact_ids) AS u(fact_id)
        JOIN v_facts f ON f.fact_id = u.fact_id AND f.source_file = p.source_file
        UNION ALL
        SELECT p.report_date, p.report_period, p.period_grain, p.sector, f.value, f.qualifier, 'prose' AS kind,
               'largest prose figure' AS basis, f.source_file, f.page, f.evidence, f.fact_id
        FROM v_people_reached p
        JOIN v_people_reached_prose f ON f.source_file = p.source_file AND f.sector = p.sector
                                      AND f.value = p.prose_people_max
        QUALIFY row_number() OVER (PARTITION BY p.source_file, p.sector ORDER BY f.fact_id) = 1
        ORDER BY report_date, sector, value DESC""")
    spec = None
    if len(facts):
        facts = _with_links(facts)
        facts["panel"] = facts["period_grain"].map(GRAINS)
        # one column per layer instead of filters: filtered forks of one source trouble faceted scales
        printed = facts["basis"] == "printed total"
        facts["printed"] = facts["value"].where(printed)
        facts["prose"] = facts["value"].where(~printed)
        colour = alt.Color("sector:N", title="sector", scale=sector_colours(list(facts["sector"])))
        tooltip = [alt.Tooltip("sector:N"), alt.Tooltip("basis:N", title="drawn as"),
                   alt.Tooltip("value:Q", title="people reached", format=","), alt.Tooltip("qualifier:N"),
                   alt.Tooltip("report_period:N", title="report period"), *EVIDENCE_TOOLTIP]
        panels = []
        for grain, label in GRAINS.items():  # one chart per grain (not a facet): each its own axes and data
            rows = facts[facts["period_grain"] == grain]
            if not len(rows):
                continue
            base = alt.Chart(rows).encode(
                x=alt.X("report_period:O", title="report period", sort="ascending"),
                xOffset=alt.XOffset("sector:N", sort="ascending"),
                color=colour, href="href:N", tooltip=tooltip)
            bars = base.mark_bar(stroke="white", strokeWidth=0.5, cursor="pointer").encode(
                y=alt.Y("sum(printed):Q", title="people reached"), order=alt.Order("value:Q", sort="descending"))
            ticks = base.mark_tick(thickness=3, cursor="pointer").encode(y=alt.Y("prose:Q"))
            panels.append(alt.layer(bars, ticks, title=alt.Title(label, anchor="start", fontSize=13)).properties(
                width=alt.Step(12), height=230))
        spec = _spec(alt.vconcat(*panels).resolve_scale(color="shared"))
    return Chart("people-reached", "People reached by sector",
                 "How many people did partners reach, by sector, report after report? Bars: the report's own "
                 "table, chart or card figures for the sector (each segment one printed figure). Ticks: the largest "
                 "figure written in prose, a floor that is never added to anything. Monthly and annual reports "
                 "on separate panels.", spec, "v_people_reached"), facts


def _funding_chart(con: duckdb.DuckDBPyConnection) -> tuple[Chart, pd.DataFrame]:
    # The report-wide (Total) money figures; when a report prints a total twice, the one v_funding shows.
    facts = _df(con, """
        WITH behind AS (
            SELECT v.year, v.source_file, f.measure, f.unit, f.value, f.fact_id
            FROM v_funding v, unnest(v.fact_ids) AS u(fact_id)
            JOIN v_facts f ON f.fact_id = u.fact_id AND f.source_file = v.source_file
            WHERE v.line = 'Total' AND f.unit NOT IN ('number', 'percent')
        ), chosen AS (
            SELECT year, source_file, measure, unit, arg_max(fact_id, value) AS fact_id FROM behind GROUP BY ALL
        )
        SELECT c.year, c.measure, f.value, f.unit, f.qualifier, f.source_file, f.page, f.evidence, f.fact_id
        FROM chosen c JOIN v_facts f ON f.fact_id = c.fact_id AND f.source_file = c.source_file
        ORDER BY c.year, f.source_file, c.measure""")
    spec = None
    if len(facts):
        facts = _with_links(facts)
        facts["group"] = facts["year"].astype(str) + " · " + facts["source_file"]
        measures = ["requirement", "funded", "budget", "funds_available", "expenditure"]
        spec = _spec(alt.Chart(facts).mark_bar(cursor="pointer").encode(
            y=alt.Y("group:N", title="year · report", axis=alt.Axis(labelLimit=360)),
            yOffset=alt.YOffset("measure:N", sort=measures),
            x=alt.X("value:Q", title="amount (report's currency)", axis=alt.Axis(format="~s")),
            color=alt.Color("measure:N", title="measure", sort=measures),
            href="href:N",
            tooltip=[alt.Tooltip("year:O"), alt.Tooltip("measure:N"), alt.Tooltip("value:Q", format=",.0f"),
                     alt.Tooltip("unit:N"), *EVIDENCE_TOOLTIP],
        ).properties(width=520, height=alt.Step(14)))
    return Chart("funding", "Funding by year and source", "How much was required, funded, budgeted, available "
                 "and spent, by year, as each report states it (report-wide totals)", spec, "v_funding"), facts


def _key_figures_chart(con: duckdb.DuckDBPyConnection) -> tuple[Chart, pd.DataFrame]:
    facts = _df(con, """
        WITH stated AS (
            SELECT *, coalesce(period, report_period) AS as_of FROM v_key_figures
            WHERE unit = 'number' AND value > 0 AND metric IS NOT NULL
        )
        SELECT make_date(TRY_CAST(substr(as_of, 1, 4) AS INTEGER),
                         coalesce(TRY_CAST(substr(as_of, 6, 2) AS INTEGER), 7),
                         CASE WHEN length(as_of) >= 7 THEN 15 ELSE 1 END) AS as_of_date,
               as_of, CASE WHEN length(as_of) >= 7 THEN 'month' ELSE 'year' END AS period_grain,
               report_date, report_period, metric, value, unit, qualifier,
               coalesce(qualifier, 'exact') AS exactness, qualifier_text, source_file, page, evidence, fact_id
        FROM stated
        ORDER BY as_of_date, metric""")
    spec = None
    if len(facts):
        facts = _with_links(facts)
        facts["as_of_date"] = pd.to_datetime(facts["as_of_date"]).dt.strftime("%Y-%m-%d")
        facts["report_date"] = pd.to_datetime(facts["report_date"]).dt.strftime("%Y-%m-%d")
        facts["panel"] = facts["period_grain"].map({"month": "figures for a month", "year": "figures for a year"})
        base = alt.Chart().encode(
            x=alt.X("as_of_date:T", title="period the figure states (else the report's period), at its middle",
                    axis=alt.Axis(tickCount="year", format="%Y")),
            y=alt.Y("value:Q", title="value (log scale)", scale=alt.Scale(type="log")),
            color=alt.Color("metric:N", title="metric"),
        )
        points = base.mark_point(filled=True, size=90, cursor="pointer").encode(
            shape=alt.Shape("exactness:N", title="qualifier"),
            href="href:N",
            tooltip=[alt.Tooltip("metric:N"), alt.Tooltip("qualifier_text:N", title="qualifier"),
                     alt.Tooltip("value:Q", format=","), alt.Tooltip("as_of:N", title="stated period"),
                     alt.Tooltip("report_period:N", title="report period"), *EVIDENCE_TOOLTIP])
        lines = base.mark_line(opacity=0.4)
        spec = _spec(alt.layer(lines, points, data=facts).properties(width=760, height=220).facet(
            row=alt.Row("panel:N", title=None, sort=["figures for a month", "figures for a year"]),
        ))
    return Chart("key-figures", "Key figures over time", "What did each report's headline figures say (e.g. "
                 "Venezuelans in Peru), and how exact were they? Each is drawn at the period it states (a 2019 "
                 "figure at 2019, whatever the report's date), else at its report's period; figures for a month and "
                 "for a year on separate panels. (Key figures whose metric is known; the table lists them all.)",
                 spec, "v_key_figures"), facts


def _indicators_chart(con: duckdb.DuckDBPyConnection) -> tuple[Chart, pd.DataFrame]:
    facts = _df(con, """
        SELECT i.year, i.indicator, i.indicator_text, i.indicator || ' (p. ' || coalesce(CAST(i.page AS TEXT), '-')
                   || ')' AS label, f.measure, f.value, f.unit, f.source_file, f.page, f.evidence, f.fact_id
        FROM v_indicators i, unnest(i.fact_ids) AS u(fact_id)
        JOIN v_facts f ON f.fact_id = u.fact_id AND f.source_file = i.source_file
        WHERE i.unit = 'percent'
        ORDER BY i.year, i.source_file, i.page, i.indicator""")
    spec = None
    if len(facts):
        facts = _with_links(facts)
        order = list(dict.fromkeys(facts["label"]))
        spec = _spec(alt.Chart(facts).mark_point(filled=True, size=80, cursor="pointer").encode(
            y=alt.Y("label:N", title="indicator (page)", sort=order),
            x=alt.X("value:Q", title="percent", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("measure:N", title="measure", sort=["baseline", "target", "actual"]),
            shape=alt.Shape("measure:N", title="measure", sort=["baseline", "target", "actual"],
                            legend=None),
            row=alt.Row("year:O", title="year"),
            href="href:N",
            tooltip=[alt.Tooltip("indicator:N"), alt.Tooltip("indicator_text:N", title="indicator text"),
                     alt.Tooltip("measure:N"), alt.Tooltip("value:Q", format=".2f"), *EVIDENCE_TOOLTIP],
        ).properties(width=600))
    return Chart("indicators", "Indicators: baseline, target, actual", "Where did each results indicator start, "
                 "where was it meant to get, and where did it get? (percent indicators)", spec, "v_indicators"), facts


def _has_series(con: duckdb.DuckDBPyConnection) -> bool:
    """False for a warehouse last written before v_series existed (its next run adds the view)."""
    return bool(con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'v_series'").fetchone()[0])


def _trends_chart(con: duckdb.DuckDBPyConnection) -> tuple[Chart, pd.DataFrame]:
    """People reached per sector, period after period, from v_series (same family and grain, current versions)."""
    if not _has_series(con):
        return Chart("trends", "Trends across reports", "Run sitrep once with this version to line up figures "
                     "across reports.", None, "v_series"), pd.DataFrame()
    facts = _df(con, """
        SELECT s.report_date, s.period AS report_period, s.period_grain, s.report_family, s.sector, s.value,
               s.previous_value, s.change, s.change_pct, s.qualifier, s.corrected, s.source_file, f.page,
               f.evidence, s.fact_id
        FROM v_series s JOIN v_facts f ON f.fact_id = s.fact_id AND f.source_file = s.source_file
        WHERE s.metric = 'people_reached' AND s.unit = 'number' AND s.sector IS NOT NULL AND s.location IS NULL
          AND s.population IS NULL AND s.indicator IS NULL
        ORDER BY s.sector, s.report_date""")
    spec = None
    if len(facts):
        facts = _with_links(facts)
        facts["report_date"] = pd.to_datetime(facts["report_date"]).dt.strftime("%Y-%m-%d")
        facts["series"] = facts["sector"] + " · " + facts["report_family"] + " (" + facts["period_grain"] + ")"
        base = alt.Chart(facts).encode(
            x=alt.X("report_date:T", title="report date"),
            y=alt.Y("value:Q", title="people reached"),
            color=alt.Color("series:N", title="sector · family (grain)", scale=sector_colours(list(facts["series"]))),
        )
        points = base.mark_point(filled=True, size=70, cursor="pointer").encode(
            href="href:N",
            tooltip=[alt.Tooltip("sector:N"), alt.Tooltip("report_period:N", title="period"),
                     alt.Tooltip("value:Q", title="people reached", format=","),
                     alt.Tooltip("previous_value:Q", title="previous", format=","),
                     alt.Tooltip("change_pct:Q", title="change %", format="+.2f"),
                     alt.Tooltip("corrected:N", title="corrected in review"), *EVIDENCE_TOOLTIP])
        spec = _spec((base.mark_line(opacity=0.5, point=False).encode(detail="series:N") + points)
                     .properties(width=700, height=320))
    return Chart("trends", "Trends across reports", "How did people reached in each sector change from one report "
                 "period to the next? (series of v_series: one report family, monthly and annual never mixed; the "
                 "table lists every series)", spec, "v_series"), facts


def _safe_json(value: Any) -> str:
    """JSON that can sit inside a <script> element whatever strings it holds."""
    text = json.dumps(value, default=str, allow_nan=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def _vega_bundle() -> str:
    """vega + vega-lite + vega-embed as one script, for offline use (from vl-convert-python)."""
    try:
        import vl_convert as vlc
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise RuntimeError("sitrep report needs the vl-convert-python package (pip install vl-convert-python)") \
            from exc
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    bundle = vlc.javascript_bundle(vl_version=f"v{major}_{minor}")
    return bundle.replace("</script", "<\\/script").replace("<!--", "<\\!--")


def _clean_spec(spec: dict) -> dict:
    """The spec without its $schema URL: nothing in the page points at the network."""
    spec = dict(spec)
    spec.pop("$schema", None)
    return spec


def write_report(warehouse: Path, output: Path) -> Path:
    """Render the warehouse's analyst views to one self-contained HTML file; returns its path."""
    con = open_read_only(Path(warehouse))
    try:
        charts, evidence = [], []
        for build in (_people_reached_chart, _trends_chart, _funding_chart, _key_figures_chart, _indicators_chart):
            chart, facts = build(con)
            charts.append(chart)
            if len(facts):
                evidence.append(facts[["fact_id", "source_file", "page", "evidence"]].assign(chart=chart.title))
        dq = _df(con, "SELECT * FROM v_dq_summary ORDER BY source_file")
        quarantine = _df(con, """
            SELECT source_file, report_period, page, kind, value, unit, expectation, reason, evidence, fact_id
            FROM v_quarantine ORDER BY source_file, page NULLS LAST, fact_id""")
        people = _df(con, "SELECT * FROM v_people_reached")
        funding = _df(con, "SELECT * FROM v_funding")
        key_figures = _df(con, "SELECT * FROM v_key_figures")
        indicators = _df(con, "SELECT * FROM v_indicators")
        series = _df(con, """SELECT s.*, f.evidence FROM v_series s
                             JOIN v_facts f ON f.fact_id = s.fact_id AND f.source_file = s.source_file""") \
            if _has_series(con) else pd.DataFrame()
        all_facts = _df(con, "SELECT fact_id, source_file, page, evidence FROM v_facts")
        raw_files = _df(con, """SELECT r.source_file, r.sha256, r.media_type, any_value(m.path) AS manifest_path
                                FROM dim_report r LEFT JOIN raw_manifest m ON m.sha256 = r.sha256
                                WHERE r.is_current GROUP BY ALL""")
        totals = con.execute("""SELECT (SELECT count(*) FROM v_facts), (SELECT count(*) FROM v_quarantine),
                                       (SELECT count(DISTINCT source_file) FROM v_facts),
                                       (SELECT max(finished) FROM v_runs)""").fetchone()
        reports = _df(con, """SELECT source_file, report_family, report_period, title, media_type, location
                              FROM dim_report WHERE is_current ORDER BY source_file""")
    finally:
        con.close()

    # Every figure the page links to (chart marks and the views' rows) gets a row in the evidence table.
    linked = [*people["fact_ids"], *people["prose_fact_ids"], *funding["fact_ids"], *indicators["fact_ids"],
              list(key_figures["fact_id"]), list(series["fact_id"]) if "fact_id" in series else []]
    evidence_rows = _evidence_rows(all_facts, evidence, {i for ids in linked for i in _plain(ids) or []})
    sources = _raw_links(raw_files, Paths.for_warehouse(warehouse).raw_dir, Path(output).parent)
    evidence_rows["raw_href"] = [_page_link(sources.get(s), p) for s, p in
                                 zip(evidence_rows["source_file"], evidence_rows["page"], strict=True)]

    env = jinja2.Environment(loader=jinja2.PackageLoader("sitrep", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["num"] = _format_number
    html = env.get_template(TEMPLATE).render(
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        warehouse=Path(warehouse).name,
        facts=totals[0], quarantined=totals[1], report_count=totals[2], last_run=totals[3],
        reports=_records(reports),
        charts=charts,
        specs_json=_safe_json({c.key: _clean_spec(c.spec) for c in charts if c.spec is not None}),
        vega_bundle=_vega_bundle(),
        dq=_records(dq), quarantine=_records(quarantine),
        people=_records(people), funding=_records(funding), key_figures=_records(key_figures),
        indicators=_records(indicators), series=_records(series), evidence=_records(evidence_rows),
        raw_links={s: link for s, (link, _) in sources.items()},
    )
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    return output


def _evidence_rows(all_facts: pd.DataFrame, charted: list[pd.DataFrame], linked: set[str]) -> pd.DataFrame:
    """One row per figure linked from the page, with the charts it is drawn in ('' when only listed)."""
    charts_of: dict[str, str] = {}
    if charted:
        rows = pd.concat(charted, ignore_index=True)
        charts_of = rows.groupby("fact_id")["chart"].agg(lambda c: ", ".join(dict.fromkeys(c))).to_dict()
    wanted = linked | set(charts_of)
    out = all_facts[all_facts["fact_id"].isin(wanted)].drop_duplicates("fact_id").copy()
    out["page"] = out["page"].astype("Int64")
    out["chart"] = [charts_of.get(i, "") for i in out["fact_id"]]
    return out.sort_values(["source_file", "page", "fact_id"], na_position="last")


def _raw_links(raw_files: pd.DataFrame, raw_dir: Path, page_dir: Path) -> dict[str, tuple[str, bool]]:
    """source_file -> (link to its stored raw file relative to the page, whether it is a PDF). The raw store
    beside the warehouse first (data/raw/<aa>/<sha256>), else the path the manifest recorded."""
    links = {}
    for row in raw_files.itertuples(index=False):
        candidates = [raw_dir / row.sha256[:2] / row.sha256]
        if isinstance(row.manifest_path, str):
            candidates.append(Path(row.manifest_path))
        found = next((c for c in candidates if c.exists()), None)
        if found is not None:
            rel = os.path.relpath(found.resolve(), page_dir.resolve())
            links[row.source_file] = (Path(rel).as_posix(), row.media_type == "application/pdf")
    return links


def _page_link(source: tuple[str, bool] | None, page: Any) -> str | None:
    """The raw file, opened at the figure's page for a PDF (#page=N, which PDF viewers honour)."""
    if source is None:
        return None
    link, is_pdf = source
    return f"{link}#page={int(page)}" if is_pdf and not _missing(page) else link


def _format_number(value: Any, unit: str | None = None) -> str:
    if value is None or _missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
    return {"percent": f"{text}%", "usd": f"US${text}", "pen": f"S/ {text}"}.get(unit or "", text)
