-- Analyst views: questions analysts ask, answered from the contract views (v_facts, v_quarantine,
-- v_dq_results, v_runs) and dim_report. Recreated on every run, after views.sql; their comments are
-- in comments.sql. Dates: `report_date` is the last day of the report's period (YYYY-MM -> the month's
-- last day, YYYY -> 31 December), so monthly and annual reports sit on one time axis.

-- People reached, by sector, per report (a time series across reports). The rule, in words:
-- * people_reached is the report's own structured figure for the sector: its table cells (else chart
--   points, else key-figure cards) that count people (measure or metric people_reached, unit number).
--   A cell labelled Total is taken alone; otherwise the sector's cells (e.g. RMRP and non-RMRP partners)
--   are added. NULL when the report prints no such figure for the sector.
-- * Prose figures are never added: not to one another (a sentence's "of which 143" is inside its 969; two
--   sentences about the same service may count the same people) and not to the table. The largest prose
--   figure counting people is given apart, as prose_people_max (a floor), with v_people_reached_prose
--   listing each one.
-- * Only counts of people: the extractor leaves "two workshops", "six safe spaces", "70 families" without
--   the people_reached metric (extractors/vocabulary.toml, [counted]); percentages are not counts.
CREATE OR REPLACE VIEW v_people_reached_prose AS
SELECT last_day(make_date(TRY_CAST(substr(f.report_period, 1, 4) AS INTEGER),
                          coalesce(TRY_CAST(substr(f.report_period, 6, 2) AS INTEGER), 12), 1)) AS report_date,
       f.report_period,
       CASE WHEN length(f.report_period) >= 7 THEN 'month' ELSE 'year' END AS period_grain,
       f.report_family,
       f.source_file,
       f.sector,
       f.value,
       f.qualifier,
       coalesce(ff.flags LIKE '%part_of%', false) AS part_of_earlier,
       f.location,
       f.period,
       f.page,
       f.evidence,
       f.fact_id
FROM v_facts f
JOIN dim_report r ON r.source_file = f.source_file AND r.is_current
JOIN fact_figure ff ON ff.report_key = r.report_key AND ff.fact_id = f.fact_id
WHERE f.kind = 'prose' AND (f.measure = 'people_reached' OR f.metric = 'people_reached')
  AND f.unit = 'number' AND f.value IS NOT NULL
ORDER BY report_date, f.source_file, f.sector NULLS LAST, f.page NULLS LAST, f.value DESC;

CREATE OR REPLACE VIEW v_people_reached AS
WITH structured AS (
    SELECT *,
           CASE kind WHEN 'table' THEN 1 WHEN 'chart_data' THEN 2 ELSE 3 END AS kind_rank,
           lower(trim(coalesce(population, ''))) = 'total' OR lower(trim(coalesce(indicator, ''))) = 'total'
               AS is_total
    FROM v_facts
    WHERE kind IN ('table', 'chart_data', 'key_figure')
      AND (measure = 'people_reached' OR metric = 'people_reached')
      AND unit = 'number' AND sector IS NOT NULL AND value IS NOT NULL
), ranked AS (
    SELECT *,
           min(kind_rank) OVER (PARTITION BY source_file, sector) AS best_rank,
           bool_or(is_total) OVER (PARTITION BY source_file, sector, kind) AS has_total
    FROM structured
), totals AS (
    SELECT report_period, report_family, source_file, sector,
           sum(value) AS people_reached,
           count(*) AS figures,
           any_value(kind) AS kind,
           string_agg(DISTINCT qualifier, ', ' ORDER BY qualifier) AS qualifiers,
           list(fact_id ORDER BY fact_id) AS fact_ids
    FROM ranked
    WHERE kind_rank = best_rank AND (is_total OR NOT has_total)
    GROUP BY report_period, report_family, source_file, sector
), prose AS (
    SELECT report_period, report_family, source_file, sector,
           max(value) AS prose_people_max,
           count(*) AS prose_figures,
           list(fact_id ORDER BY fact_id) AS prose_fact_ids
    FROM v_people_reached_prose
    WHERE sector IS NOT NULL
    GROUP BY report_period, report_family, source_file, sector
), both_kinds AS (
    SELECT coalesce(t.report_period, p.report_period) AS report_period,
           coalesce(t.report_family, p.report_family) AS report_family,
           coalesce(t.source_file, p.source_file) AS source_file,
           coalesce(t.sector, p.sector) AS sector,
           t.people_reached, t.figures, t.kind, t.qualifiers, t.fact_ids,
           p.prose_people_max, p.prose_figures, p.prose_fact_ids
    FROM totals t
    FULL OUTER JOIN prose p ON p.source_file = t.source_file AND p.sector = t.sector
)
SELECT last_day(make_date(TRY_CAST(substr(report_period, 1, 4) AS INTEGER),
                          coalesce(TRY_CAST(substr(report_period, 6, 2) AS INTEGER), 12), 1)) AS report_date,
       report_period,
       CASE WHEN length(report_period) >= 7 THEN 'month' ELSE 'year' END AS period_grain,
       report_family,
       source_file,
       sector,
       people_reached,
       coalesce(figures, 0) AS figures,
       kind,
       qualifiers,
       coalesce(fact_ids, []::VARCHAR[]) AS fact_ids,
       prose_people_max,
       coalesce(prose_figures, 0) AS prose_figures,
       coalesce(prose_fact_ids, []::VARCHAR[]) AS prose_fact_ids
FROM both_kinds
ORDER BY report_date, source_file, sector;

-- Funding by year and source: requirement, funded, budget, funds available, expenditure, and
-- their printed percentages, pivoted to one row per year, report and budget line.
CREATE OR REPLACE VIEW v_funding AS
WITH money AS (
    SELECT *,
           coalesce(TRY_CAST(substr(period, 1, 4) AS INTEGER),
                    TRY_CAST(substr(report_period, 1, 4) AS INTEGER)) AS year,
           CASE WHEN coalesce(indicator, sector, location) IS NULL OR lower(indicator) = 'total' THEN 'Total'
                ELSE coalesce(indicator, sector, location) END AS line
    FROM v_facts
    WHERE value IS NOT NULL AND (
          (measure IN ('requirement', 'funded', 'budget', 'funds_available', 'expenditure')
           AND unit NOT IN ('number', 'percent'))  -- money in any currency (ISO 4217 code)
       OR (measure IN ('funded_pct', 'funds_available_pct', 'expenditure_pct') AND unit = 'percent'))
)
SELECT year,
       report_family,
       source_file,
       report_period,
       line,
       max(sector) AS sector,
       string_agg(DISTINCT unit, ', ' ORDER BY unit) FILTER (WHERE unit <> 'percent') AS currency,
       max(value) FILTER (WHERE measure = 'requirement') AS requirement,
       max(value) FILTER (WHERE measure = 'funded') AS funded,
       max(value) FILTER (WHERE measure = 'funded_pct') AS funded_pct,
       max(value) FILTER (WHERE measure = 'budget') AS budget,
       max(value) FILTER (WHERE measure = 'funds_available') AS funds_available,
       max(value) FILTER (WHERE measure = 'funds_available_pct') AS funds_available_pct,
       max(value) FILTER (WHERE measure = 'expenditure') AS expenditure,
       max(value) FILTER (WHERE measure = 'expenditure_pct') AS expenditure_pct,
       count(*) AS figures,
       list(fact_id ORDER BY fact_id) AS fact_ids
FROM money
GROUP BY year, report_family, source_file, report_period, line
ORDER BY year, source_file, line = 'Total' DESC, line;

-- Key figures over time (e.g. Venezuelans in Peru by report date), one row per key figure.
CREATE OR REPLACE VIEW v_key_figures AS
SELECT last_day(make_date(TRY_CAST(substr(report_period, 1, 4) AS INTEGER),
                          coalesce(TRY_CAST(substr(report_period, 6, 2) AS INTEGER), 12), 1)) AS report_date,
       report_period,
       report_family,
       source_file,
       coalesce(metric, measure) AS metric,
       value,
       unit,
       qualifier,
       CASE qualifier WHEN 'lower_bound' THEN 'more than ' WHEN 'upper_bound' THEN 'up to '
                      WHEN 'approx' THEN 'about ' ELSE '' END AS qualifier_text,
       location,
       population,
       period,
       page,
       evidence,
       fact_id
FROM v_facts
WHERE kind = 'key_figure'
ORDER BY report_date, source_file, metric NULLS LAST, value DESC;

-- Indicators: baseline, target and actual side by side, one row per indicator, population and year.
CREATE OR REPLACE VIEW v_indicators AS
WITH measured AS (
    SELECT *,
           CASE WHEN measure <> 'baseline' THEN TRY_CAST(substr(period, 1, 4) AS INTEGER) END AS period_year,
           TRY_CAST(substr(report_period, 1, 4) AS INTEGER) AS report_year,
           trim(split_part(regexp_replace(evidence, '\s*\|?\s*(baseline|target|actual)\s*:.*$', ''), ' | ', 1))
               AS indicator_text
    FROM v_facts
    WHERE measure IN ('baseline', 'target', 'actual') AND indicator IS NOT NULL
)
SELECT coalesce(period_year, report_year) AS year,
       indicator,
       indicator_text,
       population,
       unit,
       max(value) FILTER (WHERE measure = 'baseline') AS baseline,
       max(value) FILTER (WHERE measure = 'target') AS target,
       max(value) FILTER (WHERE measure = 'actual') AS actual,
       CASE WHEN max(value) FILTER (WHERE measure = 'target') <> 0
            THEN round(100 * max(value) FILTER (WHERE measure = 'actual')
                           / max(value) FILTER (WHERE measure = 'target'), 2) END AS actual_vs_target_pct,
       report_family,
       source_file,
       report_period,
       page,
       count(*) AS figures,
       list(fact_id ORDER BY fact_id) AS fact_ids
FROM measured
GROUP BY coalesce(period_year, report_year), indicator, indicator_text, population, unit, report_family,
         source_file, report_period, page
ORDER BY year, source_file, page NULLS LAST, indicator, population;

-- Data quality per report: the current version's expectations (pass/warn/fail), its quarantined and
-- published figures, and what the latest run did to the report.
CREATE OR REPLACE VIEW v_dq_summary AS
WITH current_reports AS (
    SELECT source_file, report_family, report_period, run_id AS loaded_run_id, loaded_at
    FROM dim_report WHERE is_current
), dq AS (
    SELECT d.source_file,
           count(*) FILTER (WHERE d.status = 'pass') AS dq_pass,
           count(*) FILTER (WHERE d.status = 'warn') AS dq_warn,
           count(*) FILTER (WHERE d.status = 'fail') AS dq_fail
    FROM v_dq_results d JOIN current_reports c ON c.source_file = d.source_file AND c.loaded_run_id = d.run_id
    GROUP BY d.source_file
), held AS (
    SELECT source_file, count(*) AS quarantined FROM v_quarantine GROUP BY source_file
), published AS (
    SELECT source_file, count(*) AS facts_published FROM v_facts GROUP BY source_file
), latest AS (
    SELECT source_file, arg_max(run_id, started) AS latest_run_id
    FROM v_runs GROUP BY source_file
), latest_run AS (
    SELECT r.source_file,
           r.run_id AS latest_run_id,
           min(r.started) AS latest_run_started,
           max(r.finished) AS latest_run_finished,
           CASE WHEN bool_or(r.status = 'failed') THEN 'failed'
                WHEN bool_and(r.status = 'skipped') THEN 'skipped' ELSE 'ok' END AS latest_run_status,
           string_agg(r.stage, ', ') FILTER (WHERE r.status = 'failed') AS latest_run_failed_stage,
           string_agg(r.error, ' / ') FILTER (WHERE r.error IS NOT NULL) AS latest_run_error
    FROM v_runs r JOIN latest l ON l.source_file = r.source_file AND l.latest_run_id = r.run_id
    GROUP BY r.source_file, r.run_id
)
SELECT coalesce(c.source_file, lr.source_file) AS source_file,
       c.report_family,
       c.report_period,
       c.loaded_run_id,
       c.loaded_at,
       coalesce(p.facts_published, 0) AS facts_published,
       coalesce(h.quarantined, 0) AS quarantined,
       coalesce(dq.dq_pass, 0) AS dq_pass,
       coalesce(dq.dq_warn, 0) AS dq_warn,
       coalesce(dq.dq_fail, 0) AS dq_fail,
       lr.latest_run_id,
       lr.latest_run_started,
       lr.latest_run_finished,
       lr.latest_run_status,
       lr.latest_run_failed_stage,
       lr.latest_run_error
FROM current_reports c
FULL OUTER JOIN latest_run lr ON lr.source_file = c.source_file
LEFT JOIN dq ON dq.source_file = coalesce(c.source_file, lr.source_file)
LEFT JOIN held h ON h.source_file = coalesce(c.source_file, lr.source_file)
LEFT JOIN published p ON p.source_file = coalesce(c.source_file, lr.source_file)
ORDER BY source_file;
