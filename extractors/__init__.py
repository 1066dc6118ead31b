"""Extract stage: report bytes in, figures out. Pure functions; no I/O beyond the bytes given.

`extract_report` detects the report family from the content (never the file name) and hands
the document to that family's extractor; reports of no known family go through the generic
path with a warning.
"""

from __future__ import annotations

import logging

from sitrep.errors import ExtractError

from .document import Document
from .families import FAMILIES, generic
from .records import FIGURE_COLUMNS, ExtractResult, Figure

__all__ = ["extract_report", "detect_family", "Document", "ExtractResult", "Figure", "FIGURE_COLUMNS"]

log = logging.getLogger(__name__)


def detect_family(doc: Document) -> str:
    """Name of the first family whose detector recognises the document, else 'generic'."""
    for family in FAMILIES:
        if family.detect(doc):
            return family.FAMILY
    return generic.FAMILY


def extract_report(data: bytes, name: str) -> ExtractResult:
    """Every figure of one report. Raises ExtractError (naming the report) on unreadable input."""
    if not data:
        raise ExtractError("empty file (0 bytes)", report=name)
    doc = Document(name, data)
    if not (doc.is_pdf or doc.is_html):
        raise ExtractError(f"not a PDF or web page (content looks like {doc.media_type})", report=name)
    try:
        for family in FAMILIES:
            if family.detect(doc):
                return family.extract(doc)
        result = generic.extract(doc)
        result.warnings.insert(0, "no known report family recognised; used the generic extractor")
        return result
    except ExtractError:
        raise
    except Exception as exc:  # a bug or an odd layout: name the report, keep the cause
        raise ExtractError(f"{type(exc).__name__}: {exc}", report=name) from exc
