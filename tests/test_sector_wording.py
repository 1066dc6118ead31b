"""Sector by content and heading scope (issue 12, item 5), and how each dimension was decided.

A prose figure under no sector heading gets the sector its own clause's activity words name
(vocabulary.toml [activities]); words of two sectors leave it NULL; a heading's sector ends at the next
heading of any kind. Every figure says how its dimensions were decided (Figure.dimensions_from).
"""

from __future__ import annotations

import io

import duckdb
import pytest

from extractors import extract_report
from extractors.decided import parse
from extractors.families.gtrm_sitrep import _is_heading
from extractors.html_blocks import content_root, prose_figures, sector_of
from extractors.layout import Paragraph
from extractors.pdf_text import Line
from extractors.prose import find_figures
from sitrep.artifacts import figures_frame
from tests.conftest import SAMPLES
from warehouse.load import fact_ids


def sectors(text: str, **kw) -> list[tuple[str, str | None]]:
    return [(f.raw, f.sector) for f in find_figures(text, **kw)]


# ------------------------------------------------------------------ sector from the figure's own wording


@pytest.mark.parametrize("text, expected", [
    ("Partners distributed some 2,700 hygiene kits to vulnerable families.", "WASH"),
    ("UNHCR and partners provided legal orientation to 31,848 people.", "Protection"),
    ("GTRM Partners distributed over 13,300 hot and cold meals.", "Food Security"),
    ("Some 130 students were enrolled in schools of Lima.", "Education"),
    ("Cerca de 6.200 kits de higiene entregados en Quito y Guayaquil.", "WASH"),
    ("Se brindó orientación legal a 2.318 personas.", "Protection"),
    ("Se entregaron alimentos a 1.500 familias.", "Food Security"),
    ("Se realizaron 25 mil consultas médicas.", "Health"),
])
def test_sector_from_the_figures_own_activity_words(text, expected):
    (fig,) = find_figures(text)
    assert (fig.sector, fig.dimensions_from and parse(fig.dimensions_from)["sector"]) == (expected, "wording")


@pytest.mark.parametrize("text", [
    "Over 21,300 received cash transfers to support food security.",  # cash and food: two sectors
    "Some 150 persons received USD 22,400 in CBI support to access health services.",
    "Twenty-nine partners delivered services such as drinking water, food, shelter and legal assistance.",
    "Unas 300 familias recibieron bonos para alimentos y kits de higiene.",
])
def test_two_sectors_words_leave_the_sector_null(text):
    assert all(sector is None for _, sector in sectors(text)), sectors(text)


def test_a_run_of_sector_names_is_a_header_row_not_an_activity():
    # a printed table that fell into prose: its header row names many sectors, one of them with activity words
    text = "Educación Seguridad Alimentaria Salud Integración Protección Alojamiento WASH 3.215"
    assert sectors(text) == [("3.215", None)]


def test_words_inside_an_activity_phrase_name_no_other_sector():
    # "financial education" is Integration's activity, not the Education sector named
    assert sectors("Almost 100 refugees received financial education.") == [("100", "Integration")]


def test_words_of_another_clause_or_sentence_do_not_count():
    text = ("Partners distributed 2,000 hygiene kits in Tumbes, while 300 students were enrolled in schools. "
            "Some 450 people crossed the border in Tacna.")
    assert sectors(text) == [("2,000", "WASH"), ("300", "Education"), ("450", None)]


def test_words_far_from_the_figure_in_a_long_clause_do_not_count():
    text = ("At the end of September over 100 refugees and migrants blocked the traffic at the border connecting "
            "Chile and Peru for several hours in protest against the new entry rules that require hygiene kits")
    assert sectors(text) == [("100", None)]


def test_a_heading_sector_wins_over_wording_and_says_so():
    (fig,) = find_figures("Partners distributed some 2,700 hygiene kits.", sector="Health")
    assert (fig.sector, fig.dimensions_from) == ("Health", "sector=heading")


def test_table_cells_are_never_given_a_sector_by_wording():
    (fig,) = find_figures("2,700 hygiene kits", kind="table")
    assert fig.sector is None


def test_location_says_whether_its_own_sentence_or_an_earlier_one_named_it():
    first, second = find_figures("In Tacna, 300 people were assisted. Another 120 received blankets.")
    assert (first.location, parse(first.dimensions_from)["location"]) == ("Tacna", "wording")
    assert (second.location, parse(second.dimensions_from)["location"]) == ("Tacna", "preceding text")


# ------------------------------------------------------------------ a heading's sector ends at the next heading

PAGE = """<html><body><main>
<h2>Health</h2><p>Partners provided 1,200 medical consultations.</p>
<h2>Coordination</h2><p>Some 45 partners met in Lima.</p>
<h2>Shelter</h2><p>Some 300 people were hosted.</p>
<p><strong>October 2023</strong></p><p>About 90 people crossed the border.</p>
<h3>Key figures</h3><p>Partners distributed 2,700 hygiene kits.</p>
</main></body></html>"""


def test_html_heading_of_any_kind_ends_the_sector_before_it():
    figs = prose_figures(content_root(PAGE))
    assert [(f.raw, f.sector, f.section) for f in figs] == [
        ("1,200", "Health", "Health"),
        ("45", None, "Coordination"),  # a non-sector heading clears Health
        ("300", "Shelter", "Shelter"),
        ("90", None, "October 2023"),  # a bold month line is a heading too
        ("2,700", "WASH", "Key figures"),  # under no sector heading: its own words
    ]
    assert [parse(f.dimensions_from).get("sector") for f in figs] == ["heading", None, "heading", None, "wording"]


def test_a_lead_in_label_names_the_sector_of_its_paragraph_or_bullet():
    page = """<html><body><main><h2>Response</h2><ul>
    <li><strong>Health:</strong> partners provided 1,200 consultations. Another 300 people were vaccinated.</li>
    <li>Protección – se brindó orientación a 450 personas.</li><li>Note: 80 people crossed the border.</li></ul>
    <h2>Protection</h2><p>GBV: 30 survivors were assisted.</p></main></body></html>"""
    figs = prose_figures(content_root(page))
    assert [(f.raw, f.sector) for f in figs] == [("1,200", "Health"), ("300", "Health"), ("450", "Protection"),
                                                 ("80", None), ("30", "Gender-Based Violence")]
    assert parse(figs[0].dimensions_from)["sector"] == "wording"


@pytest.mark.parametrize("heading, sector", [
    ("Health sector", "Health"), ("WASH response", "WASH"), ("Sector de Protección", "Protection"),
    ("Food Security and Nutrition", None),  # two sectors: none
    ("Key figures on health", None), ("Coordination", None),
])
def test_headings_in_other_styles_name_their_sector(heading, sector):
    assert sector_of(heading) == sector


def test_generic_path_web_page_takes_heading_sectors_until_the_next_heading():
    page = ("<html lang='es'><head><title>Actualización de la respuesta</title></head><body>"
            "<h2>Salud</h2><p>Se realizaron 2.500 atenciones a personas refugiadas.</p>"
            "<h2>Financiamiento</h2><p>Se recibieron 3.100 aportes de donantes.</p>"
            "<h2>Respuesta</h2><p>Se entregaron 640 kits de higiene.</p></body></html>").encode()
    result = extract_report(page, "actualizacion.html")
    assert result.family == "generic"
    assert [(f.raw, f.sector) for f in result.figures] == [("2.500", "Health"), ("3.100", None), ("640", "WASH")]


@pytest.fixture(scope="module")
def generic_pdf() -> bytes:
    """A small PDF of no known family (reportlab): headings of different kinds, each over a sentence."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    y = 780
    for text, size in [("Monthly Update of the Partners", 16), ("Health", 12),
                       ("Partners provided 1,200 medical consultations in Lima.", 10), ("Coordination", 12),
                       ("Some 45 partners met in Tacna.", 10), ("OCTOBER 2023", 12),
                       ("About 90 people crossed the border.", 10), ("Response", 12),
                       ("Partners distributed 2,700 hygiene kits.", 10)]:
        pdf.setFont("Helvetica-Bold" if size > 10 else "Helvetica", size)
        pdf.drawString(60, y, text)
        y -= 28
    pdf.save()
    return out.getvalue()


def test_generic_path_pdf_heading_lines_scope_the_sector(generic_pdf):
    result = extract_report(generic_pdf, "update.pdf")
    assert result.family == "generic"
    assert [(f.raw, f.sector, f.section) for f in result.figures] == [
        ("1,200", "Health", "Health"), ("45", None, "Coordination"), ("90", None, "OCTOBER 2023"),
        ("2,700", "WASH", "Response")]
    assert [parse(f.dimensions_from).get("sector") for f in result.figures] == ["heading", None, None, "wording"]


def _paragraph(text: str, height: float = 8.0, lines: int = 1) -> Paragraph:
    return Paragraph(1, [Line(text, 50, 700 - 12 * i, 50 + 5 * len(text), 700 - 12 * i + height)
                         for i in range(lines)])


@pytest.mark.parametrize("text, heading", [
    ("OCTOBER 2019", True),  # a month in capitals, with its year
    ("Coordination:", True),  # a usual section name ending like a heading
    ("Key figures", True),
    ("Food security", True),  # a sector name in sentence case
    ("Funding", True),
    ("The response also included:", False),  # a lead-in, not a heading
    ("More than 800 people were legally assisted.", False),
    ("1,400+", False),
])
def test_pdf_headings_of_other_styles_are_headings(text, heading):
    assert _is_heading(_paragraph(text), body=8.0) is heading


# ------------------------------------------------------------------ dimensions_from in the warehouse


@pytest.fixture(scope="module")
def sample_facts(thread_run):
    """The session's run of the monthly flow on the bundled samples (shared with test_pipeline): its warehouse."""
    _, warehouse = thread_run
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def test_v_facts_says_how_each_dimension_was_decided(sample_facts):
    rows = sample_facts.execute("""
        SELECT f.source_file, f.kind, ff.raw, f.sector, f.sector_from, f.location, f.location_from, f.measure,
               f.measure_from, f.population, f.population_from, f.dimensions_from
        FROM v_facts f JOIN fact_figure ff USING (fact_id)""").fetchall()
    by = {(row[0], row[1], row[2]): row[3:] for row in rows}
    r4v, gtrm21 = "r4v-peru-sitrep-2023-09.html", "gtrm-peru-sitrep-2021-02.pdf"
    # the people-reached table of the R4V page: sector from the cell's header, measure from the caption
    assert by[(r4v, "table", "10,655")][:6] == ("Food Security", "table header", None, None, "people_reached",
                                                "table title")
    # a headline card: measure from its label
    assert by[(r4v, "key_figure", "$44.8M")][4:6] == ("funded", "label")
    # prose under the Health heading, with places in its own sentence
    assert by[(r4v, "prose", "6,800")][:4] == ("Health", "heading", "Desaguadero; La Libertad; Piura", "wording")
    # the 2021 GTRM table: sector and population (RMRP) from its headers
    assert by[(gtrm21, "table", "4,777")][:2] + by[(gtrm21, "table", "4,777")][6:8] == (
        "Protection", "table header", "RMRP", "table header")
    # 2021 GTRM prose under the "Response" heading, which names no sector: its own activity words
    assert by[(gtrm21, "prose", "1,800")][:2] == ("Protection", "wording")  # "with legal counselling"
    assert by[(gtrm21, "prose", "13,300")][:2] == ("Food Security", "wording")
    # every named dimension says how it was decided, and nothing is said of a dimension left NULL
    bad = sample_facts.execute("""
        SELECT count(*) FROM v_facts
        WHERE (sector IS NULL) <> (sector_from IS NULL) OR (location IS NULL) <> (location_from IS NULL)
           OR (population IS NULL) <> (population_from IS NULL) OR (measure IS NULL) <> (measure_from IS NULL)""")
    assert bad.fetchone()[0] == 0


def test_the_filter_is_a_one_liner(sample_facts):
    counts = dict(sample_facts.execute("""
        SELECT sector_from, count(*) FROM v_facts WHERE sector IS NOT NULL GROUP BY ALL""").fetchall())
    assert set(counts) <= {"table header", "heading", "wording", "chart label"}
    assert counts["wording"] >= 20 and counts["heading"] >= 100 and counts["table header"] >= 40, counts


def test_fact_id_does_not_depend_on_how_dimensions_were_decided():
    path = SAMPLES / "r4v-peru-sitrep-2023-09.html"
    frame = figures_frame(extract_report(path.read_bytes(), path.name))
    other = frame.copy()
    other["dimensions_from"] = "sector=wording"
    assert frame["dimensions_from"].notna().sum() > 30
    assert fact_ids(path.name, frame) == fact_ids(path.name, other)
