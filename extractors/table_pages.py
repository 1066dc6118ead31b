"""Which pages of a PDF may hold a table of numbers: a cheap pre-filter, so camelot reads only those pages.

Two signs, read from what the PDF already gives without rendering:
- the text layer: at least MIN_ROWS rows holding two or more numbers each, whose numbers line up in at
  least two columns (same left edge, right edge or centre);
- the vector graphics: ruling lines (thin horizontal and vertical paths) on a page with some numbers.
Prose pages have numbers too, but not in rows lining up in columns; a chart's axis labels may, and a
table reader finding nothing there costs a camelot call, never a figure (cells are proven afterwards).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .pdf_text import PDFIUM_LOCK, Page, open_pdf

MIN_ROWS = 3  # rows of numbers lining up
ALIGN_TOL = 3.0  # points: two edges this close are one column
MIN_RULES = 2  # thin horizontal and vertical paths each

Box = tuple[float, float, float, float]


def _rows(boxes: Iterable[Box]) -> list[list[Box]]:
    """Number boxes grouped by baseline band (vertical centres within half a box height)."""
    rows: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: -(b[1] + b[3])):
        if rows:
            last = rows[-1][0]
            if abs((last[1] + last[3]) - (box[1] + box[3])) / 2 <= 0.5 * max(last[3] - last[1], box[3] - box[1], 1.0):
                rows[-1].append(box)
                continue
        rows.append([box])
    return rows


def aligned_number_rows(page: Page) -> int:
    """How many rows of two or more numbers share at least two column edges (left, right or centre) with
    MIN_ROWS - 1 other such rows; 0 when there are not MIN_ROWS of them."""
    numeric = [row for row in _rows(page.numbers) if len(row) >= 2]
    if len(numeric) < MIN_ROWS:
        return 0
    votes: Counter = Counter()  # (edge kind, bin) -> rows having a number there
    for row in numeric:
        seen = set()
        for x0, _y0, x1, _y1 in row:
            for kind, x in (("l", x0), ("r", x1), ("c", (x0 + x1) / 2)):
                seen.add((kind, round(x / ALIGN_TOL)))
        for key in seen:
            votes[key] += 1
    # an edge near a bin's border falls into either bin: count both
    merged = {key: n + votes.get((key[0], key[1] + 1), 0) for key, n in votes.items()}
    columns = sorted({key[1] for key, n in merged.items() if n >= MIN_ROWS})
    distinct = [b for i, b in enumerate(columns) if i == 0 or b - columns[i - 1] > 2]
    return len(numeric) if len(distinct) >= 2 else 0


def ruled_pages(data: bytes, numbers: list[int], name: str = "report") -> set[int]:
    """Pages (1-based, among `numbers`) drawing ruling lines: MIN_RULES thin horizontal and vertical paths."""
    import pypdfium2.raw as pdfium_c

    found: set[int] = set()
    if not numbers:
        return found
    with PDFIUM_LOCK:
        pdf = open_pdf(data, name)
        try:
            for number in numbers:
                page = pdf[number - 1]
                flat = upright = 0
                for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=2):
                    x0, y0, x1, y1 = obj.get_bounds()
                    w, h = x1 - x0, y1 - y0
                    flat += h <= 2.5 and w >= 15
                    upright += w <= 2.5 and h >= 8
                    if w >= 15 and h >= 8 and _stroked(obj, pdfium_c):  # a stroked box is four rules (a filled
                        flat, upright = flat + 1, upright + 1  # one is a background)
                    if flat >= MIN_RULES and upright >= MIN_RULES:
                        found.add(number)
                        break
                page.close()
        finally:
            pdf.close()
    return found


def _stroked(obj, pdfium_c) -> bool:
    import ctypes

    fill, stroke = ctypes.c_int(0), ctypes.c_int(0)
    return bool(pdfium_c.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(fill), ctypes.byref(stroke)) and stroke.value)


def table_pages(data: bytes, pages: list[Page], name: str = "report") -> list[int]:
    """Pages (1-based) worth a table reader: aligned rows of numbers, or ruling lines and some numbers."""
    flagged = {p.number for p in pages if aligned_number_rows(p)}
    numeric = [p.number for p in pages if p.number not in flagged and len(p.numbers) >= 2]
    return sorted(flagged | ruled_pages(data, numeric, name))
