"""The two web-page families (R4V situation report page, UNHCR Global Focus operation page).

Real sample pages, plus variants built here by editing their HTML (transposed table, other sector
spelling, other chart scale, cards printed value-first, furniture with numbers in it) to show the
parsing follows structure and wording, not the sample's layout or values.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from extractors import extract_report
from extractors import html_blocks as hb
from extractors.document import Document
from extractors.families import r4v_sitrep, unhcr_global_focus

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sitrep" / "samples"
R4V = "r4v-peru-sitrep-2023-09.html"
GF = "unhcr-global-focus-peru-2020.html"


def page(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def run(html: str, name: str = "page.html"):
    return extract_report(html.encode("utf-8"), name)


def of_kind(result, kind: str):
    return [f for f in result.figures if f.kind == kind]


# ------------------------------------------------------------------ detection and period


def test_detection_says_yes_to_its_own_page_only():
    r4v, gf = Document("a", page(R4V).encode()), Document("b", page(GF).encode())
    assert r4v_sitrep.detect(r4v) and not unhcr_global_focus.detect(r4v)
    assert unhcr_global_focus.detect(gf) and not r4v_sitrep.detect(gf)
    for pdf in SAMPLES.glob("*.pdf"):
        doc = Document(pdf.name, pdf.read_bytes())
        assert not r4v_sitrep.detect(doc) and not unhcr_global_focus.detect(doc)


def test_detection_ignores_file_name():
    assert run(page(R4V), "whatever.html").family == "r4v_sitrep"
    assert run(page(GF), "r4v-sitrep.html").family == "unhcr_global_focus"


def test_report_periods_from_page_wording():
    assert run(page(R4V)).report_period == "2023-09"
    assert run(page(GF)).report_period == "2020"
    other = page(R4V).replace("September 2023", "Marzo 2024")
    assert run(other).report_period == "2024-03"


# ------------------------------------------------------------------ R4V page


def test_r4v_cards_measures():
    cards = {f.value: f for f in of_kind(run(page(R4V)), "key_figure")}
    assert cards[25290].measure == "people_reached"
    assert cards[14].unit == "percent" and cards[14].measure == "funded_pct"


def test_r4v_cards_money_and_scales():
    cards = {(f.value, f.unit): f for f in of_kind(run(page(R4V)), "key_figure")}
    assert cards[(44_800_000, "usd")].measure == "funded"
    assert cards[(318_000_000, "usd")].measure == "requirement"
    assert cards[(1_540_000, "number")].measure is None


def test_r4v_sector_table_cells():
    cells = {f.sector: f.value for f in of_kind(run(page(R4V)), "table")}
    assert cells["Education"] == 1995 and cells["Shelter"] == 3457
    assert cells["Humanitarian Transportation"] == 60
    assert cells["Multipurpose Cash-Based Interventions"] == 8884
    assert len(cells) == 10
    assert {f.measure for f in of_kind(run(page(R4V)), "table")} == {"people_reached"}


def _transpose_sector_table(html: str) -> str:
    """Rebuild the sector table with sectors as rows (label cell + value cell)."""
    table = re.search(r"<table.*?</table>", html, re.S).group(0)
    heads = re.findall(r"<th[^>]*>(.*?)</th>", table)
    values = re.findall(r"<td>(.*?)</td>", table)
    rows = "".join(f'<tr><th scope="row">{h}</th><td>{v}</td></tr>'
                   for h, v in zip(heads, values, strict=True))
    new = ('<table class="sector-table sector-table--vertical"><thead><tr><th>Sector</th>'
           f"<th>People reached</th></tr></thead><tbody>{rows}</tbody></table>")
    return html.replace(table, new)


def test_r4v_transposed_table_same_cells():
    original = {(f.sector, f.value, f.measure) for f in of_kind(run(page(R4V)), "table")}
    transposed_page = _transpose_sector_table(page(R4V))
    transposed = {(f.sector, f.value, f.measure) for f in of_kind(run(transposed_page), "table")}
    assert transposed == original


def test_r4v_wrapped_table_and_other_spelling_without_caption():
    html = page(R4V).replace('<th scope="col">Food Security</th>',
                             '<th scope="col">Seguridad Alimentaria</th>')
    html = re.sub(r"<caption.*?</caption>", "", html, flags=re.S)
    # wrap the table into two bands: header row, values, header row, values
    table = re.search(r"<table.*?</table>", html, re.S).group(0)
    heads = re.findall(r"<th[^>]*>(.*?)</th>", table)
    values = re.findall(r"<td>(.*?)</td>", table)

    def band(hs, vs):
        return ("<tr>" + "".join(f"<th>{h}</th>" for h in hs) + "</tr><tr>"
                + "".join(f"<td>{v}</td>" for v in vs) + "</tr>")

    wrapped = f"<table>{band(heads[:5], values[:5])}{band(heads[5:], values[5:])}</table>"
    cells = {f.sector: f for f in of_kind(run(html.replace(table, wrapped)), "table")}
    assert cells["Food Security"].value == 10655
    assert cells["WASH"].value == 151 and cells["Protection"].value == 12483
    assert len(cells) == 10 and all(f.measure == "people_reached" for f in cells.values())


def test_r4v_card_printed_value_first():
    html = page(R4V).replace(
        '<div class="key-figure__label">PEOPLE ASSISTED<br />\nDIRECTLY*</div>\n'
        '                    <div class="key-figure__value">25,290</div>',
        '<div class="key-figure__value">25,290</div><div class="key-figure__label">PEOPLE REACHED</div>')
    assert "PEOPLE REACHED" in html
    cards = {f.value: f for f in of_kind(run(html), "key_figure")}
    assert cards[25290].measure == "people_reached"


def test_r4v_prose_sector_from_heading():
    figs = of_kind(run(page(R4V)), "prose")
    by_value = {f.value: f for f in figs}
    assert by_value[130].sector == "Education"
    assert by_value[8900].sector == "Food Security"
    assert by_value[1967].sector == "Protection"
    assert by_value[87600].sector is None  # 'Situation' is not a sector
    renamed = page(R4V).replace("<h3>Food Security</h3>", "<h3>Seguridad Alimentaria</h3>")
    assert {f.value: f for f in of_kind(run(renamed), "prose")}[8900].sector == "Food Security"


def test_furniture_yields_nothing():
    html = page(R4V)
    html = html.replace('<a href="/en/news">News</a>', '<a href="/en/news">Top 77 news</a>')
    html = html.replace("<p>By clicking any link",
                        "<p>We keep 391 cookies for 365 days. By clicking any link")
    html = html.replace("Clayton, Panama City", "Clayton 4242, Panama City")
    html = html.replace("</main>", '</main><div class="share-links">Shared 5,555 times</div>')
    values = {f.value for f in run(html).figures}
    assert not values & {77, 391, 365, 4242, 5555, 147, 15023, 812}
    assert not of_kind(run(html), "chart_data")  # the Drupal settings JSON is no chart


# ------------------------------------------------------------------ Global Focus page


def test_gf_key_figures_with_periods():
    cards = of_kind(run(page(GF)), "key_figure")
    by_value = {f.value: f for f in cards}
    assert by_value[300000].period == "2020" and by_value[7678].period == "2021"
    assert by_value[67].period == "2020"  # second figure of one card sentence
    assert by_value[1557276].period == "2020" and by_value[867821].period == "2019"
    assert all(f.measure is None for f in cards)


def test_gf_malformed_key_figure_flagged():
    cards = of_kind(run(page(GF)), "key_figure")
    flagged = [f for f in cards if f.raw == "52,9960"]
    assert flagged and "malformed_number" in (flagged[0].flags or "")
    assert flagged[0].value == 529960


def test_gf_chart_data_scaled_from_its_labels():
    charts = of_kind(run(page(GF)), "chart_data")
    pop = {f.population: f for f in charts if f.population}
    assert pop["Asylum-seekers"].value == 537552 and pop["Asylum-seekers"].period == "2020"
    assert len(pop) == 4
    money = {(f.measure, f.indicator, f.period): f.value for f in charts if f.unit == "usd"}
    assert money[("budget", None, "2019")] == pytest.approx(20_496_332.32)
    assert money[("expenditure", None, "2020")] == pytest.approx(20_154_483.57)
    assert money[("budget", "p1", "2021")] == pytest.approx(60_913_280.08)
    assert ("expenditure", None, "2021") not in money  # null is not a figure
    assert len(money) == 10


def test_gf_chart_scale_label_is_read_not_assumed():
    html = page(GF).replace('data-unit="USD millions"', 'data-unit="USD thousands"')
    money = [f for f in of_kind(run(html), "chart_data") if f.unit == "usd"]
    assert any(f.value == pytest.approx(20_496.33232) for f in money)
    # the unit can also sit in the chart JSON itself
    html = page(GF).replace(' data-unit="USD millions"', "").replace(
        '{"categories":[2016', '{"unit":"USD millions","categories":[2016')
    money = [f for f in of_kind(run(html), "chart_data") if f.unit == "usd"]
    assert any(f.value == pytest.approx(48_625_534.17) for f in money)


def test_gf_series_objects_shape():
    html = page(GF).replace(
        '[["Refugees",4332],["Asylum-seekers",537552],["Others of concern",500353],'
        '["Venezuelans displaced abroad",515039]]',
        '{"series":[{"name":"2021","data":[["Refugees",5000],["Asylum-seekers",600000]]}]}')
    pop = {f.population: f for f in of_kind(run(html), "chart_data") if f.population}
    assert pop["Refugees"].value == 5000 and pop["Refugees"].period == "2021"


def test_gf_dates_and_years_are_not_figures():
    values = [f.value for f in run(page(GF)).figures if f.kind != "chart_data"]
    assert 2019 not in values and 2021 not in values


# ------------------------------------------------------------------ html_blocks units


def test_table_cells_both_orientations():
    from selectolax.lexbor import LexborHTMLParser

    horizontal = LexborHTMLParser(
        "<table><tr><th>Health</th><th>WASH</th></tr><tr><td>1</td><td>2</td></tr></table>")
    vertical = LexborHTMLParser(
        "<table><tr><th>Health</th><td>1</td></tr><tr><th>WASH</th><td>2</td></tr></table>")
    h = [(c.col_label, c.text) for c in hb.table_cells(horizontal.css_first("table"))]
    v = [(c.row_label, c.text) for c in hb.table_cells(vertical.css_first("table"))]
    assert h == v == [("Health", "1"), ("WASH", "2")]


def test_chart_scale():
    assert hb.chart_scale("USD millions") == ("usd", 10**6)
    assert hb.chart_scale("in thousands of US$") == ("usd", 10**3)
    assert hb.chart_scale("Population breakdown, 2020") == ("number", 1)


def test_odd_pages_do_not_crash():
    """Pages with nothing to read give no figures (and say why); a truncated download gives what its first
    half prints: the cards (gold values), nothing invented."""
    for html in ("<html><body></body></html>", "<html><body><table><tr></tr></table><dl><dd>5</dd></dl>"
                 '<script type="application/json">{"categories": [1], "x": ["a"]}</script></body></html>'):
        result = run(html)
        assert result.figures == [] and result.family == "generic"
        assert any("no known report family" in w for w in result.warnings)
    half = run(page(R4V)[: len(page(R4V)) // 2])  # truncated download
    assert half.family == "r4v_sitrep" and half.report_period == "2023-09"
    cards = {(f.value, f.unit, f.measure) for f in of_kind(half, "key_figure")}
    assert cards == {(25290, "number", "people_reached"), (14, "percent", "funded_pct"),
                     (44_800_000, "usd", "funded"), (318_000_000, "usd", "requirement"), (1_540_000, "number", None)}
    whole = {(f.kind, f.value, f.unit) for f in run(page(R4V)).figures}
    assert {(f.kind, f.value, f.unit) for f in half.figures} <= whole


# ------------------------------------------------------------------ scores against gold


def _score_module():
    spec = importlib.util.spec_from_file_location("score", ROOT / "tests" / "data" / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", [R4V, GF])
def test_structural_figures_all_found(name):
    """Cards, tables and chart data (this module's own reading) are all matched to gold."""
    score = _score_module()
    gold = [g for g in score.load_gold(ROOT / "tests" / "data" / "gold_facts.csv")
            if g["source_file"] == name and g["kind"] in ("table", "chart_data", "key_figure")]
    result = extract_report((SAMPLES / name).read_bytes(), name)
    facts = [f.as_row() | {"source_file": name} for f in result.figures
             if f.value is not None and f.kind in ("table", "chart_data", "key_figure")]
    assert len(gold) >= 15  # the gold file covers this page's cards, table cells and chart data
    pairs, misses, _ = score.match(gold, facts)
    assert not misses, [g["context"] for g in misses]
    for g, f in pairs:
        for dim in ("sector", "measure", "population", "indicator"):
            if g.get(dim):
                assert score.norm(g[dim]) == score.norm(f.get(dim)), (dim, g["context"])


@pytest.mark.parametrize("name", [R4V, GF])
def test_score_thresholds(name):
    score = _score_module()
    gold = [g for g in score.load_gold(ROOT / "tests" / "data" / "gold_facts.csv")
            if g["source_file"] == name]
    result = extract_report((SAMPLES / name).read_bytes(), name)
    facts = [f.as_row() | {"source_file": name} for f in result.figures if f.value is not None]
    pairs, _, used = score.match(gold, facts)
    assert len(pairs) / len(gold) >= 0.95
    assert len(used) / len(facts) >= 0.90


def test_bold_paragraph_subheadings_give_the_sector():
    html = page(R4V).replace("<h3>Shelter</h3>", "<p><strong>Alojamiento</strong></p>")
    by_value = {f.value: f for f in of_kind(run(html), "prose")}
    assert by_value[2000].sector == "Shelter"


def test_cards_and_cells_go_through_the_prose_parser():
    """Card values are read by the shared parser, so what it says (scale, flags) survives: the real parser,
    on the real page and on a page whose money card is split over two blocks."""
    flagged = [f for f in of_kind(run(page(GF)), "key_figure") if f.raw == "52,9960"]
    assert flagged and flagged[0].flags == "malformed_number" and flagged[0].period == "2020"
    assert flagged[0].value == 529960
    html = page(R4V).replace("FUNDED:</span> <span class=\"funding__amount\">$44.8M</span>",
                             "FUNDED:</span></div><div><span class=\"funding__amount\">$44.8M</span>")
    assert html != page(R4V)
    money = [f for f in of_kind(run(html), "key_figure") if f.unit == "usd"]
    assert {(f.value, f.measure) for f in money} == {(44_800_000, "funded"), (318_000_000, "requirement")}


def test_table_and_chart_evidence_name_their_labels():
    """A table cell's evidence is 'row | column | cell', a chart point's 'series | category | value [chart]'."""
    cells = {f.sector: f.evidence for f in of_kind(run(page(R4V)), "table")}
    assert cells["Protection"] == "Protection | 12,483"
    points = [f.evidence for f in of_kind(run(page(GF)), "chart_data") if f.measure == "budget" and f.period == "2019"]
    assert points and all(e.startswith(("budget | 2019 | 20.49633232 [", "p1 | 2019 | 20.49633232 [")) for e in points)
