"""Load stage on real DuckDB files: transactions, versions, contract views, atomic publish, lock."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from extractors.records import ExtractResult, Figure
from sitrep.artifacts import figures_frame
from sitrep.errors import LoadError
from warehouse.db import StagedWarehouse, ensure_schema, run_lock
from warehouse.load import ReportVersion, fact_ids, load_report

# added with sector by content (issue 12): how each dimension was decided
DECIDED = ["dimensions_from", "sector_from", "location_from", "population_from", "measure_from"]
CONTRACT = {
    "v_facts": ["fact_id", "source_file", "report_family", "report_period", "kind", "metric", "value", "unit",
                "qualifier", "sector", "location", "indicator", "measure", "population", "period", "page",
                "evidence", "corrected", *DECIDED],
    "v_dq_results": ["run_id", "source_file", "expectation", "status", "observed", "details", "is_latest_run"],
    "v_runs": ["run_id", "source_file", "stage", "status", "started", "finished", "error"],
    "v_corrections": ["correction_id", "status", "action", "fact_id", "source_file", "report_family",
                      "report_period", "raw", "old_value", "new_value", "reason", "decided_by", "decided_at",
                      "undone_by", "undone_at", "undo_reason", "current_fact_id", "current_evidence", "figure_key"],
    "v_series": ["series_id", "report_family", "period_grain", "metric", "sector", "location", "population",
                 "indicator", "unit", "period", "report_date", "value", "qualifier", "kind", "corrected",
                 "source_file", "fact_id", "previous_period", "previous_value", "previous_source_file", "change",
                 "change_pct", "series_periods"],
}


def _figures(*values: float) -> pd.DataFrame:
    figs = [Figure(kind="table", value=v, unit="number", evidence=f"row {v}", sector="Health", page=1)
            for v in values]
    return figures_frame(ExtractResult("gtrm_sitrep", "2021-02", figs))


def _version(sha: str = "a" * 64) -> ReportVersion:
    return ReportVersion("r.pdf", sha, "gtrm_sitrep", "2021-02", None, "application/pdf", 10, "src", "loc",
                         "2026-01-01T00:00:00+00:00")


NO_DQ = pd.DataFrame(columns=["expectation", "status", "observed", "details"])
NO_Q = pd.DataFrame(columns=["row", "expectation", "reason"])


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    yield con
    con.close()


def test_contract_views_have_the_contract_columns(con):
    for view, columns in CONTRACT.items():
        assert [r[0] for r in con.execute(f"DESCRIBE {view}").fetchall()] == columns
    quarantine = [r[0] for r in con.execute("DESCRIBE v_quarantine").fetchall()]
    # v_facts but `corrected`, then why it is held back, then how its dimensions were decided (added later)
    assert quarantine == CONTRACT["v_facts"][:-6] + ["expectation", "reason"] + DECIDED


def test_load_quarantines_and_publishes(con):
    dq = pd.DataFrame([{"expectation": "non_negative", "status": "fail", "observed": "1", "details": "x"}])
    q = pd.DataFrame([{"row": 1, "expectation": "non_negative", "reason": "value -5 is negative"}])
    assert load_report(con, "run1", _version(), _figures(10, -5, 30), dq, q) == 3
    assert sorted(v for (v,) in con.execute("SELECT value FROM v_facts").fetchall()) == [10, 30]
    assert con.execute("SELECT value, expectation, reason FROM v_quarantine").fetchall() == [
        (-5.0, "non_negative", "value -5 is negative")]
    assert con.execute("SELECT sector FROM dim_sector").fetchall() == [("Health",)]
    assert con.execute("SELECT count(*) FROM v_dq_results").fetchone()[0] == 1


def test_an_extract_stored_before_dimensions_from_still_validates_and_loads(con):
    from expectations.relations import missing_columns

    old = _figures(10, 20).drop(columns=["dimensions_from"])  # extract.parquet written by an earlier version
    assert missing_columns(old) == []
    assert load_report(con, "run1", _version(), old, NO_DQ, NO_Q) == 2
    assert con.execute("SELECT DISTINCT dimensions_from, sector_from FROM v_facts").fetchall() == [(None, None)]
    new = _figures(10, 20)
    new["dimensions_from"] = "sector=table header"
    load_report(con, "run2", _version("b" * 64), new, NO_DQ, NO_Q)
    assert con.execute("SELECT DISTINCT sector, sector_from FROM v_facts").fetchall() == [("Health", "table header")]


def test_failed_load_leaves_nothing_half_written(con):
    load_report(con, "run1", _version(), _figures(1, 2), NO_DQ, NO_Q)
    bad_q = pd.DataFrame([{"row": 99, "expectation": "x", "reason": "y"}])  # no such figure
    with pytest.raises(LoadError):
        load_report(con, "run2", _version("b" * 64), _figures(7, 8, 9), NO_DQ, bad_q)
    assert sorted(v for (v,) in con.execute("SELECT value FROM v_facts").fetchall()) == [1, 2]
    assert con.execute("SELECT count(*) FROM dim_report").fetchone()[0] == 1


def test_new_version_replaces_old_which_stays_queryable(con):
    load_report(con, "run1", _version("a" * 64), _figures(1, 2), NO_DQ, NO_Q)
    load_report(con, "run2", _version("b" * 64), _figures(1, 3), NO_DQ, NO_Q)
    assert sorted(v for (v,) in con.execute("SELECT value FROM v_facts").fetchall()) == [1, 3]
    history = con.execute("""SELECT r.sha256[1:1], f.value FROM fact_figure f JOIN dim_report r USING (report_key)
                             ORDER BY 1, 2""").fetchall()
    assert history == [("a", 1.0), ("a", 2.0), ("b", 1.0), ("b", 3.0)]
    # the unchanged figure keeps its id across versions
    ids = con.execute("SELECT DISTINCT fact_id FROM fact_figure WHERE value = 1").fetchall()
    assert len(ids) == 1


def test_reload_same_version_is_idempotent(con):
    for run in ("run1", "run2"):
        load_report(con, run, _version(), _figures(1, 2, 2), NO_DQ, NO_Q)
    assert con.execute("SELECT count(*), count(DISTINCT fact_id) FROM v_facts").fetchone() == (3, 3)


def test_fact_ids_are_stable_and_distinguish_repeats():
    a = fact_ids("r.pdf", _figures(5, 5, 6))
    assert a == fact_ids("r.pdf", _figures(5, 5, 6))
    assert len(set(a)) == 3
    assert a != fact_ids("other.pdf", _figures(5, 5, 6))


def test_staged_publish_is_atomic_and_readers_keep_their_snapshot(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    first = StagedWarehouse(path)
    load_report(first.open(), "run1", _version(), _figures(1), NO_DQ, NO_Q)
    first.publish()
    reader = duckdb.connect(str(path), read_only=True)
    second = StagedWarehouse(path)
    load_report(second.open(), "run2", _version("b" * 64), _figures(2), NO_DQ, NO_Q)
    assert [v for (v,) in duckdb.connect(str(path), read_only=True).execute(
        "SELECT value FROM v_facts").fetchall()] == [1.0]  # nothing visible before publish
    second.publish()
    assert reader.execute("SELECT value FROM v_facts").fetchall() == [(1.0,)]  # old snapshot
    reader.close()
    fresh = duckdb.connect(str(path), read_only=True)
    assert fresh.execute("SELECT value FROM v_facts").fetchall() == [(2.0,)]


def test_discarded_run_leaves_previous_content(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    first = StagedWarehouse(path)
    load_report(first.open(), "run1", _version(), _figures(1), NO_DQ, NO_Q)
    first.publish()
    second = StagedWarehouse(path)
    load_report(second.open(), "run2", _version("b" * 64), _figures(2), NO_DQ, NO_Q)
    second.discard()
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT value FROM v_facts").fetchall() == [(1.0,)]
    assert not second.staging.exists()


def test_second_writer_waits_then_refuses(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with run_lock(path):
        with pytest.raises(LoadError, match="another sitrep run"):
            with run_lock(path, wait=0.5):
                pass
    with run_lock(path, wait=0.5):  # free again
        pass


def test_error_inside_the_transaction_rolls_everything_back(con):
    load_report(con, "run1", _version(), _figures(1, 2), NO_DQ, NO_Q)
    broken = _figures(7, 8).astype({"value": "object"})
    broken.loc[1, "value"] = "not a number"  # fails at INSERT, after the version row is written
    with pytest.raises(LoadError):
        load_report(con, "run2", _version("b" * 64), broken, NO_DQ, NO_Q)
    assert sorted(v for (v,) in con.execute("SELECT value FROM v_facts").fetchall()) == [1, 2]
    assert con.execute("SELECT count(*), bool_and(is_current) FROM dim_report").fetchone() == (1, True)
