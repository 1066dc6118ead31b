"""UNHCR Global Focus operation pages: key figures (year-end and planning), people-of-concern totals,
population and budget/expenditure charts fed by embedded JSON, narrative sections."""

from __future__ import annotations

import re

from sitrep.errors import ExtractError

from .. import html_blocks as hb
from ..document import Document
from ..periods import year_period
from ..records import ExtractResult

FAMILY = "unhcr_global_focus"

_SITE = re.compile(r"\bGlobal Focus\b", re.I)
_OPERATION = re.compile(r"\bOperation\s*:|\bUNHCR operation in\b|\bUNHCR Operations Worldwide\b", re.I)


def _meta(doc: Document, prop: str) -> str:
    return " ".join(n.attributes.get("content") or "" for n in doc.html.css(f'meta[property="{prop}"]'))


def detect(doc: Document) -> bool:
    """A Global Focus (UNHCR reporting site) page about one operation."""
    if not doc.is_html:
        return False
    title = doc.html.css_first("title")
    site = f"{_meta(doc, 'og:site_name')} {title.text() if title else ''}"
    head = f"{_meta(doc, 'og:description')} {doc.text[:4000]}"
    return bool(_SITE.search(site)) and bool(_OPERATION.search(head))


def report_year(doc: Document) -> str | None:
    """The year the page reports on: its title ('Peru 2020 | Global Focus'), else the year of its
    year-end figures heading, else the year tab marked selected."""
    title = doc.html.css_first("title")
    for text in (_meta(doc, "og:title"), title.text() if title else ""):
        if year := year_period(text):
            return year
    for h in doc.html.css("h2, h3, h4"):
        m = re.search(r"\b((?:19|20)\d{2})\s+year[- ]end\b", h.text())
        if m:
            return m.group(1)
    selected = doc.html.css_first('[aria-selected="true"]')
    return year_period(selected.text()) if selected is not None else None


def extract(doc: Document) -> ExtractResult:
    root = hb.content_root(doc.html_text)
    if root is None:
        raise ExtractError("web page has no body", report=doc.name)
    period = report_year(doc)
    cards, zones = hb.card_figures(root)
    figures = cards + hb.definition_figures(root) + hb.table_figures(root)
    figures += hb.prose_figures(root, skip=zones)
    charts, warnings = hb.chart_figures(doc.html_text, default_period=period)
    figures += charts
    if period is None:
        warnings.append("no report year found on the page")
    name = root.css_first("h1")
    return ExtractResult(FAMILY, period, figures, warnings, title=hb.node_text(name) if name else None)
