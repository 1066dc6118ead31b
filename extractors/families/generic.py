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
                found = find_figures(" ".join(para.split()), page=page.number)
                for fig in found:
                    if fig.kind == "table":
                        fig.value, fig.unit = restate(fig.value, fig.unit, fig.raw, stated, fig.evidence)
                paragraphs.append(found)
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


def not_in_tables(paragraphs: list[list[Figure]], consumed: list[str]) -> list[Figure]:
    """The prose figures of a page's paragraphs, less the printed numbers its tables already gave (each
    once): taken first from the paragraphs most made of table numbers, where pdfium's text runs through
    the table, so a sentence quoting a table's number keeps it."""
    left = Counter(consumed)
    if not left:
        return [fig for found in paragraphs for fig in found]
    share = [sum(f.raw in left for f in found) / len(found) if found else 0.0 for found in paragraphs]
    drop: set[tuple[int, int]] = set()
    for p in sorted(range(len(paragraphs)), key=lambda k: -share[k]):
        for k, fig in enumerate(paragraphs[p]):
            if left[fig.raw] > 0:
                left[fig.raw] -= 1
                drop.add((p, k))
    return [fig for p, found in enumerate(paragraphs) for k, fig in enumerate(found) if (p, k) not in drop]


def _in_table(node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == "table":
            return True
        parent = parent.parent
    return False
