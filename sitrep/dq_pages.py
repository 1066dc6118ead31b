"""Data-quality pages (`data/dq/`): one page per report per validation run, and an index of every run.

Written by sitrep itself from the warehouse (`v_dq_results`, `quarantine`, `run_log`), not by Great
Expectations' Data Docs: those load their CSS and JavaScript from CDNs (an unstyled page offline), show one
page per validation batch ("report_and_2_more") and call a run with only warnings "Failed". Here each page is
plain HTML with its style inline, names one report, says "passed", "passed with warnings" or "failed", and
lists every expectation with what was observed and the figures held back. Pages are named by run and report,
so a rerun adds pages and the earlier runs' pages stay reachable from the index.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pandas as pd

from warehouse.db import open_read_only

STATUS_WORDS = {"fail": "failed", "warn": "passed with warnings", "pass": "passed"}
ROW_WORDS = {"fail": "failed", "warn": "warning", "pass": "passed"}  # one expectation


def page_name(run_id: str, source_file: str) -> str:
    """runs/<run>/<report>.html with anything odd in either replaced: a safe relative path."""
    def safe(text: str) -> str:
        return re.sub(r"[^\w.\-]+", "_", text).strip("._") or "_"
    return f"runs/{safe(run_id)}/{safe(source_file)}.html"


def overall(statuses: pd.Series) -> str:
    """failed when any expectation failed, passed with warnings when any warned, else passed."""
    present = set(statuses)
    return STATUS_WORDS["fail" if "fail" in present else "warn" if "warn" in present else "pass"]


def write_dq_pages(warehouse: Path, out_dir: Path) -> Path:
    """Write the index of every (run, report) validation in the warehouse, the page of each report's latest
    validation, and any page not written yet; returns index.html. An earlier validation's page is left as it was
    written (with the figures it held back then), so reruns cost one page per report validated."""
    con = open_read_only(Path(warehouse))
    try:
        results = con.execute("""
            SELECT d.run_id, d.source_file, d.expectation, d.status, d.observed, d.details, d.is_latest_run
            FROM v_dq_results d ORDER BY d.source_file, d.expectation""").df()
        runs = con.execute("""
            SELECT run_id, source_file, min(started) AS started, max(finished) AS finished
            FROM run_log WHERE stage = 'validate' GROUP BY ALL""").df()
        held = con.execute("""
            SELECT q.run_id, r.source_file, q.expectation, q.reason, f.kind, f.value, f.unit, f.page, f.evidence
            FROM quarantine q
            JOIN dim_report r ON r.report_key = q.report_key
            JOIN fact_figure f ON f.report_key = q.report_key AND f.fact_id = q.fact_id
            ORDER BY r.source_file, f.page NULLS LAST, f.seq""").df()
        versions = con.execute("""
            SELECT d.run_id, d.source_file, any_value(d.report_key) AS report_key
            FROM dq_result d GROUP BY ALL""").df()
    finally:
        con.close()

    env = jinja2.Environment(loader=jinja2.PackageLoader("sitrep", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    out_dir = Path(out_dir)
    started = {(r.run_id, r.source_file): r.started for r in runs.itertuples(index=False)}
    keys = {(r.run_id, r.source_file): r.report_key for r in versions.itertuples(index=False)}
    entries = []
    for (run_id, source_file), rows in results.groupby(["run_id", "source_file"], sort=False):
        counts = rows["status"].value_counts()
        quarantined = held[(held["run_id"] == run_id) & (held["source_file"] == source_file)]
        when = started.get((run_id, source_file))
        latest = bool(rows["is_latest_run"].any())
        entry = {
            "run_id": run_id, "source_file": source_file, "status": overall(rows["status"]),
            "started": None if pd.isna(when) else str(when)[:19], "latest": latest,
            "pass": int(counts.get("pass", 0)), "warn": int(counts.get("warn", 0)), "fail": int(counts.get("fail", 0)),
            # the warehouse keeps a report version's held-back figures as its latest validation left them
            "quarantined": len(quarantined) if latest or len(quarantined) else None,
            "href": page_name(run_id, source_file),
            "report_key": keys.get((run_id, source_file)),
        }
        entries.append(entry)
        order = {"fail": 0, "warn": 1, "pass": 2}
        ranked = rows.assign(rank=rows["status"].map(order)).sort_values(["rank", "expectation"])
        page = out_dir / entry["href"]
        if page.exists() and not latest:
            continue
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(env.get_template("dq_page.html.j2").render(
            entry=entry, results=ranked.to_dict("records"), held=quarantined.to_dict("records"),
            index="../../index.html", words=ROW_WORDS), encoding="utf-8")
    entries.sort(key=lambda e: (e["started"] or "", e["run_id"], e["source_file"]), reverse=True)
    index = out_dir / "index.html"
    out_dir.mkdir(parents=True, exist_ok=True)
    index.write_text(env.get_template("dq_index.html.j2").render(
        entries=entries, latest=[e for e in entries if e["latest"]],
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), warehouse=Path(warehouse).name),
        encoding="utf-8")
    return index
