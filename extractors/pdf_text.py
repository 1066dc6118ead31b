"""The text layer of a PDF as positioned lines, read with pypdfium2 (fast, no subprocess).

Layout-aware extractors need positions, not a text dump: a two-column page must be read
column by column, and the 2019 sector grid pairs numbers with captions by where they sit.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
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
    numbers: tuple[tuple[float, float, float, float], ...] = ()  # boxes of the printed numbers (words of digits)


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


def _inside(box: tuple[float, float, float, float], x: float, y: float) -> bool:
    x0, y0, x1, y1 = box
    return x0 - 0.5 <= x <= x1 + 0.5 and y0 - 0.5 <= y <= y1 + 0.5


class _BoxGrid:
    """Text rectangles of a page bucketed by a grid of CELL-point cells, so the rectangle holding a character is
    found among the few in its cell: scanning every rectangle for every character was quadratic (a page of
    30,000 small text objects: 30,000 rectangles times 30,000 characters). Cells outside the page fold onto its
    edge; a rectangle spanning more than MAX_CELLS cells is kept apart and tried for every character."""

    CELL = 24.0
    MAX_CELLS = 64

    def __init__(self, boxes: list[tuple[float, float, float, float]], width: float, height: float) -> None:
        self.boxes = boxes
        self.limits = (int(max(width, 0) // self.CELL) + 1, int(max(height, 0) // self.CELL) + 1)
        self.cells: dict[tuple[int, int], list[int]] = {}
        self.big: list[int] = []
        for k, (x0, y0, x1, y1) in enumerate(boxes):
            gx0, gx1 = self._cell(x0 - 0.5, 0), self._cell(x1 + 0.5, 0)
            gy0, gy1 = self._cell(y0 - 0.5, 1), self._cell(y1 + 0.5, 1)
            if (gx1 - gx0 + 1) * (gy1 - gy0 + 1) > self.MAX_CELLS:
                self.big.append(k)
                continue
            for gx in range(gx0, gx1 + 1):
                for gy in range(gy0, gy1 + 1):
                    self.cells.setdefault((gx, gy), []).append(k)

    def _cell(self, v: float, axis: int) -> int:
        return min(max(int(v // self.CELL) if math.isfinite(v) else (-1 if v < 0 else 1 << 30), -1),
                   self.limits[axis])

    def first_containing(self, x: float, y: float) -> int | None:
        """The lowest-numbered rectangle holding (x, y), as a scan of all of them in order would find."""
        hits = [k for k in self.big if _inside(self.boxes[k], x, y)][:1]
        for k in self.cells.get((self._cell(x, 0), self._cell(y, 1)), ()):  # each cell's list is in order
            if _inside(self.boxes[k], x, y):
                hits.append(k)
                break
        return min(hits) if hits else None


@_locked
def read_pdf(data: bytes, name: str = "report") -> list[Page]:
    """All pages of a PDF with positioned lines. Raises ExtractError for unreadable files."""
    pdf = open_pdf(data, name)
    pages: list[Page] = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            full = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            numbers: list[tuple[float, float, float, float]] = []
            lines = tuple(_page_lines(textpage, width, height, numbers))
            pages.append(Page(index + 1, width, height, lines, full, tuple(numbers)))
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return pages


@dataclass
class _Piece:
    """The characters of one pdfium rectangle (a text object's run on one line), in stream order."""

    box: tuple[float, float, float, float]
    chars: list[str]
    first: int = -1  # stream index of its first and last character
    last: int = -1
    size: float = 0.0  # font size of its first character


class _Words:
    """Words of the character stream with their boxes, kept only when they are numbers: where a table's
    columns sit (extractors.table_pages). A word ends at whitespace, at a gap wider than half a character's
    height, or where the baseline moves."""

    NUMBER = re.compile(r"[-−+(]?[$€£]?\d[\d.,\u00a0\u202f\u2009]*%?\)?")

    def __init__(self, out: list[tuple[float, float, float, float]]) -> None:
        self.out = out
        self.chars: list[str] = []
        self.box = (0.0, 0.0, 0.0, 0.0)

    def add(self, char: str, box: tuple[float, float, float, float]) -> None:
        # called for every character of every page: comparisons, not min()/max() calls (a third of the
        # known families' line reading went into those)
        left, bottom, right, top = box
        if self.chars:
            x0, y0, x1, y1 = self.box
            high = top - bottom if top - bottom > y1 - y0 else y1 - y0
            if high < 1.0:
                high = 1.0
            if left - x1 > 0.5 * high or abs((bottom + top) - (y0 + y1)) > high:
                self.end()
            else:
                self.chars.append(char)
                self.box = (x0 if x0 < left else left, y0 if y0 < bottom else bottom,
                            x1 if x1 > right else right, y1 if y1 > top else top)
                return
        self.chars, self.box = [char], box

    def end(self) -> None:
        if self.chars and self.NUMBER.fullmatch("".join(self.chars)):
            self.out.append(self.box)
        self.chars = []


def _page_lines(textpage, width: float, height: float,
                numbers: list[tuple[float, float, float, float]] | None = None) -> list[Line]:
    """The page's lines: every character of the stream lands in a line, whatever the glyph boxes.

    Each character goes to the pdfium rectangle holding its centre (pdfium's bounded text also returns
    characters that merely touch a rectangle, so a superscript footnote marker would leak into the line
    above), else to the rectangle of the character before it in the stream: a character is never dropped.
    Producers that write every glyph as a text object of its own (Chromium's "Save as PDF") give one
    rectangle per glyph; consecutive pieces on one baseline, in one font size and closer than a word gap are
    joined back into one line, with a space where pdfium's stream has one (printed or generated):
    "1" "." "5" "4" "M" -> "1.54M"."""
    import pypdfium2.raw as pdfium_c

    pieces = [_Piece(textpage.get_rect(i), []) for i in range(textpage.count_rects())]
    grid = _BoxGrid([p.box for p in pieces], width, height)
    spaces: list[int] = []  # stream indexes of whitespace characters
    words = _Words(numbers if numbers is not None else [])
    last = 0
    for i in range(textpage.count_chars()):
        char = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i))
        if char in "\x02\ufffe":  # pdfium's mark for a hyphen that ends a line ("non-" / "compliance")
            char = "-"
        if char in "\r\n\x00" or not pieces:
            spaces.append(i)
            words.end()
            continue
        left, bottom, right, top = textpage.get_charbox(i)
        cx, cy = (left + right) / 2, (bottom + top) / 2
        if _inside(pieces[last].box, cx, cy):  # the stream runs through a rectangle, then the next one
            k: int | None = last
        elif last + 1 < len(pieces) and _inside(pieces[last + 1].box, cx, cy):
            k = last + 1
        else:
            k = grid.first_containing(cx, cy)
        if char.isspace():
            spaces.append(i)
            words.end()
            if k is not None and pieces[k].chars:
                pieces[k].chars.append(" ")
            continue
        last = last if k is None else k
        piece = pieces[last]
        if piece.first < 0:
            piece.first, piece.size = i, pdfium_c.FPDFText_GetFontSize(textpage.raw, i)
        piece.chars.append(char)
        piece.last = i
        words.add(char, (left, bottom, right, top))
    words.end()
    return [Line(" ".join(text.split()), *box) for text, box in _join(pieces, spaces) if text.strip()]


WORD_GAP = 0.6  # pieces closer than this many font sizes are one line; a table's cells sit further apart


def _join(pieces: list[_Piece], spaces: list[int]) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Consecutive pieces that continue one printed run of text, joined (see _page_lines)."""
    out: list[tuple[str, tuple[float, float, float, float]]] = []
    prev: _Piece | None = None
    for piece in pieces:
        if not piece.chars:
            continue
        text = "".join(piece.chars)
        if prev is not None and out and _continues(prev, piece):
            at = bisect.bisect_right(spaces, prev.last)
            spaced = at < len(spaces) and spaces[at] < piece.first
            joined, box = out[-1]
            out[-1] = (joined + (" " if spaced else "") + text,
                       (min(box[0], piece.box[0]), min(box[1], piece.box[1]),
                        max(box[2], piece.box[2]), max(box[3], piece.box[3])))
            prev = _Piece(out[-1][1], [], prev.first, piece.last, max(prev.size, piece.size))
            continue
        out.append((text, piece.box))
        prev = _Piece(piece.box, [], piece.first, piece.last, piece.size)
    return out


def _continues(prev: _Piece, piece: _Piece) -> bool:
    """Same baseline band, same font size (a superscript marker is smaller) and a gap under a word gap."""
    px0, py0, px1, py1 = prev.box
    x0, y0, x1, y1 = piece.box
    if piece.first < prev.last or not prev.size or not piece.size:
        return False
    low = min(py1 - py0, y1 - y0)
    if not 0.8 <= piece.size / prev.size <= 1.25:
        return False
    size = max(prev.size, piece.size)
    reach = 0.25 * size  # a comma or a descender hangs below the line's letters
    if min(py1 + reach, y1) - max(py0 - reach, y0) < 0.5 * max(low, 0.1):
        return False
    return -0.1 * size <= x0 - px1 <= WORD_GAP * size
