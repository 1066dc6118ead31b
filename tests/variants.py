"""Other months of a bundled report family, made from the R4V monthly HTML sample, with their gold by construction.

`r4v_month("2023-10", scale=1.1)` is the September 2023 R4V Peru page moved to October 2023 (every
"September 2023", "september-2023" and "September" in the page names the new month) with the
people-reached sector table and the "people assisted" key figure multiplied by `scale` (rounded, printed
the way the sample prints them), so the month's figures are known before extraction. `headline` multiplies
the headline key figure (refugees and migrants in Peru, printed 1.54M): headline=100 prints 154M, the
misread-decimal case series_jump must catch. Funding figures and prose are left as printed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "sitrep" / "samples" / "r4v-peru-sitrep-2023-09.html"
SAMPLE_MONTH = (2023, 9)
TABLE_RE = re.compile(r'(<table class="sector-table[^"]*">.*?</table>)', re.S)
HEADER_RE = re.compile(r"<th[^>]*>([^<]+)</th>")
CELL_RE = re.compile(r"<td>([\d,]+)</td>")
ASSISTED_RE = re.compile(r'(PEOPLE ASSISTED.*?<div class="key-figure__value">)([\d,]+)(</div>)', re.S)
HEADLINE_RE = re.compile(r'(REFUGEES AND MIGRANTS.*?<div class="key-figure__value">)([\d.]+)M(</div>)', re.S)
SECTOR_NAMES = {"Hum. Transp.": "Humanitarian Transportation", "CBI": "Multipurpose Cash-Based Interventions"}


@dataclass
class Variant:
    """A generated month: the page's bytes, a file name, and what extraction must find in it."""

    period: str
    html: bytes
    people_reached: dict[str, float] = field(default_factory=dict)  # canonical sector -> table value
    people_assisted: float = 0.0  # the key figure
    population: float = 0.0  # the headline key figure

    @property
    def name(self) -> str:
        return f"r4v-peru-sitrep-{self.period}.html"

    def write(self, folder: Path, name: str | None = None) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (name or self.name)
        path.write_bytes(self.html)
        return path


def _printed(value: int, like: str) -> str:
    return f"{value:,}" if "," in like else str(value)


def r4v_month(period: str, scale: float = 1.0, headline: float = 1.0) -> Variant:
    year, month = (int(x) for x in period.split("-"))
    old_name, new_name = calendar.month_name[SAMPLE_MONTH[1]], calendar.month_name[month]
    text = SAMPLE.read_text("utf-8")
    text = text.replace(f"{old_name} {SAMPLE_MONTH[0]}", f"{new_name} {year}")
    text = text.replace(f"{old_name.lower()}-{SAMPLE_MONTH[0]}", f"{new_name.lower()}-{year}")
    text = re.sub(rf"\b{old_name}\b", new_name, text)
    reached: dict[str, float] = {}

    def table(match: re.Match) -> str:
        block = match.group(1)
        sectors = HEADER_RE.findall(block)
        cells = iter(sectors)

        def cell(m: re.Match) -> str:
            value = round(int(m.group(1).replace(",", "")) * scale)
            sector = next(cells)
            reached[SECTOR_NAMES.get(sector, sector)] = float(value)
            return f"<td>{_printed(value, m.group(1))}</td>"

        return CELL_RE.sub(cell, block)

    text = TABLE_RE.sub(table, text, count=1)
    assisted = 0.0

    def assisted_sub(m: re.Match) -> str:
        nonlocal assisted
        value = round(int(m.group(2).replace(",", "")) * scale)
        assisted = float(value)
        return m.group(1) + _printed(value, m.group(2)) + m.group(3)

    text = ASSISTED_RE.sub(assisted_sub, text, count=1)
    population = 0.0

    def headline_sub(m: re.Match) -> str:
        nonlocal population
        millions = round(float(m.group(2)) * headline, 4)
        population = round(millions * 1_000_000)
        return f"{m.group(1)}{millions:g}M{m.group(3)}"

    text = HEADLINE_RE.sub(headline_sub, text, count=1)
    if not reached or not assisted or not population:
        raise ValueError(f"the sample {SAMPLE.name} no longer has the blocks this generator rewrites")
    return Variant(period, text.encode("utf-8"), reached, assisted, float(population))
