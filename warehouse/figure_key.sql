-- figure_key: what identifies "the same figure" across runs and versions of a report, so a reviewed
-- correction (table correction) follows the figure into a re-publication. It is an md5 of the report
-- (source_file, family, period), what the figure is (kind, metric, measure, unit, sector, location,
-- indicator, population, period) and how it was printed (raw), plus its occurrence number among
-- figures of the same version with the same key (in extraction order). Page and evidence are left
-- out on purpose: a re-publication that moves a figure to another page or rewords its sentence keeps
-- the key; one that prints another number (a fixed misprint) does not, and the old decision no
-- longer applies. Fills the keys still missing: run by the load stage after each report's insert and
-- by ensure_schema (warehouses from before this column).
UPDATE fact_figure SET figure_key = k.figure_key
FROM (
    SELECT f.report_key, f.fact_id,
           left(md5(CAST([r.source_file, r.report_family, r.report_period, f.kind, f.metric, f.measure,
                               f.unit, f.sector, f.location, f.indicator, f.population, f.period, f.raw] AS TEXT)
                    || '#' || row_number() OVER (
                        PARTITION BY f.report_key, r.source_file, r.report_family, r.report_period, f.kind,
                                     f.metric, f.measure, f.unit, f.sector, f.location, f.indicator,
                                     f.population, f.period, f.raw
                        ORDER BY f.seq)), 20) AS figure_key
    FROM fact_figure f JOIN dim_report r ON r.report_key = f.report_key
    WHERE f.report_key IN (SELECT report_key FROM fact_figure WHERE figure_key IS NULL)
) k
WHERE fact_figure.report_key = k.report_key AND fact_figure.fact_id = k.fact_id
  AND fact_figure.figure_key IS NULL;
