"""UNHCR Annual Results Report family: detection, indicator and finance tables, narrative, score."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from extractors import extract_report
from extractors.document import Document
from extractors.families import unhcr_arr
from extractors.indicator_tables import parse_value, read_grid

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sitrep" / "samples"
ARR = "unhcr-arr-peru-2023.pdf"

spec = importlib.util.spec_from_file_location("score", ROOT / "tests" / "data" / "score.py")
score = importlib.util.module_from_spec(spec)
spec.loader.exec_module(score)


@pytest.fixture(scope="module")
def result():
    return extract_report((SAMPLES / ARR).read_bytes(), ARR)


def _cell(result, indicator, measure, section_word=None):
    found = [f for f in result.figures if f.kind == "table" and f.indicator == indicator
             and f.measure == measure and (section_word is None or section_word in (f.section or ""))]
    assert found, f"no {indicator} {measure}"
    return found


@pytest.mark.parametrize("name,expected", [
    (ARR, True),
    ("gtrm-peru-sitrep-2019-10.pdf", False),
    ("gtrm-peru-sitrep-2021-02.pdf", False),
    ("r4v-peru-sitrep-2023-09.html", False),
    ("unhcr-global-focus-peru-2020.html", False),
])
def test_detect(name, expected):
    assert unhcr_arr.detect(Document(name, (SAMPLES / name).read_bytes())) is expected


def test_detect_says_no_to_unreadable_pdf():
    assert unhcr_arr.detect(Document("x.pdf", b"%PDF-1.7\nnot really a pdf")) is False


def test_family_and_period(result):
    assert result.family == "unhcr_arr"
    assert result.report_period == "2023"


def test_impact_indicator_cells(result):
    (base,) = _cell(result, "1.1", "baseline", "Impact Area")
    assert (base.value, base.unit, base.period) == (0.8, "percent", None)
    assert base.population == "Refugees and Asylum-seekers"
    (actual,) = _cell(result, "4.3b", "actual")
    assert (actual.value, actual.unit, actual.period) == (1437, "number", "2023")
    assert not [f for f in result.figures if f.indicator == "4.3b" and f.measure == "target"]


def test_outcome_indicator_cells_carry_area_sector(result):
    (target,) = _cell(result, "4.1", "target")
    assert (target.value, target.unit, target.period) == (85.0, "percent", "2023")
    assert target.sector == "Gender-Based Violence"
    # 5.1 sits on one page and 5.2 on the next under a repeated header: same heading, same sector
    both = _cell(result, "5.1", "actual") + _cell(result, "5.2", "actual")
    assert {f.sector for f in both} == {"Child Protection"}
    (days,) = _cell(result, "15.2", "baseline")
    assert (days.value, days.unit, days.sector) == (282, "number", None)


def test_text_value_cell(result):
    cells = [f for f in result.figures if f.indicator == "7.1"]
    assert {f.measure for f in cells} == {"baseline", "target", "actual"}
    for f in cells:
        assert (f.value, f.unit, f.qualifier, f.flags) == (70, "number", "lower_bound", "text_value")


def test_finance_tables(result):
    finance = [f for f in result.figures if f.measure in ("budget", "funds_available", "funds_available_pct",
                                                          "expenditure", "expenditure_pct")]
    # impact-area table continues on the next page under a repeated header: IA1..IA4 + Total
    codes = [f.indicator for f in finance if f.measure == "budget"]
    assert codes == ["IA1", "IA2", "IA3", "IA4", "Total", "OA1", "OA4", "OA5", "OA7", "OA8", "OA13", "OA15",
                     "EA20", "Total"]
    totals = [f for f in finance if f.indicator == "Total"]
    assert {(f.measure, f.value, f.unit) for f in totals} == {
        ("budget", 73337910, "usd"), ("funds_available", 20826393, "usd"),
        ("funds_available_pct", 28.4, "percent"), ("expenditure", 20826393, "usd"),
        ("expenditure_pct", 100, "percent")}
    sectors = {f.indicator: f.sector for f in finance}
    assert sectors["OA4"] == "Gender-Based Violence" and sectors["OA5"] == "Child Protection"
    # the evidence names the row and the column of the cell, not its neighbours
    assert {f.evidence for f in totals if f.measure == "budget"} == {"Total | budget: 73,337,910"}
    assert sectors["OA1"] is None and sectors["IA1"] is None and sectors["Total"] is None


def test_no_running_headers_or_section_numbers(result):
    prose = [f for f in result.figures if f.kind == "prose"]
    assert not [f for f in prose if "Annual Results Report |" in f.evidence or "May 31" in f.evidence]
    assert all(f.kind == "table" for f in result.figures if f.indicator)


def test_narrative_sector_from_area_heading(result):
    by_raw = {f.raw: f for f in result.figures if f.kind == "prose"}
    assert by_raw["166,313"].sector == "Gender-Based Violence"
    assert by_raw["28,363"].sector == "Child Protection"
    assert by_raw["162,672"].sector is None  # Well-Being and Basic Needs is not a response sector


def test_score(result):
    gold = [g for g in score.load_gold(ROOT / "tests" / "data" / "gold_facts.csv") if g["source_file"] == ARR]
    facts = [f.as_row() | {"source_file": ARR} for f in result.figures if f.value is not None]
    pairs, misses, used = score.match(gold, facts)
    assert len(pairs) / len(gold) >= 0.90
    assert len(used) / len(facts) >= 0.95
    tables = [(g, f) for g, f in pairs if g["kind"] == "table"]
    assert len(tables) == sum(g["kind"] == "table" for g in gold)
    for dim in ("indicator", "measure", "population", "sector"):
        named = [(g, f) for g, f in tables if g[dim]]
        assert all(score.norm(g[dim]) == score.norm(f[dim]) for g, f in named), dim


# ---------------------------------------------------------------- pure table reader

HEADER = ["Indicators", "Population Type", "Strategy Baseline", "Target (2023)", "Actual (2023)"]
ROWS = [
    ["1.1 Proportion of people registered", "Refugees and Asylum-seekers", "13.42%", "100.00%", "15.50%"],
    ["7.1 Extent of participation", "Refugees and Asylum-seekers", "Extensive: ≥70 points", "", "1,040"],
]


def _key(cells):
    return sorted((c.code, c.measure, c.period, c.population, c.text) for c in cells)


def test_grid_reordered_and_transposed_read_the_same():
    expected = sorted([  # read off HEADER and ROWS above: three cells of 1.1, two of 7.1 (its target is empty)
        ("1.1", "baseline", None, "Refugees and Asylum-seekers", "13.42%"),
        ("1.1", "target", "2023", "Refugees and Asylum-seekers", "100.00%"),
        ("1.1", "actual", "2023", "Refugees and Asylum-seekers", "15.50%"),
        ("7.1", "baseline", None, "Refugees and Asylum-seekers", "Extensive: ≥70 points"),
        ("7.1", "actual", "2023", "Refugees and Asylum-seekers", "1,040"),
    ])
    assert _key(read_grid([HEADER, *ROWS])[0]) == expected
    order = [4, 0, 2, 1, 3]  # columns shuffled
    shuffled = [[row[i] for i in order] for row in [HEADER, *ROWS]]
    assert _key(read_grid(shuffled)[0]) == expected
    transposed = [list(col) for col in zip(*[HEADER, *ROWS], strict=True)]
    assert _key(read_grid(transposed)[0]) == expected


def test_grid_wrapped_rows_split_header_and_continuation():
    grid = [
        ["Annual Results Report | 2023 | Peru", "", "", "", ""],
        ["Indicators", "Population Type", "Strategy", "Target (2023)", "Actual (2023)"],
        ["", "", "Baseline", "", ""],
        ["5.2 Proportion of children who", "Refugees and", "17.29%", "25.00%", "21.07%"],
        ["participate in programmes", "Asylum-seekers", "", "", ""],
    ]
    cells, header = read_grid(grid)
    assert [(c.code, c.measure, c.population) for c in cells] == [
        ("5.2", "baseline", "Refugees and Asylum-seekers"), ("5.2", "target", "Refugees and Asylum-seekers"),
        ("5.2", "actual", "Refugees and Asylum-seekers")]
    assert cells[0].label == "5.2 Proportion of children who participate in programmes"
    # the next page's part of the table, without its header, reads with the header carried over
    more, _ = read_grid([["5.3 Proportion", "Refugees", "18.28%", "100.00%", "9.92%"]], header)
    assert [(c.code, c.measure, c.period) for c in more] == [
        ("5.3", "baseline", None), ("5.3", "target", "2023"), ("5.3", "actual", "2023")]


def test_parse_value():
    assert [(v.value, v.unit) for v in parse_value("282.00")] == [(282, "number")]
    assert [(v.value, v.unit) for v in parse_value("5,326,922", "budget")] == [(5326922, "usd")]
    assert [(v.value, v.unit) for v in parse_value("0.80%")] == [(0.8, "percent")]
    assert [(v.value, v.qualifier) for v in parse_value("Moderate: 50-69 points")] == [
        (50, "lower_bound"), (69, "upper_bound")]
    assert parse_value("-") == [] and parse_value("") == []


def test_text_layer_tables_when_camelot_finds_none(monkeypatch):
    monkeypatch.setattr(unhcr_arr, "FLAVORS", ())
    res = unhcr_arr.extract(Document(ARR, (SAMPLES / ARR).read_bytes()))
    cells = [f for f in res.figures if f.kind == "table"]
    # every gold table cell, with its value, unit, indicator, measure, population and sector
    gold = [g for g in score.load_gold(ROOT / "tests" / "data" / "gold_facts.csv")
            if g["source_file"] == ARR and g["kind"] == "table"]
    pairs, misses, used = score.match(gold, [f.as_row() | {"source_file": ARR} for f in cells])
    assert not misses, [g["context"] for g in misses][:5]
    assert len(used) == len(cells) == len(gold)  # and nothing else
    for g, f in pairs:
        for dim in ("indicator", "measure", "population", "sector"):
            if g[dim]:
                assert score.norm(g[dim]) == score.norm(f[dim]), (dim, g["context"], f[dim])
    assert {(f.value, f.unit) for f in cells if f.indicator == "Total" and f.measure == "budget"} == {
        (73337910, "usd")}
    assert any("text layer" in w for w in res.warnings)


def test_grid_header_year_wrapped_onto_its_own_row_is_no_negative_cell():
    """'Target' / '(2025)': a header whose year wraps below it (found by the layout variants) is header text,
    not a bracketed negative cell of -2025."""
    grid = [
        ["Indicators", "Population Type", "Strategy Baseline", "Target", "Actual"],
        ["", "", "", "(2025)", "(2025)"],
        ["4.1 Proportion of people", "Others of concern", "59.23%", "51.68%", "80.00%"],
    ]
    cells, _ = read_grid(grid)
    assert [(c.measure, c.period, c.text) for c in cells] == [
        ("baseline", None, "59.23%"), ("target", "2025", "51.68%"), ("actual", "2025", "80.00%")]


def test_grid_values_split_from_their_header_take_it():
    """A parser that splits a right-aligned column from its left-aligned header (camelot network on a finance
    table of the layout variants): the values under no header take the header over the empty column."""
    grid = [
        ["Outcome Area", "Final Budget", "Funds Available as %", "", "Expenditure"],
        ["", "", "of Budget", "", ""],
        ["OA4: GBV", "20,499,713", "", "48.19%", "7,188,150"],
    ]
    cells, _ = read_grid(grid)
    assert [(c.code, c.measure, c.text) for c in cells] == [
        ("OA4", "budget", "20,499,713"), ("OA4", "funds_available_pct", "48.19%"),
        ("OA4", "expenditure", "7,188,150")]
