"""Reports of no known family (or whose family reader could not confirm its reading): every text block's
figures, through the shared prose parser; web-page tables and PDF tables (extractors.pdf_grids: camelot on the
pages that look like tables) cell by cell, with their row and column labels and the currency they state; a
number a PDF table gave is not read again as prose. Postal addresses (a contact block's street and box numbers,
postal codes) are not figures."""

from __future__ import annotations

from collections import Counter

from .. import html_blocks as hb
from ..document import Document
from ..layout import is_address
from ..numbers import money_statement, restate
from ..pdf_grids import read_grids
from ..periods import month_period, year_period
from ..prose import find_figures
from ..records import ExtractResult, Figure

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
        for page in doc.pages:
            stated = money_statement(page.text)  # "All figures are in Swiss Francs (CHF)": the page's money cells
            text = "\n".join(line for line in page.text.split("\n") if not is_address(line))
            paragraphs = []
            for para in text.split("\n\n"):
                flat = " ".join(para.split())
                found = find_figures(flat, page=page.number)
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
    left = Counter(consumed)
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
            if fig.raw not in left or spans[k] is None:
                continue
            near = [abs(spans[k][0] - spans[j][1]) if j < k else abs(spans[j][0] - spans[k][1])
                    for j in (k - 1, k + 1) if 0 <= j < len(found) and spans[j] and found[j].raw in left]
            gaps.append((min(near, default=float("inf")), p, k))
    drop = set()
    for _, p, k in sorted(gaps):
        raw = paragraphs[p][1][k].raw
        if left[raw] > 0:
            left[raw] -= 1
            drop.add((p, k))
    return [fig for p, (_, found) in enumerate(paragraphs) for k, fig in enumerate(found) if (p, k) not in drop]


def _in_table(node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == "table":
            return True
        parent = parent.parent
    return False
