"""Reports of no known family (or whose family reader could not confirm its reading): every text block's
figures, through the shared prose parser; web-page tables and PDF tables (extractors.pdf_grids: camelot on the
pages that look like tables) cell by cell, with their row and column labels and the currency they state; a
number a PDF table gave is not read again as prose. Postal addresses (a contact block's street and box numbers,
postal codes) are not figures. A prose figure takes the sector of the heading it sits under, until the next
heading of any kind (web pages: their heading tags; PDFs: heading lines of the text layer, see is_heading_line)."""

from __future__ import annotations

import re
from collections import Counter

from .. import html_blocks as hb
from ..document import Document
from ..layout import is_address
from ..numbers import money_statement, restate
from ..pdf_grids import read_grids
from ..periods import month_period, year_period
from ..prose import find_figures
from ..records import ExtractResult, Figure
from ..vocab import is_section_name

FAMILY = "generic"


def detect(doc: Document) -> bool:
    return True


def extract(doc: Document) -> ExtractResult:
    figures = []
    warnings: list[str] = []
    if doc.is_pdf:
        grids = read_grids(doc.data, doc.pages, doc.name)
        figures += grids.figures
        warnings += grids.warnings
        heading: str | None = None  # the heading in force, across pages, until the next heading of any kind
        for page in doc.pages:
            stated = money_statement(page.text)  # "All figures are in Swiss Francs (CHF)": the page's money cells
            text = "\n".join(line for line in page.text.split("\n") if not is_address(line))
            paragraphs = []
            for para in text.split("\n\n"):
                blocks = headed_blocks(para, heading)  # the heading lines cut it; each piece under its heading
                heading = blocks[-1][0]
                for under, block in blocks:
                    flat = " ".join(block.split())
                    found = find_figures(flat, page=page.number, sector=hb.sector_of(under), section=under)
                    for fig in found:
                        if fig.kind == "table":
                            fig.value, fig.unit = restate(fig.value, fig.unit, fig.raw, stated, fig.evidence)
                    paragraphs.append((flat, found))
            figures += not_in_tables(paragraphs, grids.consumed.get(page.number, []))
        head = doc.pages[0].text if doc.pages else ""
    else:
        body = doc.html.body
        if body is not None:
            figures += hb.table_figures(body)
        for node in doc.html.css("p, li, h1, h2, h3"):
            if _in_table(node):
                continue
            text = node.text(separator=" ", strip=True)
            if not is_address(text):
                # the sector of the heading it sits under, until the next heading of any kind
                heading = None if hb.is_heading(node) else hb.heading_text(node)
                figures += find_figures(text, sector=hb.sector_of(heading), section=heading)
        head = doc.html.css_first("title").text() if doc.html.css_first("title") else ""
    return ExtractResult(FAMILY, month_period(head) or year_period(head), figures, warnings)


def not_in_tables(paragraphs: list[tuple[str, list[Figure]]], consumed: list[str]) -> list[Figure]:
    """The prose figures of a page's paragraphs (text, figures), less the printed numbers its tables already gave
    (each once). Of several prose readings of one number, the one printed closest to other table numbers goes
    (pdfium's text runs through the table row by row: '15,200 9,800 4,777'), so a sentence quoting a table's
    number keeps it."""
    left = Counter(_bare(raw) for raw in consumed)
    if not left:
        return [fig for _, found in paragraphs for fig in found]
    gaps: list[tuple[float, int, int]] = []  # (characters to the nearest other table number, paragraph, figure)
    for p, (text, found) in enumerate(paragraphs):
        spans, at = [], 0
        for fig in found:
            start = text.find(fig.raw, at) if fig.raw else -1
            spans.append((start, start + len(fig.raw)) if start >= 0 else None)
            at = start + len(fig.raw) if start >= 0 else at
        for k, fig in enumerate(found):
            if _bare(fig.raw) not in left or spans[k] is None:
                continue
            near = [abs(spans[k][0] - spans[j][1]) if j < k else abs(spans[j][0] - spans[k][1])
                    for j in (k - 1, k + 1) if 0 <= j < len(found) and spans[j] and _bare(found[j].raw) in left]
            gaps.append((min(near, default=float("inf")), p, k))
    drop = set()
    for _, p, k in sorted(gaps):
        raw = _bare(paragraphs[p][1][k].raw)
        if left[raw] > 0:
            left[raw] -= 1
            drop.add((p, k))
    return [fig for p, (_, found) in enumerate(paragraphs) for k, fig in enumerate(found) if (p, k) not in drop]


def _bare(raw: str | None) -> str:
    """A printed number less its sign and brackets: a table's '(1,541)' is the prose's '1,541' or '-1,541'."""
    return (raw or "").strip().strip("()-−+ ").strip()


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def is_heading_line(line: str, before: str | None, after: str | None) -> bool:
    """A line of the text layer that is a heading: a few words (no number but a year) between a finished sentence
    (or nothing) and a line that starts one: up to four words, or up to six in capitals, in title case, or naming a
    sector, a usual section or a month ('Health', 'People reached', 'Coordination:', 'OCTOBER 2023'). A wrapped
    sentence's line is none."""
    text = line.strip()
    words = text.split()
    if not 0 < len(words) <= 6 or len(text) > 60 or text.endswith((".", ",", ";")) or not text[:1].isupper():
        return False
    if any(ch.isdigit() for ch in _YEAR.sub("", text)):
        return False
    if before is not None and before.strip() and not re.search(r"[.!?:]\W*$", before.strip()):
        return False  # the line goes on a sentence that is not finished
    if after is None or not re.match(r"\W*[A-ZÁÉÍÓÚÑ0-9]", after.strip()):
        return False
    long_words = [w for w in re.findall(r"[^\W\d_]+", text) if len(w) >= 4]
    letters = [c for c in text if c.isalpha()]
    title = bool(long_words) and sum(w[0].isupper() for w in long_words) >= 0.6 * len(long_words)
    capitals = len(letters) >= 4 and all(c.isupper() for c in letters)
    few = len(words) <= 4 and not text.endswith(":")  # "People reached": a short label line of its own
    return capitals or title or few or hb.sector_of(text) is not None or is_section_name(text)


def headed_blocks(text: str, heading: str | None) -> list[tuple[str | None, str]]:
    """A block of PDF text cut at its heading lines: (the heading in force, the text under it), in order; the first
    piece is under `heading`, the one in force before the block."""
    lines = text.split("\n")
    out: list[tuple[str | None, str]] = []
    body: list[str] = []
    was_heading = False
    for i, line in enumerate(lines):
        before = None if i == 0 or was_heading else lines[i - 1]  # a heading may follow a heading
        after = next((ln for ln in lines[i + 1:] if ln.strip()), None)
        was_heading = is_heading_line(line, before, after) and not find_figures(line)  # "Five Hundred Families"
        if was_heading:
            if body:
                out.append((heading, "\n".join(body)))
            heading, body = " ".join(line.split()).rstrip(":"), []
        else:
            body.append(line)
    out.append((heading, "\n".join(body)))
    return out


def _in_table(node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == "table":
            return True
        parent = parent.parent
    return False
