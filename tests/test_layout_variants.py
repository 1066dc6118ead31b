"""Layout variants of the PDF families (tests/pdf_variants.py): other months, sectors reordered, dropped and added,
other heading styles, blocks moved across columns and pages, other fonts and places, written with reportlab and
scored against the generator's own gold through extract_report (no Prefect).

A representative subset runs here (every kind of change on both GTRM layouts, three UNHCR results reports);
the full set (several seeds of every kind) runs in bench/extract_score.py --suites variants.
"""

from __future__ import annotations

import re

import pypdfium2
import pytest

from extractors import extract_report

from .pdf_variants import KINDS, score, variant

SUBSET = [("gtrm2019", k, 0) for k in KINDS] + [("gtrm2021", k, 0) for k in KINDS] + [
    ("gtrm2019", "mixed", 1), ("gtrm2021", "mixed", 1), ("unhcr_arr", "months", 0), ("unhcr_arr", "columns", 1),
    ("unhcr_arr", "mixed", 1)]
FAMILY = {"gtrm2019": "gtrm_sitrep", "gtrm2021": "gtrm_sitrep", "unhcr_arr": "unhcr_arr"}


@pytest.fixture(scope="session")
def variants_read():
    """(variant, its score) for the subset, each generated and extracted once."""
    out = []
    for family, kind, seed in SUBSET:
        v = variant(family, kind, seed)
        result = extract_report(v.data, v.name)
        out.append((v, result, score(v, [f.as_row() for f in result.figures])))
    return out


def _text_layer(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def test_generator_is_deterministic():
    a, b = variant("gtrm2019", "mixed", 7), variant("gtrm2019", "mixed", 7)
    assert a.data == b.data and [g.row(a.name) for g in a.gold] == [g.row(b.name) for g in b.gold]
    assert variant("gtrm2019", "mixed", 8).data != a.data


def test_generator_gold_is_what_the_pdf_prints(variants_read):
    """Every gold figure's printed form is in the PDF's own text layer, and every number of three or more digits
    the text layer shows, years and indicator codes aside, is a gold figure."""
    for v, _, _ in variants_read:
        layer = " ".join(_text_layer(v.data).split())
        for g in v.gold:
            assert re.search(rf"(?<![\w.,]){re.escape(g.raw)}(?![\w]|[.,]\d)", layer, re.I), (v.name, g.raw)
        printed = re.findall(r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?!\d)", layer)
        codes = {re.match(r"[\d.]+", g.indicator).group() for g in v.gold if g.indicator[:1].isdigit()}
        gold = {re.search(r"\d[\d,.]*", g.raw).group() for g in v.gold if g.raw[:1].isdigit() or "USD" in g.raw}
        # not figures: years, dates, section and page numbers (a short figure is checked above)
        others = [p for p in printed if p not in gold | codes and not re.fullmatch(r"(?:19|20)\d\d|\d\d?|\d\.\d", p)]
        assert not others, (v.name, others[:10])


def test_variants_are_read_with_their_values_sectors_and_places(variants_read):
    totals = {"gold": 0, "found": 0, "sector": [0, 0], "location": [0, 0], "measure": [0, 0]}
    wrong = []
    for v, result, sc in variants_read:
        assert result.family == FAMILY[v.family], (v.name, result.warnings)
        totals["gold"] += sc["gold"]
        totals["found"] += sc["found"]
        for dim in ("sector", "location", "measure"):
            totals[dim][0] += sc[dim][0]
            totals[dim][1] += sc[dim][1]
        wrong += [(v.name, f["value"], f.get("evidence")) for f in sc["wrong"]]
    assert not wrong, f"figures with a value the variant does not print: {wrong[:5]}"
    assert totals["found"] / totals["gold"] >= 0.97, totals
    assert totals["sector"][0] / totals["sector"][1] >= 0.95, totals
    assert totals["location"][0] / totals["location"][1] >= 0.95, totals
    # table cells are read as cells of their column (a cell read as loose prose has no measure)
    assert totals["measure"][0] / totals["measure"][1] >= 0.95, totals
