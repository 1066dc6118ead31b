"""Extract stage: report bytes in, figures out. Pure functions; no I/O beyond the bytes given.

`extract_report` detects the report family from the content (never the file name) and hands
the document to that family's extractor, with the document's number locale (`numbers.detect_locale`)
in force; reports of no known family go through the generic path with a warning. Every figure is then
proven against the document's own text (extractors.proof): a family reading whose table cells the text
does not hold, or that the family reader itself could not confirm (proof.Unverified), is dropped for the
generic path's, with a warning.
"""

from __future__ import annotations

import logging
import re

from sitrep.errors import ExtractError

from .decided import settle
from .document import Document
from .families import FAMILIES, generic
from .numbers import detect_locale, document_locale
from .proof import Unverified, prove
from .records import FIGURE_COLUMNS, ExtractResult, Figure
from .vocab import counts_things, metric_for

__all__ = ["extract_report", "detect_family", "Document", "ExtractResult", "Figure", "FIGURE_COLUMNS"]

log = logging.getLogger(__name__)


def detect_family(doc: Document) -> str:
    """Name of the first family whose detector recognises the document, else 'generic'."""
    for family in FAMILIES:
        if family.detect(doc):
            return family.FAMILY
    return generic.FAMILY


# measures that say what is counted (finance and reach); baseline/target/actual do not
_METRIC_MEASURES = {"people_reached", "budget", "funds_available", "expenditure", "requirement", "funded"}


def _with_metrics(result: ExtractResult) -> ExtractResult:
    """Every family gets the same metric rules: from the measure where it names what is counted,
    else from the rule table (vocabulary.toml) over the figure's heading and evidence; a figure whose
    own words count things ("two workshops", "six safe spaces") is never people reached. Last, each
    figure's `dimensions_from` is trimmed to the dimensions it has."""
    for fig in result.figures:
        if fig.metric is None:
            if fig.measure in _METRIC_MEASURES:
                fig.metric = fig.measure
            else:
                fig.metric = metric_for(_wording(fig))
        if fig.metric == "people_reached" and fig.measure is None and _counts_things(fig):
            fig.metric = None  # "received two workshops": the two are workshops, not people reached
        settle(fig)  # how each dimension was decided, for the dimensions the figure ended with
    return result


def _counts_things(fig: Figure) -> bool:
    """Whether the words right after the printed number name things or groups (vocabulary.toml)."""
    text = fig.evidence or ""
    at = text.find(fig.raw) if fig.raw else -1
    return at >= 0 and counts_things(text[at + len(fig.raw):])


def _wording(fig: Figure) -> str:
    """What a figure counts is said right after it ("39 organizations", "2,000 persons received"):
    the evidence from the number on (about 80 characters); a card or table cell adds its heading."""
    text = fig.evidence or ""
    at = text.find(fig.raw) if fig.raw else -1
    if at >= 0:
        text = text[at:at + len(fig.raw) + 80]
    return text if fig.kind == "prose" or not fig.section else f"{fig.section}: {text}"


def extract_report(data: bytes, name: str) -> ExtractResult:
    """Every figure of one report. Raises ExtractError (naming the report) on unreadable input."""
    if not data:
        raise ExtractError("empty file (0 bytes)", report=name)
    doc = Document(name, data)
    if not (doc.is_pdf or doc.is_html):
        raise ExtractError(f"not a PDF or web page (content looks like {doc.media_type})", report=name)
    try:
        refuse_non_report(doc)
        # how this document groups digits and marks decimals ('1.234' vs '1,234'), from its own text
        with document_locale(detect_locale(doc.text)):
            why = "no known report family recognised"
            for family in FAMILIES:
                if family.detect(doc):
                    why = _family_reading(family, doc)
                    if isinstance(why, ExtractResult):
                        return _with_metrics(why)
                    log.warning("%s: %s", name, why)
                    break
            result = generic.extract(doc)
            prove(result, doc)
        result.warnings.insert(0, f"{why}; used the generic extractor")
        return _with_metrics(result)
    except ExtractError:
        raise
    except Exception as exc:  # a bug or an odd layout: name the report, keep the cause
        raise ExtractError(f"{type(exc).__name__}: {exc}", report=name) from exc


def _family_reading(family, doc: Document) -> ExtractResult | str:
    """The family's reading of `doc`, proven; or why it cannot be trusted (the generic path reads it)."""
    try:
        result = family.extract(doc)
    except Unverified as exc:
        return f"{family.FAMILY} reader could not confirm its reading ({exc})"
    unproven = [(fig, why) for fig, why in prove(result, doc) if fig.kind == "table"]
    if unproven:
        fig, why = unproven[0]
        return (f"{family.FAMILY} reader's table cells are not in the text ({len(unproven)} cells; "
                f"e.g. {why})")
    return result


# what servers title their error pages: "404 Not Found", "Error 403", "Access Denied", "Page not found | Site"
_ERROR_TITLE = re.compile(
    r"^\W*(?:(?:http\s*)?(?:error\s*)?[45]\d\d|error)\W*$"
    r"|\b(?:error\s*)?[45]\d\d\b\W{0,3}(?:error|not\s+found|forbidden|unauthori[sz]ed|gone|bad\s+request|"
    r"bad\s+gateway|service\s+unavailable|gateway\s+time-?out|too\s+many\s+requests|internal\s+server)"
    r"|\berror\s*(?:code\s*)?[45]\d\d\b|^\W*not\s+found\W*$|\b(?:page|file|document|resource)\s+"
    r"(?:was\s+|could\s+not\s+be\s+|cannot\s+be\s+)?not\s+found\b|\bpage\s+(?:could\s+not|cannot)\s+be\s+found"
    r"|\baccess\s+(?:is\s+)?denied\b|\bforbidden\b|\bpermission\s+denied\b|\binternal\s+server\s+error\b"
    r"|\bservice\s+(?:temporarily\s+)?unavailable\b|\bbad\s+gateway\b|\brequest\s+(?:rejected|blocked)\b"
    r"|\battention\s+required\b|\bjust\s+a\s+moment\b",
    re.I)
ERROR_PAGE_MAX_CHARS = 5000  # an error page is short; a report that mentions "not found" is not


def error_page_title(doc: Document) -> str | None:
    """The title or heading of a short web page that says it is an HTTP error / access-denied page."""
    if not doc.is_html or len(doc.text.strip()) > ERROR_PAGE_MAX_CHARS:
        return None
    for node in doc.html.css("title, h1, h2"):
        heading = " ".join(node.text().split())
        if heading and _ERROR_TITLE.search(heading):
            return heading[:80]
    return None


MIN_TEXT_CHARS = 20  # fewer readable characters than this in the whole PDF: no text layer


def refuse_non_report(doc: Document) -> None:
    """ExtractError for inputs that would otherwise load as a silent, empty or misleading report:
    a server's error page saved or served in place of the report, a scanned PDF without text."""
    if doc.is_html:
        if (title := error_page_title(doc)) is not None:
            saved_as = " (a web page saved with a .pdf name)" if doc.name.lower().endswith(".pdf") else ""
            raise ExtractError(f"looks like an error page, not a report: {title!r}{saved_as}", report=doc.name)
    elif doc.is_pdf:
        pages = doc.pages
        chars = sum(len("".join(page.text.split())) for page in pages)
        if chars < MIN_TEXT_CHARS:
            raise ExtractError(f"no text layer (scanned?): {len(pages)} page(s) with {chars} characters of "
                               "text; OCR it first", report=doc.name)
