-- sitrep warehouse: a star schema of figures taken from humanitarian reports.
-- Facts: fact_figure (grain: one figure printed in one version of one report).
-- Dimensions: dim_report (one row per report version), dim_sector, dim_location,
-- dim_indicator, dim_period, dim_unit. Natural keys (the printed or canonical text) join
-- facts to dimensions, so analysts can read facts without joins and join when they need more.
-- Audit tables: quarantine, dq_result, run_log, raw_manifest.

CREATE TABLE IF NOT EXISTS dim_report (
    report_key     TEXT NOT NULL,      -- source_file '@' first 16 hex of sha256: one report version
    source_file    TEXT NOT NULL,      -- the report's file name as fetched (its ID)
    sha256         TEXT NOT NULL,
    report_family  TEXT,
    report_period  TEXT,
    title          TEXT,
    media_type     TEXT,
    bytes          BIGINT,
    source         TEXT,
    location       TEXT,
    fetched_at     TIMESTAMP,
    loaded_at      TIMESTAMP,
    run_id         TEXT,
    is_current     BOOLEAN NOT NULL,
    superseded_at  TIMESTAMP
);

CREATE TABLE IF NOT EXISTS dim_sector    (sector TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dim_location  (location TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dim_indicator (indicator TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dim_period    (period TEXT NOT NULL, year INTEGER, month INTEGER);
CREATE TABLE IF NOT EXISTS dim_unit      (unit TEXT NOT NULL, description TEXT);

CREATE TABLE IF NOT EXISTS fact_figure (
    report_key  TEXT NOT NULL,
    fact_id     TEXT NOT NULL,
    seq         INTEGER NOT NULL,      -- order of the figure in the report's extraction
    kind        TEXT NOT NULL,
    metric      TEXT,
    value       DOUBLE,
    unit        TEXT NOT NULL,
    qualifier   TEXT,
    sector      TEXT,
    location    TEXT,
    indicator   TEXT,
    measure     TEXT,
    population  TEXT,
    period      TEXT,
    page        INTEGER,
    evidence    TEXT,
    raw         TEXT,
    section     TEXT,
    flags       TEXT
);

CREATE TABLE IF NOT EXISTS quarantine (
    report_key  TEXT NOT NULL,
    fact_id     TEXT NOT NULL,
    run_id      TEXT,
    expectation TEXT NOT NULL,
    reason      TEXT
);

CREATE TABLE IF NOT EXISTS dq_result (
    run_id      TEXT NOT NULL,
    report_key  TEXT NOT NULL,
    source_file TEXT NOT NULL,
    expectation TEXT NOT NULL,
    status      TEXT NOT NULL,
    observed    TEXT,
    details     TEXT
);

CREATE TABLE IF NOT EXISTS run_log (
    run_id      TEXT NOT NULL,
    source_file TEXT NOT NULL,
    sha256      TEXT,
    stage       TEXT NOT NULL,
    status      TEXT NOT NULL,
    started     TIMESTAMP,
    finished    TIMESTAMP,
    error       TEXT
);

CREATE TABLE IF NOT EXISTS raw_manifest (
    sha256      TEXT NOT NULL,
    source_file TEXT NOT NULL,
    bytes       BIGINT,
    media_type  TEXT,
    source      TEXT,
    location    TEXT,
    fetched_at  TIMESTAMP,
    path        TEXT
);

-- Reviewed corrections (sitrep correct): a reviewer's decision on one figure, kept across runs and
-- report versions. It applies to the figure whose figure_key matches (see figure_key.sql).
CREATE TABLE IF NOT EXISTS correction (
    correction_id  TEXT NOT NULL,
    figure_key     TEXT NOT NULL,
    fact_id        TEXT NOT NULL,      -- the fact the reviewer named (in the version current at the time)
    source_file    TEXT NOT NULL,
    report_family  TEXT,
    report_period  TEXT,
    action         TEXT NOT NULL,      -- 'value' (a reviewed value) or 'reject' (held back)
    old_value      DOUBLE,
    new_value      DOUBLE,
    raw            TEXT,
    reason         TEXT NOT NULL,
    decided_by     TEXT NOT NULL,
    decided_at     TIMESTAMP NOT NULL,
    undone_by      TEXT,
    undone_at      TIMESTAMP,
    undo_reason    TEXT
);

-- Warehouses made before corrections existed gain the key column (filled by figure_key.sql).
ALTER TABLE fact_figure ADD COLUMN IF NOT EXISTS figure_key TEXT;

-- How each dimension of a figure was decided ("sector=heading; location=wording"; extractors/decided.py).
-- Added after the first warehouses: older ones gain the column (NULL for figures loaded before it).
ALTER TABLE fact_figure ADD COLUMN IF NOT EXISTS dimensions_from TEXT;
