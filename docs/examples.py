"""Rewrite the example queries in README.md and docs/analysts.md with their real output.

    python docs/examples.py data/warehouse.duckdb

The outputs shown in the docs come from running these queries on the warehouse that `sitrep run`
builds from the bundled sample reports; run this after changing extraction so the docs stay true.
The block between the `<!-- examples:start -->` and `<!-- examples:end -->` markers is replaced.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
TARGETS = (ROOT / "README.md", ROOT / "docs" / "analysts.md")
MARKERS = re.compile(r"(<!-- examples:start -->\n).*?(<!-- examples:end -->)", re.S)

QUERIES = (
    ("Figures per report",
     """SELECT source_file, report_family, report_period, count(*) AS figures
FROM v_facts GROUP BY ALL ORDER BY source_file;"""),
    ("People reached by sector, month after month (monthly situation reports)",
     """SELECT report_period, sector, people_reached, figures, kind, prose_people_max, prose_figures
FROM v_people_reached
WHERE period_grain = 'month' AND sector IN ('Health', 'Food Security', 'Protection')
ORDER BY sector, report_period;"""),
    ("Population key figures by report date, with the qualifier in words",
     """SELECT report_date, source_file,
       qualifier_text || format('{:,}', CAST(value AS BIGINT)) AS population, period, evidence
FROM v_key_figures
WHERE metric = 'population'
ORDER BY report_date, period;"""),
    ("Funding by year and source (report-wide totals)",
     """SELECT year, source_file, requirement, funded, funded_pct, budget, funds_available, expenditure
FROM v_funding
WHERE line = 'Total'
ORDER BY year, source_file;"""),
    ("Indicators furthest from their target",
     """SELECT indicator, left(indicator_text, 45) AS indicator_text, baseline, target, actual, actual_vs_target_pct
FROM v_indicators
WHERE target IS NOT NULL
ORDER BY actual_vs_target_pct
LIMIT 5;"""),
    ("Data quality per report, and the figures held back with their reason",
     """SELECT s.source_file, s.facts_published, s.quarantined, s.dq_warn, s.dq_fail, q.value,
       left(q.reason, 70) AS reason
FROM v_dq_summary s LEFT JOIN v_quarantine q USING (source_file)
ORDER BY s.source_file;"""),
    ("Expectations that did not simply pass, in each report's latest validation (earlier runs stay in the view)",
     """SELECT source_file, expectation, status, left(details, 90) AS details
FROM v_dq_results WHERE status <> 'pass' AND is_latest_run
ORDER BY source_file, expectation;"""),
    ("Prose figures of people reached, never added up: the parts 'of which' a larger figure",
     """SELECT source_file, sector, value, part_of_earlier, left(evidence, 80) AS evidence
FROM v_people_reached_prose
WHERE sector IN ('Child Protection', 'Gender-Based Violence')
ORDER BY source_file, sector, value DESC;"""),
    ("How each figure's sector was decided: a table header, the heading it sits under, or its own wording",
     """SELECT report_family, sector_from, count(*) AS figures
FROM v_facts WHERE sector IS NOT NULL
GROUP BY ALL ORDER BY report_family, figures DESC;"""),
    ("Figures whose sector only their own wording gives (no table header or heading names one)",
     """SELECT source_file, sector, value, left(evidence, 75) AS evidence
FROM v_facts WHERE sector_from = 'wording' AND source_file LIKE 'gtrm%2021%'
ORDER BY sector, value DESC LIMIT 8;"""),
)


def _cell(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value).replace("|", "\\|").replace("\n", " ")


def render(con: duckdb.DuckDBPyConnection) -> str:
    out = []
    for i, (title, sql) in enumerate(QUERIES, 1):
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description]
        out += [f"#### {i}. {title}", "", "```sql", sql, "```", "",
                "| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
        out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in cur.fetchall()]
        out.append("")
    return "\n".join(out)


def main(warehouse: str) -> int:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        block = render(con)
    finally:
        con.close()
    for target in TARGETS:
        text = target.read_text(encoding="utf-8")
        if not MARKERS.search(text):
            print(f"{target}: no examples markers, left alone")
            continue
        target.write_text(MARKERS.sub(lambda m: m.group(1) + block + "\n" + m.group(2), text), encoding="utf-8")
        print(f"{target}: examples rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "data/warehouse.duckdb"))
