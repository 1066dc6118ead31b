"""GTRM Peru situation report family: detection, period, tables, sector grid, key figures, score,
and synthetic variations (reordered / transposed tables, a table continued on the next page)."""

from __future__ import annotations

import ctypes
import importlib.util
import io
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from extractors import extract_report
from extractors.document import Document
from extractors.families import gtrm_sitrep
from extractors.layout import reading_order, repair_letter_spacing
from extractors.pdf_text import Line

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sitrep" / "samples"
G2019 = "gtrm-peru-sitrep-2019-10.pdf"
G2021 = "gtrm-peru-sitrep-2021-02.pdf"

spec = importlib.util.spec_from_file_location("score", ROOT / "tests" / "data" / "score.py")
score = importlib.util.module_from_spec(spec)
spec.loader.exec_module(score)



@pytest.fixture(scope="module")
def r2019():
    return extract_report((SAMPLES / G2019).read_bytes(), G2019)


@pytest.fixture(scope="module")
def r2021():
    return extract_report((SAMPLES / G2021).read_bytes(), G2021)


@pytest.mark.parametrize("name,expected", [
    (G2019, True),
    (G2021, True),
    ("unhcr-arr-peru-2023.pdf", False),
    ("r4v-peru-sitrep-2023-09.html", False),
    ("unhcr-global-focus-peru-2020.html", False),
])
def test_detect(name, expected):
    assert gtrm_sitrep.detect(Document(name, (SAMPLES / name).read_bytes())) is expected


def test_family_and_period(r2019, r2021):
    assert (r2019.family, r2019.report_period) == ("gtrm_sitrep", "2019-10")
    assert (r2021.family, r2021.report_period) == ("gtrm_sitrep", "2021-02")


def test_people_reached_table(r2021):
    cells = {(f.sector, f.population): f.value for f in r2021.figures if f.kind == "table"}
    assert cells[("Education", "RMRP")] == 355
    assert cells[("Food Security", "RMRP")] == 24435
    assert cells[("Humanitarian Transportation", "RMRP")] == 9
    assert cells[("Multipurpose Cash-Based Interventions", "NO RMRP")] == 6515
    assert cells[("Nutrition", "NO RMRP")] == 543
    assert len(cells) == 17
    # "-" is a missing value: never emitted, never 0
    assert ("Nutrition", "RMRP") not in cells and ("Education", "NO RMRP") not in cells
    assert all(f.value != 0 for f in r2021.figures if f.kind == "table")
    assert {f.measure for f in r2021.figures if f.kind == "table"} == {"people_reached"}


def test_partner_list_and_footer_yield_nothing(r2021):
    assert not [f for f in r2021.figures if f.kind != "table" and ("|" in f.evidence or "Inter-Agency" in f.evidence)]


def test_table_cell_evidence_names_its_row_and_column(r2021, r2019):
    """A cell's evidence is what its table says it is (the sector's column, the row, the printed cell),
    not the numbers printed beside it ('RMRP 355 24,435 2,016')."""
    cells = {(f.sector, f.population): f.evidence for f in r2021.figures if f.kind == "table"}
    assert cells[("Protection", "RMRP")] == "Protection | RMRP | 4,777"
    assert cells[("Food Security", "RMRP")] == "Food Security | RMRP | 24,435"
    assert cells[("Multipurpose Cash-Based Interventions", "NO RMRP")] == "CBI | NO RMRP | 6,515"
    grid = {f.value: f.evidence for f in r2019.figures if f.kind == "table" and f.sector == "Non-Food Items"}
    assert grid[10900] == "NFI | Kits (including Hygiene) | 10,900"


def test_workshops_are_not_people_reached(r2019):
    """'around 50 officials ... received two workshops': the 50 are people reached, the two are workshops."""
    sentence = [f for f in r2019.figures if "received two workshops" in f.evidence]
    assert {f.value: f.metric for f in sentence} == {50: "people_reached", 2: None}
    families = [f for f in r2019.figures if "70 families with children" in f.evidence and f.value == 70]
    assert families and families[0].metric is None  # families are not people


def test_2019_sector_grid(r2019):
    grid = [f for f in r2019.figures if f.kind == "table"]
    food = [f for f in grid if f.value == 8200]
    assert food and food[0].sector == "Food Security" and food[0].location == "Tumbes"
    water = [f for f in grid if f.value == 2000]
    assert water and water[0].sector == "WASH" and water[0].qualifier == "lower_bound"
    transport = {f.value for f in grid if f.sector == "Humanitarian Transportation"}
    assert transport == {300, 3000}
    beds = [f for f in grid if f.value == 4000]
    assert beds and beds[0].sector == "Shelter" and beds[0].location == "Tacna"
    assert len(grid) == 16


def test_2019_sections_and_places(r2019):
    cities = {f.location: f.value for f in r2019.figures if "capital city of Lima" in f.evidence
              or "present in Tacna" in f.evidence}
    assert cities.get("Lima") == 31 and cities.get("Yunguyo") == 1
    protection = [f for f in r2019.figures if "Police officers from the Family" in f.evidence]
    assert protection and all(f.sector == "Protection" and f.location == "Tumbes" for f in protection)
    boxed = [f for f in r2019.figures if f.evidence.startswith("Socio-economic and cultural inclusion")]
    assert boxed and boxed[0].sector == "Integration" and boxed[0].location is None
    # no footnote marker, page number or URL digits
    assert not [f for f in r2019.figures if "http" in f.evidence or "retrieved online" in f.evidence]


def test_key_figures(r2019):
    keys = [f for f in r2019.figures if f.kind == "key_figure"]
    assert {f.value for f in keys} >= {864000, 377000, 480000, 1520000}
    above = next(f for f in keys if f.value == 864000)
    assert "Venezuelans living in Peru" in above.evidence
    assert above.qualifier == "lower_bound"


def _score(result, name):
    gold = [g for g in score.load_gold(ROOT / "tests" / "data" / "gold_facts.csv")
            if g["source_file"] == name]
    facts = [f.as_row() | {"source_file": name} for f in result.figures if f.value is not None]
    pairs, _, used = score.match(gold, facts)
    return len(pairs) / len(gold), len(used) / len(facts), pairs


@pytest.mark.parametrize("name,fixture", [(G2019, "r2019"), (G2021, "r2021")])
def test_score_against_gold(name, fixture, request):
    result = request.getfixturevalue(fixture)
    recall, precision, pairs = _score(result, name)
    assert recall >= 0.98 and precision >= 0.95
    for dim in ("sector", "location", "population", "measure"):
        named = [(g, f) for g, f in pairs if g.get(dim)]
        agree = sum(score.norm(g[dim]) == score.norm(f[dim]) for g, f in named)
        assert agree >= 0.9 * len(named), dim


# ---------------------------------------------------------------- synthetic variations

GRID = [
    ["PEOPLE REACHED", "", "", "", ""],
    ["", "Food", "", "Hum.", ""],
    ["", "", "WASH", "", "Protection"],
    ["", "Security", "", "Transp.", ""],
    ["RMRP", "24,435", "2,616", "9", "-"],
    ["NO RMRP", "290", "-", "", "2,069"],
]


def _cells(rows, carry=None):
    return {(gtrm_sitrep.canonical_sector(c.col_label) or gtrm_sitrep.canonical_sector(c.row_label),
             gtrm_sitrep.canonical_population(c.row_label) or gtrm_sitrep.canonical_population(c.col_label)):
            c.value for c in gtrm_sitrep.parse_grid(rows, carry)}


EXPECTED = {("Food Security", "RMRP"): 24435, ("WASH", "RMRP"): 2616,
            ("Humanitarian Transportation", "RMRP"): 9,
            ("Food Security", "NO RMRP"): 290, ("Protection", "NO RMRP"): 2069}


def test_parse_grid_any_column_order():
    assert _cells(GRID) == EXPECTED
    order = [0, 4, 2, 1, 3]
    shuffled = [[row[j] for j in order] for row in GRID]
    assert _cells(shuffled) == EXPECTED


def test_parse_grid_transposed():
    transposed = [list(col) for col in zip(*GRID, strict=True)]
    assert _cells(transposed) == EXPECTED


def test_parse_grid_continued_without_header():
    rest = [["RMRP", "1", "2", "3", "4"], ["NO RMRP", "5", "-", "7", "8"]]
    carry = ["", "Education", "Health", "Shelter", "Nutrition"]
    got = _cells(rest, carry)
    assert got[("Nutrition", "RMRP")] == 4 and got[("Education", "NO RMRP")] == 5
    assert ("Health", "NO RMRP") not in got


def test_letter_spacing_and_columns():
    assert repair_letter_spacing("Si t u a t i o n") == "Situation"
    assert repair_letter_spacing("Food Security") == "Food Security"
    left = [Line(f"left {i}", 30, 700 - 12 * i, 280, 708 - 12 * i) for i in range(5)]
    right = [Line(f"right {i}", 310, 700 - 12 * i, 560, 708 - 12 * i) for i in range(5)]
    full = [Line("full width heading line", 30, 730, 560, 740)]
    order = [ln.text for ln in reading_order(right + full + left)]
    columns = [f"left {i}" for i in range(5)] + [f"right {i}" for i in range(5)]
    assert order == ["full width heading line", *columns]


def _pdf(pages: list[list[tuple[float, float, str, float]]]) -> bytes:
    """A PDF with text at given positions (Helvetica), made with pdfium itself."""
    pdf = pdfium.PdfDocument.new()
    font = pdfium_c.FPDFText_LoadStandardFont(pdf.raw, b"Helvetica")
    for items in pages:
        page = pdf.new_page(595, 842)
        for x, y, text, size in items:
            obj = pdfium_c.FPDFPageObj_CreateTextObj(pdf.raw, font, size)
            buffer = ctypes.create_string_buffer((text + "\x00").encode("utf-16-le"))
            pdfium_c.FPDFText_SetText(obj, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)))
            pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
            pdfium_c.FPDFPage_InsertObject(page.raw, obj)
        pdfium_c.FPDFPage_GenerateContent(page.raw)
        page.close()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_synthetic_report_transposed_table_across_pages():
    """Another month: sectors down the side, RMRP columns, the table continued on page 2, and a
    sector grid under an 'In <city>' paragraph."""
    page1 = [(40, 800, "PERU - Situation Report - March 2022", 16), (40, 782, "GTRM Peru | R4V", 9),
             (40, 740, "In Piura, partners assisted refugees and migrants as follows:", 8),
             (50, 715, "Shelter", 7), (50, 695, "640", 11), (50, 684, "Persons hosted in shelters", 6),
             (40, 640, "PEOPLE REACHED", 9), (250, 620, "RMRP", 7), (350, 620, "NO RMRP", 7)]
    rows1 = [("WASH", "1,632", "2,616"), ("Health", "2,975", "-"), ("Food Security", "290", "24,435"),
             ("Integration", "2,305", "2,684")]
    rows2 = [("Protection", "2,069", "4,777"), ("Shelter", "133", "1,089"), ("Nutrition", "543", "-")]
    for i, (label, a, b) in enumerate(rows1):
        page1 += [(60, 600 - 16 * i, label, 7), (255, 600 - 16 * i, a, 7), (355, 600 - 16 * i, b, 7)]
    page2 = [(40, 800, "PERU - Situation Report - March 2022", 9)]
    for i, (label, a, b) in enumerate(rows2):
        page2 += [(60, 760 - 16 * i, label, 7), (255, 760 - 16 * i, a, 7), (355, 760 - 16 * i, b, 7)]
    page2 += [(40, 680, "Coordination", 14), (40, 660, "The GTRM met twice with its partners this month.", 8)]
    result = extract_report(_pdf([page1, page2]), "synthetic.pdf")
    assert result.family == "gtrm_sitrep" and result.report_period == "2022-03"
    table = {(f.sector, f.population): f.value for f in result.figures
             if f.kind == "table" and f.population}
    assert table[("WASH", "RMRP")] == 1632 and table[("Food Security", "NO RMRP")] == 24435
    assert table[("Protection", "RMRP")] == 2069 and table[("Shelter", "NO RMRP")] == 1089
    assert table[("Nutrition", "RMRP")] == 543 and ("Nutrition", "NO RMRP") not in table
    assert ("Health", "NO RMRP") not in table and len(table) == 12
    assert {f.measure for f in result.figures if f.population} == {"people_reached"}
    grid = [f for f in result.figures if f.kind == "table" and not f.population]
    assert [(f.value, f.sector, f.location) for f in grid] == [(640, "Shelter", "Piura")]
