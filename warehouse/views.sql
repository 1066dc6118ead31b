-- The analysts' contract (docs/CONTRACT.md). Recreated on every run.

CREATE OR REPLACE VIEW v_facts AS
SELECT f.fact_id, r.source_file, r.report_family, r.report_period, f.kind, f.metric, f.value,
       f.unit, f.qualifier, f.sector, f.location, f.indicator, f.measure, f.population, f.period,
       f.page, f.evidence
FROM fact_figure f
JOIN dim_report r ON r.report_key = f.report_key AND r.is_current
WHERE NOT EXISTS (
    SELECT 1 FROM quarantine q WHERE q.report_key = f.report_key AND q.fact_id = f.fact_id
);

CREATE OR REPLACE VIEW v_quarantine AS
SELECT f.fact_id, r.source_file, r.report_family, r.report_period, f.kind, f.metric, f.value,
       f.unit, f.qualifier, f.sector, f.location, f.indicator, f.measure, f.population, f.period,
       f.page, f.evidence, q.expectation, q.reason
FROM quarantine q
JOIN fact_figure f ON f.report_key = q.report_key AND f.fact_id = q.fact_id
JOIN dim_report r ON r.report_key = f.report_key AND r.is_current;

CREATE OR REPLACE VIEW v_dq_results AS
SELECT run_id, source_file, expectation, status, observed, details
FROM dq_result;

CREATE OR REPLACE VIEW v_runs AS
SELECT run_id, source_file, stage, status, started, finished, error
FROM run_log;
