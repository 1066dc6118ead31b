"""Reviewed corrections: a reviewer's decision on one figure (a value, or a rejection), kept in the warehouse.

Decisions are rows of the `correction` table, tied to a figure by its `figure_key` (figure_key.sql), not
by the fact_id of the version the reviewer saw: the key survives reruns, `sitrep run --force` and a
re-publication of the report that prints the same figure. The load stage fills each figure's key on every
load and v_facts / v_quarantine apply the decision in force, so nothing is rewritten in fact_figure: the
printed value and evidence stay as printed. A new decision on a figure replaces the one in force; undoing
keeps the row (status undone) so v_corrections is the full history.

These functions take a connection open for writing (a run's staging copy, see warehouse.db.writing):
the CLI publishes the change with the same atomic swap as a run, so readers are never disturbed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from sitrep.errors import ConfigError

ACTIONS = ("value", "reject")


@dataclass(frozen=True)
class Decision:
    correction_id: str
    fact_id: str
    source_file: str
    raw: str | None
    action: str
    old_value: float | None
    new_value: float | None
    reason: str
    decided_by: str

    def describe(self) -> str:
        printed = f" printed '{self.raw}'" if self.raw else ""
        what = (f"value {_num(self.old_value)} -> {_num(self.new_value)}" if self.action == "value"
                else f"value {_num(self.old_value)} rejected")
        return (f"correction {self.correction_id}: {self.source_file} fact {self.fact_id}{printed}: {what} "
                f"by {self.decided_by}: {self.reason}")


def _num(value: float | None) -> str:
    if value is None:
        return "none"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def record(con: duckdb.DuckDBPyConnection, fact_id: str, action: str, reason: str, by: str,
           new_value: float | None = None) -> Decision:
    """Record a decision on a figure of a current report version (quarantined or published).

    ConfigError (exit 2) for an unknown fact, an empty reason, or a value missing/given against the action.
    """
    if action not in ACTIONS:
        raise ConfigError(f"correction action must be one of {', '.join(ACTIONS)} (got {action!r})")
    if not reason or not reason.strip():
        raise ConfigError("a correction needs --reason TEXT: why the figure is corrected or rejected")
    if (action == "value") != (new_value is not None):
        raise ConfigError("--value V corrects a figure, --reject holds it back: give exactly one")
    row = con.execute("""
        SELECT f.figure_key, f.value, f.raw, r.source_file, r.report_family, r.report_period
        FROM fact_figure f JOIN dim_report r ON r.report_key = f.report_key AND r.is_current
        WHERE f.fact_id = ?""", [fact_id]).fetchone()
    if row is None:
        raise ConfigError(f"no figure {fact_id!r} in a current report version: see v_facts or v_quarantine "
                          "for fact_id")
    figure_key, old_value, raw, source_file, family, period = row
    if figure_key is None:  # cannot happen after ensure_schema; say so rather than store an orphan
        raise ConfigError(f"figure {fact_id} has no figure_key: run `sitrep run` once to fill it")
    correction_id = uuid.uuid4().hex[:10]
    now = _now()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("""UPDATE correction SET undone_by = ?, undone_at = ?, undo_reason = ?
                       WHERE figure_key = ? AND undone_at IS NULL""",
                    [by, now, f"replaced by {correction_id}", figure_key])
        con.execute("INSERT INTO correction VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)",
                    [correction_id, figure_key, fact_id, source_file, family, period, action, old_value,
                     new_value, raw, reason.strip(), by, now])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return Decision(correction_id, fact_id, source_file, raw, action, old_value, new_value, reason.strip(), by)


def undo(con: duckdb.DuckDBPyConnection, ident: str, by: str, reason: str | None = None) -> Decision:
    """Undo the decision in force named by its correction_id, or the one in force on a fact_id."""
    rows = con.execute("""
        SELECT c.correction_id, c.fact_id, c.source_file, c.raw, c.action, c.old_value, c.new_value, c.reason,
               c.decided_by
        FROM correction c
        WHERE c.undone_at IS NULL AND (c.correction_id = ? OR c.fact_id = ? OR c.figure_key IN (
            SELECT figure_key FROM fact_figure f JOIN dim_report r ON r.report_key = f.report_key AND r.is_current
            WHERE f.fact_id = ?))""", [ident, ident, ident]).fetchall()
    if not rows:
        raise ConfigError(f"no correction in force with id or fact_id {ident!r}: see `sitrep correct --list`")
    decision = Decision(*rows[0])
    con.execute("UPDATE correction SET undone_by = ?, undone_at = ?, undo_reason = ? WHERE correction_id = ?",
                [by, _now(), (reason or "undone").strip(), decision.correction_id])
    return decision


LIST_COLUMNS = ("correction_id", "status", "action", "fact_id", "source_file", "raw", "old_value", "new_value",
                "decided_by", "decided_at", "reason", "current_fact_id")


def listing(con: duckdb.DuckDBPyConnection, include_inactive: bool = False) -> list[dict]:
    """v_corrections rows (only those in force unless include_inactive), oldest first."""
    where = "" if include_inactive else "WHERE status = 'active'"
    cur = con.execute(f"SELECT {', '.join(LIST_COLUMNS)} FROM v_corrections {where} "
                      "ORDER BY decided_at, correction_id")
    return [dict(zip(LIST_COLUMNS, row, strict=True)) for row in cur.fetchall()]
