"""Tables of PDFs of unknown layout, read by camelot on the pages the pre-filter flags, cell by cell.

Two camelot readers that do not render pages: lattice with its vector engine (ruled tables, from the PDF's
own line drawings) and network (borderless tables, from text alignment); never stream, which reports a
table on every page of prose. One call per reader per document. A network table lying on a lattice table
is the same table read twice: the lattice one is kept.

A cell verifies when it holds one number (two numbers in one cell: columns that did not line up) that is a
whole token of the page's text layer (extractors.proof). Cells that do not verify stay prose, with a
warning; a table where more than MAX_BAD of the cells do not verify is dropped whole, its numbers prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .html_blocks import Cell, cell_figures, grid_cells
from .numbers import currency_units, money_statement
from .pdf_tables import Table, read_tables
from .pdf_text import PDFIUM_LOCK, Page, open_pdf
from .proof import occurs
from .records import Figure
from .table_pages import table_pages

READERS = (("lattice", {"engine": "vector", "split_text": True}), ("network", {}))
SAME_TABLE = 0.5  # two tables overlapping by this share of the smaller one are one table
MAX_BAD = 0.1  # share of a table's cells that may fail verification (they stay prose); more: the table is dropped

# a cell that is only a number: sign or brackets, currency mark or code, digits, percent, a footnote star
NUMERIC_CELL = re.compile(r"[-−+(]?\s?(?:[$€£]|[A-Z]{3}\s?|US\$\s?)?\d[\d.,\u00a0\u202f\u2009 ]*\s?%?\)?\*{0,3}")
_SCALE_NOTE = re.compile(r"\(\s?[$€£]?\s?0{3}(?:[.,\s]0{3})*\s?\)")
_YEAR = re.compile(r"(?:FY\s?)?(?:19|20)\d{2}(?:[-/–](?:19|20)?\d{2})?")


@dataclass
class PageTables:
    """What the table path found in a document: figures, the printed numbers they consumed per page
    (so prose does not read them again), and warnings."""

    figures: list[Figure]
    consumed: dict[int, list[str]]
    warnings: list[str]
    pages: list[int]  # the pages the pre-filter flagged


def _clean(text) -> str:
    return " ".join(str(text).split()) if text is not None and str(text) != "nan" else ""


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection of two boxes as a share of the smaller one."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / smaller if smaller > 0 else 0.0


def is_numeric(text: str) -> bool:
    """A cell that is one printed number; a leading three-letter code must be a currency ('LDA 1997' is not)."""
    m = NUMERIC_CELL.fullmatch(text)
    if not m or _SCALE_NOTE.fullmatch(text):  # '(000)', '($000)': a header's scale, not a value
        return False
    code = re.match(r"[-−+(]?\s?([A-Z]{3})", text)
    return code is None or code.group(1).lower() in currency_units()


def counting(texts: list[str]) -> bool:
    """A header row that numbers its columns ('Grade: K 1 2 3 ...', 'Lead time (years): 1 2 3 ...'): three or
    more whole numbers counting up by one, among words."""
    numbers = [int(t) for t in texts if t.isdigit()]
    return len(numbers) >= 3 and all(b - a == 1 for a, b in zip(numbers, numbers[1:], strict=False))


def bounds_header(values: list[str]) -> bool:
    """A header row whose numbers are the bounds of ranges, among words ('borrowed' 'amount' '$10,000' '14,999'
    'or more'; 'Less than' '$10,000' 'and over'): a leading row with two or more cells of words, one naming a
    bound, is a header whatever numbers it also prints."""
    words = [t for t in values if re.search(r"[^\W\d_]{2,}", t) and not is_numeric(t)]
    return len(words) >= 2 and any(_BOUND_WORDS.search(t) for t in words) and any(is_numeric(t) for t in values)


_BOUND_WORDS = re.compile(r"\b(?:less\s+than|under|over|or\s+more|or\s+less|and\s+(?:over|above|more)|up\s+to|"
                          r"at\s+least|to|menos\s+de|más\s+de|o\s+más|hasta)\b", re.I)


def _open_range(above: list[str], c: int, row: list[str]) -> bool:
    """The header cell above ends with a dash ('$10,000–' over '14,999'): the number ends a range in the header."""
    return c < len(above) and above[c].rstrip().endswith(("–", "-", "—")) and c < len(row)


def table_grid(rows: list[list[str]]) -> list[list[tuple[str, str]]]:
    """A PDF table's rows as (tag, text) for html_blocks.grid_cells. Rows of only labels and years (or numbering
    the columns: `counting`) before the first value row are header rows; after them a row without a number is
    dropped (a group label, a wrapped line: no header band starts inside a PDF table). The leading columns whose
    cells are mostly words are the row label, joined into the first cell; an empty label cell takes the label
    above it (a label spanning rows: 'Allergy problems' over its 'Count' and 'Percentage' rows)."""
    rows = [r for r in rows if any(r)]
    width = max((len(r) for r in rows), default=0)
    rows = [r + [""] * (width - len(r)) for r in rows]
    labels = 0
    while labels < width - 1:
        texts = [r[labels] for r in rows if r[labels]]
        if not texts or sum(not is_numeric(t) for t in texts) <= len(texts) / 2:
            break
        labels += 1
    if labels:
        rows = split_label_numbers(rows, labels)
        width = max((len(r) for r in rows), default=0)
    grid: list[list[tuple[str, str]]] = []
    in_head = True
    above = [""] * labels
    prev: list[str] = []
    for row in rows:
        values = [t for t in row[labels:] if t]
        head = in_head and (all(not is_numeric(t) or _YEAR.fullmatch(t) or _open_range(prev, c, row)
                                for c, t in enumerate(row) if c >= labels and t) or counting(values)
                            or bounds_header(values))
        prev = row
        in_head = head
        if not head and not any(is_numeric(t) for t in values):
            continue
        if labels and not head:
            above = [t or (above[c] if not any(row[:c]) else "") for c, t in enumerate(row[:labels])]
            label = " ".join(t for t in above if t)
            grid.append([("head", label), *(("td", t) for t in row[labels:])])
        elif labels:
            grid.append([("head", " ".join(t for t in row[:labels] if t)), *(("head", t) for t in row[labels:])])
        else:
            grid.append([("head" if head else "td", t) for t in row])
    return grid


_TRAILING_NUMBER = re.compile(r"^(?P<label>.*[^\W\d_].*?)\s+(?P<num>\S+)$")
_LEADING_NUMBER = re.compile(r"^(?P<num>[-−(]?\d[\d.,]*\)?)\s+(?P<label>[^\W\d_].*)$")
_PLACEHOLDER = re.compile(r"[†‡—–-]|n/?a|\.\.\.?|…", re.I)  # a cell that says 'not applicable', 'no data'
SPLIT_SHARE = 0.8  # share of the value rows whose label must end with a number for the label column to be split
_RANGE_WORD = re.compile(r"(?:\b(?:to|than|under|over|and|from|de|a|hasta|entre|y|menos|más)|[-–—])$", re.I)


def split_label_numbers(rows: list[list[str]], labels: int) -> list[list[str]]:
    """Camelot sometimes joins the first value column into the row label ('Protección 250.000' | '231.459'): when
    the label cells of SPLIT_SHARE of the value rows end (or start: the text layer's order) with a number token or
    a 'not applicable' mark, besides words (not a range's bound, 'Less than 10,000', nor numbering, 'Grade 1',
    'Grade 2'), that token is split off into a column of its own. The header rows get
    an empty cell there, and a header cell that then spans as many value columns as it has words ('Presupuesto
    Gastado Saldo' over three) is dealt out one word a column: camelot's columns were proven wrong."""
    at = labels - 1
    value_rows = [k for k, r in enumerate(rows) if any(is_numeric(t) for t in r[labels:] if t)]
    splits = {}
    for k in value_rows:
        m = _TRAILING_NUMBER.match(rows[k][at]) if rows[k][at] else None
        m = m or (_LEADING_NUMBER.match(rows[k][at]) if rows[k][at] else None)  # '39.6 Business and management'
        if m is None or _YEAR.fullmatch(m["num"]) or _RANGE_WORD.search(m["label"]):
            continue
        if is_numeric(m["num"]) or _PLACEHOLDER.fullmatch(m["num"]):
            splits[k] = (m["label"], m["num"])
    if not value_rows or len(splits) < SPLIT_SHARE * len(value_rows) or counting([n for _, n in splits.values()]):
        return rows
    out = []
    for k, row in enumerate(rows):
        if k in splits:
            out.append([*row[:at], *splits[k], *row[labels:]])
            continue
        if k in value_rows:  # a label of its own, no number joined to it
            out.append([*row[:labels], "", *row[labels:]])
            continue
        new = [*row[:labels], "", *row[labels:]]
        if k < value_rows[0]:  # a header row: deal a joined header cell out over the empty columns it spans
            for c in range(labels, len(new)):
                words = new[c].split()
                if len(words) < 2:
                    continue
                lo, hi = c, c + 1
                while lo > labels and not new[lo - 1]:
                    lo -= 1
                while hi < len(new) and not new[hi]:
                    hi += 1
                if hi - lo == len(words):
                    new[lo:hi] = words
                    break
        out.append(new)
    return out


HEADER_BAND = 26.0  # points above a table where its column headers may sit (outside camelot's table area)


def header_above(table: Table, textpage) -> list[str]:
    """Column headers printed right above a table that camelot's area left out: the words pdfium has within
    HEADER_BAND points above it, each in the column holding its centre, top to bottom; a number there is a row
    camelot missed, not a header. A word is cut at a space or at a gap wider than half a character."""
    if not table.cols or len(table.cols) != table.frame.shape[1]:
        return []
    top = table.bbox[3]
    words: list[tuple[float, float, str]] = []  # (-y, x, word): reading order
    chars: list[str] = []
    box = [0.0, 0.0, 0.0, 0.0]

    def end() -> None:
        if chars:
            words.append((-(box[1] + box[3]) / 2, (box[0] + box[2]) / 2, "".join(chars)))
            chars.clear()

    for i in range(textpage.count_chars()):
        left, bottom, right, upper = textpage.get_charbox(i, loose=True)  # the font's box: one height a line
        char = textpage.get_text_range(i, 1)
        if not top < (bottom + upper) / 2 <= top + HEADER_BAND or not char.strip():
            end()
            continue
        if chars and (left - box[2] > 0.5 * max(upper - bottom, 1.0) or abs(bottom - box[1]) > upper - bottom):
            end()
        if not chars:
            box[:] = [left, bottom, right, upper]
        box[:] = [min(box[0], left), min(box[1], bottom), max(box[2], right), max(box[3], upper)]
        chars.append(char)
    end()
    out = [""] * len(table.cols)
    for _y, x, word in sorted(words, key=lambda w: (round(w[0]), w[1])):
        for c, (x0, x1) in enumerate(table.cols):
            if x0 <= x < x1 and not is_numeric(word):
                out[c] = f"{out[c]} {word}".strip()
                break
    return out


_LEADERS = re.compile(r"\s*(?:\.\s?){2,}\s*")  # dot leaders between a row label and its numbers


def _stacked_token(token: str) -> bool:
    """One number of a stacked column: a number with its significance stars ('*–723'), or a mark standing for
    none ('–', '(X)', '*****')."""
    bare = token.lstrip("*").replace("–", "-")
    return bool(bare and is_numeric(bare)) or bool(_PLACEHOLDER.fullmatch(token)) or token in ("(X)", "(NA)") \
        or set(token) == {"*"}


def unstack(rows: list[list[str]]) -> list[list[str]]:
    """A ruled table without lines between its rows comes out of lattice as one row whose cells each hold a whole
    column ('All ages . . . With a disability . . .' | '291,099 54,425' | '100.0 18.7'): when every cell of such a
    row splits into the same number of pieces (value cells at spaces, into numbers or 'not applicable' marks; the
    label cell at its dot leaders), the row is those pieces, one row each."""
    out: list[list[str]] = []
    for row in rows:
        pieces = []
        for c, text in enumerate(row):
            if not text:
                pieces.append(None)
            elif c == 0 and _LEADERS.search(text):
                pieces.append([t for t in _LEADERS.split(text) if t.strip()])
            else:
                tokens = text.split()
                pieces.append(tokens if all(_stacked_token(t) for t in tokens) else [text])
        counts = {len(p) for p in pieces if p is not None}
        n = counts.pop() if len(counts) == 1 else 1
        if n < 2 or pieces[0] is None or sum(p is not None for p in pieces) < 2:
            out.append(row)
            continue
        out += [[p[k] if p is not None else "" for p in pieces] for k in range(n)]
    return out


def _unverified(cells: list[Cell], figures: dict[int, list[Figure]], text: str) -> dict[int, str]:
    """The cells whose reading is not trusted, with why: not one number, or not in the text layer."""
    bad = {}
    for k, cell in enumerate(cells):
        found = figures[k]
        if len(found) != 1:
            bad[k] = f"cell {cell.text!r} holds {len(found)} numbers"
        elif not occurs(found[0].raw, text):
            bad[k] = f"cell {cell.text!r} is not in the text layer"
    return bad


@dataclass
class _Reading:
    table: Table
    cells: list[Cell]
    figures: dict[int, list[Figure]]
    bad: dict[int, str]  # cells that do not verify, with why

    @property
    def verified(self) -> bool:
        """At most MAX_BAD of its cells fail (those stay prose); more, and the whole reading is not trusted."""
        return len(self.bad) <= MAX_BAD * len(self.cells)


def _read(table: Table, page: Page, textpage=None) -> _Reading | None:
    """One camelot table's numeric cells and their figures; None when it is no table of numbers. `textpage`
    (pdfium's, of the table's page) is where column headers outside the table's area are looked for."""
    rows = unstack([[_clean(v) for v in row] for row in table.frame.values.tolist()])
    if len(rows) < 2 or max((len(r) for r in rows), default=0) < 2:
        return None
    body = next((k for k, r in enumerate(rows) if any(is_numeric(t) and not _YEAR.fullmatch(t) for t in r[1:])), 0)
    if textpage is not None and not any(t for r in rows[:body] for t in r[1:]):  # no column header in the table
        rows = [header, *rows] if any(header := header_above(table, textpage)) else rows
    cells = [c for c in grid_cells(table_grid(rows)) if is_numeric(c.text)]
    if len(cells) < 2:
        return None
    stated = money_statement(page.text)
    found = {k: cell_figures(cell, None, stated, page=table.page, whole=True) for k, cell in enumerate(cells)}
    return _Reading(table, cells, found, _unverified(cells, found, page.text))


def _best(readings: list[_Reading]) -> list[_Reading]:
    """One reading per table: where two readers' tables overlap (SAME_TABLE), the one with more verified
    cells (lattice first on a tie: ruled lines are the printed structure)."""
    ranked = sorted(readings, key=lambda r: (not r.verified, -(len(r.cells) - len(r.bad)),
                                             r.table.flavor != "lattice"))
    kept: list[_Reading] = []
    for reading in ranked:
        t = reading.table
        if not any(k.table.page == t.page and _overlap(k.table.bbox, t.bbox) >= SAME_TABLE for k in kept):
            kept.append(reading)
    return sorted(kept, key=lambda r: (r.table.page, -r.table.bbox[3], r.table.bbox[0]))


def read_grids(data: bytes, pages: list[Page], name: str = "report") -> PageTables:
    """Table figures of the flagged pages of a PDF (see the module's docstring)."""
    flagged = table_pages(data, pages, name)
    out = PageTables([], {}, [], flagged)
    if not flagged:
        return out
    by_number = {p.number: p for p in pages}
    tables = [t for flavor, options in READERS for t in read_tables(data, flagged, flavor, name, **options)
              if t.page in by_number]
    readings = []
    with PDFIUM_LOCK:
        pdf = open_pdf(data, name)
        try:
            for number in sorted({t.page for t in tables}):
                page = pdf[number - 1]
                textpage = page.get_textpage()
                for table in (t for t in tables if t.page == number):
                    if (reading := _read(table, by_number[number], textpage)) is not None:
                        readings.append(reading)
                textpage.close()
                page.close()
        finally:
            pdf.close()
    count: dict[int, int] = {}
    for reading in _best(readings):
        page = reading.table.page
        number = count[page] = count.get(page, 0) + 1
        where = f"table {number} of page {page}"
        if not reading.verified:
            why = next(iter(reading.bad.values()))
            out.warnings.append(f"{where} ({reading.table.flavor}) dropped, its numbers read as prose: "
                                f"{len(reading.bad)} of {len(reading.cells)} cells do not verify, e.g. {why}")
            continue
        if reading.bad:
            out.warnings.append(f"{where}: {len(reading.bad)} cells read as prose, e.g. "
                                f"{next(iter(reading.bad.values()))}")
        for k, cell in enumerate(reading.cells):
            if k in reading.bad:
                continue
            for fig in reading.figures[k]:
                fig.section = f"{where}, row {cell.row + 1}, column {cell.col + 1}"
                out.figures.append(fig)
                out.consumed.setdefault(page, []).append(fig.raw)
    return out
