-- v_series: figures lined up across report periods. Recreated on every run, after views.sql; its comments
-- are in comments.sql. The same statement runs in memory at validation (expectations/series.py) over the
-- published figures plus an incoming report, so the series_jump check and this view agree on what a
-- series is.
--
-- A series is one report family, period grain (month or year: never mixed), kind (table, chart_data,
-- key_figure or prose: a prose highlight is not lined up with a table cell), metric (metric, else measure),
-- sector, location, population, indicator and unit; its points are the current versions' published figures
-- (v_facts, corrections applied), one per report. A figure is a point when its own period is unstated or is
-- the report's period, and it is the only figure of its report with that series key (two figures that
-- cannot be told apart are left out). Only series with two or more report periods are shown.
CREATE OR REPLACE VIEW v_series AS
WITH candidates AS (
    SELECT *,
           coalesce(metric, measure) AS series_metric,
           CASE WHEN length(report_period) >= 7 THEN 'month' ELSE 'year' END AS period_grain
    FROM v_facts
    WHERE coalesce(metric, measure) IS NOT NULL AND value IS NOT NULL AND report_period IS NOT NULL
      AND (period IS NULL OR period = report_period)
), keyed AS (
    SELECT *,
           left(md5(CAST([report_family, period_grain, kind, series_metric, sector, location, population,
                          indicator, unit] AS TEXT)), 16) AS series_id
    FROM candidates
), points AS (
    SELECT * FROM (SELECT *, count(*) OVER (PARTITION BY source_file, series_id) AS same_key FROM keyed)
    WHERE same_key = 1
), series AS (
    SELECT series_id, count(DISTINCT report_period) AS periods FROM points GROUP BY series_id
    HAVING count(DISTINCT report_period) >= 2
), lined AS (
    SELECT p.*, s.periods,
           lag(p.report_period) OVER w AS previous_period,
           lag(p.value) OVER w AS previous_value,
           lag(p.source_file) OVER w AS previous_source_file
    FROM points p JOIN series s USING (series_id)
    WINDOW w AS (PARTITION BY p.series_id ORDER BY p.report_period, p.source_file)
)
SELECT series_id,
       report_family,
       period_grain,
       series_metric AS metric,
       sector,
       location,
       population,
       indicator,
       unit,
       report_period AS period,
       last_day(make_date(TRY_CAST(substr(report_period, 1, 4) AS INTEGER),
                          coalesce(TRY_CAST(substr(report_period, 6, 2) AS INTEGER), 12), 1)) AS report_date,
       value,
       qualifier,
       kind,
       corrected,
       source_file,
       fact_id,
       previous_period,
       previous_value,
       previous_source_file,
       value - previous_value AS change,
       CASE WHEN previous_value <> 0 THEN round(100 * (value - previous_value) / abs(previous_value), 2) END
           AS change_pct,
       periods AS series_periods
FROM lined
ORDER BY report_family, kind, metric, sector NULLS FIRST, location NULLS FIRST, population NULLS FIRST,
         indicator NULLS FIRST, unit, period, source_file;
