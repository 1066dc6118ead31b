"""The proof that a figure was read, not made up: its printed form (`raw`) occurs verbatim in its source.

The source is what the document itself holds, read independently of every family reader: the PDF
page's raw text layer (pdfium's own reading of the page, not sitrep's line reader) or the web page's
text (chart data: the page's markup, where the chart's numbers sit). Whitespace is normalised (a number
may wrap or be spaced out), nothing else: "154M" is not proven by "1.54M", nor is "54" by "1,540".
A figure that is not proven carries the flag `raw_not_in_source`, which validation fails
(expectations.suites: raw_in_source), so it is quarantined with the reason.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .document import Document
from .records import ExtractResult, Figure

FLAG = "raw_not_in_source"


class Unverified(ValueError):
    """A family reader could not confirm its own reading against the text layer (a table cell that is not
    a whole token of it, columns that do not line up with their header): the generic path reads the
    report instead."""

# a match is a whole number: no digit (or digit and group/decimal separator) right before or after it, nor
# a scale letter right after it ("1.54" is not "1.54M"); in markup (chart data arrays "[20.5,48.6]") a comma
# separates numbers, so only digits and points count
_EDGES = {"text": (r"(?<!\d)(?<!\d[.,])", r"(?![.,]?\d)(?![MKBmkb](?![^\W\d_]))"),
          "markup": (r"(?<![\d.])", r"(?!\.?\d)")}


@lru_cache(maxsize=4096)
def _pattern(raw: str, edges: str) -> re.Pattern[str]:
    chars = "".join(raw.split())
    body = r"\s*".join(re.escape(c) for c in chars)
    before, after = _EDGES[edges]
    return re.compile((before if chars[:1].isdigit() else "") + body + (after if chars[-1:].isdigit() else ""),
                      re.I)


def occurs(raw: str, source: str, edges: str = "text") -> bool:
    """`raw` printed in `source` as a whole number (whitespace aside). The verbatim occurrences are found
    with str.find (cheap); only a raw the source prints with other whitespace goes through the regex."""
    raw = raw.strip()
    if not raw:
        return False
    at = source.find(raw)
    while at >= 0:
        if _whole(source, at, at + len(raw), edges):
            return True
        at = source.find(raw, at + 1)
    return _pattern(raw, edges).search(source) is not None


def _whole(source: str, start: int, end: int, edges: str) -> bool:
    """The same edges as _EDGES, for a verbatim occurrence source[start:end]."""
    before, after = source[max(start - 2, 0):start], source[end:end + 2]
    seps = ".," if edges == "text" else "."
    if source[start].isdigit() and before and (before[-1].isdigit() or edges == "markup" and before[-1] == "."
                                               or before[-1] in seps and before[:1].isdigit() and len(before) == 2):
        return False
    if source[end - 1].isdigit() and after:
        if after[0].isdigit() or after[0] in seps and after[1:2].isdigit():
            return False
        if edges == "text" and after[0] in "MKBmkb" and not (after[1:2].isalpha()):
            return False
    return True


class Sources:
    """A document's texts to prove figures against, each built once."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self._pages: dict[int, str] | None = None

    def text_for(self, fig: Figure) -> tuple[str, str, str]:
        """(source text, its name for a reason, its kind) of one figure. A PDF figure's page is where
        its paragraph starts, so the source is that page and the next."""
        doc = self.doc
        if doc.is_pdf:
            if self._pages is None:
                self._pages = {p.number: p.text for p in doc.pages}
            if fig.page in self._pages:
                text = self._pages[fig.page] + "\n" + self._pages.get(fig.page + 1, "")
                return text, f"the text layer of page {fig.page} (or the next)", "text"
            return doc.text, "the PDF's text layer", "text"
        if fig.kind == "chart_data":
            return doc.html_text, "the page's markup", "markup"
        return doc.text, "the page's text", "text"


def unproven(fig: Figure, sources: Sources) -> str | None:
    """Why `fig` is not proven by its source, or None when it is."""
    raw = (fig.raw or "").strip()
    text, where, edges = sources.text_for(fig)
    if not raw:
        return f"value {fig.value} has no printed form to find in {where}"
    if occurs(raw, text, edges):
        return None
    return f"printed form {raw!r} does not occur in {where}"


def prove(result: ExtractResult, doc: Document) -> list[tuple[Figure, str]]:
    """Flag every figure of `result` that its source does not prove; returns them with the reason."""
    sources = Sources(doc)
    failed = []
    for fig in result.figures:
        why = unproven(fig, sources)
        if why is None:
            continue
        flags = [f for f in (fig.flags or "").split(",") if f]
        if FLAG not in flags:
            fig.flags = ",".join([*flags, FLAG])
        failed.append((fig, why))
    return failed
