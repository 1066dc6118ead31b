"""The record every extractor emits: one `Figure` per number printed in a report.

Extractors are pure: bytes in, `ExtractResult` out. Everything downstream (validation,
loading, the `v_facts` view) reads these columns, so the schema lives here, once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import pycountry

KINDS = ("key_figure", "table", "prose", "chart_data")
# Money is in units of its currency, named by its ISO 4217 code in lower case (pycountry's list).
MONEY_UNITS = tuple(sorted(c.alpha_3.lower() for c in pycountry.currencies))
UNITS = ("number", "usd", "pen", "percent", *(u for u in MONEY_UNITS if u not in ("usd", "pen")))
QUALIFIERS = ("lower_bound", "upper_bound", "approx")


@dataclass
class Figure:
    """One figure as printed in a report, with where it came from and what it means."""

    kind: str  # key_figure | table | prose | chart_data
    value: float | None  # canonical scale (money in whole units of its currency, percent 0-100); may be negative
    unit: str  # number | percent | an ISO 4217 code in lower case (usd, pen, chf, eur, ...)
    evidence: str  # verbatim text the figure was read from
    raw: str = ""  # the number exactly as printed ("52,9960", "1.54M", "Twenty-nine")
    qualifier: str | None = None  # lower_bound | upper_bound | approx
    metric: str | None = None  # people_reached, budget, asylum_claims, ...
    sector: str | None = None  # canonical sector (extractors.vocab)
    location: str | None = None
    indicator: str | None = None  # indicator / area code as printed (1.1, IA1, OA4)
    measure: str | None = None  # baseline, target, actual, budget, funds_available, ...
    population: str | None = None
    period: str | None = None
    page: int | None = None  # 1-based, PDFs only
    section: str | None = None  # heading / card / table the figure sits under
    flags: str | None = None  # comma list: malformed_number, text_value, raw_not_in_source (extractors.proof), ...
    # how each dimension was decided: "sector=heading; location=wording" (extractors.decided)
    dimensions_from: str | None = None

    def as_row(self) -> dict:
        return asdict(self)


FIGURE_COLUMNS = tuple(f.name for f in fields(Figure))


@dataclass
class ExtractResult:
    """What one report yields: its family, its own period, the figures and any warnings."""

    family: str
    report_period: str | None
    figures: list[Figure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    title: str | None = None
