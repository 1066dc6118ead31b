"""The text layer of a PDF as positioned lines, read with pypdfium2 (fast, no subprocess).

Layout-aware extractors need positions, not a text dump: a two-column page must be read
column by column, and the 2019 sector grid pairs numbers with captions by where they sit.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

import pypdfium2 as pdfium

from sitrep.errors import ExtractError


@dataclass(frozen=True)
class Line:
    """A run of text pdfium reports as one rectangle. Coordinates are PDF points, origin bottom-left."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    width: float
    height: float
    lines: tuple[Line, ...]
    text: str  # pdfium's own reading of the whole page, lines joined with "\n"


_PDFIUM_ERRORS = {  # FPDF_ERR_* codes of FPDF_GetLastError
    2: "file not found or could not be opened",
    3: "damaged (PDFium: data format error)",
    4: "encrypted (a password is needed to open it)",
    5: "encrypted with an unsupported security handler",
    6: "damaged (page not found or content error)",
}


# PDFium is not thread-safe (pypdfium2's documentation: no concurrent calls from several threads),
# and camelot calls it too. Every use of it in a process takes this lock; extract tasks run on a
# thread pool, so without it two PDFs extracted at once can break PDFium for the rest of the run.
PDFIUM_LOCK = threading.RLock()


def open_pdf(data: bytes, name: str = "report") -> pdfium.PdfDocument:
    """The PDF opened by pdfium. Raises ExtractError saying why it cannot be read (encrypted, truncated...)."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:  # encrypted, truncated, not a PDF
        why = _PDFIUM_ERRORS.get(getattr(exc, "err_code", None), str(exc).rstrip("."))
        if getattr(exc, "err_code", None) == 3 and b"%%EOF" not in data[-2048:]:
            why = f"truncated or damaged (no end-of-file marker; {len(data):,} bytes)"
        raise ExtractError(f"cannot open PDF: {why}", report=name) from exc


def _locked(read):
    """Run a PDFium reader under PDFIUM_LOCK."""
    @functools.wraps(read)
    def run(*args, **kwargs):
        with PDFIUM_LOCK:
            return read(*args, **kwargs)
    return run


@_locked
def read_pdf(data: bytes, name: str = "report") -> list[Page]:
    """All pages of a PDF with positioned lines. Raises ExtractError for unreadable files.

    Each line's text holds only the characters whose centre lies inside its rectangle: pdfium's bounded
    text also returns characters that merely touch the rectangle, so a superscript footnote marker of one
    line would leak into the line above ("increased due to 2")."""
    pdf = open_pdf(data, name)
    import pypdfium2.raw as pdfium_c

    pages: list[Page] = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            boxes = [textpage.get_rect(i) for i in range(textpage.count_rects())]
            texts: list[list[str]] = [[] for _ in boxes]
            last = 0
            for i in range(textpage.count_chars()):
                char = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i))
                if char in "\r\n\x00\ufffe":
                    continue
                left, bottom, right, top = textpage.get_charbox(i)
                cx, cy = (left + right) / 2, (bottom + top) / 2
                order = [last, *range(len(boxes))] if boxes else []
                for k in order:
                    x0, y0, x1, y1 = boxes[k]
                    if x0 - 0.5 <= cx <= x1 + 0.5 and y0 - 0.5 <= cy <= y1 + 0.5:
                        texts[k].append(char)
                        last = k
                        break
            lines = []
            for box, chars in zip(boxes, texts, strict=True):
                text = " ".join("".join(chars).split())
                if text:
                    lines.append(Line(text, *box))
            full = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            pages.append(Page(index + 1, width, height, tuple(lines), full))
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return pages
