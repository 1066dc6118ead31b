"""A table's row or column label that is a place gives its cells their location (issue 12, item 3: header and
row words map to sector, population, measure and location through vocabulary.toml), on web tables and on the
same table printed to PDF (the generic path's camelot reading)."""

from __future__ import annotations

import pytest

from extractors import extract_report
from extractors.decided import way_of
from extractors.vocab import place_named

from .test_print import print_to_pdf

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Shelter monitoring, March 2024</title>
<style>body{font-family:sans-serif;margin:40px} td,th{border:1px solid #444;padding:4px 10px}
table{border-collapse:collapse}</style></head><body>
<h1>Shelter monitoring, March 2024</h1>
<p>Partners report the people reached in each region this month.</p>
<table><thead><tr><th>Region</th><th>Shelter</th><th>Health</th></tr></thead>
<tbody><tr><th>Tumbes</th><td>1,240</td><td>3,315</td></tr>
<tr><th>Región Tacna</th><td>860</td><td>2,075</td></tr>
<tr><th>Lima and Callao</th><td>4,410</td><td>9,820</td></tr></tbody></table>
</body></html>"""

WANT = {1240.0: ("Tumbes", "Shelter"), 3315.0: ("Tumbes", "Health"), 860.0: ("Tacna", "Shelter"),
        2075.0: ("Tacna", "Health"), 4410.0: (None, "Shelter"), 9820.0: (None, "Health")}


@pytest.mark.parametrize(("label", "place"), [("Tumbes", "Tumbes"), ("Lima Region", "Lima"), ("Tacna*", "Tacna"),
                                              ("Lima and Callao", None), ("Migrants in Lima", None),
                                              ("Total", None)])
def test_a_label_is_a_place_only_when_it_names_one_and_nothing_else(label, place):
    assert place_named(label) == place


def _cells(result) -> dict[float, tuple[str | None, str | None]]:
    return {f.value: (f.location, f.sector) for f in result.figures if f.kind == "table"}


def test_row_labels_that_are_places_give_the_cells_their_location():
    result = extract_report(PAGE.encode(), "monitoring.html")
    assert _cells(result) == WANT
    tumbes = next(f for f in result.figures if f.value == 1240.0)
    assert way_of(tumbes, "location") == way_of(tumbes, "sector") == "table header"


def test_the_printed_table_gives_the_same_places(tmp_path):
    html = tmp_path / "monitoring.html"
    html.write_text(PAGE, encoding="utf-8")
    pdf = print_to_pdf(html, tmp_path / "monitoring.pdf")
    result = extract_report(pdf.read_bytes(), pdf.name)
    assert result.family == "generic"
    assert _cells(result) == WANT
