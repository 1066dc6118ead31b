-- The analysts' contract (docs/CONTRACT.md). Recreated on every run.

-- Reviewed decisions in force: at most one per figure_key (the latest not undone).
CREATE OR REPLACE VIEW v_active_corrections AS
SELECT figure_key,
       arg_max(correction_id, decided_at) AS correction_id,
       arg_max(action, decided_at) AS action,
       arg_max(new_value, decided_at) AS new_value,
       arg_max(reason, decided_at) AS reason,
       arg_max(decided_by, decided_at) AS decided_by,
       max(decided_at) AS decided_at
FROM correction
WHERE undone_at IS NULL
GROUP BY figure_key;

-- dimensions_from says how each dimension was decided ("sector=heading; location=wording"); sector_from,
-- location_from, population_from and measure_from split it for one-line filters (WHERE sector_from = 'wording').
-- A figure is published when validation passed it (or only warned) and no reviewer rejected it, or when
-- a reviewer gave it a value (even if validation held it back); a reviewed value replaces the printed one.
CREATE OR REPLACE VIEW v_facts AS
SELECT f.fact_id, r.source_file, r.report_family, r.report_period, f.kind, f.metric,
       CASE WHEN c.action = 'value' THEN c.new_value ELSE f.value END AS value,
       f.unit, f.qualifier, f.sector, f.location, f.indicator, f.measure, f.population, f.period,
       f.page, f.evidence, coalesce(c.action = 'value', false) AS corrected,
       f.dimensions_from,
       nullif(regexp_extract(f.dimensions_from, 'sector=([^;]+)', 1), '') AS sector_from,
       nullif(regexp_extract(f.dimensions_from, 'location=([^;]+)', 1), '') AS location_from,
       nullif(regexp_extract(f.dimensions_from, 'population=([^;]+)', 1), '') AS population_from,
       nullif(regexp_extract(f.dimensions_from, 'measure=([^;]+)', 1), '') AS measure_from
FROM fact_figure f
JOIN dim_report r ON r.report_key = f.report_key AND r.is_current
LEFT JOIN v_active_corrections c ON c.figure_key = f.figure_key
WHERE c.action = 'value'
   OR (c.action IS NULL AND NOT EXISTS (
        SELECT 1 FROM quarantine q WHERE q.report_key = f.report_key AND q.fact_id = f.fact_id));

-- Held back: by validation (unless a reviewer gave the figure a value) or by a reviewer's rejection.
CREATE OR REPLACE VIEW v_quarantine AS
SELECT f.fact_id, r.source_file, r.report_family, r.report_period, f.kind, f.metric, f.value,
       f.unit, f.qualifier, f.sector, f.location, f.indicator, f.measure, f.population, f.period,
       f.page, f.evidence, q.expectation, q.reason,
       f.dimensions_from,
       nullif(regexp_extract(f.dimensions_from, 'sector=([^;]+)', 1), '') AS sector_from,
       nullif(regexp_extract(f.dimensions_from, 'location=([^;]+)', 1), '') AS location_from,
       nullif(regexp_extract(f.dimensions_from, 'population=([^;]+)', 1), '') AS population_from,
       nullif(regexp_extract(f.dimensions_from, 'measure=([^;]+)', 1), '') AS measure_from
FROM quarantine q
JOIN fact_figure f ON f.report_key = q.report_key AND f.fact_id = q.fact_id
JOIN dim_report r ON r.report_key = f.report_key AND r.is_current
LEFT JOIN v_active_corrections c ON c.figure_key = f.figure_key
WHERE c.action IS NULL
UNION ALL
SELECT f.fact_id, r.source_file, r.report_family, r.report_period, f.kind, f.metric, f.value,
       f.unit, f.qualifier, f.sector, f.location, f.indicator, f.measure, f.population, f.period,
       f.page, f.evidence, 'rejected_in_review' AS expectation,
       'rejected by ' || c.decided_by || ' on ' || strftime(c.decided_at, '%Y-%m-%d') || ' (correction '
           || c.correction_id || '): ' || c.reason AS reason,
       f.dimensions_from,
       nullif(regexp_extract(f.dimensions_from, 'sector=([^;]+)', 1), '') AS sector_from,
       nullif(regexp_extract(f.dimensions_from, 'location=([^;]+)', 1), '') AS location_from,
       nullif(regexp_extract(f.dimensions_from, 'population=([^;]+)', 1), '') AS population_from,
       nullif(regexp_extract(f.dimensions_from, 'measure=([^;]+)', 1), '') AS measure_from
FROM fact_figure f
JOIN dim_report r ON r.report_key = f.report_key AND r.is_current
JOIN v_active_corrections c ON c.figure_key = f.figure_key AND c.action = 'reject';

-- Every reviewed decision (active, undone or replaced) and the current figure it applies to.
CREATE OR REPLACE VIEW v_corrections AS
SELECT c.correction_id,
       CASE WHEN c.undone_at IS NULL THEN 'active'
            WHEN c.undo_reason LIKE 'replaced by %' THEN 'replaced' ELSE 'undone' END AS status,
       c.action, c.fact_id, c.source_file, c.report_family, c.report_period, c.raw, c.old_value, c.new_value,
       c.reason, c.decided_by, c.decided_at, c.undone_by, c.undone_at, c.undo_reason,
       cur.fact_id AS current_fact_id, cur.evidence AS current_evidence, c.figure_key
FROM correction c
LEFT JOIN (
    SELECT f.figure_key, f.fact_id, f.evidence
    FROM fact_figure f JOIN dim_report r ON r.report_key = f.report_key AND r.is_current
) cur ON cur.figure_key = c.figure_key
ORDER BY c.decided_at, c.correction_id;

-- is_latest_run: the row comes from the report's latest validation that was loaded (a rerun adds a new
-- run's rows and keeps the old ones, so analysts filter on it to see each expectation once).
CREATE OR REPLACE VIEW v_dq_results AS
WITH runs AS (
    SELECT d.source_file, d.run_id, max(l.started) AS started
    FROM (SELECT DISTINCT source_file, run_id FROM dq_result) d
    LEFT JOIN run_log l ON l.run_id = d.run_id AND l.source_file = d.source_file
    GROUP BY d.source_file, d.run_id
), latest AS (
    SELECT source_file, arg_max(run_id, coalesce(started, TIMESTAMP '1970-01-01')) AS run_id
    FROM runs GROUP BY source_file
)
SELECT q.run_id, q.source_file, q.expectation, q.status, q.observed, q.details,
       coalesce(q.run_id = l.run_id, false) AS is_latest_run
FROM dq_result q
LEFT JOIN latest l ON l.source_file = q.source_file;

CREATE OR REPLACE VIEW v_runs AS
SELECT run_id, source_file, stage, status, started, finished, error
FROM run_log;
