"""Reports of no known family (or whose family reader could not confirm its reading): every text block's
figures, through the shared prose parser. Postal addresses (a contact block's street and box numbers, postal
codes) are not figures."""

from __future__ import annotations

from ..document import Document
from ..layout import is_address
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
            text = "\n".join(line for line in page.text.split("\n") if not is_address(line))
            for para in text.split("\n\n"):
                figures += find_figures(" ".join(para.split()), page=page.number)
        head = doc.pages[0].text if doc.pages else ""
    else:
        for node in doc.html.css("p, li, td, th, h1, h2, h3"):
            text = node.text(separator=" ", strip=True)
            if not is_address(text):
                figures += find_figures(text)
        head = doc.html.css_first("title").text() if doc.html.css_first("title") else ""
    return ExtractResult(FAMILY, month_period(head) or year_period(head), figures)
