"""Reports of no known family: every text block's figures, through the shared prose parser."""

from __future__ import annotations

from ..document import Document
from ..periods import month_period, year_period
from ..prose import find_figures
from ..records import ExtractResult

FAMILY = "generic"


def detect(doc: Document) -> bool:
    return True


def extract(doc: Document) -> ExtractResult:
    figures = []
    if doc.is_pdf:
        for page in doc.pages:
            for para in page.text.split("\n\n"):
                figures += find_figures(" ".join(para.split()), page=page.number)
        head = doc.pages[0].text if doc.pages else ""
    else:
        for node in doc.html.css("p, li, td, th, h1, h2, h3"):
            figures += find_figures(node.text(separator=" ", strip=True))
        head = doc.html.css_first("title").text() if doc.html.css_first("title") else ""
    return ExtractResult(FAMILY, month_period(head) or year_period(head), figures)
