"""`sitrep correct`: record, list and undo reviewed decisions on figures (warehouse.corrections)."""

from __future__ import annotations

import argparse
import getpass
import sys

import duckdb
from rich.console import Console
from rich.table import Table

from sitrep.config import Paths
from sitrep.errors import ConfigError


def reviewer(by: str | None) -> str:
    """--by, else the OS user."""
    if by and by.strip():
        return by.strip()
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (some containers)
        return "unknown"


def correct_command(args: argparse.Namespace, paths: Paths) -> int:
    from warehouse import corrections
    from warehouse.db import open_read_only, writing

    if args.list:
        con = open_read_only(paths.warehouse)
        try:
            rows = corrections.listing(con, include_inactive=args.all)
        except duckdb.CatalogException:  # a warehouse from before corrections: the next run adds them
            rows = []
        finally:
            con.close()
        _print(rows, paths, args.all)
        return 0
    if args.all:
        raise ConfigError("--all goes with --list")
    if not paths.warehouse.exists():
        raise ConfigError(f"no warehouse at {paths.warehouse}: run `sitrep run` first")
    if args.undo:
        if args.fact_id:
            raise ConfigError("--undo ID takes the correction_id (or fact_id) itself, not a FACT_ID argument")
        with writing(paths.warehouse) as staging:
            decision = corrections.undo(staging.con, args.undo, reviewer(args.by), args.reason)
        print(f"undone: {decision.describe()}")
        return 0
    if not args.fact_id:
        raise ConfigError("give a FACT_ID with --value V or --reject, or use --list or --undo ID")
    if args.value is None and not args.reject:
        raise ConfigError("--value V corrects a figure, --reject holds it back: give one")
    action = "reject" if args.reject else "value"
    with writing(paths.warehouse) as staging:
        decision = corrections.record(staging.con, args.fact_id, action, args.reason or "", reviewer(args.by),
                                      args.value)
    print(f"recorded: {decision.describe()}")
    print("applied now and on every run (v_facts, v_quarantine); `sitrep correct --list` shows it")
    return 0


def _print(rows: list[dict], paths: Paths, include_inactive: bool) -> None:
    console = Console(width=None if sys.stdout.isatty() else 200)
    if not rows:
        console.print("no corrections" + ("" if include_inactive else " in force"))
        return
    table = Table(title=f"sitrep corrections: {paths.warehouse}")
    for column in ("correction", "status", "fact_id", "report", "printed", "old", "new", "by", "when", "reason"):
        table.add_column(column, overflow="fold")
    for r in rows:
        new = "rejected" if r["action"] == "reject" else _fmt(r["new_value"])
        table.add_row(r["correction_id"], r["status"], r["fact_id"], r["source_file"], r["raw"] or "",
                      _fmt(r["old_value"]), new, r["decided_by"], r["decided_at"].strftime("%Y-%m-%d %H:%M"),
                      r["reason"])
    console.print(table)


def _fmt(value) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
