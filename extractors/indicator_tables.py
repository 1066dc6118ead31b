"""Indicator and finance tables read from a grid of cell texts, whatever the parser that made the grid.

UNHCR results tables put one indicator (or budget area) per row and one measure per column
(Baseline, Target (2023), Actual (2023); Budget, Funds available, Expenditure, ...). Columns are
found by their header words, never by position, so reordered or transposed grids read the same,
and rows whose label wrapped onto extra grid rows are joined back to the row they belong to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Order matters: the "% of" columns also name funds/budget, so they are tested first.
MEASURES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("funds_available_pct", r"funds\s+available\s+as\s+%|%\s+of\s+(?:final\s+)?budget"),
        ("expenditure_pct", r"expenditure\s+as\s+%|%\s+of\s+funds"),
        ("funds_available", r"\bfunds\s+available\b"),
        ("expenditure", r"\bexpenditure\b"),
        ("budget", r"\bbudget\b"),
        ("baseline", r"\bbaseline\b"),
        ("target", r"\btargets?\b"),
        ("actual", r"\bactual\b|\bresults?\b|\bachieved\b"),
    )
)
MONEY_MEASURES = frozenset({"budget", "funds_available", "expenditure"})
_POPULATION_HEADER = re.compile(r"\bpopulation\b", re.I)
_LABEL_HEADER = re.compile(r"\bindicators?\b|\b(?:impact|outcome|enabling)\s+areas?\b|\barea\b", re.I)
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
# "1.1", "3.2a", "13.1." (indicator codes) and "IA1", "OA13:", "EA20" (area codes), or a Total row.
CODE = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2})+[a-z]?|[A-Z]{1,3}\d{1,2}[a-z]?|Total)\b\.?", re.I)
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_PLAIN = re.compile(rf"^(?P<neg>[-\u2212]|\((?=.*\)$))?(?P<cur>USD|US\$|\$)?\s*(?P<num>{_NUMBER})\s*(?P<pct>%)?"
                    rf"(?:\s*(?:USD|\*+))?\)?$", re.I)
_BOUND = re.compile(rf"(?P<op>≥|>=|>|≤|<=|<|=>|=<)\s*(?P<num>{_NUMBER})\s*(?P<pct>%)?")
_RANGE = re.compile(rf"(?P<a>{_NUMBER})\s*(?P<pa>%)?\s*(?:-|–|to)\s*(?P<b>{_NUMBER})\s*(?P<pb>%)?")
_ANY = re.compile(rf"(?<![\w.,])(?P<num>{_NUMBER})(?![\w,])\s*(?P<pct>%)?")
_EMPTY = {"", "-", "–", "—", "n/a", "na", "n.a.", "..", "…"}


@dataclass(frozen=True)
class Value:
    """A number read from one cell, on the canonical scale of its unit."""

    value: float
    unit: str  # number | usd | percent
    raw: str
    qualifier: str | None = None
    flags: str | None = None


@dataclass(frozen=True)
class Cell:
    """One measure of one row: what the row and column headers say about the cell text."""

    code: str | None  # indicator / area code as printed ("1.1", "OA4", "Total"), None if the row has none
    label: str  # the row label as printed (wrapped lines rejoined)
    population: str | None  # population text as printed in the row, if the table has such a column
    measure: str  # baseline, target, actual, budget, ...
    period: str | None  # year from the column header ("Target (2023)"), None when it gives none
    text: str  # the cell text


def clean(text: object) -> str:
    return " ".join(str(text or "").split())


def measure_of(header: str) -> str | None:
    """The measure a column header names, or None."""
    for name, pattern in MEASURES:
        if pattern.search(header):
            return name
    return None


def parse_value(text: str, measure: str | None = None) -> list[Value]:
    """Numbers in a table cell. Plain cells give one value; text values ('Extensive: ≥70 points')
    give their threshold with a qualifier and the flag text_value; empty or dash cells give none."""
    text = clean(text)
    if text.lower() in _EMPTY:
        return []
    money = measure in MONEY_MEASURES

    def unit_of(pct: str | None, cur: str | None = None) -> str:
        if pct or (measure or "").endswith("_pct"):
            return "percent"
        return "usd" if cur or money else "number"

    m = _PLAIN.match(text)
    if m and (m["neg"] == "(") == text.endswith(")"):  # -5, −5 and (5) are negative (a variance)
        sign = -1.0 if m["neg"] else 1.0
        return [Value(sign * _num(m["num"]), unit_of(m["pct"], m["cur"]), m.group(0).strip())]
    m = _BOUND.search(text)
    if m:
        qualifier = "lower_bound" if ">" in m["op"] or "≥" in m["op"] else "upper_bound"
        return [Value(_num(m["num"]), unit_of(m["pct"]), text, qualifier, "text_value")]
    m = _RANGE.search(text)
    if m:
        pct = m["pa"] or m["pb"]
        return [Value(_num(m["a"]), unit_of(pct), text, "lower_bound", "text_value"),
                Value(_num(m["b"]), unit_of(pct), text, "upper_bound", "text_value")]
    return [Value(_num(x["num"]), unit_of(x["pct"]), text, None, "text_value") for x in _ANY.finditer(text)]


def _num(raw: str) -> float:
    return float(raw.replace(",", ""))


def code_of(label: str) -> str | None:
    m = CODE.match(label)
    if not m:
        return None
    code = m.group(1)
    return "Total" if code.lower() == "total" else code


def _measure_count(cells: list[str]) -> int:
    return sum(measure_of(c) is not None for c in cells)


def orient(grid: list[list[str]]) -> list[list[str]]:
    """The grid with measures as columns: transposed when the measure names run down a column."""
    grid = [[clean(c) for c in row] for row in grid if any(clean(c) for c in row)]
    if not grid:
        return grid
    width = max(len(r) for r in grid)
    grid = [r + [""] * (width - len(r)) for r in grid]
    by_row = max((_measure_count(r) for r in grid[:4]), default=0)
    columns = [list(col) for col in zip(*grid, strict=True)]
    by_col = max((_measure_count(c) for c in columns[:3]), default=0)
    return columns if by_col > by_row else grid


def _is_header_row(row: list[str]) -> bool:
    """A row of column names: two measures, or one beside a row-label header ("Indicators")."""
    named = [measure_of(c) is not None for c in row]
    labels = [c for c, n in zip(row, named, strict=True) if not n and _LABEL_HEADER.search(c)]
    return sum(named) >= 2 or (any(named) and bool(labels))


_HEADER_YEAR = re.compile(r"\(\s*(?:19|20)\d{2}\s*\)")  # "Target" / "(2025)": a header wrapped before its year


def _is_value_free(row: list[str]) -> bool:
    """Short cells with no code and no plain number: the wrapped part of a header (a year in brackets is
    header text, not a negative cell)."""
    return (not any(code_of(c) for c in row) and all(len(c) <= 40 for c in row)
            and not any((_PLAIN.match(c) and not _HEADER_YEAR.fullmatch(c)) or _BOUND.search(c) for c in row))


def _is_prose(row: list[str]) -> bool:
    """A line of running text caught by a borderless parser: long and not an indicator row."""
    return not any(code_of(c) for c in row) and any(len(c) > 70 for c in row)


def read_grid(grid: list[list[str]], header: list[str] | None = None) -> tuple[list[Cell], list[str] | None]:
    """Cells of indicator or finance tables in a grid, and the last header used (carried onto a
    continuation table that does not repeat it). Rows before the first header and running text
    caught in the grid are skipped; a repeated header starts a new table."""
    grid = orient(grid)
    if not grid:
        return [], header
    width = len(grid[0])
    if header is not None and len(header) != width:
        header = None
    cells: list[Cell] = []
    rows: list[list[str]] = []
    i = 0
    while i < len(grid):
        row = grid[i]
        if _is_header_row(row):
            cells += _cells(rows, header)
            block = [row]
            if rows and _is_value_free(rows[-1]) and len(rows) == 1:
                block.insert(0, rows[-1])  # a header line wrapped above the measure names
            rows = []
            i += 1
            while i < len(grid) and _is_value_free(grid[i]):  # header lines wrapped below
                block.append(grid[i])
                i += 1
            header = [clean(" ".join(r[k] for r in block)) for k in range(width)]
            continue
        if _is_prose(row):
            cells += _cells(rows, header)
            rows = []
        else:
            rows.append(row)
        i += 1
    cells += _cells(rows, header)
    return cells, header


def _cells(rows: list[list[str]], header: list[str] | None) -> list[Cell]:
    """The cells of the data rows under one header, by the header's column roles."""
    if not rows or header is None:
        return []
    header = _shift_headers(header, rows)
    label_col = next((i for i, h in enumerate(header) if _LABEL_HEADER.search(h)), None)
    pop_col = next((i for i, h in enumerate(header) if _POPULATION_HEADER.search(h) and i != label_col), None)
    measures = [None if i in (label_col, pop_col) else measure_of(h) for i, h in enumerate(header)]
    if not any(measures):
        return []
    if label_col is None:
        label_col = next((i for i in range(len(header)) if not measures[i] and i != pop_col), 0)
    cells = []
    for row in _join_wrapped(rows, label_col, [i for i, m in enumerate(measures) if m]):
        label = row[label_col]
        population = row[pop_col] if pop_col is not None else None
        for i, measure in enumerate(measures):
            if measure and i != label_col and row[i]:
                year = _YEAR.search(header[i])
                cells.append(Cell(code_of(label), label, population or None, measure,
                                  year.group(1) if year else None, row[i]))
    return cells


def _shift_headers(header: list[str], rows: list[list[str]]) -> list[str]:
    """A parser that splits a right-aligned column from its left-aligned header leaves a header over an empty
    column beside values under no header: the values take the header (the only column it can name)."""
    filled = [any(i < len(r) and r[i] for r in rows) for i in range(len(header))]
    out = list(header)
    for i in range(len(out)):
        if out[i] or not filled[i]:
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(out) and out[j] and not filled[j] and measure_of(out[j]):
                out[i], out[j] = out[j], ""
                break
    return out


def _join_wrapped(rows: list[list[str]], label_col: int, value_cols: list[int]) -> list[list[str]]:
    """Rows without a code of their own continue the row above (a wrapped label, population or
    text value such as "Extensive: ≥70 / points") unless both carry numbers, in which case they
    are separate uncoded rows."""
    out: list[list[str]] = []
    for row in rows:
        has_code = code_of(row[label_col]) is not None
        has_values = any(parse_value(row[i]) for i in value_cols)
        if out and not has_code and (not has_values or not any(parse_value(out[-1][i]) for i in value_cols)):
            out[-1] = [clean(f"{a} {b}") for a, b in zip(out[-1], row, strict=True)]
        else:
            out.append(list(row))
    return out
