"""GTRM Peru situation report (PDF, 2019 and 2021 layouts): key figures, sector grids, tables, prose.

Pages are read from the text layer in reading order (extractors.layout). What each block is
comes from its shape, not its position:
- a line of one sector name with number-only lines under it (and captions beside or under them)
  is a sector grid (2019 layout): kind "table", sector from the label;
- a row of sector names over rows of numbers (or a column of sector names beside them) is a
  table, read by camelot with the flavor that parses best (2021 "PEOPLE REACHED"): sector from the
  column, population from the row label, "-" cells are missing values;
- a paragraph opening with a large "[Above|Some] number" line is a key figure;
- everything else is prose, given to the shared prose parser sentence by sentence.
A prose figure's sector is the one named by the heading it sits under (or a "Sector (USD ...)" /
"CBI working group" label next to it); its location is a place named in its own clause, else the
place of the "In <place>, ..." paragraph it follows (call-out boxes summarise, so get none).
"""

from __future__ import annotations

import re
import statistics
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from sitrep.errors import ExtractError

from ..decided import HEADING, PRECEDING_TEXT, TABLE_HEADER, TABLE_TITLE, WORDING, decide, way_of
from ..document import Document
from ..layout import Paragraph, body_height, clean_lines, is_address, merge_fragments, paragraphs, reading_order
from ..pdf_tables import read_tables
from ..pdf_text import Line, Page
from ..periods import month_period
from ..proof import Unverified
from ..prose import ProseContext, find_figures, lead_sector
from ..records import ExtractResult, Figure
from ..vocab import canonical_population, canonical_sector, is_section_name, metric_for, places_in

FAMILY = "gtrm_sitrep"

_TITLE = re.compile(r"situation\s+report|reporte\s+de\s+situaci[oó]n", re.I)
_PLATFORM = re.compile(r"\bGTRM\b|\bR4V\b|Grupo\s+de\s+Trabajo\s+para\s+Refugiados\s+y\s+Migrantes", re.I)
_GRID_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*[+%]?$")
_CELL_NUMBER = re.compile(r"^(?:[-\u2212](?=\d)|\((?=[\d,.]+\)$))?(?:\d{1,3}(?:[,.]\d{3})+|\d+)(?:\.\d+)?\)?\s*[+%]?$")
_MISSING = {"-", "–", "—", "n/a", "N/A", "..."}
_KEY_LINE = re.compile(r"^(?:(?:above|over|more than|some|around|about|almost|nearly|up to|approx\.?|"
                       r"approximately|usd|us\$|\$)\s*)*[\d][\d,.]*\s*(?:[+%]|million|m|k)?$", re.I)
_SKIP = re.compile(r"^(?:figure|map|graph|chart|source|sources)\s*\d*\s*[:.]?\s|^for more information", re.I)
_IN_PLACE = re.compile(r"^In\s+[^,]{1,60}")
_PLACE_COUNT = re.compile(r"^\W*(?:\w+\s+)?(?:departments|regions|provinces|districts|cities|countries|"
                          r"municipalities|locations)\b", re.I)
_PLAN_YEAR = re.compile(r"\b(?:RMRP|Response\s+Plan|appeal)\b[^.]{0,40}?\b((?:19|20)\d{2})\b", re.I)
_OUTLINE = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*[.)]?|[IVX]{1,4}[.)])\s+")
_GROUP = re.compile(r"\b(?:working\s+group|sector)\b", re.I)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_CLAUSE = re.compile(r",\s|;\s|:\s|\s[–—-]\s")
_ABBREV = ("e.g.", "i.e.", "No.", "Nos.", "Hum.", "approx.", "St.", "Mr.", "Ms.", "Dr.", "vs.")
# camelot flavors tried on each table page; the one whose reading parses into the most
# sector-labelled cells wins (measured: no ruling lines in these reports, so lattice finds nothing).
FLAVORS: tuple[tuple[str, dict], ...] = (
    ("lattice", {"engine": "vector"}),
    ("stream", {}),
    ("network", {}),
    ("hybrid", {}),
)


MIN_SECTOR_LINES = 3  # distinct sectors named by lines of their own (headings, grid labels, table headers)


def detect(doc: Document) -> bool:
    """A PDF whose first pages call it a Situation Report of the GTRM / R4V platform and that has this
    layout's structure: sectors named by lines of their own (sector headings, the labels of a sector grid
    or the header of a people-reached table), not only the title words."""
    if not doc.is_pdf:
        return False
    try:
        head = "\n".join(p.text for p in doc.pages[:2])
    except ExtractError:
        return False
    if not (_TITLE.search(head) and _PLATFORM.search(head)):
        return False
    sectors = {canonical_sector(ln.text) for page in doc.pages for ln in page.lines if len(ln.text.split()) <= 4}
    return len(sectors - {None}) >= MIN_SECTOR_LINES


def report_period(pages: list[Page]) -> str | None:
    """'October 2019' from the masthead (top of page 1), else the first month-year on page 1."""
    if not pages:
        return None
    first = pages[0]
    top = sorted((ln for ln in first.lines if ln.y0 > first.height * 0.75), key=lambda ln: -ln.y1)
    return month_period(" ".join(ln.text for ln in top)) or month_period(first.text)


# ---------------------------------------------------------------- tables


@dataclass
class Cell:
    """One value cell of a table, with the labels of its row and column."""

    row_label: str
    col_label: str
    raw: str
    value: float
    qualifier: str | None
    unit: str
    evidence: str


def _number(raw: str) -> tuple[float, str, str | None] | None:
    text = raw.strip()
    if not _CELL_NUMBER.match(text):
        return None
    qualifier = "lower_bound" if text.endswith("+") else None
    unit = "percent" if text.endswith("%") else "number"
    digits = text.rstrip("+% ")
    sign = -1.0 if digits[:1] in "-\u2212(" else 1.0  # -5, −5, (5): a negative cell (a change)
    digits = digits.strip("-\u2212()")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", digits):  # 1.234 printed with dots as thousands
        digits = digits.replace(".", "")
    return sign * float(digits.replace(",", "")), unit, qualifier


def _clean(cell: object) -> str:
    return str(cell if cell is not None else "").strip()


def parse_grid(rows: list[list[str]], carry: list[str] | None = None) -> list[Cell]:
    """Value cells of a table given as rows of printed cells, in either orientation: sector names
    across the top (labels possibly wrapped over several rows) or down the first column.
    `carry` is the column header row of the previous page's table, for a table continued without
    its header."""
    return _read_grid(rows, carry)[0]


def _read_grid(rows: list[list[str]], carry: list[str] | None) -> tuple[list[Cell], list[str]]:
    rows = [[_clean(c) for c in row] for row in rows if len(row)]
    if not rows:
        return [], []
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    transposed = [list(col) for col in zip(*rows, strict=True)]
    unlabelled = [["", *r] for r in rows]  # a row of numbers under its column headers, no row label
    best: tuple[list[Cell], list[str]] = ([], [])
    for grid in (rows, transposed, unlabelled):
        cells, headers = _parse_oriented(grid, carry)
        if _labelled(cells) > _labelled(best[0]) or (not best[0] and cells):
            best = (cells, headers)
    return best


def _labelled(cells: list[Cell]) -> int:
    return sum(canonical_sector(c.col_label) is not None or canonical_sector(c.row_label) is not None
               for c in cells)


def _is_value(cell: str) -> bool:
    return _number(cell) is not None or cell in _MISSING


def _parse_oriented(rows: list[list[str]], carry: list[str] | None) -> tuple[list[Cell], list[str]]:
    """Column labels above, row labels in the first column."""
    data = [i for i, r in enumerate(rows) if any(_number(c) for c in r[1:]) and not _is_value(r[0])]
    if not data:
        return [], []
    first, width = data[0], len(rows[0])
    headers = [" ".join(rows[i][j] for i in range(first) if rows[i][j] and "\n" not in rows[i][j])
               for j in range(width)]
    if not any(headers[1:]) and carry:  # continued table: the header stayed on the previous page
        headers = ([""] * width + list(carry))[-width:]
    labels = {i: rows[i][0] for i in data}
    # a row label wrapped onto a row of its own ("Food" / "Security"): join it to its neighbour
    for i in range(first, len(rows)):
        row = rows[i]
        if i in labels or not row[0] or any(c and c not in _MISSING for c in row[1:]):
            continue
        before = f"{labels.get(i - 1, '')} {row[0]}"
        after = f"{row[0]} {rows[i + 1][0]}" if i + 1 < len(rows) else ""
        for j, joined in ((i - 1, before), (i + 1, after)):
            if j in labels and (canonical_sector(joined) or canonical_population(joined)):
                labels[j] = joined
                break
    cells = []
    for i in data:
        row, label = rows[i], " ".join(labels[i].split())
        for j in range(1, width):
            parsed = _number(row[j])
            if parsed is None or not headers[j]:
                continue
            value, unit, qualifier = parsed
            header = " ".join(headers[j].split())
            cells.append(Cell(label, header, row[j], value, qualifier, unit, _cell_evidence(label, header, row[j])))
    return cells, headers


def _cell_evidence(row_label: str, col_label: str, raw: str) -> str:
    """What a cell says, in the words of its table: 'Protection | RMRP | 4,777' (the sector's label
    first, whichever side of the table it is printed on), not the numbers printed next to it."""
    labels = (col_label, row_label) if canonical_sector(col_label) and not canonical_sector(row_label) \
        else (row_label, col_label)
    return " | ".join(filter(None, (*labels, raw.strip())))


@dataclass
class _Region:
    """Where the text layer shows a table: its box, title and lines (removed from the prose)."""

    page: int
    bbox: tuple[float, float, float, float]
    title: str
    lines: list[Line]
    continued: bool = False  # no labels of its own: the rest of the previous page's table


def _rows(lines: list[Line]) -> list[list[Line]]:
    """Lines clustered into rows by vertical centre."""
    out: list[list[Line]] = []
    for ln in sorted(lines, key=lambda ln: -(ln.y0 + ln.y1) / 2):
        mid = (ln.y0 + ln.y1) / 2
        if out and abs(mid - statistics.mean((x.y0 + x.y1) / 2 for x in out[-1])) <= 3:
            out[-1].append(ln)
        else:
            out.append([ln])
    return [sorted(r, key=lambda ln: ln.x0) for r in out]


def find_table_regions(number: int, lines: list[Line]) -> list[_Region]:
    """Tables on a page from the text layer: two or more close rows of number cells with three or
    more sector names either in a header band above them or as the rows' own labels. Labelled
    rows of three or more numbers without sector names are returned as `continued` candidates."""
    values = [ln for ln in lines if _is_value(ln.text)]
    rows = [r for r in _rows(values) if sum(_number(ln.text) is not None for ln in r) >= 1 and len(r) >= 2]
    groups: list[list[list[Line]]] = []
    for row in rows:
        height = statistics.median(ln.height for ln in row if ln.height > 2) if row else 8.0
        if groups and min(ln.y0 for ln in groups[-1][-1]) - max(ln.y1 for ln in row) <= 2 * height:
            groups[-1].append(row)
        else:
            groups.append([row])
    regions = []
    for group in groups:
        cells = [ln for row in group for ln in row]
        x0, x1 = min(ln.x0 for ln in cells), max(ln.x1 for ln in cells)
        top, bottom = max(ln.y1 for ln in cells), min(ln.y0 for ln in cells)
        labels = [ln for ln in lines
                  if ln not in cells and ln.x1 < x0 and bottom <= (ln.y0 + ln.y1) / 2 <= top]
        pitch = (top - bottom) / (len(group) - 1) if len(group) > 1 else 12.0
        height = statistics.median(ln.height for ln in cells)
        band = _header_band(lines, cells, x0 - 60, x1, top, max(12.0, 1.2 * pitch, 2 * height))
        sectors = sum(canonical_sector(ln.text) is not None for ln in band)
        side = sum(canonical_sector(ln.text) is not None for ln in labels)
        bare = len(group) >= 2 and len(labels) >= len(group) and all(len(row) >= 3 for row in group)
        if max(sectors, side) < 3 and not bare or (len(group) < 2 and sectors < 3):
            continue
        if _captioned(cells, lines):
            continue  # numbers each with its caption under them: a sector grid (find_grid), not a table
        # the band's top line, flush with the row labels and naming no column, is the table's title
        top_line = max(band, key=lambda ln: ln.y1) if band else None
        title = top_line if top_line and labels and abs(top_line.x0 - min(ln.x0 for ln in labels)) < 6 \
            and canonical_sector(top_line.text) is None and canonical_population(top_line.text) is None else None
        band = [ln for ln in band if ln is not title]
        member = cells + labels + band
        left, high = min(ln.x0 for ln in member), max(ln.y1 for ln in member)
        above = [ln for ln in lines if ln not in member and ln.y0 >= high
                 and ln.y0 - high <= 40 and ln.x1 > left - 20 and ln.x0 < x1]
        title = title or (min(above, key=lambda ln: ln.y0) if above else None)
        member += [title] if title else []
        box = (min(ln.x0 for ln in member) - 2, min(ln.y0 for ln in member) - 2,
               max(ln.x1 for ln in member) + 2, max(ln.y1 for ln in member) + 2)
        continued = max(sectors, side) < 3
        regions.append(_Region(number, box, "" if continued or not title else title.text, member, continued))
    return regions


def _captioned(cells: list[Line], lines: list[Line]) -> bool:
    """Most number cells have a line of words right under them, starting where they start (a grid's captions;
    a table's cells have another row of numbers or nothing under them)."""
    numbers = [ln for ln in cells if _number(ln.text) is not None]
    words = [ln for ln in lines if not _is_value(ln.text) and re.search(r"[^\W\d_]{3}", ln.text)]
    under = sum(any(abs(w.x0 - n.x0) < 6 and 0 <= n.y0 - w.y1 < 6 for w in words) for n in numbers)
    return bool(numbers) and under > len(numbers) / 2


def _header_band(lines: list[Line], cells: list[Line], x0: float, x1: float, top: float,
                 first_gap: float) -> list[Line]:
    """Lines stacked right above the first data row (wrapped column labels): the first within
    `first_gap` of the data, the next ones under 12 pt apart, up to running text (a line that ends a sentence
    of a few words, or runs over a third of the table's width; "Hum. Transp." is a label)."""
    above = sorted((ln for ln in lines if ln not in cells and ln.y0 >= top - 1 and ln.x1 > x0 and ln.x0 < x1),
                   key=lambda ln: ln.y0)
    band: list[Line] = []
    reach = top
    for ln in above:
        if ln.y0 - reach > (12 if band else first_gap):
            break
        if band and (ln.text.rstrip().endswith(".") and len(ln.text.split()) >= 4 or ln.x1 - ln.x0 > (x1 - x0) / 3):
            break
        band.append(ln)
        reach = max(reach, ln.y1)
    return band


def _text_grid(region: _Region) -> list[list[str]]:
    """The region's lines as rows of cells, columns taken from the widest row (camelot fallback)."""
    rows = _rows([ln for ln in region.lines if ln.text != region.title])
    widest = max(rows, key=len)
    centres = [(ln.x0 + ln.x1) / 2 for ln in widest]
    grid = []
    for row in rows:
        cells = [""] * len(centres)
        for ln in row:
            k = min(range(len(centres)), key=lambda i: abs(centres[i] - (ln.x0 + ln.x1) / 2))
            cells[k] = f"{cells[k]} {ln.text}".strip()
        grid.append(cells)
    return grid


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0) * max(h, 0)


def _read_region_tables(data: bytes, regions: list[_Region], name: str,
                        warnings: list[str]) -> list[list[Cell]]:
    """For each region, the cells of the camelot reading (best flavor) that covers it and that the
    text layer confirms (see misreading); else the text layer's own grid when it is confirmed.
    Raises Unverified when no reading of a table is confirmed.

    Flavors are tried fastest first; once every region has a confirmed camelot reading with at least as
    many labelled cells as the text layer shows, the slower flavors are not run."""
    pages = sorted({r.page for r in regions})
    frames: list[list[list[list[str]]]] = [[] for _ in regions]
    expected = [_labelled(_read_grid(_text_grid(r), None)[0]) for r in regions]
    for flavor, options in FLAVORS:
        try:
            tables = read_tables(data, pages, flavor, name=name, **options)
        except ExtractError as exc:
            warnings.append(str(exc))
            continue
        for k, region in enumerate(regions):
            frames[k] += [t.frame.values.tolist() for t in tables
                          if t.page == region.page and _overlap(t.bbox, region.bbox) > 0]
        if all(want and max((_labelled(cells) for cells in (_read_grid(f, None)[0] for f in found)
                             if misreading(cells, region) is None), default=0) >= want
               for want, found, region in zip(expected, frames, regions, strict=True)):
            break
    out: list[list[Cell]] = []
    carry: list[str] | None = None
    for k, region in enumerate(regions):
        follows = k > 0 and regions[k - 1].page == region.page - 1
        use = carry if follows else None  # used only when the table shows no header of its own
        best: tuple[list[Cell], list[str]] = ([], [])
        why = None
        for frame in frames[k]:
            cells, headers = _read_grid(frame, use)
            if _labelled(cells) > _labelled(best[0]):
                why = misreading(cells, region)
                if why is None:
                    best = (cells, headers)
        text = _read_grid(_text_grid(region), use)
        if _labelled(text[0]) > _labelled(best[0]) or not best[0]:
            text_why = misreading(text[0], region)
            if text_why is None:
                warnings.append(f"table on page {region.page}: " + (
                    f"camelot's reading did not match the text layer ({why}); used the text layer" if why
                    else "camelot's readings held fewer cells than the text layer; used the text layer"
                    if best[0] else "no camelot reading parsed; used the text layer"))
                best = text
            elif not best[0]:
                raise Unverified(f"table on page {region.page}: {why or text_why}")
        out.append(best[0])
        carry = best[1] or None
    return out


def misreading(cells: list[Cell], region: _Region, slack: float = 3.0) -> str | None:
    """Why the text layer does not confirm a table reading, or None when it does: every cell is a whole
    token of a line of the table, and that line lines up (shares columns or rows) with a line of the
    cell's column header where the header is printed in the table."""
    for cell in cells:
        holding = [ln for ln in region.lines if cell.raw in ln.text.split() or ln.text == cell.raw]
        if not holding:
            return f"cell {cell.raw!r} ({cell.col_label}) is not a whole token of the text layer"
        header = [ln for ln in region.lines if ln.text != region.title and not _is_value(ln.text)
                  and ln.text in cell.col_label]
        if header and not any(min(h.x1, v.x1) - max(h.x0, v.x0) >= -slack
                              or min(h.y1, v.y1) - max(h.y0, v.y0) >= -slack for h in header for v in holding):
            return f"cell {cell.raw!r} does not line up with its column header {cell.col_label!r}"
    return None


def _table_figures(region: _Region, cells: list[Cell]) -> list[Figure]:
    measure = "people_reached" if metric_for(region.title) == "people_reached" else None
    out = []
    for cell in cells:
        out.append(decide(Figure(
            kind="table", value=cell.value, unit=cell.unit, evidence=cell.evidence, raw=cell.raw,
            qualifier=cell.qualifier, metric=measure or metric_for(region.title),
            sector=canonical_sector(cell.col_label) or canonical_sector(cell.row_label),
            measure=measure,
            population=canonical_population(cell.row_label) or canonical_population(cell.col_label),
            page=region.page, section=region.title.strip(" *") or None,
        ), sector=TABLE_HEADER, population=TABLE_HEADER, measure=TABLE_TITLE))
    return out


# ---------------------------------------------------------------- sector grids (2019 layout)


@dataclass
class _GridItem:
    label: Line
    number: Line
    caption: list[Line]


def find_grid(lines: list[Line]) -> list[_GridItem]:
    """Sector grid cells: a number-only line under a sector-name line (the nearest row of labels
    above, the rightmost label starting left of the number), with its caption beside or below."""
    labels = [ln for ln in lines if len(ln.text.split()) <= 4 and canonical_sector(ln.text)]
    numbers = [ln for ln in lines if _GRID_NUMBER.match(ln.text) and not _ends_text(ln, lines)]
    used: set[int] = {id(ln) for ln in labels} | {id(ln) for ln in numbers}
    items = []
    for num in sorted(numbers, key=lambda ln: (-ln.y1, ln.x0)):
        above = [lb for lb in labels if lb.y0 >= num.y1 - 1 and lb.y0 - num.y1 <= 45]
        if not above:
            continue
        nearest = min(lb.y0 for lb in above)
        row = [lb for lb in above if lb.y0 - nearest <= 4 and lb.x0 <= num.x0 + 8]
        if not row:
            continue
        label = max(row, key=lambda lb: lb.x0)
        caption = _caption(num, lines, used)
        used.update(id(ln) for ln in caption)
        items.append(_GridItem(label, num, caption))
    return items


def _ends_text(num: Line, lines: list[Line]) -> bool:
    """The number ends a line of running text (a justified line split at a wide word gap): words end on its
    baseline just left of it. A grid's number stands apart."""
    reach = 2 * max(num.height, 1.0)
    return any(ln is not num and 0 <= num.x0 - ln.x1 < reach and re.search(r"[^\W\d_]{2}", ln.text)
               and min(ln.y1, num.y1) - max(ln.y0, num.y0) > 0.5 * min(ln.height, num.height) for ln in lines)


def _caption(num: Line, lines: list[Line], used: set[int]) -> list[Line]:
    free = [ln for ln in lines if id(ln) not in used]
    beside = [ln for ln in free if 0 < ln.x0 - num.x1 < 40 and ln.y1 > num.y0 and ln.y0 < num.y1]
    below = [ln for ln in free if abs(ln.x0 - num.x0) < 6 and 0 <= num.y0 - ln.y1 < 12]
    if not beside and not below:
        return []
    start = min(beside, key=lambda ln: ln.x0) if beside else max(below, key=lambda ln: ln.y1)
    out = [start]
    while True:
        nxt = [ln for ln in free
               if ln not in out and abs(ln.x0 - out[-1].x0) < 4 and 0 <= out[-1].y0 - ln.y1 < 5]
        if not nxt:
            return out
        out.append(max(nxt, key=lambda ln: ln.y1))


def _grid_blocks(items: list[_GridItem]) -> list[list[_GridItem]]:
    """Grid cells grouped into blocks of vertically close rows (one block per printed grid)."""
    blocks: list[list[_GridItem]] = []
    bottoms: list[float] = []
    for item in sorted(items, key=lambda it: -it.label.y1):
        members = [item.label, item.number, *item.caption]
        top, bottom = max(ln.y1 for ln in members), min(ln.y0 for ln in members)
        if blocks and top >= bottoms[-1] - 30:
            blocks[-1].append(item)
            bottoms[-1] = min(bottoms[-1], bottom)
        else:
            blocks.append([item])
            bottoms.append(bottom)
    return blocks


def _split_columns(blocks: list[list[_GridItem]], lines: list[Line]) -> list[list[_GridItem]]:
    """Blocks that take in running text are grids of two text columns at the same height: each column's
    cells make blocks of their own (split at the widest empty stretch between the cells), so the box
    removed from the prose holds no prose."""
    out = []
    for block in blocks:
        members = {id(ln) for it in block for ln in (it.label, it.number, *it.caption)}
        x0, y0, x1, y1 = _bbox([ln for it in block for ln in (it.label, it.number, *it.caption)])
        prose = any(id(ln) not in members and len(ln.text) >= 40 and x0 <= ln.x0 and ln.x1 <= x1
                    and y0 <= ln.y0 and ln.y1 <= y1 for ln in lines)
        spans = sorted((min(ln.x0 for ln in (it.label, it.number, *it.caption)),
                        max(ln.x1 for ln in (it.label, it.number, *it.caption))) for it in block)
        reach, cut = spans[0][1], None
        for lo, hi in spans[1:]:
            if lo > reach and (cut is None or lo - reach > cut[0]):
                cut = (lo - reach, (lo + reach) / 2)
            reach = max(reach, hi)
        if not prose or cut is None:
            out.append(block)
            continue
        left = [it for it in block if it.label.x1 <= cut[1]]
        right = [it for it in block if it.label.x1 > cut[1]]
        out += _grid_blocks(left) + _grid_blocks(right)
    return out


def _bbox(lines: list[Line]) -> tuple[float, float, float, float]:
    return (min(ln.x0 for ln in lines), min(ln.y0 for ln in lines),
            max(ln.x1 for ln in lines), max(ln.y1 for ln in lines))


def _grid_figure(item: _GridItem, page: int, location: str | None, section: str | None) -> Figure:
    raw = item.number.text.strip()
    value, unit, qualifier = _number(raw) or (None, "number", None)
    caption = " ".join(ln.text for ln in item.caption)
    fig = Figure(kind="table", value=value, unit=unit, raw=raw, qualifier=qualifier,
                 evidence=_cell_evidence(item.label.text.strip(), caption.strip(), raw), metric=metric_for(caption),
                 sector=canonical_sector(item.label.text), location=location, page=page, section=section)
    return decide(fig, sector=TABLE_HEADER, location=PRECEDING_TEXT)


# ---------------------------------------------------------------- prose


@dataclass
class _Context:
    section: str | None = None
    sector: str | None = None
    location: str | None = None
    key_figures: bool = False
    prose: ProseContext = field(default_factory=ProseContext)  # places carried between paragraphs


@cache
def _countries() -> frozenset[str]:
    data = tomllib.loads(resources.files("extractors").joinpath("vocabulary.toml").read_text("utf-8"))
    return frozenset(data["places"].get("countries", []))


def _places(text: str) -> list[str]:
    """Places named in the text, countries left out (a country is the report's scope, not a place).
    When several are named, one followed by another capitalised word is part of a longer name
    ('Santa Ana Soup Kitchen in Corrales') and is left out."""
    found = [p for p in places_in(text) if p not in _countries()]
    if len(found) > 1:
        named = [p for p in found if not re.search(rf"(?<![\w-]){re.escape(p)}\s+[A-Z]\w", text)]
        found = named or found
    return found


def heading_sector(text: str) -> str | None:
    """Sector a heading names: 'Area of Intervention 2: Protection' -> Protection."""
    tail = text.split(":", 1)[-1]
    found = canonical_sector(tail)
    if found:
        return found
    words = re.findall(r"[\w.'&-]+", tail)
    for n in range(min(5, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            found = canonical_sector(" ".join(words[i:i + n]))
            if found:
                return found
    return None


def split_sentences(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in re.finditer(r"(?<=[.!?])[\"'”’)]*\s+(?=[A-Z“\"(\d])", text):
        piece = text[start:m.start()].rstrip()
        if piece.endswith(_ABBREV):
            continue
        out.append(text[start:m.end()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def _locate(sentence: str, raw: str, cursor: int) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    pattern = re.compile(r"(?<![\w])" + re.escape(raw) + r"(?![\w])", re.I)
    m = pattern.search(sentence, cursor) or pattern.search(sentence)
    return m.start() if m else None


def _clause(sentence: str, pos: int) -> tuple[int, int]:
    start, end = 0, len(sentence)
    for m in _CLAUSE.finditer(sentence):
        if m.end() <= pos:
            start = m.end()
        elif m.start() >= pos:
            end = m.start()
            break
    return start, end


def _paren_label(sentence: str, pos: int) -> str | None:
    """'Lima (31)', 'Integration (USD 60.5 million)': the words printed right before the
    parenthesis that opens with the figure."""
    open_at = sentence.rfind("(", 0, pos)
    if open_at < 0 or ")" in sentence[open_at:pos]:
        return None
    if not re.fullmatch(r"\s*(?:USD|US\$|\$|S/\.?)?\s*", sentence[open_at + 1:pos]):
        return None
    return sentence[:open_at].rstrip()


def _tail_sector(text: str, words: int = 5) -> str | None:
    tokens = text.split()
    for n in range(min(words, len(tokens)), 0, -1):
        found = canonical_sector(" ".join(tokens[-n:]).strip(",;:"))
        if found:
            return found
    return None


def _prose_figures(paragraph: Paragraph, ctx: _Context, kind: str, period: str | None,
                   report_year: str | None) -> list[Figure]:
    text = paragraph.text
    plan = _PLAN_YEAR.search(text)
    fig_period = period or (plan.group(1) if plan and plan.group(1) != report_year else None)
    # the prose parser reads places across the sentences of a paragraph ("... in Mancora. Over 180
    # were interviewed"); the per-sentence pass below adds this layout's labels ("Lima (31)", sectors)
    whole = [] if paragraph.inset else find_figures(text, kind=kind, page=paragraph.page, context=ctx.prose)
    lead = lead_sector(text)  # "Health: GTRM partners ...": the paragraph's own label, over its heading's sector
    out = []
    for sentence in split_sentences(text):
        cursor = 0
        for fig in find_figures(sentence, kind=kind, page=paragraph.page, sector=ctx.sector,
                                section=ctx.section, period=fig_period):
            pos = _locate(sentence, fig.raw or "", cursor)
            sector, sector_way = (lead, WORDING) if lead else (ctx.sector, HEADING)
            location = None if paragraph.inset else ctx.location
            if pos is not None:
                cursor = pos + len(fig.raw or "")
                lo, hi = _clause(sentence, pos)
                clause = sentence[lo:hi]
                label = _paren_label(sentence, pos)
                label_places = _places(" ".join((label or "").split()[-4:]))
                if label and label_places and label.endswith(label_places[-1]):
                    location = label_places[-1]
                elif label and _tail_sector(label):
                    sector, sector_way = _tail_sector(label), WORDING
                elif _PLACE_COUNT.match(sentence[cursor:]):
                    location = None
                elif _places(clause) and not paragraph.inset:
                    location = "; ".join(_places(clause))
                group = _GROUP.search(clause)
                if group and _tail_sector(clause[:group.start()], 3):
                    sector, sector_way = _tail_sector(clause[:group.start()], 3), WORDING
            if sector is None and fig.sector is not None and way_of(fig, "sector") == WORDING:
                sector, sector_way = fig.sector, WORDING  # no heading names one: the figure's own activity words
            fig.sector, fig.location = sector, location
            decide(fig, sector=sector_way if sector else None,
                   location=(WORDING if location in sentence else PRECEDING_TEXT) if location else None)
            fig.period = fig.period or fig_period
            out.append(fig)
    if [f.value for f in whole] == [f.value for f in out]:
        for fig, read in zip(out, whole, strict=True):
            if read.location and fig.location != read.location and not _PLACE_COUNT.match(fig.raw or ""):
                fig.location = read.location
                decide(fig, location=way_of(read, "location"))
    return out


def _is_heading(paragraph: Paragraph, body: float) -> bool:
    """A short standalone line without closing punctuation or large numbers (a year may be part of it:
    'OCTOBER 2019'), set larger than the body, in capitals, or in title case ('Area of Intervention 2:
    Protection'); or one line of a few words ending the way headings do ('Coordination:') that names a
    sector ('Food security'), a month or a usual section ('Key figures', 'Funding'). Every heading ends
    the sector of the heading before it."""
    text = paragraph.text.strip()
    if len(paragraph.lines) > 2 or len(text) > 90 or text.endswith((".", ",", ";")):
        return False
    if len(paragraph.lines) > 1 and _KEY_LINE.match(paragraph.lines[-1].text.strip()):
        return False  # a caption over its figure ("FUNDING SITUATION" / "14%"), not a heading
    if re.search(r"\d{3}|\d,\d", _YEAR.sub(" ", text)) or _KEY_LINE.match(text):
        return False
    text = _OUTLINE.sub("", text)  # "3. Protection", "2.1 Shelter": the words after the section number
    letters = [c for c in text if c.isalpha()]
    words = [w for w in re.findall(r"[^\W\d_]+", text) if len(w) >= 4]
    title = bool(words) and sum(w[0].isupper() for w in words) >= 0.6 * len(words)
    capitals = len(letters) >= 4 and all(c.isupper() for c in letters)
    short = len(paragraph.lines) == 1 and len(text.split()) <= 5 and text[:1].isupper()
    if text.endswith(":"):  # a lead-in ("The response also included:") unless short and heading-like
        return short and (capitals or title or is_section_name(text))
    if paragraph.height >= 1.15 * body or capitals or (title and text[:1].isupper()):
        return True
    # a line of its own that is only a sector's name ("Cash-based interventions", set bold at body size), or a
    # short capitalised title that names one ("Area of Intervention 4 - Socio-economic and cultural integration"),
    # or a few words naming a usual section or a month ("Key figures", "Funding", "October")
    return len(paragraph.lines) == 1 and canonical_sector(text) is not None \
        or text[:1].isupper() and len(text.split()) <= 10 and heading_sector(text) is not None \
        or short and is_section_name(text)


# ---------------------------------------------------------------- the report


_GRID_MARK = "\x00grid "


def extract(doc: Document) -> ExtractResult:
    if not doc.is_pdf:
        raise ExtractError("not a PDF", report=doc.name)
    pages = doc.pages  # parsed once, shared with detection
    period = report_period(pages)
    year = period[:4] if period else None
    warnings: list[str] = []
    figures: list[Figure] = []
    cleaned = clean_lines(pages)

    regions: list[_Region] = []
    for page, lines in zip(pages, cleaned, strict=True):
        for region in find_table_regions(page.number, lines):
            follows = regions and regions[-1].page == page.number - 1
            if not region.continued or (follows and not any(r.page == page.number for r in regions)):
                region.title = region.title or (regions[-1].title if follows else "")
                regions.append(region)
    if regions:
        for region, cells in zip(regions, _read_region_tables(doc.data, regions, doc.name, warnings),
                                 strict=True):
            figures += _table_figures(region, cells)

    grids: list[tuple[int, list[_GridItem]]] = []
    ordered: list[tuple[int, list[Line]]] = []
    bodies: dict[int, float] = {}
    for page, lines in zip(pages, cleaned, strict=True):
        bodies[page.number] = body_height(lines)
        taken = {id(ln) for r in regions if r.page == page.number for ln in r.lines}
        lines = [ln for ln in lines if id(ln) not in taken]
        marks = []
        for block in _split_columns(_grid_blocks(find_grid(lines)), lines):
            for item in block:  # a grid's number says what it counts: a number without a caption is no grid
                if not item.caption:
                    raise Unverified(f"sector grid on page {page.number}: {item.number.text!r} under "
                                     f"{item.label.text!r} has no caption")
            members = [ln for it in block for ln in (it.label, it.number, *it.caption)]
            box = _bbox(members)
            inside = {id(ln) for ln in lines if box[0] - 1 <= ln.x0 and ln.x1 <= box[2] + 1
                      and box[1] - 1 <= ln.y0 and ln.y1 <= box[3] + 1}
            lines = [ln for ln in lines if id(ln) not in inside and ln not in members]
            marks.append(Line(f"{_GRID_MARK}{len(grids)}", *box))
            grids.append((page.number, block))
        ordered.append((page.number, reading_order(merge_fragments(lines) + marks)))

    ctx = _Context()
    for paragraph in paragraphs(ordered, solo=lambda ln: ln.text.startswith(_GRID_MARK)):
        first = paragraph.lines[0]
        if first.text.startswith(_GRID_MARK):
            number, block = grids[int(first.text[len(_GRID_MARK):])]
            figures += [_grid_figure(it, number, ctx.location, ctx.section) for it in block]
            continue
        text = paragraph.text.strip()
        if not text or _SKIP.match(text) or text.count("|") >= 3 or is_address(text):
            continue  # figure captions, contact block, partner list, postal address
        body = bodies.get(paragraph.page, 8.0)
        boxed = ctx.key_figures and len(text) < 200 and _KEY_LINE.match(text.split(" ")[0]) \
            and not _OUTLINE.match(text)  # "1. Protection" after the key figures opens a section
        if boxed or (_KEY_LINE.match(first.text.strip()) and first.height >= 1.2 * body):
            figures += _prose_figures(paragraph, _Context(ctx.section), "key_figure", None, year)
            continue
        if _is_heading(paragraph, body):
            ctx = _Context(section=text, sector=heading_sector(text),
                           key_figures=bool(re.search(r"key\s+figures", text, re.I)))
            continue
        opening = _IN_PLACE.match(text)
        if opening and _places(opening.group(0)) and not paragraph.inset:
            ctx.location = "; ".join(_places(opening.group(0)))
        figures += _prose_figures(paragraph, ctx, "prose", None, year)
    title = next((ln.text for ln in pages[0].lines if _TITLE.search(ln.text)), None) if pages else None
    return ExtractResult(FAMILY, period, figures, warnings, title)
