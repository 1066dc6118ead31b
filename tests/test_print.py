"""Web pages printed to PDF by headless Chromium ("Save as PDF", how many R4V reports circulate) must give the
page's own figures: the PDF line reader keeps every character of a number whatever the producer's glyph boxes
(Chromium writes one text object per glyph), a family claims the printed page only on its structure, and a
family reading the text layer does not confirm falls back to the generic path with a warning.

The PDFs are printed here (session fixture) from sitrep/samples/*.html and from small pages of our own; the
tests skip only when Chromium is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from extractors import extract_report
from extractors.pdf_text import read_pdf

from .conftest import SAMPLES

SPANISH = Path(__file__).parent / "data" / "spanish"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
PAGES = sorted(p.name for p in SAMPLES.glob("*.html"))
SPANISH_PAGES = sorted(p.name for p in SPANISH.glob("*.html"))
SOURCES = {**{name: SAMPLES / name for name in PAGES}, **{name: SPANISH / name for name in SPANISH_PAGES}}


def print_to_pdf(page: Path, pdf: Path) -> Path:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.resolve().as_uri()],
                   check=True, timeout=180, capture_output=True)
    assert pdf.stat().st_size > 0
    return pdf


@pytest.fixture(scope="session")
def printed(tmp_path_factory) -> dict[str, Path]:
    """Each sample web page and each Spanish page of tests/data/spanish printed to PDF."""
    out = tmp_path_factory.mktemp("printed")
    return {name: print_to_pdf(page, out / (Path(name).stem + ".pdf")) for name, page in SOURCES.items()}


@pytest.fixture(scope="session")
def readings(printed) -> dict[str, tuple]:
    """(the page's reading, the printed PDF's reading) per sample page, each extracted once."""
    return {name: (extract_report(SOURCES[name].read_bytes(), name),
                   extract_report(pdf.read_bytes(), pdf.name)) for name, pdf in printed.items()}


def _values(figures, *, printed_only: bool = False) -> Counter:
    # chart data sit in the page's script (a browser draws them, it prints no text): not printed figures
    return Counter((round(f.value, 6), f.unit) for f in figures
                   if f.value is not None and not (printed_only and f.kind == "chart_data"))


@pytest.mark.parametrize("name", [*PAGES, *SPANISH_PAGES])
def test_printed_page_yields_the_pages_own_figures(readings, name):
    page, pdf = readings[name]
    want, got = _values(page.figures, printed_only=True), _values(pdf.figures)
    shared = sum((want & got).values())
    assert shared / sum(want.values()) >= 0.95, f"missing from the PDF: {want - got}"
    # no figure with a value the page does not print (same value and unit)
    assert not (got - _values(page.figures)), f"only in the PDF: {got - _values(page.figures)}"


def test_printed_key_figures_keep_their_decimal_point(readings):
    _, pdf = readings["r4v-peru-sitrep-2023-09.html"]
    found = {(f.raw, f.value, f.unit) for f in pdf.figures}
    assert ("1.54M", 1_540_000.0, "number") in found
    assert ("$44.8M", 44_800_000.0, "usd") in found
    assert not {v for _, v, _ in found} & {154_000_000.0, 448_000_000.0}


def test_printed_sector_table_is_read_by_column(readings):
    page, pdf = readings["r4v-peru-sitrep-2023-09.html"]
    want = {f.value: f.sector for f in page.figures if f.kind == "table"}
    got = {f.value: f.sector for f in pdf.figures if f.kind == "table"}
    assert len(got) >= len(want) - 1  # the last column is cut off at the printed page's right edge
    assert {v: want.get(v) for v in got} == got
    assert min(got) >= 10  # no one-digit "cells" made of words ("Education 2 t")


def test_printed_spanish_table_keeps_signs_currency_and_sectors(readings):
    """A borderless table under 'Todas las cifras están expresadas en dólares estadounidenses (USD)' whose row
    label column camelot joins with the first number ('Protección 250.000'): each number is a cell of its row,
    in USD, with the sector its Spanish row label names; '(1.541)' and '−2.300' are negative, and no number of
    the table comes out as a unit-less or positive prose figure beside its cell."""
    _, pdf = readings["ecuador-informe-situacion-2024-09.html"]
    cells = {(f.value, f.unit, f.sector) for f in pdf.figures if f.kind == "table"}
    assert cells == {(250000.0, "usd", "Protection"), (231459.0, "usd", "Protection"), (18541.0, "usd", "Protection"),
                     (180000.0, "usd", "Health"), (181541.0, "usd", "Health"), (-1541.0, "usd", "Health"),
                     (95500.0, "usd", "Shelter"), (97800.0, "usd", "Shelter"), (-2300.0, "usd", "Shelter")}
    table_numbers = {abs(v) for v, _, _ in cells}
    assert not [(f.raw, f.value) for f in pdf.figures if f.kind != "table" and abs(f.value or 0) in table_numbers]


def test_line_reader_loses_no_character(printed):
    """Every character of pdfium's text layer is in exactly one line (whitespace and line-end hyphen marks
    aside), on the sample PDFs and on the printed pages."""
    for pdf in [*sorted(SAMPLES.glob("*.pdf")), *printed.values()]:
        for page in read_pdf(pdf.read_bytes()):
            lines = Counter("".join(ln.text for ln in page.lines).replace(" ", ""))
            layer = Counter("".join(page.text.replace("\ufffe", "-").replace("\x02", "-").split()))
            assert lines == layer, (pdf.name, page.number, lines - layer, layer - lines)


def test_printed_lines_are_whole_lines_not_glyphs(printed):
    pages = read_pdf(printed["r4v-peru-sitrep-2023-09.html"].read_bytes())
    texts = [ln.text for ln in pages[0].lines]
    assert "Peru: Situation Report - September 2023" in texts
    assert "FUNDED: $44.8M" in texts
    assert sum(len(t) == 1 for t in texts) <= 2


# ------------------------------------------------------------- structure and fallback, on pages of our own

_HEAD = """<!doctype html><html><head><meta charset="utf-8"><title>Peru: Situation Report - March 2024</title>
<style>body{font-family:sans-serif;margin:40px} .row{display:flex} .row div{width:140px}</style></head><body>
<h1>GTRM Peru Situation Report - March 2024</h1>
<p>Grupo de Trabajo para Refugiados y Migrantes (GTRM) / R4V platform.</p>"""
_PROSE = """<p>In March, partners reached some 4,100 refugees and migrants with food assistance in Lima and
provided 2,350 health consultations in Tumbes.</p>"""


def _print_page(tmp_path: Path, body: str) -> Path:
    page = tmp_path / "page.html"
    page.write_text(_HEAD + body + "</body></html>", encoding="utf-8")
    return print_to_pdf(page, tmp_path / "page.pdf")


@pytest.mark.parametrize("title", ["", "<h2>UNHCR Annual Results Report 2024</h2>"])
def test_title_words_alone_do_not_claim_a_family(tmp_path, title):
    pdf = _print_page(tmp_path, title + _PROSE)
    result = extract_report(pdf.read_bytes(), pdf.name)
    assert result.family == "generic"
    assert result.warnings[0].startswith("no known report family recognised")
    assert {f.value for f in result.figures} >= {4100.0, 2350.0}


def test_a_table_whose_columns_do_not_line_up_falls_back_to_the_generic_path(tmp_path):
    # sector names over a row of numbers printed half a column to the right of them: no reading can say
    # which number belongs to which sector
    headers = "".join(f"<div>{s}</div>" for s in ("Education", "Health", "Shelter", "WASH"))
    numbers = "".join(f"<div>{n}</div>" for n in ("1,250", "3,400", "5,600", "7,800"))
    body = (f"<h2>Education</h2>{_PROSE}<h2>Health</h2><p>Text.</p><h2>Shelter</h2><p>Text.</p>"
            f"<h3>People reached</h3><div class='row'>{headers}</div>"
            f"<div class='row' style='margin-left:80px'>{numbers}</div>")
    pdf = _print_page(tmp_path, body)
    result = extract_report(pdf.read_bytes(), pdf.name)
    assert result.family == "generic"
    assert "gtrm_sitrep reader could not confirm its reading" in result.warnings[0]
    assert "used the generic extractor" in result.warnings[0]
    assert {1250.0, 3400.0, 5600.0, 7800.0, 4100.0} <= {f.value for f in result.figures}
    assert all(f.sector is None for f in result.figures if f.value in (1250.0, 3400.0))


def test_a_table_whose_columns_line_up_is_read_by_the_family(tmp_path):
    headers = "".join(f"<div>{s}</div>" for s in ("Education", "Health", "Shelter", "WASH"))
    numbers = "".join(f"<div>{n}</div>" for n in ("1,250", "3,400", "5,600", "7,800"))
    body = (f"<h2>Education</h2>{_PROSE}<h2>Health</h2><p>Text.</p><h2>Shelter</h2><p>Text.</p>"
            f"<h3>People reached</h3><div class='row'>{headers}</div><div class='row'>{numbers}</div>")
    pdf = _print_page(tmp_path, body)
    result = extract_report(pdf.read_bytes(), pdf.name)
    assert result.family == "gtrm_sitrep"
    table = {f.value: f.sector for f in result.figures if f.kind == "table"}
    assert table == {1250.0: "Education", 3400.0: "Health", 5600.0: "Shelter", 7800.0: "WASH"}
