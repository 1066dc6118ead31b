"""R4V platform situation reports (web pages): headline cards, people reached per sector table,
sector sections of prose. The national platform (GTRM Peru) publishes one page a month."""

from __future__ import annotations

import re

from sitrep.errors import ExtractError

from .. import html_blocks as hb
from ..document import Document
from ..periods import month_period
from ..records import ExtractResult

FAMILY = "r4v_sitrep"

_PLATFORM = re.compile(r"\bR4V\b|Inter-Agency Coordination Platform for Refugees and Migrants from Venezuela|"
                       r"Plataforma de Coordinaci[oó]n Interagencial para Refugiados y Migrantes", re.I)
_SITREP = re.compile(r"situation[- ]report|\bsitrep\b|reporte de situaci[oó]n|informe de situaci[oó]n|"
                     r"reporte situacional", re.I)


def _titles(doc: Document) -> str:
    """The page's own title lines: <title>, og:title, the <h1>."""
    tree = doc.html
    parts = [n.text() for n in tree.css("title, h1")]
    parts += [n.attributes.get("content") or "" for n in tree.css('meta[property="og:title"]')]
    return " | ".join(" ".join(p.split()) for p in parts)


def detect(doc: Document) -> bool:
    """A web page of the R4V platform (site name or branding) whose title says situation report."""
    if not doc.is_html:
        return False
    site = " ".join(n.attributes.get("content") or "" for n in doc.html.css('meta[property="og:site_name"]'))
    titles = _titles(doc)
    platform = any(_PLATFORM.search(text) for text in (site, titles, doc.text[:3000]))
    return platform and bool(_SITREP.search(titles))


def extract(doc: Document) -> ExtractResult:
    root = hb.content_root(doc.html_text)
    if root is None:
        raise ExtractError("web page has no body", report=doc.name)
    titles = _titles(doc)
    cards, zones = hb.card_figures(root)
    # the sector table of a sitrep counts people reached (its caption says so where it has one)
    figures = cards + hb.table_figures(root, default_measure="people_reached")
    figures += hb.definition_figures(root) + hb.prose_figures(root, skip=zones)
    charts, warnings = hb.chart_figures(doc.html_text)
    figures += charts
    description = " ".join(n.attributes.get("content") or ""
                           for n in doc.html.css('meta[name="description"]'))
    period = month_period(titles) or month_period(description)
    if period is None:
        warnings.append("no report month found in the page title")
    return ExtractResult(FAMILY, period, figures, warnings, title=titles.split(" | ")[0] or None)
