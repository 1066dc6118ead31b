"""Running it like production: stage reruns, corrected re-publications, failed-report reruns."""

from __future__ import annotations

import shutil

import pytest

from .conftest import SAMPLES, query

pytestmark = pytest.mark.slow

R4V = "r4v-peru-sitrep-2023-09.html"
GTRM = "gtrm-peru-sitrep-2021-02.pdf"




@pytest.fixture
def workspace(prefect_harness, tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in (R4V, GTRM):
        shutil.copy(SAMPLES / name, reports / name)
    return reports, tmp_path / "data" / "warehouse.duckdb"


def test_rerun_one_stage_for_one_report(workspace):
    from flows.pipeline import monthly_pipeline, rerun_stage

    reports, warehouse = workspace
    monthly_pipeline(sources=[str(reports)], warehouse=str(warehouse))
    facts_before = query(warehouse, "SELECT fact_id, value FROM v_facts ORDER BY 1")
    summary = rerun_stage(stage="validate", reports=[R4V], warehouse=str(warehouse))
    assert [(r.source_file, r.status) for r in summary.reports] == [(R4V, "ok")]
    stages = query(warehouse, "SELECT stage, status FROM v_runs WHERE run_id = ? ORDER BY stage", [summary.run_id])
    assert stages == [("load", "ok"), ("validate", "ok")]  # extract was not redone
    assert query(warehouse, "SELECT fact_id, value FROM v_facts ORDER BY 1") == facts_before


def test_corrected_republication_replaces_figures_and_keeps_history(workspace):
    from flows.pipeline import monthly_pipeline

    reports, warehouse = workspace
    monthly_pipeline(sources=[str(reports)], warehouse=str(warehouse))
    old = query(warehouse, "SELECT count(*) FROM v_facts WHERE source_file = ? AND value = 1995", [R4V])
    assert old == [(1,)]
    page = (reports / R4V).read_text(encoding="utf-8")
    (reports / R4V).write_text(page.replace("<td>1,995</td>", "<td>2,117</td>"), encoding="utf-8")
    summary = monthly_pipeline(sources=[str(reports)], warehouse=str(warehouse))
    assert {r.source_file: r.status for r in summary.reports} == {R4V: "ok", GTRM: "skipped"}
    assert query(warehouse, "SELECT value FROM v_facts WHERE source_file = ? AND sector = 'Education' "
                        "AND kind = 'table'", [R4V]) == [(2117.0,)]
    versions = query(warehouse, "SELECT is_current, count(*) FROM dim_report WHERE source_file = ? "
                                "GROUP BY 1 ORDER BY 1", [R4V])
    assert versions == [(False, 1), (True, 1)]
    history = query(warehouse, """SELECT f.value FROM fact_figure f JOIN dim_report r USING (report_key)
                              WHERE r.source_file = ? AND NOT r.is_current AND f.sector = 'Education'
                              AND f.kind = 'table'""", [R4V])
    assert history == [(1995.0,)]


def test_rerun_without_report_picks_the_failed_ones(workspace):
    from flows.pipeline import monthly_pipeline, rerun_stage, summary_of

    reports, warehouse = workspace
    (reports / "broken.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    first = summary_of(monthly_pipeline(sources=[str(reports)], warehouse=str(warehouse), return_state=True))
    assert {r.source_file: r.status for r in first.reports}["broken.pdf"] == "failed"
    state = rerun_stage(stage="extract", reports=None, warehouse=str(warehouse), return_state=True)
    assert state.is_failed() and state.message.startswith("1 report(s): 0 loaded, 0 unchanged, 1 failed")
    summary = summary_of(state)
    assert [r.source_file for r in summary.reports] == ["broken.pdf"]
    assert summary.reports[0].status == "failed" and summary.reports[0].stage == "extract"
    assert "cannot open PDF" in summary.reports[0].error
    assert query(warehouse, "SELECT count(DISTINCT source_file) FROM v_facts") == [(2,)]
