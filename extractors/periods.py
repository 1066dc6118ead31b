"""Report periods from wording: 'September 2023' -> '2023-09', 'Annual Results Report 2023' -> '2023'."""

from __future__ import annotations

import re

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
MONTHS.update({"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
               "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12})

_MONTH_YEAR = re.compile(r"\b(" + "|".join(MONTHS) + r")[\s,]+(?:de\s+)?((?:19|20)\d{2})\b", re.I)
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")


def month_period(text: str) -> str | None:
    """First 'Month YYYY' in the text as YYYY-MM."""
    m = _MONTH_YEAR.search(text)
    if not m:
        return None
    return f"{m.group(2)}-{MONTHS[m.group(1).lower()]:02d}"


def year_period(text: str) -> str | None:
    """First four-digit year in the text."""
    m = _YEAR.search(text)
    return m.group(1) if m else None
