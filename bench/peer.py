"""The peer: what a user writes instead of sitrep, to put sitrep's time in proportion.

For every PDF: camelot lattice AND stream on every page; for every web page: `pandas.read_html` for its tables
plus a number regex over its text. Every table cell and every number found goes into one DuckDB table
`peer_cells(source_file, origin, page, table_no, row_no, col_no, text, value)`. No families, no validation,
no provenance beyond the page, no skipping of unchanged files. Plain sequential loop, as a script would be.
Needs lxml (pandas.read_html).

    python bench/peer.py CORPUS_DIR --db OUT.duckdb [--json OUT.json]
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import time
import warnings
from pathlib import Path

NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:[,.\s]\d{3})+(?:\.\d+)?(?!\w)|(?<![\w.])\d+(?:\.\d+)?%?(?!\w)")
TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)


def _value(text: str) -> float | None:
    m = NUMBER.search(text or "")
    if not m:
        return None
    digits = re.sub(r"[,\s]|\.(?=\d{3}\b)", "", m.group(0).rstrip("%"))
    try:
        return float(digits)
    except ValueError:
        return None


def _cells(source: str, origin: str, page: int | None, table_no: int, frame) -> list[tuple]:
    rows = []
    for r, row in enumerate(frame.astype(str).values.tolist()):
        for c, text in enumerate(row):
            if text and text != "nan":
                rows.append((source, origin, page, table_no, r, c, text, _value(text)))
    return rows


def pdf_rows(path: Path) -> list[tuple]:
    import camelot

    rows: list[tuple] = []
    for flavor in ("lattice", "stream"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                tables = camelot.read_pdf(str(path), pages="all", flavor=flavor)
            except Exception as exc:  # a script would log and go on
                print(f"{path.name}: camelot {flavor} failed: {exc}", file=sys.stderr)
                continue
        for k, table in enumerate(tables):
            rows += _cells(path.name, f"camelot-{flavor}", int(table.page), k, table.df)
    return rows


def html_rows(path: Path) -> list[tuple]:
    import pandas as pd

    html = path.read_bytes().decode("utf-8", "replace")
    rows: list[tuple] = []
    try:
        frames = pd.read_html(io.StringIO(html), flavor="lxml")
    except ValueError:  # "No tables found"
        frames = []
    for k, frame in enumerate(frames):
        rows += _cells(path.name, "read_html", None, k, frame)
    text = " ".join(TAG.sub(" ", html).split())
    for k, m in enumerate(NUMBER.finditer(text)):
        context = text[max(0, m.start() - 60): m.end() + 60]
        rows.append((path.name, "regex", None, None, k, 0, context, _value(m.group(0))))
    return rows


def run(folder: Path, db: Path) -> dict:
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("CREATE OR REPLACE TABLE peer_cells (source_file TEXT, origin TEXT, page INTEGER, table_no INTEGER, "
                "row_no INTEGER, col_no INTEGER, text TEXT, value DOUBLE)")
    out = {"reports": 0, "pdf": 0, "html": 0}
    for path in sorted(Path(folder).iterdir()):
        suffix = path.suffix.lower()
        if suffix == ".pdf":
            rows = pdf_rows(path)
            out["pdf"] += 1
        elif suffix in (".html", ".htm"):
            rows = html_rows(path)
            out["html"] += 1
        else:
            continue
        if rows:
            con.executemany("INSERT INTO peer_cells VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        out["reports"] += 1
    out["rows"] = con.execute("SELECT count(*) FROM peer_cells").fetchone()[0]
    out["numbers"] = con.execute("SELECT count(value) FROM peer_cells").fetchone()[0]
    out["tables"] = con.execute("SELECT count(DISTINCT (source_file, origin, page, table_no)) FROM peer_cells "
                                "WHERE origin <> 'regex'").fetchone()[0]
    out["lattice_table_pages"] = con.execute(
        "SELECT count(DISTINCT (source_file, page)) FROM peer_cells WHERE origin = 'camelot-lattice'").fetchone()[0]
    con.close()
    out["seconds_in_process"] = round(time.perf_counter() - t0, 3)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--db", type=Path, required=True, help="DuckDB file to write (replaced)")
    parser.add_argument("--json", type=Path, help="write the counts here")
    args = parser.parse_args(argv)
    result = run(args.folder, args.db)
    text = json.dumps(result)
    if args.json:
        args.json.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
