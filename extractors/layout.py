"""Page layout for report PDFs: what to drop, reading order, paragraphs.

Situation reports mix full-width prose, two-column prose, side boxes and inset call-outs. A text
dump interleaves columns and glues running headers, footnotes and page numbers into sentences, so
the family extractors read pages through these functions instead: `clean_lines` drops what is not
body text, `merge_fragments` repairs letter-spaced headings, `reading_order` orders lines column by
column (recursive XY-cut) and `paragraphs` groups them, joining paragraphs broken by a column, a
page or an inset box. Coordinates are pdfium's (points, origin bottom-left).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from .pdf_text import Line, Page

_NUMBER_ONLY = re.compile(r"^\d{1,3}$")
_URL_ONLY = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,3}(?:\s+(?:of|/)\s+\d{1,3})?$", re.I)
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)]*$")
# a street, building or post-box word, then a number (after at most three capitalised words): an address
_ADDRESS = re.compile(
    r"(?i:\b(?:p\.?\s?o\.?\s*box|case\s+postale|casilla|apartado(?:\s+postal)?|calle|avenida|av\.|jr\.|"
    r"jir[oó]n|street|road|avenue|edificio|building|suite|rue|chemin))\s+(?:[A-ZÁÉÍÓÚÑ][\w'’.-]*\s+){0,3}\d"
    r"|\b[A-Z]{1,2}-\d{4,5}\s+[A-Z]")


def is_address(text: str) -> bool:
    """A contact block (street or post-box number, postal code) and no running sentence: its numbers are
    not figures ("Calle Los Tulipanes 147 ... Lima 15023", "Case Postale 2500 CH-1211 Genève 2")."""
    words = re.findall(r"[^\W\d_]+", text)
    running = sum(w[0].islower() for w in words)  # a sentence is mostly lower-case words; a contact block not
    return len(text) < 400 and bool(_ADDRESS.search(text)) and running < 0.3 * len(words)


def body_height(lines: list[Line] | tuple[Line, ...]) -> float:
    """Typical height of a body-text line (median over lines long enough to be prose)."""
    heights = [ln.height for ln in lines if len(ln.text) >= 25]
    if not heights:
        heights = [ln.height for ln in lines] or [10.0]
    return statistics.median(heights)


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def clean_lines(pages: list[Page], band: float = 0.1) -> list[list[Line]]:
    """Each page's lines without running headers/footers, page numbers, footnotes, superscript
    footnote markers and bare URLs.

    Running lines are those in the top or bottom `band` of the page whose text (digits ignored)
    recurs on another page; footnotes are everything below the highest small numeric marker sitting
    at the left margin of the bottom band.
    """
    seen: Counter[str] = Counter()
    for page in pages:
        keys = {_key(ln.text) for ln in page.lines if _in_band(ln, page, band)}
        seen.update(keys)
    out = []
    for page in pages:
        lines = list(page.lines)
        body = body_height(lines)
        left = _left_margin(lines)
        markers = [ln for ln in lines if _NUMBER_ONLY.match(ln.text) and ln.height < 0.75 * body
                   and abs(ln.x0 - left) < 6 and ln.y1 < page.height * 0.25]
        foot_top = max((ln.y1 for ln in markers), default=-1.0) + 1.0
        kept = []
        for ln in lines:
            if ln.y1 <= foot_top or _URL_ONLY.match(ln.text):
                continue
            if _in_band(ln, page, band) and (seen[_key(ln.text)] > 1 or _PAGE_NUMBER.match(ln.text)):
                continue
            if _is_superscript(ln, lines, body):
                continue
            kept.append(ln)
        out.append(kept)
    return out


def _in_band(line: Line, page: Page, band: float) -> bool:
    return line.y0 >= page.height * (1 - band) or line.y1 <= page.height * band


def _left_margin(lines: list[Line]) -> float:
    starts = Counter(round(ln.x0) for ln in lines if len(ln.text) >= 30)
    return float(starts.most_common(1)[0][0]) if starts else 0.0


def _is_superscript(line: Line, lines: list[Line], body: float) -> bool:
    """A small raised number glued to the right end of a text line: a footnote marker."""
    if not _NUMBER_ONLY.match(line.text) or line.height >= 0.8 * body:
        return False
    for other in lines:
        if other is line or other.height <= line.height:
            continue
        if 0 <= line.x0 - other.x1 <= 3 and line.y0 > other.y0 + 1 and line.y0 < other.y1:
            return True
    return False


def repair_letter_spacing(text: str) -> str:
    """'Si t u a t i o n' -> 'Situation': a run of mostly one-letter tokens is one spaced-out word."""
    tokens = text.split()
    singles = sum(len(t) == 1 for t in tokens)
    if len(tokens) >= 3 and singles >= len(tokens) / 2 and all(t.isalpha() for t in tokens):
        return "".join(tokens)
    return text


def merge_fragments(lines: list[Line]) -> list[Line]:
    """Join pieces of one printed line that pdfium split (letter-spaced headings 'Respo'+'ns'+'e',
    a stray full stop after a removed footnote marker). Pieces must share the baseline band and
    nearly touch; a piece of one or two letters or bare punctuation is glued without a space."""
    rest = sorted(lines, key=lambda ln: (-round(ln.y1), ln.x0))
    merged: list[Line] = []
    for ln in rest:
        for i, prev in enumerate(merged):
            low = min(prev.height, ln.height)
            overlap = min(prev.y1, ln.y1) - max(prev.y0, ln.y0)
            gap = ln.x0 - prev.x1
            if overlap >= 0.5 * low and -1 <= gap < 0.8 * max(prev.height, ln.height):
                tight = len(ln.text) <= 2 or len(prev.text.split()[-1]) <= 2 or not re.search(r"\w", ln.text)
                # a number set beside its caption ("25" "peaceful coexistence projects") keeps its space
                tight = tight and not (prev.text[-1:].isdigit() and ln.text[:1].isalpha()
                                       or prev.text[-1:].isalpha() and ln.text[:1].isdigit())
                glued = prev.text + ("" if tight else " ") + ln.text
                merged[i] = Line(glued, prev.x0, min(prev.y0, ln.y0), ln.x1, max(prev.y1, ln.y1))
                break
        else:
            merged.append(ln)
    return merged


def _largest_gap(spans: list[tuple[float, float]]) -> tuple[float, float]:
    """(width, position) of the widest empty stretch between covered intervals."""
    spans = sorted(spans)
    best, where = 0.0, 0.0
    reach = spans[0][1]
    for lo, hi in spans[1:]:
        if lo - reach > best:
            best, where = lo - reach, (lo + reach) / 2
        reach = max(reach, hi)
    return best, where


def reading_order(lines: list[Line], col_gap: float = 12.0) -> list[Line]:
    """Lines in reading order by recursive XY-cut: a vertical gutter at least `col_gap` wide (and
    wider than the widest horizontal gap) splits columns, read left then right; otherwise the
    widest horizontal gap splits top from bottom."""
    if len(lines) <= 1:
        return list(lines)
    vgap, vx = _largest_gap([(ln.x0, ln.x1) for ln in lines])
    hgap, hy = _largest_gap([(ln.y0, ln.y1) for ln in lines])
    if vgap >= col_gap and vgap >= 0.8 * hgap:
        left = [ln for ln in lines if ln.x1 <= vx]
        right = [ln for ln in lines if ln.x1 > vx]
        return reading_order(left, col_gap) + reading_order(right, col_gap)
    if hgap > 0:
        top = [ln for ln in lines if ln.y0 >= hy]
        bottom = [ln for ln in lines if ln.y0 < hy]
        return reading_order(top, col_gap) + reading_order(bottom, col_gap)
    return sorted(lines, key=lambda ln: (-ln.y1, ln.x0))


@dataclass
class Paragraph:
    """Lines of one paragraph, possibly spanning columns and pages (page = where it starts)."""

    page: int
    lines: list[Line] = field(default_factory=list)
    inset: bool = False  # an indented call-out box inside the text flow

    @property
    def text(self) -> str:
        out = ""
        for ln in self.lines:
            piece = repair_letter_spacing(ln.text.strip())
            if not out:
                out = piece
            elif out.endswith("-") and piece[:1].islower():
                out += piece
            else:
                out += " " + piece
        return out

    @property
    def height(self) -> float:
        return statistics.median(ln.height for ln in self.lines)


def paragraphs(pages: list[tuple[int, list[Line]]], solo=lambda line: False) -> list[Paragraph]:
    """Group ordered lines (per page) into paragraphs.

    A paragraph breaks at a vertical gap clearly wider than the line spacing, at a jump to another
    column or page, unless the next line starts in lower case after a line with no closing
    punctuation: then it continues the last paragraph of the main flow (not an inset box).
    Lines for which `solo(line)` is true (placeholders for blocks read elsewhere) stand alone.
    """
    out: list[Paragraph] = []
    main: Paragraph | None = None
    for number, lines in pages:
        if not lines:
            continue
        body = body_height(lines)
        pitch = _line_pitch(lines, body)
        left = _left_margin(lines)
        right = max((ln.x1 for ln in lines if len(ln.text) >= 30), default=0.0)
        prev: Line | None = None
        current: Paragraph | None = None
        for ln in lines:
            if solo(ln):
                out.append(Paragraph(number, [ln]))
                prev = current = None
                continue
            inset = 5 < ln.x0 - left < 30 and right - ln.x1 > 5 and len(ln.text) >= 8
            if prev is not None and current is not None and not _breaks(prev, ln, body, pitch) \
                    and inset == current.inset:
                current.lines.append(ln)
            elif main is not None and _continues(main, ln) and not inset:
                main.lines.append(ln)
                current = main
            else:
                current = Paragraph(number, [ln], inset)
                out.append(current)
            if not current.inset:
                main = current
            prev = ln
    return out


def _line_pitch(lines: list[Line], body: float) -> float:
    pitches = [a.y1 - b.y1 for a, b in zip(lines, lines[1:], strict=False)
               if abs(a.x0 - b.x0) < 4 and 0.8 * body < a.y1 - b.y1 < 2 * body]
    return statistics.median(pitches) if pitches else 1.3 * body


def _breaks(prev: Line, line: Line, body: float, pitch: float) -> bool:
    if line.y1 > prev.y0 + 1 or line.x0 > prev.x1 or line.x1 < prev.x0:
        return True  # not below the previous line: another column or block
    return prev.y0 - line.y1 > 0.6 * body and prev.y1 - line.y1 > 1.25 * pitch or _ends_heading(prev, line)


_FIGURE_LIKE = re.compile(r"\d{3}|\d,\d")


def _ends_heading(prev: Line, line: Line) -> bool:
    """A heading set right on top of its first paragraph: a short line of a few words with no closing
    punctuation and no large number, set larger than the capitalised line under it or stopping well short
    of it ("Area of Intervention 2: Shelter" over "In Tacna, partners ..."). A wrapped sentence fills its line."""
    text = prev.text.strip()
    if not line.text[:1].isupper() or _SENTENCE_END.search(text) or _FIGURE_LIKE.search(text) \
            or len(text.split()) > 12:
        return False
    return prev.height >= 1.15 * line.height or prev.x1 < line.x1 - 0.3 * (line.x1 - line.x0)


def _continues(paragraph: Paragraph, line: Line) -> bool:
    last = paragraph.lines[-1].text.rstrip()
    return bool(line.text[:1].islower()) and not _SENTENCE_END.search(last)
