"""Across reports, through the real flow on real DuckDB files: v_series over generated months of the R4V family,
the series_jump / series_change checks against the published warehouse (whatever the load order), and
reviewed corrections that survive `--force` and a re-publication.

One warehouse, built run by run (module scope):
  run 1: 2023-08 (x0.95) and 2023-10 (x1.1)                      -- no published neighbours yet
  run 2: the bundled 2023-09 sample                              -- a clean back-filled month
  run 3: 2023-11 with its headline x100 (forward), 2023-07 with its headline x100 (back-filled),
         2023-12 with every sector x6 of the sample (a change worth a warning, not a jump)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES, query
from tests.variants import r4v_month

SAMPLE_SEP = SAMPLES / "r4v-peru-sitrep-2023-09.html"
SITREP = [sys.executable, "-m", "sitrep.cli"]
MONTHS = {"2023-08": r4v_month("2023-08", scale=0.95), "2023-10": r4v_month("2023-10", scale=1.1)}
SEP = r4v_month("2023-09")  # the sample itself, as gold: same bytes' figures
BAD_NOV = r4v_month("2023-11", scale=1.2, headline=100)
BAD_JUL = r4v_month("2023-07", scale=0.9, headline=100)
BIG_DEC = r4v_month("2023-12", scale=6)


def _run(folder: Path, warehouse: Path, force: bool = False):
    from flows.pipeline import monthly_pipeline

    summary = monthly_pipeline(sources=[str(folder)], warehouse=str(warehouse), force=force)
    assert not summary.failed, [(r.source_file, r.stage, r.error) for r in summary.failed]
    return summary


@pytest.fixture(scope="module")
def history(prefect_harness, tmp_path_factory):
    base = tmp_path_factory.mktemp("series")
    warehouse = base / "data" / "warehouse.duckdb"
    runs = [base / f"run{i}" for i in (1, 2, 3)]
    for variant in MONTHS.values():
        variant.write(runs[0])
    runs[1].mkdir()
    shutil.copy(SAMPLE_SEP, runs[1] / SAMPLE_SEP.name)
    for variant in (BAD_NOV, BAD_JUL, BIG_DEC):
        variant.write(runs[2])
    for folder in runs:
        _run(folder, warehouse)
    return base, warehouse, runs


def _series(warehouse: Path, metric: str, sector: str | None) -> list[tuple]:
    return query(warehouse, """
        SELECT period, value, previous_value, change, change_pct, source_file, previous_source_file, corrected
        FROM v_series WHERE report_family = 'r4v_sitrep' AND metric = ? AND sector IS NOT DISTINCT FROM ?
          AND location IS NULL AND population IS NULL AND unit = 'number'
        ORDER BY period""", [metric, sector])


def test_variant_generator_keeps_gold_by_construction():
    """The generated month prints what the generator says (checked on the page text, not by extraction)."""
    text = MONTHS["2023-10"].html.decode()
    assert "Peru: Situation Report - October 2023" in text and "September" not in text
    assert MONTHS["2023-10"].people_reached["Health"] == round(11054 * 1.1) == 12159
    assert "<td>12,159</td>" in text
    assert BAD_NOV.population == 154_000_000 and ">154M<" in BAD_NOV.html.decode()
    assert SEP.html == SAMPLE_SEP.read_bytes()


def test_series_of_people_reached_over_three_months(history):
    """Health people reached: 2023-08, the back-filled 2023-09 and 2023-10 line up, with gold values."""
    _, warehouse, _ = history
    rows = {r[0]: r for r in _series(warehouse, "people_reached", "Health")}
    aug, sep, oct_ = (MONTHS["2023-08"].people_reached["Health"], SEP.people_reached["Health"],
                      MONTHS["2023-10"].people_reached["Health"])
    assert (aug, sep, oct_) == (10501.0, 11054.0, 12159.0)
    jul = BAD_JUL.people_reached["Health"]  # the back-filled July: its table is clean, only its headline is not
    assert rows["2023-07"][1:4] == (jul, None, None)
    assert rows["2023-08"][1:4] == (aug, jul, aug - jul)
    assert rows["2023-09"][1:5] == (sep, aug, sep - aug, round(100 * (sep - aug) / aug, 2))
    assert rows["2023-10"][1:4] == (oct_, sep, oct_ - sep)
    assert rows["2023-10"][6] == "r4v-peru-sitrep-2023-09.html"
    # every sector of the table forms a series of at least three months
    sectors = query(warehouse, """
        SELECT sector, count(DISTINCT period) FROM v_series
        WHERE metric = 'people_reached' AND sector IS NOT NULL AND kind = 'table' GROUP BY sector""")
    assert len(sectors) == 10 and min(n for _, n in sectors) >= 3


def test_monthly_and_annual_never_share_a_series(history):
    _, warehouse, _ = history
    mixed = query(warehouse, "SELECT series_id FROM v_series GROUP BY series_id "
                             "HAVING count(DISTINCT period_grain) > 1 OR count(DISTINCT report_family) > 1")
    assert mixed == []
    # only current, published figures: the quarantined 154M headlines are no series points
    assert query(warehouse, "SELECT count(*) FROM v_series WHERE value = 154000000") == [(0,)]


def test_hundredfold_headline_is_quarantined_by_series_jump(history):
    """Forward (2023-11 after 2023-10) and back-filled (2023-07 before 2023-08): the 100x headline is held
    back with a reason naming both values and both reports."""
    _, warehouse, _ = history
    held = dict(query(warehouse, """
        SELECT source_file, reason FROM v_quarantine WHERE expectation = 'series_jump' AND value = 154000000"""))
    assert set(held) == {BAD_NOV.name, BAD_JUL.name}
    assert "154,000,000" in held[BAD_NOV.name] and "1,540,000" in held[BAD_NOV.name]
    assert "r4v-peru-sitrep-2023-10.html" in held[BAD_NOV.name] and BAD_NOV.name in held[BAD_NOV.name]
    assert "previous value" in held[BAD_NOV.name]
    assert "next value" in held[BAD_JUL.name] and "r4v-peru-sitrep-2023-08.html" in held[BAD_JUL.name]
    # nothing else of those months is held back by the series checks: their tables are in line
    assert query(warehouse, "SELECT count(*) FROM v_quarantine WHERE expectation = 'series_jump'") == [(2,)]


def test_clean_months_are_not_quarantined(history):
    _, warehouse, _ = history
    for name in ("r4v-peru-sitrep-2023-08.html", SAMPLE_SEP.name, "r4v-peru-sitrep-2023-10.html", BIG_DEC.name):
        assert query(warehouse, "SELECT count(*) FROM v_quarantine WHERE source_file = ?", [name]) == [(0,)], name
    status = dict(query(warehouse, """
        SELECT expectation, status FROM v_dq_results WHERE source_file = ? AND expectation LIKE 'series_%'""",
                        [SAMPLE_SEP.name]))
    assert status == {"series_jump": "pass", "series_change": "pass"}


def test_a_sixfold_change_warns_and_loads(history):
    _, warehouse, _ = history
    status = dict(query(warehouse, """
        SELECT expectation, status FROM v_dq_results WHERE source_file = ? AND expectation LIKE 'series_%'""",
                        [BIG_DEC.name]))
    assert status == {"series_jump": "pass", "series_change": "warn"}
    details = query(warehouse, "SELECT details FROM v_dq_results WHERE source_file = ? AND expectation = "
                               "'series_change'", [BIG_DEC.name])[0][0]
    assert "66,324" in details and "12,159" in details  # Health: 11,054 x 6 against October (11,054 x 1.1)
    assert query(warehouse, "SELECT value FROM v_facts WHERE source_file = ? AND sector = 'Health' AND "
                            "kind = 'table'", [BIG_DEC.name]) == [(66324.0,)]


def test_report_trends_panel_draws_the_series(history, tmp_path):
    """`sitrep report`: the trends panel (from v_series) is drawn in Chromium, its table lists the series with
    their previous values, and each point links to its figure's evidence row."""
    from sitrep.report import write_report
    from tests.test_analysts import _Charts, _chromium

    _, warehouse, _ = history
    page = write_report(warehouse, tmp_path / "report.html")
    html = page.read_text(encoding="utf-8")
    trends = html[html.index('<section id="trends">'):]
    trends = trends[:trends.index("</section>")]
    assert "<td>2023-10</td>" in trends and "<td class=\"num\">12,159</td>" in trends  # Health, October
    assert "<td class=\"num\">11,054</td>" in trends  # its previous value (September)
    health_oct = query(warehouse, "SELECT fact_id FROM v_series WHERE source_file = 'r4v-peru-sitrep-2023-10.html' "
                                  "AND kind = 'table' AND sector = 'Health'")[0][0]
    assert f'id="fact-{health_oct}"' in html  # the point's evidence row
    dom = _chromium(["--dump-dom", page.as_uri()], tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    parsed = _Charts()
    parsed.feed(dom.stdout)
    assert parsed.drawn.get("chart-trends") is True and parsed.body.get("data-charts-failed") == "0"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*SITREP, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def _fact(warehouse: Path, source_file: str, where: str) -> str:
    rows = query(warehouse, f"SELECT fact_id FROM fact_figure f JOIN dim_report r USING (report_key) "
                            f"WHERE r.is_current AND r.source_file = ? AND {where}", [source_file])
    assert len(rows) == 1, rows
    return rows[0][0]


def test_corrections_survive_force_and_republication(history):
    base, warehouse, runs = history
    headline = _fact(warehouse, BAD_NOV.name, "f.kind = 'key_figure' AND f.metric = 'population'")
    health = _fact(warehouse, "r4v-peru-sitrep-2023-10.html", "f.kind = 'table' AND f.sector = 'Health'")
    done = _cli("correct", headline, "--value", "1540000", "--reason", "misread decimal: 1.54M printed as 154M",
                "--by", "reviewer-a", "--warehouse", str(warehouse))
    assert done.returncode == 0, done.stderr
    assert _cli("correct", health, "--reject", "--reason", "double counted", "--warehouse",
                str(warehouse)).returncode == 0
    assert _cli("correct", "no-such-fact", "--reject", "--reason", "x", "--warehouse",
                str(warehouse)).returncode == 2
    assert _cli("correct", headline, "--reason", "no value", "--warehouse", str(warehouse)).returncode == 2

    def check() -> None:
        corrected = query(warehouse, "SELECT value, corrected, evidence FROM v_facts WHERE source_file = ? AND "
                                     "kind = 'key_figure' AND metric = 'population'", [BAD_NOV.name])
        assert corrected == [(1540000.0, True, "REFUGEES AND MIGRANTS IN PERU 154M")]
        assert query(warehouse, "SELECT count(*) FROM v_facts WHERE source_file = ? AND sector = 'Health' AND "
                                "kind = 'table'", ["r4v-peru-sitrep-2023-10.html"]) == [(0,)]
        rejected = query(warehouse, "SELECT expectation, reason FROM v_quarantine WHERE source_file = ? AND "
                                    "sector = 'Health' AND kind = 'table'", ["r4v-peru-sitrep-2023-10.html"])
        assert rejected[0][0] == "rejected_in_review" and "double counted" in rejected[0][1]
        assert query(warehouse, "SELECT value, corrected FROM v_series WHERE source_file = ? AND "
                                "metric = 'population' AND sector IS NULL", [BAD_NOV.name]) == [(1540000.0, True)]
        listed = _cli("correct", "--list", "--warehouse", str(warehouse))
        assert listed.returncode == 0 and "reviewer-a" in listed.stdout and "double counted" in listed.stdout

    check()
    _run(runs[2], warehouse, force=True)  # everything of run 3 again: validation quarantines 154M again
    _run(runs[0], warehouse, force=True)
    check()
    # a re-publication of November: new bytes (a prose sentence reworded), the same headline printed
    republished = BAD_NOV.html.replace(b"partners reached around", b"partners reached about")
    assert republished != BAD_NOV.html
    (runs[2] / BAD_NOV.name).write_bytes(republished)
    summary = _run(runs[2], warehouse)
    assert [r.status for r in summary.reports if r.source_file == BAD_NOV.name] == ["ok"]
    assert query(warehouse, "SELECT count(*) FROM dim_report WHERE source_file = ?", [BAD_NOV.name]) == [(2,)]
    check()
    active = query(warehouse, "SELECT status, current_fact_id IS NOT NULL, old_value, new_value, decided_by "
                              "FROM v_corrections WHERE source_file = ?", [BAD_NOV.name])
    assert active == [("active", True, 154000000.0, 1540000.0, "reviewer-a")]
    # exported with the rest
    out = base / "export"
    assert _cli("export", "--format", "parquet", str(out), "--warehouse", str(warehouse)).returncode == 0
    import duckdb

    exported = duckdb.connect().execute(f"SELECT action, new_value, reason FROM '{out / 'v_corrections.parquet'}' "
                                        "ORDER BY action DESC").fetchall()
    assert exported == [("value", 1540000.0, "misread decimal: 1.54M printed as 154M"),
                        ("reject", None, "double counted")]
    # undo: the figure is held back by series_jump again
    assert _cli("correct", "--undo", headline, "--warehouse", str(warehouse)).returncode == 0
    assert query(warehouse, "SELECT expectation FROM v_quarantine WHERE source_file = ? AND kind = 'key_figure' "
                            "AND metric = 'population'", [BAD_NOV.name]) == [("series_jump",)]
    assert query(warehouse, "SELECT status FROM v_corrections WHERE source_file = ?", [BAD_NOV.name]) == \
        [("undone",)]


def test_neighbours_compare_with_the_nearest_published_periods_and_only_warn_about_prose():
    """expectations.series.neighbours on frames (no flow): the nearest earlier and later published periods are
    the reference, the incoming report's own published version is not, and prose gets no jump ratio."""
    import pandas as pd

    from expectations.series import neighbours

    def fact(source_file, period, kind, value, fact_id):
        return {"fact_id": fact_id, "source_file": source_file, "report_family": "r4v_sitrep",
                "report_period": period, "kind": kind, "metric": "people_reached", "value": value,
                "unit": "number", "qualifier": None, "sector": "Health", "location": None, "indicator": None,
                "measure": None, "population": None, "period": None, "page": None, "evidence": "e"}

    published = pd.DataFrame([
        fact("a-2023-01.html", "2023-01", "table", 100.0, "f1"), fact("a-2023-01.html", "2023-01", "prose", 50.0, "f2"),
        fact("a-2023-03.html", "2023-03", "table", 120.0, "f3"), fact("a-2023-03.html", "2023-03", "prose", 60.0, "f4"),
        fact("a-2023-02.html", "2023-02", "table", 5.0, "old-version-of-february"),
    ])
    incoming = pd.DataFrame([fact("", "", "table", 11000.0, ""), fact("", "", "prose", 6000.0, ""),
                             fact("", "", "table", 7.0, "")]).drop(columns=["fact_id", "source_file"])
    incoming.loc[2, "sector"] = "WASH"  # no neighbour: not a series point
    out = neighbours(published, "a-2023-02.html", "r4v_sitrep", "2023-02", incoming).set_index("row")
    assert list(out.index) == [0, 1]
    table, prose = out.loc[0], out.loc[1]
    assert (table["previous_value"], table["next_value"]) == (100.0, 120.0)  # not 5.0: its own old version
    assert table["jump_all"] == pytest.approx(11000 / 120) and table["jump_any"] == pytest.approx(110)
    assert "110× the series' previous value 100 (2023-01, a-2023-01.html)" in table["reason"]
    assert pd.isna(prose["jump_all"]) and prose["jump_any"] == pytest.approx(120)


def test_figure_key_follows_a_figure_across_versions_and_correct_publishes_atomically(tmp_path):
    """Real DuckDB file, the load stage's own function: a decision follows its figure to a new version that
    prints it on another page with other wording, not to one that prints another number; `sitrep correct`
    swaps the file in, so a reader opened before keeps its snapshot."""
    import duckdb
    import pandas as pd

    from extractors.records import ExtractResult, Figure
    from sitrep.artifacts import figures_frame
    from warehouse.db import ensure_schema
    from warehouse.load import ReportVersion, load_report

    warehouse = tmp_path / "warehouse.duckdb"
    no_dq = pd.DataFrame(columns=["expectation", "status", "observed", "details"])
    no_q = pd.DataFrame(columns=["row", "expectation", "reason"])

    def load(sha: str, raw: str, value: float, page: int, evidence: str) -> None:
        figures = figures_frame(ExtractResult("gtrm_sitrep", "2021-02", [
            Figure("table", 2016.0, "number", "Health | 2,016", raw="2,016", metric="people_reached", sector="Health",
                   page=2),
            Figure("table", value, "number", evidence, raw=raw, metric="people_reached", sector="WASH", page=page)]))
        con = duckdb.connect(str(warehouse))
        ensure_schema(con)
        load_report(con, "run-" + sha[:1], ReportVersion("s.pdf", sha * 64, "gtrm_sitrep", "2021-02", None,
                                                         "application/pdf", 1, "src", "loc",
                                                         "2026-01-01T00:00:00+00:00"), figures, no_dq, no_q)
        con.close()

    load("a", "29,75", 2975.0, 3, "WASH | 29,75")
    wash = query(warehouse, "SELECT fact_id FROM v_facts WHERE sector = 'WASH'")[0][0]
    reader = duckdb.connect(str(warehouse), read_only=True)  # an analyst's open session
    done = _cli("correct", wash, "--value", "2975", "--reason", "grouping misprint", "--warehouse", str(warehouse))
    assert done.returncode == 0, done.stderr
    assert reader.execute("SELECT count(*) FROM correction").fetchone() == (0,)  # its snapshot, undisturbed
    reader.close()
    assert query(warehouse, "SELECT value, corrected FROM v_facts WHERE sector = 'WASH'") == [(2975.0, True)]

    load("b", "29,75", 2975.0, 4, "WASH (all partners) | 29,75")  # re-published: moved and reworded
    assert query(warehouse, "SELECT corrected FROM v_facts WHERE sector = 'WASH'") == [(True,)]
    assert query(warehouse, "SELECT corrected FROM v_facts WHERE sector = 'Health'") == [(False,)]
    load("c", "2,975", 2975.0, 4, "WASH | 2,975")  # the publisher fixed the misprint: a new figure
    assert query(warehouse, "SELECT corrected FROM v_facts WHERE sector = 'WASH'") == [(False,)]
    assert query(warehouse, "SELECT status, current_fact_id FROM v_corrections") == [("active", None)]
