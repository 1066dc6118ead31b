"""Layout variants of the PDF report families (GTRM situation reports, UNHCR annual results reports), with gold
by construction.

`variant("gtrm2019", "headings", seed=3)` writes a new PDF with reportlab in the family's style and returns it with
every figure it printed: value, unit, qualifier, sector, location (and indicator, measure, population for tables),
the printed form and a context snippet. Everything comes from `random.Random(seed)`, and the PDF is written with
reportlab's invariant mode, so the same arguments give the same bytes.

Variant kinds (each changes one thing against the family's sample style; "mixed" changes all of them at once):
- months: another month and year, other numbers, other sentences;
- sectors: sectors reordered, dropped, and added (sectors of the vocabulary the samples do not have);
- headings: heading styles (capitals, numbering, bold at body size, larger and plain, letter-spaced);
- columns: key figures, grids and tables moved (other column, other page), body in one or two columns,
  justified text drawn word by word;
- fonts: other fonts (Times, Courier, DejaVu, Liberation) and sizes;
- places: other Peruvian places (multi-word, accented, districts) as paragraph openers and in clauses;
- mixed: all of the above.

Gold follows /work/shared/corpus/GOLD.md as tests/data/gold_facts.csv applies it to the samples: a prose figure under
a sector heading has that sector; its location is a place named in its own clause, else the place of the
"In <place>, ..." paragraph it follows within the section; a grid cell has its label's sector and the section's
location; table cells have the column's sector and the row's population.
"""

from __future__ import annotations

import calendar
import io
import random
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from reportlab.lib.colors import Color, HexColor, white
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FAMILIES = ("gtrm2019", "gtrm2021", "unhcr_arr")
KINDS = ("months", "sectors", "headings", "columns", "fonts", "places", "mixed")
PAGE_W, PAGE_H = 595.28, 841.89
BLUE, ORANGE, GREY = HexColor("#1f4e8c"), HexColor("#e07b21"), HexColor("#555555")
BOX = HexColor("#e3ebf6")

# sector -> (heading names, grid/table labels, activity phrases "received/benefited from X", item nouns)
SECTORS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "Education": (("Education",), ("Education",), ("school enrolment support", "remedial classes"),
                  ("school kits", "teaching guides")),
    "Food Security": (("Food Security",), ("Food", "Food Security"), ("food assistance", "hot meals"),
                      ("food kits", "food rations")),
    "Health": (("Health",), ("Health",), ("primary health care", "medical consultations"),
               ("hygiene and health promotion sessions", "vaccination doses")),
    "Humanitarian Transportation": (("Humanitarian Transportation", "Humanitarian Transport"),
                                    ("Humanitarian Transport", "Hum. Transp."),
                                    ("humanitarian transport", "transport to shelters"), ("bus tickets",)),
    "Integration": (("Integration", "Socio-economic and cultural integration"), ("Integration",),
                    ("entrepreneurship training", "job placement support"), ("seed capital grants",)),
    "Nutrition": (("Nutrition",), ("Nutrition",), ("nutritional screening", "micronutrient supplements"),
                  ("nutrition kits",)),
    "Protection": (("Protection",), ("Protection",), ("legal orientation", "documentation support"),
                   ("information leaflets",)),
    "Child Protection": (("Child Protection",), ("Child Protection",), ("child-friendly space activities",
                                                                       "case management for children"),
                         ("recreational kits",)),
    "Gender-Based Violence": (("Gender-Based Violence",), ("GBV",), ("psychosocial support for survivors",
                                                                    "safe space sessions"), ("dignity kits",)),
    "Human Trafficking and Smuggling": (("Human Trafficking and Smuggling",), ("Human Trafficking",),
                                        ("counter-trafficking awareness sessions",), ("awareness leaflets",)),
    "Shelter": (("Shelter",), ("Shelter",), ("temporary accommodation", "rental subsidies"),
                ("shelter kits", "mattresses")),
    "WASH": (("WASH", "Water, Sanitation and Hygiene"), ("WASH",), ("access to safe water", "hygiene promotion"),
             ("hygiene kits", "water filters")),
    "Multipurpose Cash-Based Interventions": (("Multipurpose Cash-Based Interventions", "Cash-based interventions"),
                                              ("CBI",), ("multipurpose cash transfers", "cash vouchers"),
                                              ("prepaid cards",)),
    "Non-Food Items": (("Non-Food Items",), ("NFI",), ("winter clothing", "blankets"), ("household kits",)),
}
SAMPLE_SECTORS = ("Health", "Food Security", "Shelter", "Non-Food Items", "Nutrition", "Humanitarian Transportation",
                  "WASH", "Protection", "Integration", "Education", "Multipurpose Cash-Based Interventions")
ADDED_SECTORS = ("Child Protection", "Gender-Based Violence", "Human Trafficking and Smuggling")
SAMPLE_PLACES = ("Tumbes", "Lima", "Tacna", "Cusco", "Piura", "Trujillo", "Chiclayo", "Callao", "Puno")
OTHER_PLACES = ("Arequipa", "Madre de Dios", "La Libertad", "San Juan de Lurigancho", "Puerto Maldonado", "Junín",
                "Huánuco", "Ica", "Iquitos", "Juliaca", "Desaguadero", "Sullana", "Los Olivos", "Chimbote")
QUALIFIERS = {"lower_bound": ("more than", "over", "above", "at least"),
              "upper_bound": ("almost", "nearly", "up to"),
              "approx": ("some", "around", "about", "approximately")}
WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}
FONTS = {  # family -> (regular, bold) file or standard font names
    "Helvetica": ("Helvetica", "Helvetica-Bold"),
    "Times": ("Times-Roman", "Times-Bold"),
    "Courier": ("Courier", "Courier-Bold"),
    "DejaVu": ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
               "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    "LiberationSerif": ("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
                        "/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf"),
    "LiberationNarrow": ("/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Regular.ttf",
                         "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Bold.ttf"),
}


@dataclass
class Gold:
    """One printed figure, as GOLD.md describes a gold row."""

    kind: str
    value: float
    unit: str
    raw: str
    context: str = ""
    qualifier: str = ""
    sector: str = ""
    location: str = ""
    indicator: str = ""
    measure: str = ""
    population: str = ""
    period: str = ""

    def row(self, source_file: str) -> dict:
        return {"source_file": source_file, "kind": self.kind, "value": float(self.value), "unit": self.unit,
                "qualifier": self.qualifier, "sector": self.sector, "location": self.location,
                "indicator": self.indicator, "measure": self.measure, "population": self.population,
                "period": self.period, "context": self.context, "raw": self.raw}


@dataclass
class PdfVariant:
    """A generated report: its bytes, a file name, and every figure it prints."""

    family: str
    kind: str
    seed: int
    data: bytes
    gold: list[Gold]
    printed_numbers: list[str] = field(default_factory=list)  # every number token drawn (figures or not)

    @property
    def name(self) -> str:
        return f"variant-{self.family}-{self.kind}-{self.seed}.pdf"

    def gold_rows(self) -> list[dict]:
        return [g.row(self.name) for g in self.gold]

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / self.name
        path.write_bytes(self.data)
        return path


# ---------------------------------------------------------------- styles


@dataclass
class Style:
    font: str = "Helvetica"
    body: float = 8.5
    columns: int = 1  # body columns after page 1's intro
    justify: bool = False
    heading: str = "area"  # area | caps | numbered | bold | large | spaced
    keybox: str = "right"  # right | left | band | end
    table_at: str = "end"  # end | start | middle
    transpose: bool = False
    places: tuple[str, ...] = SAMPLE_PLACES
    sectors: tuple[str, ...] = SAMPLE_SECTORS


@cache
def _font(name: str, bold: bool) -> str:
    regular, heavy = FONTS[name]
    path = heavy if bold else regular
    if not path.startswith("/"):
        return path
    face = f"{name}{'-Bold' if bold else ''}"
    pdfmetrics.registerFont(TTFont(face, path))
    return face


def style_for(kind: str, rnd: random.Random, family: str) -> Style:
    st = Style(heading="spaced" if family == "gtrm2021" else "area")
    everything = kind == "mixed"
    if kind == "sectors" or everything:
        chosen = [s for s in SAMPLE_SECTORS if rnd.random() > 0.35]
        chosen += rnd.sample(ADDED_SECTORS, k=rnd.randint(1, 3))
        rnd.shuffle(chosen)
        st.sectors = tuple(chosen[:10]) if len(chosen) >= 4 else tuple(SAMPLE_SECTORS[:4]) + ADDED_SECTORS
    else:
        st.sectors = tuple(rnd.sample(SAMPLE_SECTORS, k=8))
    if kind == "headings" or everything:
        st.heading = rnd.choice(("caps", "numbered", "bold", "large", "spaced", "plain_area"))
    if kind == "columns" or everything:
        st.columns = rnd.choice((1, 2))
        st.justify = rnd.random() < 0.5
        st.keybox = rnd.choice(("right", "left", "band", "end"))
        st.table_at = rnd.choice(("end", "start", "middle"))
        st.transpose = rnd.random() < 0.4
    elif family == "gtrm2021":
        st.columns = 2
    if kind == "fonts" or everything:
        st.font = rnd.choice([f for f in ("Times", "Courier", "DejaVu", "LiberationSerif", "LiberationNarrow")
                              if all(not p.startswith("/") or Path(p).exists() for p in FONTS[f])])
        st.body = rnd.choice((7.5, 8.5, 9.5, 10.5))
    if kind == "places" or everything:
        st.places = tuple(rnd.sample(OTHER_PLACES, k=8))
    return st


# ---------------------------------------------------------------- numbers and sentences


def _count(rnd: random.Random, scale: int | None = None) -> int:
    scale = scale or rnd.choice((2, 3, 3, 4, 4, 5))
    value = rnd.randint(10 ** (scale - 1) if scale > 1 else 1, 10 ** scale - 1)
    if value >= 1000 and rnd.random() < 0.7:
        value = round(value, -2)
    return value


def _fmt(value: int) -> str:
    return f"{value:,}"


class Writer:
    """Builds sentences and records the gold of every figure they print."""

    def __init__(self, rnd: random.Random):
        self.rnd = rnd
        self.gold: list[Gold] = []

    def qualified(self, value: int, unit: str = "number", sector: str = "", location: str = "",
                  kind: str = "prose", allow_words: bool = True) -> str:
        rnd = self.rnd
        qualifier = rnd.choice(("", "", "lower_bound", "upper_bound", "approx"))
        word = rnd.choice(QUALIFIERS[qualifier]) + " " if qualifier else ""
        if allow_words and not qualifier and rnd.random() < 0.12:
            value = rnd.choice(list(WORDS))
            raw = WORDS[value]
        else:
            raw = _fmt(value)
        printed = raw + (" per cent" if unit == "percent" else "")
        self.gold.append(Gold(kind, value, unit, raw, f"{word}{printed}", qualifier, sector, location))
        return f"{word}{printed}"

    def people_sentence(self, sector: str, location: str = "", place: str = "") -> str:
        """One sentence with one or two figures of `sector`'s activities; `place` is named in its clause."""
        rnd = self.rnd
        _, _, acts, items = SECTORS[sector]
        where = f" in {place}" if place else ""
        loc = place or location
        pattern = rnd.randrange(5)
        if pattern == 0:
            n = self.qualified(_count(rnd), sector=sector, location=loc)
            return f"Partners provided {rnd.choice(acts)} to {n} refugees and migrants{where}."
        if pattern == 1:
            n = self.qualified(_count(rnd), sector=sector, location=loc)
            return f"{_cap(n)} persons received {rnd.choice(acts)}{where}."
        if pattern == 2:
            a = self.qualified(_count(rnd), sector=sector, location=loc)
            b = self.qualified(_count(rnd), sector=sector, location=loc)
            return f"GTRM partners distributed {a} {rnd.choice(items)}{where} and reached {b} people with " \
                   f"{rnd.choice(acts)}."
        if pattern == 3:
            n = self.qualified(rnd.randint(11, 95), unit="percent", sector=sector, location=loc, allow_words=False)
            return f"{_cap(n)} of the people assisted{where} were women and girls."
        n = self.qualified(_count(rnd, 2), sector=sector, location=loc)
        return f"A total of {n} organizations worked on {rnd.choice(acts)}{where}."


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------- page layout


class Flow:
    """Frames on pages that text and blocks flow through (columns, then pages)."""

    def __init__(self, canvas: Canvas, st: Style, running: str, footer: str):
        self.c, self.st, self.running, self.footer = canvas, st, running, footer
        self.page = 1
        self.frames: list[tuple[float, float, float, float]] = []  # x, width, top, bottom
        self.y = 0.0
        self.printed: list[str] = []

    # frames ------------------------------------------------------------
    def set_frames(self, frames: list[tuple[float, float, float, float]]) -> None:
        self.frames = list(frames)
        self.y = self.frames[0][2]

    @property
    def x(self) -> float:
        return self.frames[0][0]

    @property
    def width(self) -> float:
        return self.frames[0][1]

    def body_frames(self, top: float) -> list[tuple[float, float, float, float]]:
        bottom, left, full = 60.0, 40.0, PAGE_W - 80
        if self.st.columns == 1:
            return [(left, full, top, bottom)]
        gap = 18.0
        w = (full - gap) / 2
        return [(left, w, top, bottom), (left + w + gap, w, top, bottom)]

    def next_frame(self) -> None:
        self.frames.pop(0)
        if self.frames:
            self.y = self.frames[0][2]
            return
        self.finish_page()
        self.c.showPage()
        self.page += 1
        self.c.setFillColor(BLUE)
        self.c.rect(0, PAGE_H - 24, PAGE_W, 24, stroke=0, fill=1)
        self.text(40, PAGE_H - 16, self.running, 8, bold=True, color=white)
        self.set_frames(self.body_frames(PAGE_H - 50))

    def need(self, height: float) -> None:
        if self.y - height < self.frames[0][3]:
            self.next_frame()

    def finish_page(self) -> None:
        self.text(40, 30, self.footer, 6.5, color=GREY)
        self.text(PAGE_W - 46, 30, str(self.page), 6.5, color=GREY)

    # drawing -----------------------------------------------------------
    def text(self, x: float, y: float, text: str, size: float, bold: bool = False, color: Color = None,
             space: float = 0.0, words: float = 0.0) -> None:
        c = self.c
        c.setFillColor(color or HexColor("#222222"))
        t = c.beginText(x, y)
        t.setFont(_font(self.st.font, bold), size)
        t.setCharSpace(space)
        t.setWordSpace(words)
        t.textOut(text)
        c.drawText(t)
        self.printed += re.findall(r"\d[\d,.]*", text)

    def string_width(self, text: str, size: float, bold: bool = False) -> float:
        return pdfmetrics.stringWidth(text, _font(self.st.font, bold), size)

    def wrap(self, text: str, size: float, width: float, bold: bool = False) -> list[str]:
        lines, line = [], ""
        for word in text.split():
            trial = f"{line} {word}".strip()
            if line and self.string_width(trial, size, bold) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        return lines + ([line] if line else [])

    def paragraph(self, text: str, size: float | None = None, bold: bool = False, color: Color = None,
                  after: float = 5.0) -> None:
        size = size or self.st.body
        leading = size * 1.22
        lines = self.wrap(text, size, self.width, bold)
        for i, line in enumerate(lines):
            self.need(leading)
            self.y -= leading
            last = i == len(lines) - 1
            if self.st.justify and not last and len(line.split()) > 1:
                # justified as most producers do it: one run per line, word spacing stretched (Tw)
                extra = (self.width - self.string_width(line, size, bold)) / line.count(" ")
                self.text(self.x, self.y, line, size, bold, color, words=extra)
            else:
                self.text(self.x, self.y, line, size, bold, color)
            if i < len(lines) - 1 and self.y - leading < self.frames[0][3]:
                self.next_frame()
        self.y -= after

    def heading(self, text: str, number: int) -> None:
        st, body = self.st, self.st.body
        style = st.heading
        size, bold, shown, space = body + 1.5, True, text, 0.0
        if style == "area":
            shown = f"Area of Intervention {number}: {text}"
        elif style == "plain_area":
            shown, bold = f"Area of Intervention {number} - {text}", False
        elif style == "caps":
            shown = text.upper()
        elif style == "numbered":
            shown = f"{number}. {text}"
        elif style == "bold":
            size = body
        elif style == "large":
            size, bold = body * 1.8, False
        elif style == "spaced":
            size, space = body * 1.9, 2.0

        def spaced(t: str) -> float:
            return self.string_width(t, size, bold) + space * len(t)

        lines, line = [], ""
        for word in shown.split():  # wrapped to the column, letter spacing included
            if line and spaced(f"{line} {word}") > self.width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
        self.need(size * 1.3 * len(lines) + 4 + 4 * body)
        self.y -= 4
        for line in lines:
            self.y -= size * 1.3
            self.text(self.x, self.y, line, size, bold, BLUE, space)
        self.y -= 4

    def full_block(self, height: float, draw) -> None:
        """A block across the page's whole width (a wide table): below the first column's text when the other
        columns are still empty, else on a new page; the columns start again under it."""
        full = PAGE_W - 80
        if self.width < full - 1 and self.x > 40.5:  # in a later column, or in a frame beside a box
            while self.frames and self.x > 40.5:
                self.next_frame()
        elif self.width < full - 1 and len(self.frames) > 1 and self.frames[1][0] == 40.0:
            self.next_frame()  # the frame beside page 1's key figures
        if self.y - height < 60:
            self.frames = self.frames[-1:]
            self.next_frame()
        draw(40.0, self.y, full)
        self.set_frames(self.body_frames(self.y - height - 8))

    def block(self, height: float, draw) -> None:
        """A block kept together (a grid, a table, a box): moves to the next frame when it does not fit."""
        self.need(height)
        draw(self.x, self.y, self.width)
        self.y -= height + 6


# ---------------------------------------------------------------- GTRM situation reports


def _masthead(flow: Flow, family: str, month: str, year: int) -> None:
    c = flow.c
    c.setFillColor(BLUE)
    c.rect(0, PAGE_H - 80, PAGE_W, 80, stroke=0, fill=1)
    if family == "gtrm2019":
        flow.text(32, PAGE_H - 42, f"PERU - Situation Report - {month} {year}", 16, True, white)
        flow.text(32, PAGE_H - 58, "GTRM - Grupo de Trabajo para Refugiados y Migrantes", 8, False, white)
    else:
        flow.text(32, PAGE_H - 48, "PERU", 22, True, white)
        flow.text(104, PAGE_H - 40, "Situation Report", 9, False, white)
        flow.text(104, PAGE_H - 52, f"{month} {year}", 9, False, white)
    flow.text(PAGE_W - 70, PAGE_H - 42, "R4V", 16, True, white)
    flow.text(PAGE_W - 72, PAGE_H - 56, "GTRM" if family == "gtrm2019" else "GTRM Peru", 7, True, white)


def _key_figures(w: Writer, rnd: random.Random) -> list[tuple[str, str]]:
    """Key-figure items: ('Above 864,000', 'Venezuelans living in Peru')."""
    captions = ("Venezuelans living in Peru", "Asylum claims", "Applications for temporary stay permits",
                "Refugees and migrants arrived in or transited through Peru since 2016")
    out = []
    for caption in rnd.sample(captions, k=rnd.randint(3, 4)):
        value = round(_count(rnd, 6), -3)
        qualifier = rnd.choice(("lower_bound", "approx", ""))
        word = {"lower_bound": "Above ", "approx": "Some ", "": ""}[qualifier]
        w.gold.append(Gold("key_figure", value, "number", _fmt(value), f"{word}{_fmt(value)} {caption}", qualifier))
        out.append((f"{word}{_fmt(value)}", caption))
    return out


def _draw_keybox(flow: Flow, items: list[tuple[str, str]], x: float, top: float, width: float,
                 band: bool = False) -> float:
    """Draws the KEY FIGURES box; returns its height."""
    c = flow.c
    item_h = 36.0
    height = 26 + (item_h if band else item_h * len(items)) + 6
    c.setFillColor(BOX)
    c.rect(x, top - height, width, height, stroke=0, fill=1)
    c.setFillColor(BLUE)
    c.rect(x, top - 20, width, 20, stroke=0, fill=1)
    flow.text(x + 8, top - 14, "KEY FIGURES", 9, True, white)
    for i, (big, caption) in enumerate(items):
        if band:
            cw = width / len(items)
            ix, iy = x + 8 + i * cw, top - 26 - 14
            lines = flow.wrap(caption, 6.5, cw - 14)
        else:
            ix, iy = x + 8, top - 26 - 14 - i * item_h
            lines = flow.wrap(caption, 6.5, width - 16)
        flow.text(ix, iy, big, 13, True, BLUE)
        for k, line in enumerate(lines[:2]):
            flow.text(ix, iy - 9 - k * 7.5, line, 6.5)
    return height


def _grid(flow: Flow, w: Writer, rnd: random.Random, sectors: list[str], location: str) -> None:
    """2019 sector grid: a bullet and sector label, one or two numbers with captions under them."""
    st = flow.st
    cols = 2 if flow.width > 300 else 1
    cell_w = flow.width / cols
    items = []
    for sector in sectors:
        numbers = []
        for _ in range(rnd.choice((1, 1, 2))):
            value = _count(rnd, rnd.choice((3, 3, 4)))
            plus = rnd.random() < 0.15
            raw = _fmt(value) + ("+" if plus else "")
            noun = rnd.choice(SECTORS[sector][3])
            caption = _cap(f"{noun} distributed" if rnd.random() < 0.5 else f"persons reached with "
                           f"{rnd.choice(SECTORS[sector][2])}")
            w.gold.append(Gold("table", value, "number", raw, f"{raw} {caption}", "lower_bound" if plus else "",
                               sector, location))
            numbers.append((raw, caption))
        items.append((rnd.choice(SECTORS[sector][1]), numbers))
    rows = [items[i:i + cols] for i in range(0, len(items), cols)]
    row_h = 58.0 + (st.body - 8.5) * 3
    for row in rows:
        def draw(x, y, width, row=row):
            for k, (label, numbers) in enumerate(row):
                cx = x + k * cell_w
                flow.c.setFillColor(rnd.choice((BLUE, ORANGE)))
                flow.c.circle(cx + 4, y - 8, 3.5, stroke=0, fill=1)
                flow.text(cx + 12, y - 11, label, st.body + 0.5, True, BLUE)
                sub = (cell_w - 14) / max(len(numbers), 1)
                for j, (raw, caption) in enumerate(numbers):
                    nx = cx + 12 + j * sub
                    flow.text(nx, y - 30, raw, st.body * 1.8, True, ORANGE if j else BLUE)
                    for m, line in enumerate(flow.wrap(caption, 6.5, sub - 12)[:3]):
                        flow.text(nx, y - 39 - m * 7.5, line, 6.5, color=GREY)
        flow.block(row_h, draw)


def _people_table(flow: Flow, w: Writer, rnd: random.Random, sectors: list[str]) -> None:
    """2021 'PEOPLE REACHED*' table: sector columns, RMRP / NO RMRP rows ("-" where none)."""
    st = flow.st
    labels = [rnd.choice(SECTORS[s][1]) for s in sectors]
    rows = []
    for population in ("RMRP", "NO RMRP"):
        cells = []
        for sector in sectors:
            if rnd.random() < 0.12:
                cells.append("-")
                continue
            value = _count(rnd, rnd.choice((1, 3, 3, 4, 4, 5)))
            cells.append(_fmt(value))
            w.gold.append(Gold("table", value, "number", _fmt(value), f"{population} {_fmt(value)}", "", sector,
                               "", measure="people_reached", population=population))
        rows.append((population, cells))
    size = 7.0
    if st.transpose:  # sectors down the first column, populations across
        height = 40 + 12 * len(sectors)

        def draw(x, y, width):
            flow.text(x, y - 12, "PEOPLE REACHED*", 10, True, BLUE)
            flow.text(x + 140, y - 30, "RMRP", size, True, BLUE)
            flow.text(x + 210, y - 30, "NO RMRP", size, True, BLUE)
            for i, label in enumerate(labels):
                yy = y - 44 - i * 12
                flow.text(x, yy, label, size)
                for k, (_, cells) in enumerate(rows):
                    cell = cells[i]
                    flow.text(x + 160 + k * 70 - flow.string_width(cell, size), yy, cell, size)
        flow.block(height, draw)
        return
    width_needed = 50 + 46 * len(sectors)
    scale = min(1.0, (PAGE_W - 80) / width_needed)
    height = 70.0

    def draw(x, y, width):
        flow.text(x, y - 12, "PEOPLE REACHED*", 10, True, BLUE)
        col = 46 * scale
        for j, label in enumerate(labels):
            cx = x + 50 * scale + j * col + col / 2
            parts = flow.wrap(label, 6.2, col - 4, True)
            for k, part in enumerate(parts[:2]):
                flow.text(cx - flow.string_width(part, 6.2, True) / 2, y - 28 - k * 7.5 + 7.5 * (len(parts) > 1),
                          part, 6.2, True, BLUE)
        for i, (population, cells) in enumerate(rows):
            yy = y - 46 - i * 13
            flow.text(x, yy, population, size, True, BLUE)
            for j, cell in enumerate(cells):
                cx = x + 50 * scale + j * col + col / 2
                flow.text(cx - flow.string_width(cell, size) / 2, yy, cell, size)
    flow.full_block(height, draw)


def _funding(w: Writer, rnd: random.Random, sectors: list[str], year: int) -> str:
    total = rnd.randint(800, 1900) / 10
    w.gold.append(Gold("prose", round(total * 1e6), "usd", f"USD {total:g} million",
                       f"funding of USD {total:g} million", period=str(year + 1)))
    parts = []
    for sector in rnd.sample(sectors, k=min(3, len(sectors))):
        amount = rnd.randint(10, 300) / 10
        w.gold.append(Gold("prose", round(amount * 1e6), "usd", f"USD {amount:g} million",
                           f"(USD {amount:g} million)", "", sector, period=str(year + 1)))
        parts.append(f"{SECTORS[sector][0][0]} (USD {amount:g} million)")
    return (f"The Refugee and Migrant Response Plan (RMRP) {year + 1} for Peru was presented with an overall funding "
            f"of USD {total:g} million. The largest requirements are for {', '.join(parts[:-1])} and {parts[-1]}.")


def _sector_section(flow: Flow, w: Writer, rnd: random.Random, sector: str, number: int, family: str) -> None:
    st = flow.st
    flow.heading(rnd.choice(SECTORS[sector][0]), number)
    place = rnd.choice(st.places)
    # first paragraph: "In <place>, ..." sets the section's place for what follows
    w.gold, start = w.gold, len(w.gold)
    opener = f"In {place}, partners continued their response to refugees and migrants. "
    text = opener + " ".join(w.people_sentence(sector, location=place) for _ in range(rnd.randint(1, 2)))
    flow.paragraph(text)
    if family == "gtrm2019" and rnd.random() < 0.8:
        grid_sectors = [sector] + rnd.sample([s for s in st.sectors if s != sector], k=rnd.randint(0, 2))
        _grid(flow, w, rnd, grid_sectors, place)
    # a paragraph whose figures name their own places
    other = [p for p in st.places if p != place]
    sentences = [w.people_sentence(sector, place=rnd.choice(other)) for _ in range(rnd.randint(1, 2))]
    flow.paragraph(" ".join(sentences))
    if rnd.random() < 0.6:
        second = rnd.choice(other)
        text = f"In {second}, " + _lower_first(w.people_sentence(sector, location=second))
        flow.paragraph(text)
    del start


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    return text if len(first) > 1 and first.isupper() else text[:1].lower() + text[1:]


def _intro(w: Writer, rnd: random.Random, month: str, place: str) -> list[str]:
    a = w.qualified(_count(rnd, 6), allow_words=False)
    b = w.qualified(_count(rnd, 2), unit="percent", allow_words=False)
    w.gold[-1].location = "Lima"
    c = w.qualified(_count(rnd, 5), allow_words=False)
    return [
        f"There are currently {a} Venezuelan nationals in the country, with {b} living in Lima. "
        f"Nevertheless, increasing numbers are being reported in other regions of the country.",
        f"As of the end of {month}, {c} Venezuelan nationals have received a Temporary Stay Permit (PTP in "
        f"Spanish), and the procedures of many others are pending.",
    ]


def gtrm(family: str, kind: str, seed: int) -> PdfVariant:
    rnd = random.Random(f"{family}-{kind}-{seed}")
    st = style_for(kind, rnd, family)
    if kind in ("months", "mixed"):
        year, month_no = rnd.randint(2019, 2024), rnd.randint(1, 12)
    else:
        year, month_no = (2019, 10) if family == "gtrm2019" else (2021, 2)
    month = calendar.month_name[month_no]
    w = Writer(rnd)
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(PAGE_W, PAGE_H), invariant=1)
    canvas.setTitle(f"Peru Situation Report {month} {year}")
    running = f"PERU - Situation Report - {month} {year}"
    footer = "GTRM Peru | R4V" if family == "gtrm2019" else \
        "R4V - Inter-Agency Coordination Platform for Refugees and Migrants from Venezuela"
    flow = Flow(canvas, st, running, footer)
    _masthead(flow, family, month, year)
    top = PAGE_H - 100
    sectors = list(st.sectors)

    keys = _key_figures(w, rnd) if family == "gtrm2019" else []
    intro = _intro(w, rnd, month, st.places[0])
    if keys and st.keybox in ("right", "left"):
        box_w = 185.0
        box_x = PAGE_W - 40 - box_w if st.keybox == "right" else 40.0
        height = _draw_keybox(flow, keys, box_x, top, box_w)
        text_x = 40.0 if st.keybox == "right" else 40 + box_w + 16
        frames = [(text_x, PAGE_W - 80 - box_w - 16, top, top - height)]
        flow.set_frames(frames + flow.body_frames(top - height - 14))
        for para in intro:
            flow.paragraph(para)
        if flow.frames and flow.frames[0] == frames[0]:
            flow.next_frame()
    else:
        if keys and st.keybox == "band":
            height = _draw_keybox(flow, keys, 40, top, PAGE_W - 80, band=True)
            top -= height + 14
        flow.set_frames(flow.body_frames(top))
        if family == "gtrm2021":
            flow.heading("Situation", 0) if st.heading == "spaced" else flow.heading("Situation", 0)
        for para in intro:
            flow.paragraph(para)
    if family == "gtrm2021" and st.table_at == "start":
        _people_table(flow, w, rnd, sectors)
    # sector sections
    half = len(sectors) // 2
    for i, sector in enumerate(sectors, start=1):
        if family == "gtrm2021" and st.table_at == "middle" and i == half:
            _people_table(flow, w, rnd, sectors)
        _sector_section(flow, w, rnd, sector, i, family)
    flow.heading("Coordination", len(sectors) + 1)
    flow.paragraph(_funding(w, rnd, sectors, year))
    if family == "gtrm2021" and st.table_at == "end":
        _people_table(flow, w, rnd, sectors)
    if keys and st.keybox == "end":
        flow.need(200)
        height = _draw_keybox(flow, keys, flow.x, flow.y, min(flow.width, 260))
        flow.y -= height
    flow.finish_page()
    canvas.showPage()
    canvas.save()
    return PdfVariant(family, kind, seed, buf.getvalue(), w.gold, flow.printed)


# ---------------------------------------------------------------- UNHCR annual results reports

# (number, name, short name in the finance table, sector the name is a spelling of in VOCABULARY.md or "")
IMPACT_AREAS = ((1, "Attaining Favorable Protection Environments", "Protect"),
                (2, "Realizing Rights in Safe Environments", "Assist"),
                (3, "Empowering Communities and Achieving Gender Equality", "Empower"),
                (4, "Securing Solutions", "Solve"))
OUTCOME_AREAS = ((1, "Access to Territory, Registration and Documentation", "Access/Doc", ""),
                 (2, "Status Determination", "Status", ""),
                 (4, "Gender-based Violence", "GBV", "Gender-Based Violence"),
                 (5, "Child Protection", "Children", "Child Protection"),
                 (7, "Community Engagement and Women's Empowerment", "Community", ""),
                 (8, "Well-Being and Basic Needs", "Well-being", ""),
                 (11, "Education", "Education", "Education"),
                 (13, "Self Reliance, Economic Inclusion and Livelihoods", "Livelihood", ""),
                 (15, "Resettlement and Complementary Pathways", "Resettle", ""))
SAMPLE_OUTCOMES = (1, 2, 4, 5, 7, 8, 13, 15)
INDICATORS = ("Proportion of {p} who have access to effective remedies",
              "Proportion of {p} with legally recognized identity documents or credentials",
              "Number of {p} who departed on resettlement",
              "Proportion of {p} who know where to access available services",
              "Proportion of children enrolled in primary education",
              "Proportion of {p} reporting positive changes in their income compared to the previous year")
ARR_POPULATIONS = ("Refugees and Asylum-seekers", "Others of concern", "Stateless persons")


def _arr_table(flow: Flow, w: Writer, rnd: random.Random, code: int, sector: str, year: int,
               with_target: bool) -> None:
    """An indicator table: Indicators | Population Type | Strategy Baseline | [Target (year)] | Actual (year),
    ruled, the header on a blue band, long texts wrapped in their cells."""
    st = flow.st
    heads = ["Indicators", "Population Type", "Strategy Baseline"] + ([f"Target ({year})"] if with_target else []) \
        + [f"Actual ({year})"]
    measures = ["baseline"] + (["target"] if with_target else []) + ["actual"]
    widths = [0.42, 0.2] + [0.38 / (len(heads) - 2)] * (len(heads) - 2)
    rows = []
    for k in range(rnd.randint(1, 3)):
        indicator = f"{code}.{k + 1}" + (rnd.choice(("", "", "a")))
        population = rnd.choice(ARR_POPULATIONS)
        text = rnd.choice(INDICATORS).format(p=population.lower())
        percent = not text.startswith("Number")
        cells = []
        for measure in measures:
            if percent:
                value = round(rnd.uniform(0, 100), 2)
                raw = f"{value:.2f}%"
            else:
                value = rnd.randint(0, 3000)
                raw = _fmt(value)
            cells.append(raw)
            w.gold.append(Gold("table", value, "percent" if percent else "number", raw, f"{population} {raw}", "",
                               sector, "", indicator, measure, population, "" if measure == "baseline" else str(year)))
        rows.append((f"{indicator} {text}", population, cells))
    size = st.body - 1

    def cell_lines(text: str, width: float, bold: bool = False) -> list[str]:
        return flow.wrap(text, size, width - 8, bold)

    full = flow.width
    head_h = 2 + 11 * max(len(cell_lines(h, full * wd, True)) for h, wd in zip(heads, widths, strict=True))
    row_hs = [4 + 11 * max(len(cell_lines(r[0], full * widths[0])), len(cell_lines(r[1], full * widths[1])))
              for r in rows]
    height = head_h + sum(row_hs)

    def draw(x, y, width):
        c = flow.c
        xs = _header_band(flow, x, y, width, widths, heads, head_h, size, (10, 11), cell_lines)
        top = y - head_h
        c.setStrokeColor(GREY)
        c.setLineWidth(0.4)
        for (label, population, cells), rh in zip(rows, row_hs, strict=True):
            texts = [label, population, *cells]
            for j, text in enumerate(texts):
                for m, part in enumerate(cell_lines(text, xs[j + 1] - xs[j])):
                    flow.text(xs[j] + 4, top - 10 - 11 * m, part, size)
            c.line(x, top - rh, x + width, top - rh)
            top -= rh
        for xx in xs:
            c.line(xx, y - head_h, xx, y - height)
        c.line(x, y - height, x + width, y - height)
    flow.block(height + 4, draw)


def _header_band(flow: Flow, x: float, y: float, width: float, widths, heads, head_h: float, size: float,
                 place: tuple[float, float], lines) -> list[float]:
    """A results-report table's blue header band with its wrapped white headings (`place`: first baseline
    below the top, line step); returns the column edges."""
    xs = [x]
    for wd in widths:
        xs.append(xs[-1] + width * wd)
    flow.c.setFillColor(BLUE)
    flow.c.rect(x, y - head_h, width, head_h, stroke=0, fill=1)
    for j, head in enumerate(heads):
        for m, part in enumerate(lines(head, xs[j + 1] - xs[j], True)):
            flow.text(xs[j] + 4, y - place[0] - place[1] * m, part, size, True, white)
    return xs


def _arr_narrative(flow: Flow, w: Writer, rnd: random.Random, sector: str) -> None:
    st = flow.st
    for _ in range(rnd.randint(1, 2)):
        place = rnd.choice(st.places)
        a = w.qualified(_count(rnd), sector=sector, location=place)
        b = w.qualified(_count(rnd), sector=sector)
        flow.paragraph(f"UNHCR and partners provided legal orientation to {a} people in {place}. In addition, "
                       f"{b} people received individual counselling through the operation's helplines and "
                       f"community networks.")
    n = w.qualified(_count(rnd, 2), sector=sector, allow_words=False)
    flow.paragraph(f"The operation worked with {n} community-based organizations to reach people with specific "
                   f"needs and to strengthen referral pathways.")


def _arr_heading(flow: Flow, rnd: random.Random, number: int, kind: str, name: str) -> None:
    """'4. Outcome Area: Gender-based Violence' in the layout's heading style."""
    st = flow.st
    text = f"{number}. {kind} Area: {name}"
    if st.heading == "caps":
        text = text.upper()
    elif st.heading == "numbered":
        text = f"{number} {kind} Area: {name}"
    size = {"large": st.body * 1.6, "bold": st.body}.get(st.heading, st.body + 2)
    flow.need(size * 2.5 + 60)
    for line in flow.wrap(text, size, flow.width, st.heading != "large"):
        flow.y -= size * 1.3
        flow.text(flow.x, flow.y, line, size, st.heading != "large", HexColor("#222222"))
    flow.y -= 3
    flow.paragraph(f"By {rnd.randint(2025, 2027)}, people UNHCR serves have improved access to services and "
                   f"protection according to their needs.", size=st.body, color=GREY)


def _finance(flow: Flow, w: Writer, rnd: random.Random, rows: list[tuple[str, str]], label: str) -> None:
    """'Financial Data' table: Final Budget, Funds Available, its %, Expenditure, its %; a Total row."""
    st = flow.st
    heads = [label, "Final Budget", "Funds Available", "Funds Available as % of Budget", "Expenditure",
             "Expenditure as % of Funds Available"]
    widths = [0.2, 0.15, 0.15, 0.17, 0.15, 0.18]
    printed = []
    totals = [0, 0, 0]
    for code, sector in rows:
        budget = rnd.randint(1_000_000, 30_000_000)
        funds = rnd.randint(budget // 10, budget // 2)
        spent = rnd.randint(funds // 2, funds)
        totals = [totals[0] + budget, totals[1] + funds, totals[2] + spent]
        printed.append((code, sector, budget, funds, spent))
    printed.append(("Total", "", *totals))
    body = []
    for code, sector, budget, funds, spent in printed:
        pct_f, pct_e = round(100 * funds / budget, 2), round(100 * spent / funds, 2)
        cells = [_fmt(budget), _fmt(funds), f"{pct_f:.2f}%", _fmt(spent), f"{pct_e:.2f}%"]
        indicator = code.split(":")[0]
        for raw, value, unit, measure in zip(cells, (budget, funds, pct_f, spent, pct_e),
                                             ("usd", "usd", "percent", "usd", "percent"),
                                             ("budget", "funds_available", "funds_available_pct", "expenditure",
                                              "expenditure_pct"), strict=True):
            w.gold.append(Gold("table", value, unit, raw, f"{code} {raw}", "", sector, "", indicator, measure))
        body.append([code, *cells])
    size = st.body - 1.5
    head_h, row_h = 30.0, 13.0
    height = head_h + row_h * len(body)

    def draw(x, y, width):
        c = flow.c
        xs = _header_band(flow, x, y, width, widths, heads, head_h, size, (9, 8.5),
                          lambda text, w, bold: flow.wrap(text, size, w - 8, bold)[:3])
        c.setStrokeColor(GREY)
        c.setLineWidth(0.4)
        for i, cells in enumerate(body):
            yy = y - head_h - row_h * (i + 1)
            for j, text in enumerate(cells):
                bold = cells[0] == "Total"
                if j == 0:
                    flow.text(xs[0] + 4, yy + 4, text, size, bold)
                else:
                    flow.text(xs[j + 1] - 4 - flow.string_width(text, size, bold), yy + 4, text, size, bold)
            c.line(x, yy, x + width, yy)
        for xx in xs:
            c.line(xx, y - head_h, xx, y - height)
    flow.block(height + 6, draw)


def arr(kind: str, seed: int) -> PdfVariant:
    family = "unhcr_arr"
    rnd = random.Random(f"{family}-{kind}-{seed}")
    st = style_for(kind, rnd, family)
    st.columns = 1  # the results report is set in one column; "columns" moves blocks instead
    year = rnd.randint(2022, 2025) if kind in ("months", "mixed") else 2023
    outcomes = [a for a in OUTCOME_AREAS if a[0] in SAMPLE_OUTCOMES]
    if kind in ("sectors", "mixed"):
        outcomes = [a for a in OUTCOME_AREAS if rnd.random() > 0.3] or list(OUTCOME_AREAS[:3])
        rnd.shuffle(outcomes)
        outcomes.sort(key=lambda a: a[0]) if rnd.random() < 0.5 else None
    with_target = not (kind in ("columns", "mixed") and rnd.random() < 0.5)
    narrative_first = kind in ("columns", "mixed") and rnd.random() < 0.5
    w = Writer(rnd)
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(PAGE_W, PAGE_H), invariant=1)
    canvas.setTitle(f"Annual Results Report {year} Peru")
    flow = Flow(canvas, st, f"Annual Results Report | {year} | Peru", f"UNHCR / May 31,{year + 1}")
    canvas.setFillColor(BLUE)
    canvas.rect(0, PAGE_H - 140, PAGE_W, 140, stroke=0, fill=1)
    flow.text(40, PAGE_H - 60, "Peru", 26, True, white)
    flow.text(40, PAGE_H - 88, f"ANNUAL RESULTS REPORT {year}", 14, True, white)
    flow.text(40, PAGE_H - 108, "UNHCR, the UN Refugee Agency", 9, False, white)
    flow.set_frames(flow.body_frames(PAGE_H - 170))
    flow.heading("Section 2: Results", 0) if False else flow.paragraph("Section 2: Results", size=st.body * 1.8,
                                                                         bold=True, color=BLUE)
    for number, name, _ in IMPACT_AREAS[: rnd.randint(2, 4)]:
        _arr_heading(flow, rnd, number, "Impact", name)
        _arr_table(flow, w, rnd, number, "", year, False)
        _arr_narrative(flow, w, rnd, "")
    for number, name, _, sector in outcomes:
        _arr_heading(flow, rnd, number, "Outcome", name)
        if narrative_first:
            _arr_narrative(flow, w, rnd, sector)
        _arr_table(flow, w, rnd, number, sector, year, with_target)
        if not narrative_first:
            _arr_narrative(flow, w, rnd, sector)
    flow.paragraph("3.1 Financial Data", size=st.body * 1.5, bold=True, color=BLUE)
    flow.paragraph("(Financial figures in USD)", size=st.body)
    _finance(flow, w, rnd, [(f"IA{n}: {short}", "") for n, _, short in IMPACT_AREAS], "Impact Area")
    _finance(flow, w, rnd, [(f"OA{n}: {short}", sector) for n, _, short, sector in outcomes], "Outcome Area")
    flow.finish_page()
    canvas.showPage()
    canvas.save()
    return PdfVariant(family, kind, seed, buf.getvalue(), w.gold, flow.printed)


def variant(family: str, kind: str, seed: int = 0) -> PdfVariant:
    if family in ("gtrm2019", "gtrm2021"):
        return gtrm(family, kind, seed)
    if family == "unhcr_arr":
        return arr(kind, seed)
    raise ValueError(f"unknown family {family!r}")


def variants(families=("gtrm2019", "gtrm2021"), kinds=KINDS, seeds=range(3)) -> list[PdfVariant]:
    return [variant(f, k, s) for f in families for k in kinds for s in seeds]


# ---------------------------------------------------------------- scoring


def _score_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gold_score", Path(__file__).resolve().parent / "data" / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def printed_values(v: PdfVariant) -> list[float]:
    """Every value the variant prints: its number tokens, number words and gold values."""
    out = [g.value for g in v.gold] + list(WORDS)
    for token in v.printed_numbers:
        try:
            out.append(float(token.replace(",", "").rstrip(".")))
        except ValueError:
            continue
    return out


def score(v: PdfVariant, figures: list[dict]) -> dict:
    """Recall, precision, wrong values and sector/location agreement of extracted figures (Figure.as_row()
    dicts) against the variant's gold, with the matching rules of tests/data/score.py."""
    sc = _score_module()
    gold = v.gold_rows()
    facts = [f | {"source_file": v.name} for f in figures if f.get("value") is not None]
    pairs, misses, used = sc.match(gold, facts)
    printed = printed_values(v)
    scaled = printed + [p * 1e6 for p in printed]
    wrong = [f for f in facts if not any(sc.same_value(f["value"], p) for p in scaled)]
    out = {"gold": len(gold), "found": len(pairs), "extracted": len(facts), "wrong": wrong, "misses": misses,
           "pairs": pairs, "unmatched": [f for i, f in enumerate(facts) if i not in used]}
    for dim in ("sector", "location", "measure"):
        named = [(g, f) for g, f in pairs if g.get(dim)]
        out[dim] = (sum(sc.norm(g[dim]) == sc.norm(f.get(dim)) for g, f in named), len(named))
    return out
