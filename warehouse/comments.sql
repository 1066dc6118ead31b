-- Documentation stored in the database: one comment per table, view and column. Runs after the views
-- are (re)created on every run (CREATE OR REPLACE VIEW drops a view's comments). docs/warehouse.md is
-- generated from these comments by `python -m warehouse.dictionary docs/warehouse.md`.

-- Dimensions ---------------------------------------------------------------------------------------
COMMENT ON TABLE dim_report IS 'Report versions: one row per distinct file content (bytes) of a report; loading new bytes for the same source_file supersedes the old row.';
COMMENT ON COLUMN dim_report.report_key IS 'Key of one report version: source_file, ''@'', first 16 hex digits of sha256. Joins to fact_figure, quarantine, dq_result.';
COMMENT ON COLUMN dim_report.source_file IS 'The report''s file name as fetched, without folders: the report''s ID across versions.';
COMMENT ON COLUMN dim_report.sha256 IS 'SHA-256 of the report file''s bytes (hex).';
COMMENT ON COLUMN dim_report.report_family IS 'Report family: gtrm_sitrep, r4v_sitrep, unhcr_arr, unhcr_global_focus.';
COMMENT ON COLUMN dim_report.report_period IS 'Period the report covers: YYYY (annual reports) or YYYY-MM (monthly reports).';
COMMENT ON COLUMN dim_report.title IS 'Title as printed in the report, when found.';
COMMENT ON COLUMN dim_report.media_type IS 'Media type of the file, e.g. application/pdf, text/html.';
COMMENT ON COLUMN dim_report.bytes IS 'File size in bytes.';
COMMENT ON COLUMN dim_report.source IS 'The --source the report was listed from (folder, file, URL or catalog).';
COMMENT ON COLUMN dim_report.location IS 'Path or URL the file itself was read from.';
COMMENT ON COLUMN dim_report.fetched_at IS 'When the file was fetched (UTC).';
COMMENT ON COLUMN dim_report.loaded_at IS 'When this version was loaded into the warehouse (UTC).';
COMMENT ON COLUMN dim_report.run_id IS 'The run that loaded this version (see run_log, v_runs).';
COMMENT ON COLUMN dim_report.is_current IS 'True for the latest loaded version of each source_file; the contract views show current versions only.';
COMMENT ON COLUMN dim_report.superseded_at IS 'When a newer version replaced this one (UTC); NULL while current.';

COMMENT ON TABLE dim_sector IS 'Sectors seen in figures: canonical sector names (e.g. Health, WASH, Protection). Joins on fact_figure.sector.';
COMMENT ON COLUMN dim_sector.sector IS 'Canonical sector name.';
COMMENT ON TABLE dim_location IS 'Places seen in figures, as printed (a figure about several places lists them separated by ''; ''). Joins on fact_figure.location.';
COMMENT ON COLUMN dim_location.location IS 'Place name as printed, or a ''; ''-separated list of places.';
COMMENT ON TABLE dim_indicator IS 'Indicator and area codes seen in figures, as printed (e.g. 1.1, IA1, OA4, Total). Joins on fact_figure.indicator.';
COMMENT ON COLUMN dim_indicator.indicator IS 'Indicator or area code as printed.';
COMMENT ON TABLE dim_period IS 'Periods seen in figures and reports (YYYY or YYYY-MM), with their year and month parsed. Joins on fact_figure.period or dim_report.report_period.';
COMMENT ON COLUMN dim_period.period IS 'Period text: YYYY, YYYY-MM, or as stated.';
COMMENT ON COLUMN dim_period.year IS 'Year of the period (first four characters), NULL if not a year.';
COMMENT ON COLUMN dim_period.month IS 'Month 1-12 for YYYY-MM periods, else NULL.';
COMMENT ON TABLE dim_unit IS 'Units of measure of figure values. Joins on fact_figure.unit.';
COMMENT ON COLUMN dim_unit.unit IS 'Unit code: number, usd, pen, percent.';
COMMENT ON COLUMN dim_unit.description IS 'What the unit means and its scale (percent is 0 to 100, money in whole units).';

-- Facts --------------------------------------------------------------------------------------------
COMMENT ON TABLE fact_figure IS 'Facts. Grain: one figure printed in one version of one report (report_key, fact_id). Includes quarantined figures and superseded versions; use v_facts for current, validated figures.';
COMMENT ON COLUMN fact_figure.report_key IS 'The report version the figure was printed in (dim_report.report_key).';
COMMENT ON COLUMN fact_figure.fact_id IS 'Stable id: the same figure of the same report keeps its id across runs and unchanged re-publications.';
COMMENT ON COLUMN fact_figure.seq IS 'Order of the figure in the report''s extraction (0-based).';
COMMENT ON COLUMN fact_figure.kind IS 'Where in the report the figure was printed: key_figure, table, prose, chart_data.';
COMMENT ON COLUMN fact_figure.metric IS 'What is counted, where known (e.g. people_reached, population, asylum_claims), else NULL.';
COMMENT ON COLUMN fact_figure.value IS 'The figure on its canonical scale: money in whole currency units, percent 0-100, counts as is.';
COMMENT ON COLUMN fact_figure.unit IS 'Unit of value: number, usd, pen, percent (dim_unit).';
COMMENT ON COLUMN fact_figure.qualifier IS 'How exact the printed figure is: lower_bound (more than), upper_bound (up to), approx (some, about), or NULL.';
COMMENT ON COLUMN fact_figure.sector IS 'Canonical sector the figure belongs to (dim_sector), or NULL.';
COMMENT ON COLUMN fact_figure.location IS 'Place the figure refers to (dim_location), or NULL.';
COMMENT ON COLUMN fact_figure.indicator IS 'Indicator or area code as printed (dim_indicator), or NULL.';
COMMENT ON COLUMN fact_figure.measure IS 'Role of the figure in a results or funding table: baseline, target, actual, budget, funds_available, funds_available_pct, expenditure, expenditure_pct, people_reached, requirement, funded, funded_pct; or NULL.';
COMMENT ON COLUMN fact_figure.population IS 'Population group the figure is about, or NULL.';
COMMENT ON COLUMN fact_figure.period IS 'Period the figure refers to when the report states one (YYYY or YYYY-MM), else NULL.';
COMMENT ON COLUMN fact_figure.page IS '1-based page of a PDF report; NULL for web pages.';
COMMENT ON COLUMN fact_figure.evidence IS 'The verbatim text the figure was read from (untrusted report text).';
COMMENT ON COLUMN fact_figure.raw IS 'The number exactly as printed (e.g. 52,9960 or 1.54M).';
COMMENT ON COLUMN fact_figure.section IS 'Heading, card or table the figure sits under, when known.';
COMMENT ON COLUMN fact_figure.flags IS 'Comma-separated extraction flags (e.g. malformed_number, text_value), or NULL.';

-- Audit --------------------------------------------------------------------------------------------
COMMENT ON TABLE quarantine IS 'Figures held back by validation. Grain: one failed expectation of one figure of one report version; such figures are left out of v_facts.';
COMMENT ON COLUMN quarantine.report_key IS 'Report version of the held-back figure (dim_report.report_key).';
COMMENT ON COLUMN quarantine.fact_id IS 'The held-back figure (fact_figure.fact_id).';
COMMENT ON COLUMN quarantine.run_id IS 'The run whose validation held it back.';
COMMENT ON COLUMN quarantine.expectation IS 'Name of the failing expectation.';
COMMENT ON COLUMN quarantine.reason IS 'Why, as a sentence with the observed numbers.';

COMMENT ON TABLE dq_result IS 'Data-quality results. Grain: one expectation evaluated on one report version in one run.';
COMMENT ON COLUMN dq_result.run_id IS 'The run that evaluated it.';
COMMENT ON COLUMN dq_result.report_key IS 'Report version evaluated (dim_report.report_key).';
COMMENT ON COLUMN dq_result.source_file IS 'Report evaluated (its file name).';
COMMENT ON COLUMN dq_result.expectation IS 'Name of the expectation.';
COMMENT ON COLUMN dq_result.status IS 'pass, warn or fail.';
COMMENT ON COLUMN dq_result.observed IS 'What was observed, as text (e.g. the number of offending figures).';
COMMENT ON COLUMN dq_result.details IS 'Further details, as text.';

COMMENT ON TABLE run_log IS 'Run history. Grain: one stage of one report in one run.';
COMMENT ON COLUMN run_log.run_id IS 'Id of the run (one sitrep run or rerun): its Prefect flow run id, or quick-<uuid> for a run that found nothing new and did not start Prefect.';
COMMENT ON COLUMN run_log.source_file IS 'Report the stage worked on.';
COMMENT ON COLUMN run_log.sha256 IS 'SHA-256 of the report bytes the stage worked on, when fetched.';
COMMENT ON COLUMN run_log.stage IS 'fetch, extract, validate or load.';
COMMENT ON COLUMN run_log.status IS 'ok, failed or skipped.';
COMMENT ON COLUMN run_log.started IS 'When the stage started (UTC).';
COMMENT ON COLUMN run_log.finished IS 'When the stage finished (UTC).';
COMMENT ON COLUMN run_log.error IS 'The error, when the stage failed; else a note or NULL.';

COMMENT ON TABLE raw_manifest IS 'Files fetched into the raw store. Grain: one fetch of one report file.';
COMMENT ON COLUMN raw_manifest.sha256 IS 'SHA-256 of the file''s bytes (its name in the raw store).';
COMMENT ON COLUMN raw_manifest.source_file IS 'The report''s file name as fetched.';
COMMENT ON COLUMN raw_manifest.bytes IS 'File size in bytes.';
COMMENT ON COLUMN raw_manifest.media_type IS 'Media type of the file.';
COMMENT ON COLUMN raw_manifest.source IS 'The --source the file was listed from.';
COMMENT ON COLUMN raw_manifest.location IS 'Path or URL the file was read from.';
COMMENT ON COLUMN raw_manifest.fetched_at IS 'When it was fetched (UTC).';
COMMENT ON COLUMN raw_manifest.path IS 'Where the bytes are kept in the raw store.';

-- Contract views (docs/CONTRACT.md) ----------------------------------------------------------------
COMMENT ON VIEW v_facts IS 'Contract view. One row per figure taken from the current version of a report that passed or only warned in validation.';
COMMENT ON COLUMN v_facts.fact_id IS 'Stable id: the same figure of the same report keeps its id across runs.';
COMMENT ON COLUMN v_facts.source_file IS 'The report''s file name as fetched (no folders).';
COMMENT ON COLUMN v_facts.report_family IS 'Report family: gtrm_sitrep, r4v_sitrep, unhcr_arr, unhcr_global_focus.';
COMMENT ON COLUMN v_facts.report_period IS 'YYYY or YYYY-MM of the report.';
COMMENT ON COLUMN v_facts.kind IS 'key_figure, table, prose or chart_data.';
COMMENT ON COLUMN v_facts.metric IS 'What is counted, where known (e.g. people_reached, budget, asylum_claims), else NULL.';
COMMENT ON COLUMN v_facts.value IS 'The figure on its canonical scale (money in whole units, percent 0-100).';
COMMENT ON COLUMN v_facts.unit IS 'number, usd, pen or percent.';
COMMENT ON COLUMN v_facts.qualifier IS 'lower_bound, upper_bound, approx, or NULL.';
COMMENT ON COLUMN v_facts.sector IS 'Canonical sector name or NULL.';
COMMENT ON COLUMN v_facts.location IS 'Place name or NULL.';
COMMENT ON COLUMN v_facts.indicator IS 'Indicator or area code as printed, or NULL.';
COMMENT ON COLUMN v_facts.measure IS 'baseline, target, actual, budget, funds_available, funds_available_pct, expenditure, expenditure_pct, people_reached, requirement, funded, funded_pct, or NULL.';
COMMENT ON COLUMN v_facts.population IS 'Population group or NULL.';
COMMENT ON COLUMN v_facts.period IS 'Period the figure refers to, when stated.';
COMMENT ON COLUMN v_facts.page IS '1-based page for PDFs, NULL for web pages.';
COMMENT ON COLUMN v_facts.evidence IS 'The verbatim text the figure was read from.';

COMMENT ON VIEW v_quarantine IS 'Contract view. Figures of current report versions held back by validation: the columns of v_facts plus the failing expectation and reason (one row per failed expectation).';
COMMENT ON COLUMN v_quarantine.fact_id IS 'Stable id of the held-back figure.';
COMMENT ON COLUMN v_quarantine.source_file IS 'The report''s file name as fetched (no folders).';
COMMENT ON COLUMN v_quarantine.report_family IS 'Report family.';
COMMENT ON COLUMN v_quarantine.report_period IS 'YYYY or YYYY-MM of the report.';
COMMENT ON COLUMN v_quarantine.kind IS 'key_figure, table, prose or chart_data.';
COMMENT ON COLUMN v_quarantine.metric IS 'What is counted, where known, else NULL.';
COMMENT ON COLUMN v_quarantine.value IS 'The figure on its canonical scale.';
COMMENT ON COLUMN v_quarantine.unit IS 'number, usd, pen or percent.';
COMMENT ON COLUMN v_quarantine.qualifier IS 'lower_bound, upper_bound, approx, or NULL.';
COMMENT ON COLUMN v_quarantine.sector IS 'Canonical sector name or NULL.';
COMMENT ON COLUMN v_quarantine.location IS 'Place name or NULL.';
COMMENT ON COLUMN v_quarantine.indicator IS 'Indicator or area code as printed, or NULL.';
COMMENT ON COLUMN v_quarantine.measure IS 'Role in a results or funding table, or NULL.';
COMMENT ON COLUMN v_quarantine.population IS 'Population group or NULL.';
COMMENT ON COLUMN v_quarantine.period IS 'Period the figure refers to, when stated.';
COMMENT ON COLUMN v_quarantine.page IS '1-based page for PDFs, NULL for web pages.';
COMMENT ON COLUMN v_quarantine.evidence IS 'The verbatim text the figure was read from.';
COMMENT ON COLUMN v_quarantine.expectation IS 'Name of the failing expectation.';
COMMENT ON COLUMN v_quarantine.reason IS 'Why it was held back: a sentence with the observed numbers.';

COMMENT ON VIEW v_dq_results IS 'Contract view. Every expectation evaluated, in every run, on every report version.';
COMMENT ON COLUMN v_dq_results.run_id IS 'The run that evaluated it.';
COMMENT ON COLUMN v_dq_results.source_file IS 'The report evaluated.';
COMMENT ON COLUMN v_dq_results.expectation IS 'Name of the expectation.';
COMMENT ON COLUMN v_dq_results.status IS 'pass, warn or fail.';
COMMENT ON COLUMN v_dq_results.observed IS 'What was observed, as text.';
COMMENT ON COLUMN v_dq_results.details IS 'Further details, as text.';

COMMENT ON VIEW v_runs IS 'Contract view. One row per report and stage per run.';
COMMENT ON COLUMN v_runs.run_id IS 'Id of the run: its Prefect flow run id, or quick-<uuid> for a run that found nothing new (no Prefect).';
COMMENT ON COLUMN v_runs.source_file IS 'The report.';
COMMENT ON COLUMN v_runs.stage IS 'fetch, extract, validate or load.';
COMMENT ON COLUMN v_runs.status IS 'ok, failed or skipped.';
COMMENT ON COLUMN v_runs.started IS 'When the stage started (UTC).';
COMMENT ON COLUMN v_runs.finished IS 'When the stage finished (UTC).';
COMMENT ON COLUMN v_runs.error IS 'The error when the stage failed, else a note or NULL.';

-- Analyst views (analyst_views.sql) ----------------------------------------------------------------
COMMENT ON VIEW v_people_reached IS 'People reached by sector, per report: a time series across reports (x: report_date). One row per report and sector. Sums figures whose measure or metric is people_reached (unit number, sector known); per report and sector only the most structured kind present is summed (table, then chart_data, key_figure, prose) so prose highlights are not added to the table they repeat.';
COMMENT ON COLUMN v_people_reached.report_date IS 'Last day of the report period (31 December for annual reports).';
COMMENT ON COLUMN v_people_reached.report_period IS 'YYYY or YYYY-MM of the report.';
COMMENT ON COLUMN v_people_reached.period_grain IS 'month for monthly reports, year for annual reports.';
COMMENT ON COLUMN v_people_reached.report_family IS 'Report family.';
COMMENT ON COLUMN v_people_reached.source_file IS 'The report.';
COMMENT ON COLUMN v_people_reached.sector IS 'Canonical sector name.';
COMMENT ON COLUMN v_people_reached.people_reached IS 'Sum of the figures counted (people, or the unit the report counts in).';
COMMENT ON COLUMN v_people_reached.figures IS 'Number of figures summed.';
COMMENT ON COLUMN v_people_reached.kind IS 'The kind of figure summed: table, chart_data, key_figure or prose.';
COMMENT ON COLUMN v_people_reached.qualifiers IS 'Qualifiers among the figures summed (e.g. lower_bound: the sum is a lower bound), or NULL when all are exact.';
COMMENT ON COLUMN v_people_reached.fact_ids IS 'The v_facts.fact_id of every figure summed: the evidence.';

COMMENT ON VIEW v_funding IS 'Funding by year and source: requirement, funded, budget, funds available and expenditure (and their printed percentages) pivoted to one row per year, report and budget line. line is Total for a report''s overall figures, else the indicator/area code (e.g. IA1, OA4) or sector. When a report prints the same line twice, the largest value is shown.';
COMMENT ON COLUMN v_funding.year IS 'Year the money refers to: the figure''s period when stated, else the report''s year.';
COMMENT ON COLUMN v_funding.report_family IS 'Report family.';
COMMENT ON COLUMN v_funding.source_file IS 'The report the figures come from.';
COMMENT ON COLUMN v_funding.report_period IS 'YYYY or YYYY-MM of the report.';
COMMENT ON COLUMN v_funding.line IS 'Budget line: Total, or the indicator/area code, sector or location printed.';
COMMENT ON COLUMN v_funding.sector IS 'Sector of the line, when known.';
COMMENT ON COLUMN v_funding.currency IS 'Currency of the money columns: usd or pen.';
COMMENT ON COLUMN v_funding.requirement IS 'Funds required (appeal requirement).';
COMMENT ON COLUMN v_funding.funded IS 'Funds received against the requirement.';
COMMENT ON COLUMN v_funding.funded_pct IS 'Percent funded as printed (0-100).';
COMMENT ON COLUMN v_funding.budget IS 'Budget.';
COMMENT ON COLUMN v_funding.funds_available IS 'Funds available.';
COMMENT ON COLUMN v_funding.funds_available_pct IS 'Funds available as a percent of budget, as printed (0-100).';
COMMENT ON COLUMN v_funding.expenditure IS 'Expenditure.';
COMMENT ON COLUMN v_funding.expenditure_pct IS 'Expenditure as a percent of funds available, as printed (0-100).';
COMMENT ON COLUMN v_funding.figures IS 'Number of figures behind the row.';
COMMENT ON COLUMN v_funding.fact_ids IS 'The v_facts.fact_id of every figure behind the row: the evidence.';

COMMENT ON VIEW v_key_figures IS 'Key figures over time (e.g. Venezuelans in Peru by report date): one row per key figure printed in a report''s highlights, with its qualifier.';
COMMENT ON COLUMN v_key_figures.report_date IS 'Last day of the report period (31 December for annual reports).';
COMMENT ON COLUMN v_key_figures.report_period IS 'YYYY or YYYY-MM of the report.';
COMMENT ON COLUMN v_key_figures.report_family IS 'Report family.';
COMMENT ON COLUMN v_key_figures.source_file IS 'The report.';
COMMENT ON COLUMN v_key_figures.metric IS 'What is counted (metric, else measure, e.g. population, people_reached, funded), or NULL when unknown: read evidence.';
COMMENT ON COLUMN v_key_figures.value IS 'The figure on its canonical scale.';
COMMENT ON COLUMN v_key_figures.unit IS 'number, usd, pen or percent.';
COMMENT ON COLUMN v_key_figures.qualifier IS 'lower_bound, upper_bound, approx, or NULL.';
COMMENT ON COLUMN v_key_figures.qualifier_text IS 'The qualifier in words, to put before the value: more than, up to, about, or empty.';
COMMENT ON COLUMN v_key_figures.location IS 'Place name or NULL.';
COMMENT ON COLUMN v_key_figures.population IS 'Population group or NULL.';
COMMENT ON COLUMN v_key_figures.period IS 'Period the figure refers to, when stated.';
COMMENT ON COLUMN v_key_figures.page IS '1-based page for PDFs, NULL for web pages.';
COMMENT ON COLUMN v_key_figures.evidence IS 'The verbatim text the figure was read from.';
COMMENT ON COLUMN v_key_figures.fact_id IS 'The figure''s v_facts.fact_id.';

COMMENT ON VIEW v_indicators IS 'Indicators: baseline, target and actual side by side. One row per indicator (code and wording), population, unit and year of one report.';
COMMENT ON COLUMN v_indicators.year IS 'Year of the target and actual (their stated period, else the report''s year); the baseline is shown on the same row.';
COMMENT ON COLUMN v_indicators.indicator IS 'Indicator code as printed (e.g. 1.1, 4.2a).';
COMMENT ON COLUMN v_indicators.indicator_text IS 'The indicator''s printed wording, from the evidence (codes are reused across a report''s sections).';
COMMENT ON COLUMN v_indicators.population IS 'Population group or NULL.';
COMMENT ON COLUMN v_indicators.unit IS 'Unit of baseline, target and actual: number or percent.';
COMMENT ON COLUMN v_indicators.baseline IS 'Baseline value.';
COMMENT ON COLUMN v_indicators.target IS 'Target value.';
COMMENT ON COLUMN v_indicators.actual IS 'Actual (achieved) value.';
COMMENT ON COLUMN v_indicators.actual_vs_target_pct IS '100 * actual / target, rounded to 2 decimals; NULL without a non-zero target.';
COMMENT ON COLUMN v_indicators.report_family IS 'Report family.';
COMMENT ON COLUMN v_indicators.source_file IS 'The report.';
COMMENT ON COLUMN v_indicators.report_period IS 'YYYY or YYYY-MM of the report.';
COMMENT ON COLUMN v_indicators.page IS '1-based PDF page the indicator is printed on, NULL for web pages.';
COMMENT ON COLUMN v_indicators.figures IS 'Number of figures behind the row.';
COMMENT ON COLUMN v_indicators.fact_ids IS 'The v_facts.fact_id of every figure behind the row: the evidence.';

COMMENT ON VIEW v_dq_summary IS 'Data quality per report: for the current version, the expectations passed, warned and failed and the figures published and quarantined; and what the latest run did to the report. One row per report (source_file).';
COMMENT ON COLUMN v_dq_summary.source_file IS 'The report.';
COMMENT ON COLUMN v_dq_summary.report_family IS 'Report family (NULL if no version ever loaded).';
COMMENT ON COLUMN v_dq_summary.report_period IS 'YYYY or YYYY-MM of the report (NULL if no version ever loaded).';
COMMENT ON COLUMN v_dq_summary.loaded_run_id IS 'The run that loaded the current version.';
COMMENT ON COLUMN v_dq_summary.loaded_at IS 'When the current version was loaded (UTC).';
COMMENT ON COLUMN v_dq_summary.facts_published IS 'Figures of the current version in v_facts.';
COMMENT ON COLUMN v_dq_summary.quarantined IS 'Rows of the current version in v_quarantine (held-back figure x failed expectation).';
COMMENT ON COLUMN v_dq_summary.dq_pass IS 'Expectations that passed, in the run that loaded the current version.';
COMMENT ON COLUMN v_dq_summary.dq_warn IS 'Expectations that warned, in the run that loaded the current version.';
COMMENT ON COLUMN v_dq_summary.dq_fail IS 'Expectations that failed, in the run that loaded the current version.';
COMMENT ON COLUMN v_dq_summary.latest_run_id IS 'The latest run that touched the report (by start time).';
COMMENT ON COLUMN v_dq_summary.latest_run_started IS 'When the latest run''s first stage for the report started (UTC).';
COMMENT ON COLUMN v_dq_summary.latest_run_finished IS 'When the latest run''s last stage for the report finished (UTC).';
COMMENT ON COLUMN v_dq_summary.latest_run_status IS 'failed if any stage failed, skipped if all were skipped (unchanged report), else ok.';
COMMENT ON COLUMN v_dq_summary.latest_run_failed_stage IS 'The stage(s) that failed in the latest run, or NULL.';
COMMENT ON COLUMN v_dq_summary.latest_run_error IS 'Errors or notes of the latest run''s stages, or NULL.';
