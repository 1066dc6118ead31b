"""For analysts: documentation in the database, the analyst views, `sitrep report` and `sitrep export`.

One real warehouse per module: three small reports loaded with `load_report` (no Prefect), chosen so
each analyst view has rows whose values are known here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from extractors.records import ExtractResult, Figure
from sitrep.artifacts import figures_frame
from sitrep.export import export_parquet
from sitrep.report import write_report
from warehouse.db import ensure_schema, log_stage
from warehouse.dictionary import render, render_fresh, undocumented
from warehouse.load import ReportVersion, load_report

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ANALYST_VIEWS = ["v_people_reached", "v_people_reached_prose", "v_funding", "v_key_figures", "v_indicators",
                 "v_dq_summary"]
EVIL = '<script>alert("pwned")</script> & <img src=x onerror=alert(2)>'


def _version(name: str, family: str, period: str, sha: str) -> ReportVersion:
    return ReportVersion(name, sha * 64, family, period, f"title of {name}", "application/pdf", 100, "src",
                         f"/reports/{name}", "2026-01-01T00:00:00+00:00")


def _fig(kind: str, value: float, unit: str = "number", evidence: str = "", **kw) -> Figure:
    return Figure(kind=kind, value=value, unit=unit, evidence=evidence or f"{kind} {value}", page=kw.pop("page", 1),
                  **kw)


def _frame(family: str, period: str, figures: list[Figure]) -> pd.DataFrame:
    return figures_frame(ExtractResult(family, period, figures))


def _dq(*statuses: str) -> pd.DataFrame:
    return pd.DataFrame([{"expectation": f"exp_{i}", "status": s, "observed": "0", "details": ""}
                         for i, s in enumerate(statuses)])


NO_Q = pd.DataFrame(columns=["row", "expectation", "reason"])

REPORT_A = [  # a monthly GTRM sitrep
    _fig("table", 100, sector="Health", measure="people_reached", evidence="Health 100 persons assisted"),
    _fig("table", 50, sector="Health", measure="people_reached", evidence="Health 50 persons assisted"),
    _fig("prose", 999, sector="Health", metric="people_reached", evidence="some 999 persons (repeats the table)"),
    _fig("table", 30, sector="Shelter", measure="people_reached", qualifier="lower_bound", evidence="Shelter 30+"),
    _fig("key_figure", 864000, metric="population", qualifier="lower_bound",
         evidence="Above 864,000 Venezuelans living in Peru " + EVIL),
    _fig("key_figure", 318e6, "usd", measure="requirement", evidence="REQUIREMENT: $318M"),
    _fig("key_figure", 44.8e6, "usd", measure="funded", evidence="FUNDED: $44.8M"),
    _fig("key_figure", 14, "percent", measure="funded_pct", evidence="FUNDING SITUATION 14%"),
    _fig("prose", 430, "percent", evidence="an increase of 430% " + EVIL, page=3),  # quarantined below
]
REPORT_B = [  # a later monthly R4V sitrep
    _fig("table", 200, sector="Health", measure="people_reached", evidence="Health | 200"),
    _fig("key_figure", 1540000, metric="population", evidence="REFUGEES AND MIGRANTS IN PERU 1.54M"),
]
REPORT_C = [  # an annual results report
    _fig("table", 10, "percent", indicator="1.1", measure="baseline", population="Refugees",
         evidence="1.1 Proportion registered | Refugees | baseline: 10%", page=4),
    _fig("table", 100, "percent", indicator="1.1", measure="target", population="Refugees", period="2023",
         evidence="1.1 Proportion registered | Refugees | target: 100%", page=4),
    _fig("table", 40, "percent", indicator="1.1", measure="actual", population="Refugees", period="2023",
         evidence="1.1 Proportion registered | Refugees | actual: 40%", page=4),
    _fig("table", 1000, "usd", indicator="Total", measure="budget", evidence="Total | budget: 1,000", page=5),
    _fig("table", 1000, "usd", indicator="Total", measure="budget", evidence="Total | budget: 1,000", page=6),
    _fig("table", 400, "usd", indicator="Total", measure="expenditure", evidence="Total | expenditure: 400", page=5),
    _fig("table", 600, "usd", indicator="IA1", measure="budget", evidence="IA1: Protect | budget: 600", page=5),
    _fig("chart_data", 800, "usd", measure="budget", period="2022", evidence="budget 2022: 0.0008", page=None),
]


def _stages(con, run_id, source_file, started, failed_stage=None):
    """v_runs rows of one run for one report: ok stages, up to the one that failed."""
    for stage in ("fetch", "extract", "validate", "load"):
        status = "failed" if stage == failed_stage else "ok"
        log_stage(con, run_id, source_file, "s" * 64, stage, status, started, started,
                  "ExtractError: broken table" if status == "failed" else None)
        if status == "failed":
            break


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("analysts") / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    ensure_schema(con)
    t1, t2 = datetime(2026, 1, 1, 10), datetime(2026, 2, 1, 10)
    quarantine = pd.DataFrame([{"row": len(REPORT_A) - 1, "expectation": "percent_within_0_100",
                                "reason": "value 430 is over 100 " + EVIL}])
    load_report(con, "run1", _version("gtrm-a.pdf", "gtrm_sitrep", "2021-02", "a"),
                _frame("gtrm_sitrep", "2021-02", REPORT_A), _dq("pass", "fail"), quarantine)
    load_report(con, "run1", _version("r4v-b.html", "r4v_sitrep", "2023-09", "b"),
                _frame("r4v_sitrep", "2023-09", REPORT_B), _dq("pass", "warn"), NO_Q)
    load_report(con, "run1", _version("arr-c.pdf", "unhcr_arr", "2023", "c"),
                _frame("unhcr_arr", "2023", REPORT_C), _dq("pass"), NO_Q)
    for name in ("gtrm-a.pdf", "r4v-b.html", "arr-c.pdf"):
        _stages(con, "run1", name, t1)
    _stages(con, "run2", "r4v-b.html", t2, failed_stage="extract")  # a later run failed on B
    ensure_schema(con)  # as every run does: views and comments again
    con.close()
    return path


@pytest.fixture
def con(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def rows(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


# --- documentation in the database -----------------------------------------------------------------

def test_every_table_view_and_column_has_a_comment(con):
    objects = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal "
                                         "UNION SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert set(ANALYST_VIEWS) <= objects
    assert {"fact_figure", "dim_report", "v_facts", "v_quarantine", "v_dq_results", "v_runs"} <= objects
    assert undocumented(con) == []


def test_undocumented_finds_a_missing_comment():
    mem = duckdb.connect()
    ensure_schema(mem)
    mem.execute("CREATE VIEW v_new AS SELECT 1 AS x")
    assert undocumented(mem) == ["view v_new", "column v_new.x"]


def test_data_dictionary_is_not_stale():
    committed = (ROOT / "docs" / "warehouse.md").read_text(encoding="utf-8")
    assert committed == render_fresh(), ("docs/warehouse.md is stale: run "
                                         "`python -m warehouse.dictionary docs/warehouse.md`")


def test_data_dictionary_content(con):
    text = render(con)
    assert "```mermaid\nerDiagram" in text
    assert 'dim_report ||--o{ fact_figure : "report_key"' in text
    assert "| `fact_figure` | one figure printed in one version of one report" in text
    for view in ANALYST_VIEWS:
        assert f"### `{view}` (view)" in text
    assert "| `people_reached` | DOUBLE |" in text


def test_dictionary_command_writes_the_file(tmp_path):
    out = tmp_path / "warehouse.md"
    done = subprocess.run([sys.executable, "-m", "warehouse.dictionary", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == render_fresh()


# --- analyst views ---------------------------------------------------------------------------------

def test_people_reached_sums_the_best_kind_per_report_and_sector(con):
    got = rows(con, "SELECT source_file, report_period, CAST(report_date AS TEXT) AS d, sector, people_reached, "
                    "figures, kind, qualifiers, len(fact_ids) AS n FROM v_people_reached")
    assert got == [
        {"source_file": "gtrm-a.pdf", "report_period": "2021-02", "d": "2021-02-28", "sector": "Health",
         "people_reached": 150.0, "figures": 2, "kind": "table", "qualifiers": None, "n": 2},
        {"source_file": "gtrm-a.pdf", "report_period": "2021-02", "d": "2021-02-28", "sector": "Shelter",
         "people_reached": 30.0, "figures": 1, "kind": "table", "qualifiers": "lower_bound", "n": 1},
        {"source_file": "r4v-b.html", "report_period": "2023-09", "d": "2023-09-30", "sector": "Health",
         "people_reached": 200.0, "figures": 1, "kind": "table", "qualifiers": None, "n": 1},
    ]
    evidence = {e for (e,) in con.execute("SELECT f.evidence FROM v_people_reached p, unnest(p.fact_ids) u(id) "
                                          "JOIN v_facts f ON f.fact_id = u.id").fetchall()}
    assert "some 999 persons (repeats the table)" not in evidence


def test_funding_by_year_source_and_line(con):
    got = rows(con, "SELECT year, source_file, line, requirement, funded, funded_pct, budget, expenditure, "
                    "currency, figures FROM v_funding")
    assert got == [
        {"year": 2021, "source_file": "gtrm-a.pdf", "line": "Total", "requirement": 318e6, "funded": 44.8e6,
         "funded_pct": 14.0, "budget": None, "expenditure": None, "currency": "usd", "figures": 3},
        {"year": 2022, "source_file": "arr-c.pdf", "line": "Total", "requirement": None, "funded": None,
         "funded_pct": None, "budget": 800.0, "expenditure": None, "currency": "usd", "figures": 1},
        {"year": 2023, "source_file": "arr-c.pdf", "line": "Total", "requirement": None, "funded": None,
         "funded_pct": None, "budget": 1000.0, "expenditure": 400.0, "currency": "usd", "figures": 3},
        {"year": 2023, "source_file": "arr-c.pdf", "line": "IA1", "requirement": None, "funded": None,
         "funded_pct": None, "budget": 600.0, "expenditure": None, "currency": "usd", "figures": 1},
    ]


def test_key_figures_over_time(con):
    got = rows(con, "SELECT CAST(report_date AS TEXT) AS d, source_file, value, qualifier, qualifier_text "
                    "FROM v_key_figures WHERE metric = 'population'")
    assert got == [
        {"d": "2021-02-28", "source_file": "gtrm-a.pdf", "value": 864000.0, "qualifier": "lower_bound",
         "qualifier_text": "more than "},
        {"d": "2023-09-30", "source_file": "r4v-b.html", "value": 1540000.0, "qualifier": None,
         "qualifier_text": ""},
    ]
    metrics = sorted(m for (m,) in con.execute("SELECT metric FROM v_key_figures").fetchall())
    assert metrics == ["funded", "funded_pct", "population", "population", "requirement"]


def test_indicators_pivot_baseline_target_actual(con):
    got = rows(con, "SELECT year, indicator, indicator_text, population, unit, baseline, target, actual, "
                    "actual_vs_target_pct, page, figures FROM v_indicators")
    assert got == [{"year": 2023, "indicator": "1.1", "indicator_text": "1.1 Proportion registered",
                    "population": "Refugees", "unit": "percent", "baseline": 10.0, "target": 100.0,
                    "actual": 40.0, "actual_vs_target_pct": 40.0, "page": 4, "figures": 3}]


def test_dq_summary_per_report(con):
    got = {r["source_file"]: r for r in rows(con, "SELECT * FROM v_dq_summary")}
    assert sorted(got) == ["arr-c.pdf", "gtrm-a.pdf", "r4v-b.html"]
    a, b, c = got["gtrm-a.pdf"], got["r4v-b.html"], got["arr-c.pdf"]
    assert (a["dq_pass"], a["dq_warn"], a["dq_fail"], a["quarantined"], a["facts_published"]) == (
        1, 0, 1, 1, len(REPORT_A) - 1)
    assert (b["dq_pass"], b["dq_warn"], b["dq_fail"], b["facts_published"]) == (1, 1, 0, len(REPORT_B))
    assert (a["latest_run_id"], a["latest_run_status"], a["loaded_run_id"]) == ("run1", "ok", "run1")
    assert (b["latest_run_id"], b["latest_run_status"], b["latest_run_failed_stage"]) == ("run2", "failed",
                                                                                        "extract")
    assert "broken table" in b["latest_run_error"]
    assert (c["dq_pass"], c["quarantined"], c["latest_run_status"]) == (1, 0, "ok")


def test_analyst_views_are_empty_not_broken_on_an_empty_warehouse():
    mem = duckdb.connect()
    ensure_schema(mem)
    for view in ANALYST_VIEWS:
        assert mem.execute(f"SELECT count(*) FROM {view}").fetchone() == (0,)


# --- sitrep report ---------------------------------------------------------------------------------

class _Charts(HTMLParser):
    """Chart containers (id chart-*) and whether an <svg>/<canvas> was drawn inside each."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.drawn: dict[str, bool] = {}
        self.body: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.body = {k: v or "" for k, v in attrs.items()}
        chart = attrs.get("id") if (attrs.get("id") or "").startswith("chart-") else None
        if chart:
            self.drawn.setdefault(chart, False)
        if tag in ("svg", "canvas"):
            for open_chart in self.stack:
                if open_chart:
                    self.drawn[open_chart] = True
        if tag not in ("br", "img", "meta", "link", "input", "hr", "path", "rect", "line", "circle"):
            self.stack.append(chart)

    def handle_endtag(self, tag):
        if self.stack and tag not in ("br", "img", "meta", "link", "input", "hr", "path", "rect", "line",
                                      "circle"):
            self.stack.pop()


def _chromium(args: list[str], user_data: Path) -> subprocess.CompletedProcess:
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={user_data}", "--virtual-time-budget=15000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def report_html(warehouse, tmp_path_factory) -> Path:
    return write_report(warehouse, tmp_path_factory.mktemp("report") / "report.html")


def test_report_is_self_contained_and_escapes_report_text(report_html):
    html = report_html.read_text(encoding="utf-8")
    assert "vegaEmbed" in html
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"?https?://", html)  # nothing fetched
    assert "<script>alert(" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html  # the evidence is shown, as text
    assert "value 430 is over 100 &lt;script&gt;" in html  # the quarantine reason
    for name in ("gtrm-a.pdf", "r4v-b.html", "arr-c.pdf", "percent_within_0_100"):
        assert name in html


def test_report_links_every_chart_figure_to_its_evidence(report_html, con):
    html = report_html.read_text(encoding="utf-8")
    anchors = set(re.findall(r'<tr id="fact-([0-9a-f]+)"', html))
    charted = {i for (i,) in con.execute("""
        SELECT unnest(fact_ids) FROM v_people_reached
        UNION SELECT fact_id FROM v_key_figures WHERE metric IS NOT NULL AND unit = 'number'
        UNION SELECT unnest(fact_ids) FROM v_indicators WHERE unit = 'percent'""").fetchall()}
    assert charted and charted <= anchors
    for fact_id in charted:  # the chart data carries the link and the evidence for the tooltip
        assert f'"href": "#fact-{fact_id}"' in html
    assert '"title": "evidence"' in html


def test_every_link_in_the_report_resolves(report_html, con):
    """Every href="#..." (in the page and in the charts' data) names an element of the page: the views' rows
    link every figure behind them (funding lines, all key figures, prose figures), not only the charted ones."""
    from .htmlcheck import dangling, links

    parsed = links(report_html)
    assert len(parsed.anchors) > 30
    assert dangling(report_html) == []
    listed = {i for (i,) in con.execute("SELECT unnest(fact_ids) FROM v_funding UNION SELECT fact_id FROM "
                                        "v_key_figures UNION SELECT unnest(prose_fact_ids) FROM v_people_reached"
                                        ).fetchall()}
    assert {f"fact-{i}" for i in listed} <= parsed.ids


def test_report_charts_one_colour_per_sector_and_panels_per_grain(report_html):
    """Each sector its own colour (12 sectors used to share 10), and monthly and annual reports on separate
    panels, in the people-reached chart; key figures by the grain of the period they state."""
    html = report_html.read_text(encoding="utf-8")
    specs = json.loads(re.search(r'<script type="application/json" id="vega-specs">(.*?)</script>', html, re.S)[1])
    people = specs["people-reached"]
    panels = people["vconcat"]  # one panel per grain present: here only monthly reports
    assert [p["title"]["text"] for p in panels] == ["monthly reports"]
    scales = [layer["encoding"]["color"]["scale"] for p in panels for layer in p["layer"]]
    assert all(s == scales[0] for s in scales)
    assert len(set(scales[0]["range"])) == len(scales[0]["domain"]) == 2  # Health, Shelter
    assert specs["key-figures"]["facet"]["row"]["field"] == "panel"


def test_sector_colours_stay_distinct_up_to_twenty_sectors():
    from sitrep.report import sector_colours

    for n in (10, 12, 20):
        scale = sector_colours([f"sector {i}" for i in range(n)]).to_dict()
        assert len(set(scale["range"])) == n


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install -y chromium) "
                                                  "to render the report headlessly")
def test_report_renders_in_chromium_with_charts_drawn(report_html, tmp_path):
    dom = _chromium(["--enable-logging=stderr", "--v=0", "--dump-dom", report_html.as_uri()], tmp_path / "p1")
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console
    parsed = _Charts()
    parsed.feed(dom.stdout)
    assert parsed.drawn == {"chart-people-reached": True, "chart-funding": True, "chart-key-figures": True,
                            "chart-indicators": True}
    assert parsed.body.get("data-charts-drawn") == "4" and parsed.body.get("data-charts-failed") == "0"

    shot = tmp_path / "shot.png"
    done = _chromium([f"--screenshot={shot}", "--window-size=1200,2000", report_html.as_uri()], tmp_path / "p2")
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    colors = image.getcolors(maxcolors=1 << 20) or []
    assert len(colors) > 50, "the screenshot is (nearly) blank"
    # Vega's first category colour (#4c78a8) fills the first chart's bars: the chart is on screen.
    blue = sum(n for n, (r, g, b) in colors if abs(r - 0x4C) < 8 and abs(g - 0x78) < 8 and abs(b - 0xA8) < 8)
    assert blue > 500, "no chart marks in the screenshot"


def test_report_command(warehouse, tmp_path):
    out = tmp_path / "r.html"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    done = subprocess.run([sys.executable, "-m", "sitrep.cli", "report", "--warehouse", str(warehouse),
                           "--output", str(out)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    assert "vegaEmbed" in html  # the charts' library is inlined
    # people reached by report and sector: the table figures of REPORT_A and REPORT_B summed per sector
    # (Health 100 + 50), the prose 999 repeating the table left out
    people = re.findall(r'<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td>\s*<td class="num">([^<]*)</td>', html)
    assert people == [("gtrm-a.pdf", "Health", "150"), ("gtrm-a.pdf", "Shelter", "30"), ("r4v-b.html", "Health", "200")]
    assert "FUNDED: $44.8M" in html and "value 430 is over 100 &lt;script&gt;" in html  # evidence, quarantine
    assert "<script>alert(" not in html


# --- sitrep export ---------------------------------------------------------------------------------

def test_export_round_trips_every_table_and_view(warehouse, con, tmp_path):
    files = export_parquet(warehouse, tmp_path / "pq")
    names = {f.stem for f in files}
    objects = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal "
                                         "UNION SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert names == objects
    assert {"fact_figure", "dim_report", "dim_sector", "v_facts", "v_quarantine", *ANALYST_VIEWS} <= names
    reader = duckdb.connect()
    for path in files:
        expected = con.execute(f'SELECT count(*) FROM "{path.stem}"').fetchone()[0]
        assert reader.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0] == expected, path
    assert reader.execute("SELECT count(*) FROM read_parquet(?)", [str(tmp_path / "pq" / "v_facts.parquet")]
                          ).fetchone()[0] == len(REPORT_A) + len(REPORT_B) + len(REPORT_C) - 1
    people = reader.execute("SELECT sector, people_reached, fact_ids FROM read_parquet(?) ORDER BY 2",
                            [str(tmp_path / "pq" / "v_people_reached.parquet")]).fetchall()
    assert [(s, v, len(ids)) for s, v, ids in people] == [("Shelter", 30.0, 1), ("Health", 150.0, 2),
                                                          ("Health", 200.0, 1)]


def test_export_and_report_open_the_warehouse_read_only(warehouse, con, tmp_path):
    before = warehouse.stat().st_mtime_ns
    export_parquet(warehouse, tmp_path / "pq")  # while an analyst's read-only session is open (`con`)
    write_report(warehouse, tmp_path / "r.html")
    assert warehouse.stat().st_mtime_ns == before


# --- data-quality pages and the latest validation --------------------------------------------------

def test_dq_pages_one_per_report_offline_and_earlier_runs_kept(tmp_path):
    """sitrep's own data-quality pages: one page per report and run (not per batch), 'passed with warnings'
    when only warnings were hit, no network asset, and a later run adds pages without replacing the old ones;
    v_dq_results.is_latest_run marks the later run's rows only."""
    from sitrep.dq_pages import write_dq_pages

    from .htmlcheck import dangling, links

    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    ensure_schema(con)
    t1, t2 = datetime(2026, 1, 1, 10), datetime(2026, 2, 1, 10)
    quarantine = pd.DataFrame([{"row": len(REPORT_A) - 1, "expectation": "percent_within_0_100", "reason": EVIL}])
    load_report(con, "run1", _version("gtrm-a.pdf", "gtrm_sitrep", "2021-02", "a"),
                _frame("gtrm_sitrep", "2021-02", REPORT_A), _dq("pass", "fail"), quarantine)
    load_report(con, "run1", _version("r4v-b.html", "r4v_sitrep", "2023-09", "b"),
                _frame("r4v_sitrep", "2023-09", REPORT_B), _dq("pass", "warn"), NO_Q)
    for name in ("gtrm-a.pdf", "r4v-b.html"):
        _stages(con, "run1", name, t1)
    con.close()
    docs = tmp_path / "dq"
    index = write_dq_pages(path, docs)
    first = sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.html"))
    assert first == ["index.html", "runs/run1/gtrm-a.pdf.html", "runs/run1/r4v-b.html.html"]
    a, b = (docs / first[1]).read_text(encoding="utf-8"), (docs / first[2]).read_text(encoding="utf-8")
    assert "gtrm-a.pdf: <span class=\"status s-failed\">failed</span>" in a and "&lt;script&gt;" in a
    assert "r4v-b.html: <span class=\"status s-passed-with-warnings\">passed with warnings</span>" in b
    assert "_and_" not in index.read_text(encoding="utf-8")

    con = duckdb.connect(str(path))  # a rerun validates B again: only warnings were hit, again
    load_report(con, "run2", _version("r4v-b.html", "r4v_sitrep", "2023-09", "b"),
                _frame("r4v_sitrep", "2023-09", REPORT_B), _dq("pass", "warn"), NO_Q)
    _stages(con, "run2", "r4v-b.html", t2)
    latest = con.execute("SELECT run_id, source_file, count(*) FROM v_dq_results WHERE is_latest_run "
                         "GROUP BY ALL ORDER BY 2").fetchall()
    assert latest == [("run1", "gtrm-a.pdf", 2), ("run2", "r4v-b.html", 2)]
    assert con.execute("SELECT count(*) FROM v_dq_results").fetchone() == (6,)
    con.close()
    write_dq_pages(path, docs)
    second = sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.html"))
    assert set(first) < set(second) and "runs/run2/r4v-b.html.html" in second
    assert (docs / "runs/run1/r4v-b.html.html").read_text(encoding="utf-8") == b  # the earlier page, as it was
    for page in docs.rglob("*.html"):
        parsed = links(page)
        assert not [u for u in parsed.assets + parsed.others if u.startswith(("http:", "https:", "//"))], page
        assert dangling(page) == [], page
    html = index.read_text(encoding="utf-8")
    assert html.count('href="runs/run1/r4v-b.html.html"') == 1 and html.count('href="runs/run2/r4v-b.html.html"') == 2
