"""Peer table suites: how many table cells of other people's test PDFs sitrep's generic path reads, with row and
column. Gold is theirs, not ours: camelot's own test files with the tables its tests expect (tests/data.py), and
the ICDAR-2013 table competition set with its structure ground truth (-str.xml).

A gold cell is a body cell printing one number (header rows: the leading rows of labels and years, or of column
numbers counting up; the row label: the first column's words). An extracted figure matches a gold cell when it
is a `table` figure of the same page with the same value whose evidence names the cell's row label and the
column header nearest the cell (words compared without case, spaces or punctuation); each gold cell and each
figure match once.
Recall = matched gold cells / gold cells; precision = matched figures / table figures on the scored pages.

    python bench/table_peers.py                       # the copies in tests/data/peer_tables (all 67)
    python bench/table_peers.py --full                # all 67 ICDAR documents, from the camelot repository
    python bench/table_peers.py --full --icdar DIR    # ... from a folder holding its *.pdf and *-str.xml
    python bench/table_peers.py --full --readers [--raster]  # pre-filter and camelot readers: time, pages caught

`score(suite, paths)` returns the numbers as a dict (bench/extract_score.py prints them beside the others).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PEER_DIR = ROOT / "tests" / "data" / "peer_tables"
CAMELOT_MIRROR = Path("/work/.mirror/camelot-dev+camelot/repo")  # a bare clone of camelot-dev/camelot
ICDAR_IN_REPO = "tests/files/tabula/icdar2013-dataset"

# a cell printing one number, as the gold reads it (independent of sitrep's number reader): English forms, a
# footnote or significance mark after it ('31.6**'); '(000)' is a header's scale
_GOLD_NUMBER = re.compile(r"\(?[-−]?\s?[$€£]?\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?%?\)?\*{0,3}")
_YEAR = re.compile(r"(?:19|20)\d{2}(?:\s?[-–/]\s?(?:19|20)?\d{2})?")


class GoldCell(NamedTuple):  # a NamedTuple, not a dataclass: bench/suites.py loads this file without registering it
    page: int
    value: float
    text: str
    row_label: str
    col_header: str


def gold_value(text: str) -> float | None:
    text = re.sub(r"\s*([.,])\s*(?=\d)", r"\1", text)  # "11,062 .6": the PDF's spacing inside one number
    m = _GOLD_NUMBER.fullmatch(text.strip())
    if not m or (text.strip().startswith("(") != text.strip().rstrip("*").endswith(")")) or text.strip() == "(000)":
        return None
    value = float(m.group(1).replace(",", "") + (m.group(2) or ""))
    return -value if text.strip().startswith(("(", "-", "−")) else value


def norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text or "").casefold()


def _counting(texts: list[str]) -> bool:
    """A header row numbering its columns (Grade: K 1 2 3; Lead time (years): 1 2 3): 3+ integers counting up."""
    numbers = [int(t) for t in texts if t.isdigit()]
    return len(numbers) >= 3 and all(b - a == 1 for a, b in zip(numbers, numbers[1:], strict=False))


def gold_cells(grid: list[list[str]], page: int) -> list[GoldCell]:
    """The numeric body cells of one table given as rows of texts (spanned label cells repeated)."""
    rows = [[" ".join((t or "").split()) for t in row] for row in grid]
    width = max((len(r) for r in rows), default=0)
    rows = [r + [""] * (width - len(r)) for r in rows]
    head = 0
    while head < len(rows) and (all(gold_value(t) is None or _YEAR.fullmatch(t) for t in rows[head][1:] if t)
                                or _counting(rows[head][1:])):
        head += 1
    out = []
    for row in rows[head:]:
        label = row[0] if gold_value(row[0]) is None else ""
        for c, text in enumerate(row):
            value = gold_value(text) if text else None
            if value is None:
                continue
            header = next((rows[h][c] for h in range(head - 1, -1, -1) if rows[h][c]), "")
            out.append(GoldCell(page, value, text, label if c else "", header))
    return out


def icdar_gold(xml_path: Path) -> list[GoldCell]:
    """Gold cells of one ICDAR-2013 document from its -str.xml (label cells repeated over their spans)."""
    out = []
    for region in ET.parse(xml_path).getroot().iter("region"):  # noqa: S314 (committed test data)
        page = int(region.get("page", "1"))
        placed = []
        for cell in region.findall("cell"):
            r0, c0 = int(cell.get("start-row", 0)), int(cell.get("start-col", 0))
            r1, c1 = int(cell.get("end-row", r0)), int(cell.get("end-col", c0))
            content = cell.find("content")
            placed.append((r0, c0, r1, c1, " ".join(((content.text if content is not None else "") or "").split())))
        if not placed:
            continue
        grid = [[""] * (max(p[3] for p in placed) + 1) for _ in range(max(p[2] for p in placed) + 1)]
        for r0, c0, r1, c1, text in placed:
            spans = [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
            for r, c in (spans if gold_value(text) is None else spans[:1]):
                grid[r][c] = text
        out += gold_cells(grid, page)
    return out


def camelot_gold(case: dict) -> list[GoldCell]:
    return [cell for grid in case["tables"] for cell in gold_cells(grid, case["page"])]


def matches(gold: GoldCell, fig) -> bool:
    if fig.kind != "table" or fig.page != gold.page or fig.value is None:
        return False
    if abs(fig.value - gold.value) > 1e-9 * max(1.0, abs(gold.value)):
        return False
    evidence = norm((fig.evidence or "").rsplit("|", 1)[0])
    return norm(gold.row_label) in evidence and norm(gold.col_header) in evidence


def score_document(gold: list[GoldCell], figures: list, pages: set[int] | None = None) -> dict:
    """Matched gold cells and table figures of one document (`pages`: the pages its gold covers, None: all)."""
    table = [f for f in figures if f.kind == "table" and (pages is None or f.page in pages)]
    used: set[int] = set()
    matched = 0
    for cell in gold:
        for k, fig in enumerate(table):
            if k not in used and matches(cell, fig):
                used.add(k)
                matched += 1
                break
    return {"gold": len(gold), "matched": matched, "extracted": len(table), "correct": len(used)}


def _documents(suite: str, folder: Path) -> list[tuple[Path, list[GoldCell], set[int] | None]]:
    if suite == "camelot":
        cases = json.loads((folder / "cases.json").read_text())
        return [(folder / c["file"], camelot_gold(c), {c["page"]}) for c in cases]
    pairs = [(xml.with_name(xml.name.replace("-str.xml", ".pdf")), xml) for xml in sorted(folder.glob("*-str.xml"))]
    return [(pdf, icdar_gold(xml), None) for pdf, xml in pairs if pdf.exists()]  # eu-009b...: ground truth only


def score(suite: str, folder: Path | None = None, verbose: bool = False) -> dict:
    """Table-cell recall and precision of sitrep's extraction over one peer suite ("camelot" or "icdar"; the
    files in `folder`, by default the copies in tests/data/peer_tables/<suite>)."""
    from extractors import extract_report

    folder = folder or PEER_DIR / suite
    totals = {"documents": 0, "gold": 0, "matched": 0, "extracted": 0, "correct": 0}
    started = time.perf_counter()
    for pdf, gold, pages in _documents(suite, folder):
        result = extract_report(pdf.read_bytes(), pdf.name)
        one = score_document(gold, result.figures, pages)
        totals["documents"] += 1
        for key, value in one.items():
            totals[key] += value
        if verbose:
            print(f"   {pdf.name}: {one['matched']}/{one['gold']} gold, {one['correct']}/{one['extracted']} correct")
    totals["recall"] = round(totals["matched"] / totals["gold"], 3) if totals["gold"] else 1.0
    totals["precision"] = round(totals["correct"] / totals["extracted"], 3) if totals["extracted"] else 0.0
    totals["seconds"] = round(time.perf_counter() - started, 1)
    return totals


def measure_readers(folder: Path, raster: bool = False) -> dict:
    """The pre-filter and the camelot readers on the ICDAR documents in `folder`: milliseconds a page, the share
    of gold table pages flagged, non-table pages flagged; camelot milliseconds a flagged page per reader, one
    call per document (as the generic path calls it); `raster` adds camelot's default (rendering) lattice."""
    from extractors.pdf_grids import READERS
    from extractors.pdf_tables import read_tables
    from extractors.pdf_text import read_pdf
    from extractors.table_pages import table_pages

    readers = [*READERS, *((("lattice", {}),) if raster else ())]
    out = {"pages": 0, "table_pages": 0, "caught": 0, "other_pages": 0, "other_flagged": 0, "prefilter_s": 0.0,
           "read_s": 0.0, "flagged": 0, "readers": {f"{f} {o}": {"s": 0.0, "tables": 0} for f, o in readers}}
    for pdf, gold, _ in _documents("icdar", folder):
        data = pdf.read_bytes()
        t0 = time.perf_counter()
        pages = read_pdf(data)
        t1 = time.perf_counter()
        flagged = set(table_pages(data, pages))
        out["read_s"] += t1 - t0
        out["prefilter_s"] += time.perf_counter() - t1
        truth = {c.page for c in gold}
        out["pages"] += len(pages)
        out["table_pages"] += len(truth)
        out["caught"] += len(truth & flagged)
        out["other_pages"] += len(pages) - len(truth)
        out["other_flagged"] += len(flagged - truth)
        out["flagged"] += len(flagged)
        for flavor, options in readers:
            t0 = time.perf_counter()
            found = read_tables(data, flagged, flavor, pdf.name, **options)
            entry = out["readers"][f"{flavor} {options}"]
            entry["s"] += time.perf_counter() - t0
            entry["tables"] += len(found)
    out["prefilter_ms_a_page"] = round(1000 * out["prefilter_s"] / out["pages"], 2)
    out["text_layer_ms_a_page"] = round(1000 * out["read_s"] / out["pages"], 2)
    out["table_pages_caught"] = round(out["caught"] / out["table_pages"], 3)
    for entry in out["readers"].values():
        entry["ms_a_flagged_page"] = round(1000 * entry["s"] / max(out["flagged"], 1), 1)
    return out


def full_icdar(target: Path) -> Path:
    """All ICDAR-2013 documents of the camelot repository's copy, written to `target`."""
    listing = subprocess.run(["git", "-C", str(CAMELOT_MIRROR), "ls-tree", "-r", "--name-only", "HEAD",
                              ICDAR_IN_REPO], check=True, capture_output=True, text=True).stdout.split()
    for name in listing:
        if name.endswith((".pdf", "-str.xml")):
            blob = subprocess.run(["git", "-C", str(CAMELOT_MIRROR), "show", f"HEAD:{name}"], check=True,
                                  capture_output=True).stdout
            (target / Path(name).name).write_bytes(blob)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="ICDAR-2013 straight from the camelot repository")
    parser.add_argument("--icdar", type=Path, help="folder with the ICDAR *.pdf and *-str.xml (with --full)")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per document")
    parser.add_argument("--readers", action="store_true",
                        help="time the pre-filter and each camelot reader instead")
    parser.add_argument("--raster", action="store_true", help="with --readers: camelot's default lattice too")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        icdar = args.icdar or (full_icdar(Path(tmp)) if args.full else None)
        if args.readers:
            print(json.dumps(measure_readers(icdar or PEER_DIR / "icdar", args.raster), indent=1))
            return 0
        for suite, folder in (("camelot", None), ("icdar", icdar)):
            print(f"{suite}: " + json.dumps(score(suite, folder, args.verbose)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
