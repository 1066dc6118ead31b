"""The real Prefect flow end to end on the bundled reports, into temporary DuckDB files."""

from __future__ import annotations

import shutil

import pytest

from .conftest import SAMPLES, query

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def first_run(thread_run):
    """The session's thread-runner run of the bundled samples (shared with the Dask, deployment and
    ReliefWeb tests, which compare their warehouses with it). Read only: tests that rerun work on a copy."""
    return thread_run


def test_all_five_reports_load(first_run):
    summary, warehouse = first_run
    assert [r.status for r in summary.reports] == ["ok"] * 5, [(r.source_file, r.error) for r in summary.reports]
    counts = dict(query(warehouse, "SELECT source_file, count(*) FROM v_facts GROUP BY 1"))
    assert set(counts) == {p.name for p in SAMPLES.iterdir()}
    assert all(n >= 20 for n in counts.values()), counts


def test_each_pdf_gives_a_table_cell_and_a_prose_figure(first_run):
    _, warehouse = first_run
    rows = query(warehouse, """SELECT source_file, kind, count(*) FROM v_facts
                                WHERE source_file LIKE '%.pdf' GROUP BY ALL""")
    kinds = {}
    for source_file, kind, n in rows:
        kinds.setdefault(source_file, {})[kind] = n
    assert len(kinds) == 3
    for source_file, by_kind in kinds.items():
        assert by_kind.get("table", 0) > 0 and by_kind.get("prose", 0) > 0, (source_file, by_kind)


def test_provenance_and_families(first_run):
    _, warehouse = first_run
    families = dict(query(warehouse, "SELECT DISTINCT source_file, report_family FROM v_facts"))
    assert families == {
        "gtrm-peru-sitrep-2019-10.pdf": "gtrm_sitrep", "gtrm-peru-sitrep-2021-02.pdf": "gtrm_sitrep",
        "r4v-peru-sitrep-2023-09.html": "r4v_sitrep", "unhcr-arr-peru-2023.pdf": "unhcr_arr",
        "unhcr-global-focus-peru-2020.html": "unhcr_global_focus"}
    missing_page = query(warehouse, "SELECT count(*) FROM v_facts WHERE source_file LIKE '%.pdf' AND page IS NULL")
    assert missing_page == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM v_facts WHERE evidence IS NULL OR evidence = ''") == [(0,)]


def test_runs_and_dq_are_recorded(first_run):
    summary, warehouse = first_run
    runs = query(warehouse, "SELECT stage, status, count(*) FROM v_runs GROUP BY ALL ORDER BY 1")
    assert runs == [("extract", "ok", 5), ("fetch", "ok", 5), ("load", "ok", 5), ("validate", "ok", 5)]
    assert query(warehouse, "SELECT count(DISTINCT source_file) FROM v_dq_results") == [(5,)]
    assert summary.data_docs and summary.data_docs.endswith(".html")


def test_second_run_does_no_stage_work_and_leaves_the_same_warehouse(first_run, tmp_path):
    from flows.pipeline import monthly_pipeline

    _, warehouse = first_run
    copy = tmp_path / "data" / "warehouse.duckdb"
    copy.parent.mkdir(parents=True)
    shutil.copy(warehouse, copy)
    # reuse the raw and stage stores of the first run
    for sub in ("raw", "stages"):
        shutil.copytree(warehouse.parent / sub, copy.parent / sub)
    before = query(copy, "SELECT fact_id, value FROM v_facts ORDER BY 1")
    summary = monthly_pipeline(sources=None, warehouse=str(copy))
    assert [r.status for r in summary.reports] == ["skipped"] * 5
    assert query(copy, "SELECT fact_id, value FROM v_facts ORDER BY 1") == before
    stages = query(copy, f"SELECT stage, status FROM v_runs WHERE run_id = '{summary.run_id}' AND stage <> 'fetch'")
    assert {s for _, s in stages} == {"skipped"}


def test_gold_score_meets_the_targets(first_run, tmp_path):
    """The shared scorer (a copy in tests/data) on the warehouse the real flow wrote."""
    import json
    import subprocess
    import sys

    from .conftest import DATA

    _, warehouse = first_run
    out = tmp_path / "score.json"
    command = [sys.executable, str(DATA / "score.py"), str(warehouse), "--gold", str(DATA / "gold_facts.csv"),
               "--min-recall", "0.98", "--min-precision", "0.95", "--json", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    score = json.loads(out.read_text())
    for dim in ("sector", "indicator", "measure", "population", "qualifier"):
        assert score["dimensions"][dim]["accuracy"] >= 0.95, (dim, score["dimensions"][dim])


def test_people_reached_totals_are_the_reports_own(first_run):
    """Hand-checked against the reports. 2021-02 p.2 'PEOPLE REACHED' table: Protection RMRP 4,777 + NO RMRP
    2,069; Health 2,016 + 2,975. 2023-09 table: Protection 12,483. Prose is never added: ARR p.7 Child Protection
    (28,363 cases, and 1,823 cases that are among them), p.6 GBV (969 cases 'of which 143'); 2019-10 p.3
    Protection is prose only (largest: 'A total of 200 targeted population'; 'two workshops' and '70 families'
    are not people)."""
    _, warehouse = first_run
    got = {(s, sec): (p, k, m, n) for s, sec, p, k, m, n in query(warehouse, """
        SELECT source_file, sector, people_reached, kind, prose_people_max, prose_figures FROM v_people_reached""")}
    assert got["gtrm-peru-sitrep-2021-02.pdf", "Protection"][:2] == (4777 + 2069, "table")
    assert got["gtrm-peru-sitrep-2021-02.pdf", "Health"][:2] == (2016 + 2975, "table")
    assert got["r4v-peru-sitrep-2023-09.html", "Protection"][:2] == (12483, "table")
    assert got["unhcr-arr-peru-2023.pdf", "Child Protection"] == (None, None, 28363, 2)
    assert got["unhcr-arr-peru-2023.pdf", "Gender-Based Violence"] == (None, None, 969, 2)
    assert got["gtrm-peru-sitrep-2019-10.pdf", "Protection"] == (None, None, 200, 6)
    prose = query(warehouse, """SELECT value, part_of_earlier FROM v_people_reached_prose
                                WHERE sector = 'Gender-Based Violence' ORDER BY value""")
    assert prose == [(143, True), (969, False)]
    workshops = query(warehouse, "SELECT count(*) FROM v_people_reached_prose WHERE evidence LIKE '%two workshops%'")
    assert workshops == [(1,)]  # the 50 officials, not the two workshops


def test_table_evidence_names_row_and_column(first_run):
    _, warehouse = first_run
    evidence = dict(query(warehouse, """SELECT sector || '/' || coalesce(population, ''), evidence FROM v_facts
        WHERE kind = 'table' AND source_file IN ('gtrm-peru-sitrep-2021-02.pdf', 'r4v-peru-sitrep-2023-09.html')"""))
    assert evidence["Protection/RMRP"] == "Protection | RMRP | 4,777"
    assert evidence["Protection/"] == "Protection | 12,483"


def test_report_of_the_real_warehouse_links_resolve_and_renders(first_run, tmp_path):
    """`sitrep report` on the samples' warehouse: every in-page link resolves, every evidence row links to the
    stored raw file (a relative path that exists) at its page for a PDF; chromium draws it (screenshot kept in
    the test's folder: look at it)."""
    import re
    import subprocess
    from pathlib import Path

    from sitrep.report import write_report

    from .htmlcheck import dangling, links

    _, warehouse = first_run
    page = write_report(warehouse, warehouse.parent / "report" / "report.html")
    assert dangling(page) == []
    parsed = links(page)
    raw = [h for h in parsed.others if "raw/" in h]
    assert raw and all(not h.startswith("/") for h in raw)
    assert any(re.search(r"raw/[0-9a-f]{2}/[0-9a-f]{64}#page=\d+$", h) for h in raw)  # a PDF page
    evidence_rows = re.findall(r'<tr id="fact-[0-9a-f]+">\s*<td><a href="([^"]+)"', page.read_text(encoding="utf-8"))
    assert len(evidence_rows) == page.read_text(encoding="utf-8").count('<tr id="fact-')

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("needs /usr/bin/chromium to render the report")
    shot = tmp_path / "report.png"
    done = subprocess.run([str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}",
                           "--virtual-time-budget=15000", "--window-size=1200,3000", f"--screenshot={shot}",
                           page.as_uri()], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]


def test_data_quality_pages_one_per_report_offline(first_run):
    """The run's data-quality pages: one per report (never '..._and_2_more'), no network asset, links resolve."""
    from .htmlcheck import dangling, links

    summary, warehouse = first_run
    docs = warehouse.parent / "dq"
    assert summary.data_docs == str(docs / "index.html")
    pages = sorted(p.name for p in (docs / "runs").rglob("*.html"))
    assert pages == sorted(f"{p.name}.html" for p in SAMPLES.iterdir())
    for page in docs.rglob("*.html"):
        parsed = links(page)
        assert not [u for u in parsed.assets + parsed.others if u.startswith(("http:", "https:", "//"))], page
        assert dangling(page) == [], page
    arr = next((docs / "runs").rglob("unhcr-arr-peru-2023.pdf.html")).read_text(encoding="utf-8")
    assert "passed with warnings" in arr and "Status: Failed" not in arr
