"""The data dictionary: docs/warehouse.md, rendered from the comments stored in the database.

    python -m warehouse.dictionary docs/warehouse.md

builds a fresh, empty warehouse in memory with `ensure_schema` (no run needed) and writes every table,
view and column with its type and comment (from warehouse/comments.sql), the star schema as a Mermaid
`erDiagram`, and the grain of each fact and audit table. tests/test_analysts.py fails when the file
in docs/ differs from what this renders.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from warehouse.db import ensure_schema

# Sections of the dictionary, in order; anything not listed lands in "Other".
GROUPS: list[tuple[str, list[str]]] = [
    ("Facts", ["fact_figure"]),
    ("Dimensions", ["dim_report", "dim_sector", "dim_location", "dim_indicator", "dim_period", "dim_unit"]),
    ("Audit", ["quarantine", "dq_result", "run_log", "raw_manifest", "correction"]),
    ("Contract views (docs/CONTRACT.md)", ["v_facts", "v_quarantine", "v_dq_results", "v_runs", "v_corrections"]),
    ("Analyst views", ["v_people_reached", "v_people_reached_prose", "v_funding", "v_key_figures", "v_indicators",
                       "v_dq_summary", "v_series"]),
    ("Helper views", ["v_active_corrections"]),
]

# Star-schema joins: (parent, child, cardinality, label, [(parent column, child column), ...]).
RELATIONS: list[tuple[str, str, str, str, list[tuple[str, str]]]] = [
    ("dim_report", "fact_figure", "||--o{", "report_key", [("report_key", "report_key")]),
    ("dim_sector", "fact_figure", "|o--o{", "sector", [("sector", "sector")]),
    ("dim_location", "fact_figure", "|o--o{", "location", [("location", "location")]),
    ("dim_indicator", "fact_figure", "|o--o{", "indicator", [("indicator", "indicator")]),
    ("dim_period", "fact_figure", "|o--o{", "period", [("period", "period")]),
    ("dim_unit", "fact_figure", "||--o{", "unit", [("unit", "unit")]),
    ("fact_figure", "quarantine", "||--o{", "report_key, fact_id",
     [("report_key", "report_key"), ("fact_id", "fact_id")]),
    ("dim_report", "dq_result", "||--o{", "report_key", [("report_key", "report_key")]),
    ("dim_report", "run_log", "|o--o{", "run_id, source_file", [("run_id", "run_id"), ("source_file", "source_file")]),
    ("raw_manifest", "dim_report", "|o--o{", "sha256", [("sha256", "sha256")]),
    ("fact_figure", "correction", "|o--o{", "figure_key", [("figure_key", "figure_key")]),
]
STAR = ["fact_figure", "dim_report", "dim_sector", "dim_location", "dim_indicator", "dim_period", "dim_unit",
        "quarantine", "dq_result", "run_log", "raw_manifest", "correction"]
KEYS = {"dim_report": {"report_key": "PK"}, "fact_figure": {"report_key": "FK", "fact_id": "PK"},
        "dim_sector": {"sector": "PK"}, "dim_location": {"location": "PK"}, "dim_indicator": {"indicator": "PK"},
        "dim_period": {"period": "PK"}, "dim_unit": {"unit": "PK"},
        "quarantine": {"report_key": "FK", "fact_id": "FK"}, "dq_result": {"report_key": "FK"},
        "raw_manifest": {"sha256": "PK"}, "correction": {"correction_id": "PK", "figure_key": "FK"}}


def _objects(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str | None]]:
    """name -> (TABLE or VIEW, comment) for the user's tables and views in the main schema."""
    rows = con.execute("""
        SELECT table_name, 'TABLE', comment FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main'
        UNION ALL
        SELECT view_name, 'VIEW', comment FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'
    """).fetchall()
    return {name: (kind, comment) for name, kind, comment in rows}


def columns(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[str, str, str | None]]:
    """(column, type, comment) of a table or view, in column order."""
    return con.execute("""
        SELECT column_name, data_type, comment FROM duckdb_columns()
        WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index""", [name]).fetchall()


def undocumented(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables, views and columns without a comment (should be empty)."""
    missing = []
    for name, (kind, comment) in sorted(_objects(con).items()):
        if not (comment or "").strip():
            missing.append(f"{kind.lower()} {name}")
        missing += [f"column {name}.{col}" for col, _type, c in columns(con, name) if not (c or "").strip()]
    return missing


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _mermaid(con: duckdb.DuckDBPyConnection) -> list[str]:
    lines = ["```mermaid", "erDiagram"]
    for parent, child, cardinality, label, pairs in RELATIONS:
        for parent_col, child_col in pairs:  # the diagram must not name columns that do not exist
            assert parent_col in {c for c, _, _ in columns(con, parent)}, (parent, parent_col)
            assert child_col in {c for c, _, _ in columns(con, child)}, (child, child_col)
        lines.append(f'    {parent} {cardinality} {child} : "{label}"')
    for name in STAR:
        lines.append(f"    {name} {{")
        for col, dtype, _comment in columns(con, name):
            key = KEYS.get(name, {}).get(col)
            lines.append(f"        {dtype.split('(')[0].replace(' ', '_')} {col}{' ' + key if key else ''}")
        lines.append("    }")
    lines.append("```")
    return lines


def render(con: duckdb.DuckDBPyConnection) -> str:
    """docs/warehouse.md for the warehouse open on `con`."""
    objects = _objects(con)
    listed = [n for _, names in GROUPS for n in names]
    groups = [(title, [n for n in names if n in objects]) for title, names in GROUPS]
    others = sorted(set(objects) - set(listed))
    if others:
        groups.append(("Other", others))
    out = [
        "# The sitrep warehouse: data dictionary",
        "",
        "<!-- Generated by `python -m warehouse.dictionary docs/warehouse.md` from the comments in the database",
        "     (warehouse/comments.sql). Do not edit by hand: edit the comments and regenerate. -->",
        "",
        "A DuckDB file (`data/warehouse.duckdb` by default). A star schema: one fact table of figures taken",
        "from reports, joined to its dimensions by natural keys (the printed or canonical text), so most",
        "questions need no join; audit tables record validation and runs. Analysts read the views:",
        "the contract views (never renamed, columns never removed) and the analyst views built on them.",
        "See docs/analysts.md for how to open it and example queries.",
        "",
        "## Star schema",
        "",
        *_mermaid(con),
        "",
        "## Grain",
        "",
        "| table | grain |",
        "|---|---|",
    ]
    for name in STAR:
        comment = objects.get(name, ("", None))[1] or ""
        if "Grain:" in comment:
            grain = comment.split("Grain:", 1)[1].split(";")[0].split(". ")[0].strip().rstrip(".")
            out.append(f"| `{name}` | {_cell(grain)} |")
    out.append("")
    for title, names in groups:
        out += [f"## {title}", ""]
        for name in names:
            kind, comment = objects[name]
            out += [f"### `{name}` ({kind.lower()})", "", _cell(comment) or "(no comment)", "",
                    "| column | type | meaning |", "|---|---|---|"]
            out += [f"| `{col}` | {dtype} | {_cell(c)} |" for col, dtype, c in columns(con, name)]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def render_fresh() -> str:
    """The dictionary of a fresh, empty warehouse built in memory from the SQL files."""
    con = duckdb.connect(":memory:")
    try:
        ensure_schema(con)
        return render(con)
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m warehouse.dictionary OUT.md", file=sys.stderr)
        return 2
    out = Path(args[0])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_fresh(), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
