"""Validation through the real pipeline: seeded faults in copies of the web pages are caught,
the failing figures are quarantined (not in v_facts), and clean pages pass."""

from __future__ import annotations

import duckdb
import pytest

from .conftest import SAMPLES

pytestmark = pytest.mark.slow

FOCUS = "unhcr-global-focus-peru-2020.html"
R4V = "r4v-peru-sitrep-2023-09.html"


@pytest.fixture(scope="module")
def warehouse(prefect_harness, tmp_path_factory):
    from flows.pipeline import monthly_pipeline

    root = tmp_path_factory.mktemp("dq")
    reports = root / "reports"
    reports.mkdir()
    focus = (SAMPLES / FOCUS).read_text(encoding="utf-8")
    assert '["Refugees",4332]' in focus
    (reports / "focus-population-part-changed.html").write_text(
        focus.replace('["Refugees",4332]', '["Refugees",9332]'), encoding="utf-8")
    r4v = (SAMPLES / R4V).read_text(encoding="utf-8")
    assert ">$44.8M<" in r4v
    (reports / "r4v-funded-changed.html").write_text(r4v.replace(">$44.8M<", ">$64.8M<"), encoding="utf-8")
    (reports / R4V).write_text(r4v, encoding="utf-8")
    path = root / "data" / "warehouse.duckdb"
    summary = monthly_pipeline(sources=[str(reports)], warehouse=str(path))
    assert all(r.status == "ok" for r in summary.reports), summary.reports
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _status(con, source_file, expectation):
    return con.execute("SELECT status, details FROM v_dq_results WHERE source_file = ? AND expectation = ?",
                       [source_file, expectation]).fetchall()


def test_population_part_changed_is_caught_and_quarantined(warehouse):
    rows = _status(warehouse, "focus-population-part-changed.html", "population_parts_sum_to_total")
    assert rows and rows[0][0] == "fail", rows
    held = warehouse.execute("SELECT value, reason FROM v_quarantine WHERE source_file = ? "
                             "AND expectation = 'population_parts_sum_to_total'",
                             ["focus-population-part-changed.html"]).fetchall()
    assert 9332.0 in {v for v, _ in held}
    assert any("1,562,276" in reason or "1562276" in reason for _, reason in held), held
    assert warehouse.execute("SELECT count(*) FROM v_facts WHERE source_file = ? AND value = 9332",
                             ["focus-population-part-changed.html"]).fetchone() == (0,)
    # the malformed key figure of the page is quarantined too
    assert warehouse.execute("SELECT count(*) FROM v_quarantine WHERE source_file = ? AND value = 529960",
                             ["focus-population-part-changed.html"]).fetchone() == (1,)


def test_funded_amount_changed_breaks_the_funded_percentage(warehouse):
    assert _status(warehouse, "r4v-funded-changed.html", "funded_pct_matches_ratio")[0][0] == "fail"
    assert _status(warehouse, R4V, "funded_pct_matches_ratio")[0][0] == "pass"
    held = {v for (v,) in warehouse.execute(
        "SELECT value FROM v_quarantine WHERE source_file = 'r4v-funded-changed.html'").fetchall()}
    assert {64800000.0, 14.0} <= held
    assert warehouse.execute("SELECT count(*) FROM v_quarantine WHERE source_file = ?", [R4V]).fetchone() == (0,)


def test_results_cover_every_report(warehouse):
    rows = warehouse.execute("SELECT source_file, count(*) FROM v_dq_results GROUP BY 1").fetchall()
    assert len(rows) == 3 and all(n >= 10 for _, n in rows)


def test_status_shows_a_validation_that_held_figures_back_as_quarantined(warehouse):
    """`sitrep status` reads the validate stage of a report whose figures were quarantined as "quarantined"
    (v_runs says ok: the stage ran), and a clean one as ok."""
    from sitrep.status import LAST_RUNS, shown_status

    rows = warehouse.execute(LAST_RUNS).fetchall()
    validate = {r[0]: shown_status(r[3], r[7], r[8]) for r in rows if r[2] == "validate"}
    held = warehouse.execute("SELECT count(*) FROM v_quarantine WHERE source_file = 'r4v-funded-changed.html'"
                             ).fetchone()[0]
    assert held >= 2
    word, note = validate["r4v-funded-changed.html"]
    assert word == "quarantined" and note.startswith(f"{held} figure(s) quarantined"), validate
    assert validate[R4V][0] in ("ok", "warn") and "quarantined" not in validate[R4V][1]
    assert {r[3] for r in rows if r[2] == "validate"} == {"ok"}  # v_runs itself is unchanged
