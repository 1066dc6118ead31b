"""UNHCR Annual Results Report (country operation, PDF): indicator tables, financial tables, narrative.

The report is a sequence of impact-area and outcome-area sections ("4. Outcome Area: Gender-based
Violence"), each with an indicator table (Baseline / Target (year) / Actual (year)) and narrative,
then "Financial Data" tables by impact and outcome area. Tables are read by camelot on the pages
whose text layer shows table header words; the narrative is the rest of the text layer, read in
reading order with running headers and footers removed. A figure's sector is the sector named by
the area heading it sits under (and, for finance rows, by the heading of the area its code names).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from sitrep.errors import ExtractError

from ..decided import HEADING, TABLE_HEADER, decide
from ..document import Document
from ..indicator_tables import measure_of, parse_value, read_grid
from ..pdf_tables import Table, read_tables
from ..pdf_text import Line, Page
from ..prose import find_figures
from ..records import ExtractResult, Figure
from ..vocab import canonical_population, canonical_sector

FAMILY = "unhcr_arr"

_TITLE = re.compile(r"annual\s+results\s+report", re.I)
_PERIOD = re.compile(r"annual\s+results\s+report\W{0,6}((?:19|20)\d{2})\b", re.I)
_AREA = re.compile(r"^\s*(\d{1,2})\.?\s+(Impact|Outcome|Enabling)\s+Area\s*:\s*(.+)$", re.I)
_SECTION = re.compile(r"^\s*(?:Section\s+\d+\s*:.*|\d{1,2}(?:\.\d{1,2})+\.?\s+[A-Z][^.]{2,90})$")
_END = re.compile(r"[.!?:;]\W*$")
MARGIN = 0.07  # share of the page height at top and bottom where running headers and footers sit
# camelot flavors in the order tried: ruled tables straight from vector lines (no rendering, fast),
# then rendered ruled lines, then parsers for partly ruled and borderless tables, each only on the
# pages whose header lines no table read so far covers.
FLAVORS: tuple[tuple[str, dict], ...] = (
    ("lattice", {"engine": "vector"}),
    ("lattice", {}),
    ("hybrid", {"engine": "vector"}),
    ("network", {}),
    ("stream", {}),
)


def detect(doc: Document) -> bool:
    """A PDF that calls itself a UNHCR Annual Results Report on its first pages and has the layout's
    structure: impact-, outcome- or enabling-area sections (not only the title words)."""
    if not doc.is_pdf:
        return False
    try:
        head = "\n".join(p.text for p in doc.pages[:2])
    except ExtractError:
        return False
    if not (_TITLE.search(head) and "UNHCR" in head):
        return False
    return any(_AREA.match(line) for page in doc.pages for line in page.text.split("\n"))


def report_period(pages: list[Page]) -> str | None:
    head = "\n".join(p.text for p in pages[:2])
    m = _PERIOD.search(head)
    return m.group(1) if m else None


@dataclass
class _Context:
    """Where the reader is: the heading text and the sector it names."""

    section: str | None = None
    sector: str | None = None


@dataclass
class _Found:
    """A table camelot found, with the cells read from it."""

    table: Table
    cells: list = field(default_factory=list)
    read: str = ""  # the header and cell texts the cells came from, whitespace-normalised

    @property
    def top(self) -> float:
        return self.table.bbox[3]

    def covers(self, line: Line) -> bool:
        x0, y0, x1, y1 = self.table.bbox
        cx, cy = (line.x0 + line.x1) / 2, (line.y0 + line.y1) / 2
        return x0 - 2 <= cx <= x1 + 2 and y0 - 2 <= cy <= y1 + 2

    def holds(self, line: Line) -> bool:
        """The line lies in the table and was read as part of it (a borderless parser's box can
        take in running text around the table, which stays prose)."""
        return self.covers(line) and set(line.text.split()) <= set(self.read.split())


def extract(doc: Document) -> ExtractResult:
    pages = doc.pages
    result = ExtractResult(FAMILY, report_period(pages), title=_title(pages))
    lines = _body_lines(pages)
    tables = _tables(doc.data, pages, lines, doc.name, result.warnings)
    outcome_sectors = _outcome_area_sectors(lines)
    ctx = _Context()
    for block in _blocks(pages, lines, tables):
        if isinstance(block, _Found):
            result.figures += _table_figures(block, ctx, outcome_sectors)
        elif block[0] == "heading":
            ctx = block[1]
        else:
            _, text, page_no = block
            result.figures += find_figures(text, page=page_no, sector=ctx.sector, section=ctx.section)
    return result


def _title(pages: list[Page]) -> str | None:
    for line in (pages[0].lines if pages else ()):
        if _TITLE.search(line.text):
            return line.text.strip()
    return None


# ---------------------------------------------------------------- text layer


def _merge_runs(lines: tuple[Line, ...]) -> list[Line]:
    """pdfium rectangles on one baseline with a small gap (font changes) joined into one line."""
    out: list[Line] = []
    for line in sorted(lines, key=lambda ln: (-round(ln.y0), ln.x0)):
        prev = out[-1] if out else None
        if prev and abs(prev.y0 - line.y0) < 1.5 and 0 <= line.x0 - prev.x1 < 12:
            out[-1] = Line(f"{prev.text} {line.text}", prev.x0, min(prev.y0, line.y0), line.x1,
                           max(prev.y1, line.y1))
        else:
            out.append(line)
    return out


def _body_lines(pages: list[Page]) -> dict[int, list[Line]]:
    """Each page's lines without running headers, footers and page numbers (text repeated in the
    top or bottom margin on at least half the pages, or a bare number there; a table that starts at
    the top of two pages keeps its header)."""
    def key(text: str) -> str:
        return re.sub(r"\d+", "#", " ".join(text.split()).lower())

    def in_margin(page: Page, line: Line) -> bool:
        return line.y0 > page.height * (1 - MARGIN) or line.y1 < page.height * MARGIN

    merged = {p.number: _merge_runs(p.lines) for p in pages}
    counts: dict[str, int] = {}
    for p in pages:
        for k in {key(ln.text) for ln in merged[p.number] if in_margin(p, ln)}:
            counts[k] = counts.get(k, 0) + 1
    repeated = {k for k, n in counts.items() if n >= max(2, len(pages) / 2)}
    out = {}
    for p in pages:
        out[p.number] = [
            ln for ln in merged[p.number]
            if not (in_margin(p, ln)
                    and (key(ln.text) in repeated or re.fullmatch(r"[#\s|/-]+", key(ln.text))))
        ]
    return out


def _outcome_area_sectors(lines: dict[int, list[Line]]) -> dict[str, str]:
    """Outcome-area number -> sector, from the area headings ("5. Outcome Area: Child Protection"),
    so the finance row "OA5: Children" gets the sector of its area."""
    out = {}
    for page_lines in lines.values():
        for i, line in enumerate(page_lines):
            m = _AREA.match(line.text)
            if m and m.group(2).lower() == "outcome":
                sector = _heading_sector(m.group(3), page_lines[i + 1:i + 2])
                if sector:
                    out[m.group(1)] = sector
    return out


def _heading_sector(title: str, following: list[Line]) -> str | None:
    """Sector named by an area title; a title wrapped onto the next line is tried joined."""
    sector = canonical_sector(title)
    if sector is None and following and not following[0].text.lstrip().startswith("By "):
        sector = canonical_sector(f"{title} {following[0].text}")
    return sector


# ---------------------------------------------------------------- tables


def _header_lines(lines: list[Line]) -> list[Line]:
    """Table column headers (Baseline, Actual (2023), Final Budget, ...): short lines naming a
    measure with another such line beside them (a title like "Annual Results Report" stands alone)."""
    named = [ln for ln in lines if len(ln.text.strip()) <= 40 and measure_of(ln.text)]
    return [a for a in named
            if any(b is not a and abs(a.y1 - b.y1) < 12 and (b.x0 > a.x1 or b.x1 < a.x0) for b in named)]


def _tables(data: bytes, pages: list[Page], lines: dict[int, list[Line]], name: str,
            warnings: list[str]) -> list[_Found]:
    """Tables holding cells, flavor by flavor, each flavor run only on pages not yet covered."""
    wanted = {n for n, ls in lines.items() if len(_header_lines(ls)) >= 2}
    found: list[_Found] = []
    for flavor, options in FLAVORS:
        if not wanted:
            break
        try:
            tables = read_tables(data, wanted, flavor, name, **options)
        except ExtractError as exc:
            warnings.append(str(exc))
            continue
        for f in map(_Found, tables):  # one reading of each table: the first flavor's, then the first box's
            if _has_cells(f) and not any(_overlap(f.table, g.table) for g in found):
                found.append(f)
        # a header is read when a table holds its words, not when a parser's box merely reaches over it
        wanted = {n for n in wanted
                  if any(not any(f.table.page == n and f.covers(h) and _words(h.text) <= _frame_words(f)
                                 for f in found)
                         for h in _header_lines(lines[n]))}
    for n in sorted(wanted):  # last resort: the grid from the text layer's positions
        found += [f for f in map(_Found, _text_tables(pages[n - 1], lines[n]))
                  if _has_cells(f) and not any(_overlap(f.table, g.table) for g in found)]
        warnings.append(f"page {n}: table read from the text layer (camelot found none)")
    found.sort(key=lambda f: (f.table.page, -f.top))
    header = None
    for f in found:  # a table continued on the next page without its header reuses the one above
        f.cells, header = read_grid(f.table.frame.values.tolist(), header)
        texts = [*(header or []), *(t for c in f.cells for t in (c.label, c.population or "", c.text))]
        f.read = " ".join(" ".join(texts).split())
    return [f for f in found if f.cells]


def _text_tables(page: Page, lines: list[Line]) -> list[Table]:
    """Tables built from positioned lines: columns start where the header lines start; rows run
    down from the header until a full-width line of running text."""
    import pandas as pd

    # the unmerged rectangles, so a label and the population beside it stay apart
    lines = [r for r in page.lines
             if any(b.x0 - 1 <= r.x0 and r.x1 <= b.x1 + 1 and abs(b.y0 - r.y0) < 2 for b in lines)]
    headers = _header_lines(lines)
    bands: list[list[Line]] = []
    for h in sorted(headers, key=lambda ln: -ln.y1):
        if bands and abs(bands[-1][-1].y1 - h.y1) < 12:  # wrapped header lines chain
            bands[-1].append(h)
        else:
            bands.append([h])
    out = []
    for k, band in enumerate(bands):
        floor = max(h.y1 for h in bands[k + 1]) + 12 if k + 1 < len(bands) else 0.0
        top, bottom = max(h.y1 for h in band) + 2, min(h.y0 for h in band) - 12
        head = [ln for ln in lines if bottom <= ln.y0 and ln.y1 <= top]  # "Indicators", "Population"
        starts: list[float] = []
        for x in sorted(ln.x0 for ln in head):
            if not starts or x - starts[-1] > 10:
                starts.append(x)
        body = sorted((ln for ln in lines if ln.y1 <= top), key=lambda ln: (-ln.y1, ln.x0))
        rows: list[list[str]] = []
        row_top, low = None, top
        for ln in body:
            if ln.x1 - ln.x0 > 0.6 * page.width or ln.y1 < floor or _AREA.match(ln.text):
                break  # running text or the next section's heading: the table has ended
            if row_top is None or row_top - ln.y1 > 4:
                rows.append([""] * len(starts))
                row_top = ln.y1
            col = max([i for i, x in enumerate(starts) if x <= ln.x0 + 5] or [0])
            rows[-1][col] = f"{rows[-1][col]} {ln.text}".strip()
            low = min(low, ln.y0)
        if rows:
            out.append(Table(page.number, "text", (starts[0] - 2, low, page.width, top), pd.DataFrame(rows)))
    return out


def _words(text: str) -> set[str]:
    return set(text.split())


def _frame_words(found: _Found) -> set[str]:
    return {w for cell in found.table.frame.values.ravel() for w in str(cell or "").split()}


def _overlap(a: Table, b: Table) -> bool:
    """Two tables on one page whose boxes mostly overlap (the same table read by two flavors). Boxes that only
    touch are two tables: a parser's box can reach past its table's last rule into the next table's header."""
    if a.page != b.page:
        return False
    w = min(a.bbox[2], b.bbox[2]) - max(a.bbox[0], b.bbox[0])
    h = min(a.bbox[3], b.bbox[3]) - max(a.bbox[1], b.bbox[1])
    if w <= 0 or h <= 0:
        return False
    smaller = min((t.bbox[2] - t.bbox[0]) * (t.bbox[3] - t.bbox[1]) for t in (a, b))
    return w * h > 0.3 * smaller


def _has_cells(found: _Found) -> bool:
    return bool(read_grid(found.table.frame.values.tolist())[0])


def _table_figures(found: _Found, ctx: _Context, outcome_sectors: dict[str, str]) -> list[Figure]:
    out = []
    for cell in found.cells:
        sector, sector_way = ctx.sector, HEADING
        area = re.fullmatch(r"([A-Z]{1,3})(\d{1,2})[a-z]?", cell.code or "")
        if area or cell.code == "Total":  # finance rows: the sector of the area the code names
            sector = outcome_sectors.get(area.group(2)) if area and area.group(1) == "OA" else None
            label = re.sub(r"^\s*\w+\s*:\s*", "", cell.label)
            sector = sector or (canonical_sector(label) if area else None)
            sector_way = TABLE_HEADER  # the row's own label (its area code, or the area's name)
        for value in parse_value(cell.text, cell.measure):
            out.append(decide(Figure(
                kind="table", value=value.value, unit=value.unit, raw=value.raw,
                evidence=" | ".join(filter(None, (cell.label, cell.population, f"{cell.measure}: {cell.text}")))[:300],
                qualifier=value.qualifier, sector=sector, indicator=cell.code, measure=cell.measure,
                population=canonical_population(cell.population) or cell.population, period=cell.period,
                page=found.table.page, section=ctx.section, flags=value.flags,
            ), sector=sector_way, population=TABLE_HEADER, measure=TABLE_HEADER))
    return out


# ---------------------------------------------------------------- reading order


def _ordered(page: Page, lines: list[Line], tables: list[_Found]) -> list[Line | _Found]:
    """Lines and tables of a page in reading order: top to bottom, and where the text runs in two
    columns between full-width items, the left column before the right."""
    mid = page.width / 2
    items: list[Line | _Found] = [ln for ln in lines if not any(t.holds(ln) for t in tables)]
    items += tables
    # a table sits where its first line is: a parser's box can reach up over the heading above it
    tops = {id(t): max((ln.y1 for ln in lines if t.holds(ln)), default=t.top) for t in tables}
    items.sort(key=lambda it: -(tops[id(it)] if isinstance(it, _Found) else it.y1))
    out: list[Line | _Found] = []
    band: list[Line] = []

    def flush() -> None:
        out.extend(ln for ln in band if (ln.x0 + ln.x1) / 2 < mid)
        out.extend(ln for ln in band if (ln.x0 + ln.x1) / 2 >= mid)
        band.clear()

    for it in items:
        if isinstance(it, _Found) or (it.x0 < mid - 20 and it.x1 > mid + 20):
            flush()
            out.append(it)
        else:
            band.append(it)
    flush()
    return out


def _blocks(pages: list[Page], lines: dict[int, list[Line]], tables: list[_Found]):
    """Headings (as contexts), tables and paragraphs of the whole report in reading order.
    A paragraph that runs over a page break is joined to its continuation."""
    blocks: list = []
    para: list[Line] = []
    para_page = 0

    def flush() -> None:
        if para:
            text = " ".join(" ".join(ln.text for ln in para).split())
            text = re.sub(r"(\w)- (\w)", r"\1-\2", text)
            last = blocks[-1] if blocks else None
            if (isinstance(last, tuple) and last[0] == "para" and last[2] < para_page
                    and not _END.search(last[1])):
                blocks[-1] = ("para", f"{last[1]} {text}", last[2])
            else:
                blocks.append(("para", text, para_page))
            para.clear()

    for page in pages:
        heights = [ln.height for ln in lines[page.number]] or [8.0]
        gap_limit = 0.7 * statistics.median(heights)
        page_tables = [t for t in tables if t.table.page == page.number]
        ordered = _ordered(page, lines[page.number], page_tables)
        prev: Line | None = None
        for i, it in enumerate(ordered):
            if isinstance(it, _Found):
                flush()
                blocks.append(it)
                prev = None
                continue
            broke = prev is None or prev.y0 - it.y1 > gap_limit or it.y1 > prev.y0 + 1
            heading = _heading(it, ordered[i + 1:i + 2], broke)
            if heading:
                flush()
                blocks.append(("heading", heading))
                prev = None
                continue
            if broke:
                flush()
            if not para:
                para_page = page.number
            para.append(it)
            prev = it
        flush()
    return [b for b in blocks if not (isinstance(b, tuple) and b[0] == "para" and not b[1].strip())]


def _heading(line: Line | _Found, following: list, broke: bool) -> _Context | None:
    """The context a heading line opens, or None for an ordinary line."""
    text = " ".join(line.text.split())
    m = _AREA.match(text)
    if m:
        nxt = [f for f in following if isinstance(f, Line)]
        return _Context(text, _heading_sector(m.group(3), nxt))
    if broke and _SECTION.match(text) and not _END.search(text) and _title_case(text):
        return _Context(text, None)
    return None


def _title_case(text: str) -> bool:
    """Headings capitalise their words ("1.1 Changes to the Operational Context"); an indicator row
    left in the text layer ("1.1 Proportion of people who ...") does not."""
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", text) if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.6 * len(words)
