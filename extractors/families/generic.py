"""Reports of no known family (or whose family reader could not confirm its reading): every text block's
figures, through the shared prose parser. PDFs are read through the page layout (running lines, page
numbers and footnotes dropped, columns in reading order, paragraphs), web pages block by block; postal
addresses (a contact block's street and box numbers, postal codes) are not figures."""

from __future__ import annotations

from ..document import Document
from ..layout import clean_lines, is_address, merge_fragments, paragraphs, reading_order
from ..periods import month_period, year_period
from ..prose import ProseContext, find_figures
from ..records import ExtractResult

FAMILY = "generic"


def detect(doc: Document) -> bool:
    return True


def extract(doc: Document) -> ExtractResult:
    figures = []
    if doc.is_pdf:
        pages = doc.pages
        ordered = [(page.number, reading_order(merge_fragments(lines)))
                   for page, lines in zip(pages, clean_lines(pages), strict=True)]
        context = ProseContext()
        for paragraph in paragraphs(ordered):
            text = paragraph.text
            if not is_address(text):
                figures += find_figures(text, page=paragraph.page, context=context)
        head = pages[0].text if pages else ""
    else:
        for node in doc.html.css("p, li, td, th, h1, h2, h3"):
            text = node.text(separator=" ", strip=True)
            if not is_address(text):
                figures += find_figures(text)
        head = doc.html.css_first("title").text() if doc.html.css_first("title") else ""
    return ExtractResult(FAMILY, month_period(head) or year_period(head), figures)
