"""The proof that a figure's printed form occurs verbatim in its source (extractors.proof), on real text."""

from __future__ import annotations

import pytest

from extractors import extract_report
from extractors.document import Document
from extractors.proof import FLAG, occurs, prove
from extractors.records import ExtractResult, Figure

from .conftest import SAMPLES

KEY_FIGURES = "REFUGEES AND MIGRANTS\nIN PERU\n1.54M\nFUNDED: $44.8M\ndelivery of kits to over 2,120 people"


@pytest.mark.parametrize("raw,found", [
    ("1.54M", True), ("$44.8M", True), ("2,120", True), ("over 2,120", True),
    ("154M", False),  # the decimal point lost by a line reader
    ("$448M", False),
    ("54M", False), ("1.54", False),  # part of a number is not the number
    ("2", False), ("120", False),  # a one-digit "cell" cut out of a word or a number
    ("", False),
])
def test_a_printed_form_is_found_only_as_a_whole_number(raw, found):
    assert occurs(raw, KEY_FIGURES) is found


def test_whitespace_is_normalised_nothing_else():
    assert occurs("USD 330K", "totalling almost USD\n330K)")
    assert occurs("18 719", "18\u2009719 people")
    assert not occurs("18719", "18.719 people")


def test_chart_data_are_found_in_the_markup_arrays():
    assert occurs("20.49633232", "[[2019,20.49633232],[2020,48.6]]", "markup")
    assert not occurs("20.4963323", "[[2019,20.49633232]]", "markup")


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.iterdir()))
def test_every_figure_of_the_samples_is_proven(name):
    data = (SAMPLES / name).read_bytes()
    result = extract_report(data, name)
    assert result.figures
    assert not [f.raw for f in result.figures if FLAG in (f.flags or "")]


def test_a_misread_figure_is_flagged_with_the_reason():
    name = "gtrm-peru-sitrep-2021-02.pdf"
    doc = Document(name, (SAMPLES / name).read_bytes())
    page = doc.pages[0]
    printed = next(tok for tok in page.text.split() if tok.count(",") == 1 and tok.replace(",", "").isdigit())
    misread = printed.replace(",", "")[:-1]  # a character lost
    result = ExtractResult("gtrm_sitrep", None, [
        Figure("table", float(printed.replace(",", "")), "number", printed, raw=printed, page=1),
        Figure("table", float(misread), "number", misread, raw=misread, page=1, flags="text_value")])
    failed = prove(result, doc)
    assert [f.raw for f, _ in failed] == [misread]
    assert result.figures[0].flags is None
    assert result.figures[1].flags == f"text_value,{FLAG}"
    assert failed[0][1] == f"printed form {misread!r} does not occur in the text layer of page 1 (or the next)"
