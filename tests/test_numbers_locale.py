"""extractors.numbers for documents of other agencies and languages (issue 12, item 4): signs, space
thousands, the document's number locale, Spanish scale words, number words and qualifiers, currencies
by ISO 4217 code, a page's own statement of currency and scale, and what is not a figure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.numbers import (
    EN,
    ES,
    MoneyStatement,
    NumberLocale,
    detect_locale,
    document_locale,
    money_statement,
    parse_number,
    restate,
)
from extractors.prose import find_figures

SPACED = NumberLocale(space_groups=True)


def figs(text: str, **kw) -> list[tuple[float, str, str | None]]:
    return [(f.value, f.unit, f.qualifier) for f in find_figures(text, **kw)]


def es_format(x: float, decimals: int) -> str:
    """1234567.5 -> '1.234.567,5' (written independently of the code under test)."""
    return f"{x:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


# ------------------------------------------------------------------ signs


@pytest.mark.parametrize("printed", ["-1,541", "−1,541", "CHF -1,541", "-CHF 1,541"])
def test_minus_signs_keep_their_sign(printed):
    assert parse_number(printed).value == -1541.0


def test_negatives_in_prose_and_tables():
    assert figs("The balance was -1,541 at the end of June.") == [(-1541.0, "number", None)]
    assert figs("Variance −2,300 against the budget") == [(-2300.0, "number", None)]
    assert figs("(1,541)", kind="table") == [(-1541.0, "number", None)]
    assert figs("Balance (1,541)") == [(-1541.0, "number", None)]
    assert figs("CHF (95,161)") == [(-95161.0, "chf", None)]


@pytest.mark.parametrize("text,want", [
    ("Twenty-nine (29) people were assisted.", [(29.0, "number", None)]),   # brackets restate, not negate
    ("Lima (31) and Tumbes (12)", [(31.0, "number", None), (12.0, "number", None)]),
    ("ages 10-20 in the programme", [(10.0, "number", None), (20.0, "number", None)]),  # a range, not -20
    ("since COVID-19 began", []),
])
def test_hyphens_and_brackets_that_are_not_signs(text, want):
    assert figs(text) == want


@given(st.integers(min_value=1, max_value=10**12), st.sampled_from(["-", "−"]))
def test_signed_grouped_numbers_round_trip(n, sign):
    assert parse_number(f"{sign}{n:,}").value == -n
    assert parse_number(f"({n:,})").value == -n


# ------------------------------------------------------------------ space thousands


@pytest.mark.parametrize("space", ["\u00a0", "\u202f", "\u2009"])
def test_no_break_and_thin_spaces_always_group(space):
    assert parse_number(f"18{space}719").value == 18719.0
    assert figs(f"CHF 95{space}161 for 18{space}719 people") == [(95161.0, "chf", None), (18719.0, "number", None)]


def test_plain_space_groups_where_the_document_does():
    text = "The DREF allocates CHF 95 161 to assist 18 719 people in 3 regions."
    locale = detect_locale(text)
    assert locale.space_groups
    assert figs(text, locale=locale) == [(95161.0, "chf", None), (18719.0, "number", None), (3.0, "number", None)]
    # a document grouping with commas keeps "120 340" as two numbers
    assert not detect_locale("We reached 1,200 people, 3,400 households and 120 340 cases.").space_groups


@given(st.integers(min_value=1000, max_value=10**12), st.sampled_from([" ", "\u00a0", "\u202f"]))
def test_space_grouped_numbers_round_trip(n, space):
    assert parse_number(f"{n:,}".replace(",", space), SPACED).value == n


# ------------------------------------------------------------------ the document's locale


@pytest.mark.parametrize("text,language,decimal", [
    ("Más de 530.000 personas refugiadas y migrantes viven en el Perú, según las cifras del gobierno.", "es", ","),
    ("Los socios asistieron a 1,5 millones de personas y el 62,5% fueron mujeres.", "es", ","),
    ("Mais de 1.234.567 pessoas foram atendidas pelos parceiros, e também 12,5% das famílias.", "pt", ","),
    ("More than 530,000 refugees and migrants live in Peru; 44.8% of them in Lima.", "en", "."),
    # Spanish words, English-style numbers: the numbers' own evidence wins
    ("Los socios asistieron a 1,540,000 personas y el 44.8% de las familias con 2,345,678 dólares.", "es", "."),
])
def test_detect_locale(text, language, decimal):
    locale = detect_locale(text)
    assert (locale.language, locale.decimal) == (language, decimal)


def test_the_locale_decides_what_1_234_means():
    assert parse_number("1.234", EN).value == 1.234
    assert parse_number("1.234", ES).value == 1234.0
    assert parse_number("1.234.567", ES).value == 1234567.0
    assert parse_number("1,5", ES).value == 1.5
    assert parse_number("1.234,56", ES).value == 1234.56
    with document_locale(ES):  # what extract_report sets for a Spanish document
        assert figs("más de 530.000 personas") == [(530000.0, "number", "lower_bound")]
    assert figs("más de 530.000 personas") == [(530.0, "number", "lower_bound")]  # English outside


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=2))
def test_spanish_numbers_round_trip(n, decimals):
    x = n / 10**decimals
    assert parse_number(es_format(x, decimals), ES).value == pytest.approx(x, rel=1e-12)


@pytest.mark.parametrize("printed,value,unit", [
    ("530 mil", 530_000, "number"), ("1,5 millones", 1_500_000, "number"), ("2 millones", 2_000_000, "number"),
    ("un millón", 1_000_000, "number"), ("USD 1,59 miles de millones", 1_590_000_000, "usd"),
    ("USD 3 mil millones", 3_000_000_000, "usd"), ("USD 273,4 millones", 273_400_000, "usd"),
    ("62,5%", 62.5, "percent"), ("62,5 por ciento", 62.5, "percent"), ("US$ 52,6 M", 52_600_000, "usd"),
    ("quinientos treinta mil", 530_000, "number"), ("doscientos cincuenta y tres", 253, "number"),
    ("veintiún", 21, "number"), ("medio millón", 500_000, "number"),
])
def test_spanish_scales_and_number_words(printed, value, unit):
    assert parse_number(printed, ES) == parse_number(printed, ES).__class__(float(value), unit)


@pytest.mark.parametrize("phrase,qualifier", [
    ("más de", "lower_bound"), ("al menos", "lower_bound"), ("cerca de", "approx"), ("alrededor de", "approx"),
    ("aproximadamente", "approx"), ("unos", "approx"), ("unas", "approx"), ("casi", "upper_bound"),
    ("hasta", "upper_bound"), ("menos de", "upper_bound"), ("por encima de", "lower_bound"),
])
def test_spanish_qualifiers(phrase, qualifier):
    assert figs(f"Los socios asistieron a {phrase} 2.500 personas en Tacna.", locale=ES) == \
        [(2500.0, "number", qualifier)]


def test_spanish_qualifiers_after_the_number_and_before_a_percentage():
    assert figs("Se asistió a 1.200 o más personas.", locale=ES) == [(1200.0, "number", "lower_bound")]
    assert figs("Casi el 30% de los hogares.", locale=ES) == [(30.0, "percent", "upper_bound")]
    assert figs("alrededor del 22,5% de la población", locale=ES) == [(22.5, "percent", "approx")]


def test_spanish_words_are_not_read_in_english_documents():
    assert figs("Once again, the team met in Lima.") == []
    assert figs("Se reunieron una vez en Lima.", locale=ES) == []  # the determiner 'una'


# ------------------------------------------------------------------ currencies


@pytest.mark.parametrize("printed,value,unit", [
    ("CHF 49,122", 49122, "chf"), ("49,122 CHF", 49122, "chf"), ("95,161 Swiss francs", 95161, "chf"),
    ("EUR 5 million", 5_000_000, "eur"), ("€3.5 million", 3_500_000, "eur"), ("5,000 euros", 5000, "eur"),
    ("COP 2,350,000", 2_350_000, "cop"), ("BRL 1,200", 1200, "brl"), ("R$ 1,200", 1200, "brl"),
    ("PEN 1,200", 1200, "pen"), ("S/ 1,200", 1200, "pen"), ("S/.1,200", 1200, "pen"),
    ("USD 136.5 million", 136_500_000, "usd"), ("US$ 330K", 330_000, "usd"), ("$44.8M", 44_800_000, "usd"),
    ("GBP 12", 12, "gbp"), ("£12", 12, "gbp"),
])
def test_currencies_by_iso_code(printed, value, unit):
    parsed = parse_number(printed)
    assert (parsed.value, parsed.unit) == (float(value), unit)


@pytest.mark.parametrize("text", ["ALL 17 REGIONS were covered", "SIS 500 affiliations", "500 NFI kits",
                                  "CEPR decided over 1,200 RSD cases."])
def test_capitals_that_are_no_currency(text):
    assert all(unit == "number" for _, unit, _ in figs(text))


def test_money_statements():
    assert money_statement("All figures are in Swiss Francs (CHF)") == MoneyStatement("chf", 1.0)
    assert money_statement("Budget (USD millions)") == MoneyStatement("usd", 1e6)
    assert money_statement("Figures in thousands of USD") == MoneyStatement("usd", 1e3)
    assert money_statement("Todas las cifras están expresadas en dólares estadounidenses (USD).") == \
        MoneyStatement("usd", 1.0)
    assert money_statement("Cifras en millones de soles") == MoneyStatement("pen", 1e6)
    assert money_statement("People reached by sector") is None
    assert money_statement("Budget in Lima and Tumbes") is None


def test_a_statement_applies_to_money_cells_only():
    chf = MoneyStatement("chf")
    assert restate(95161.0, "number", "95,161", chf, "Shelter | Budget") == (95161.0, "chf")
    assert restate(5.2, "number", "5.2", MoneyStatement("usd", 1e6), "Health") == (5_200_000.0, "usd")
    assert restate(40.0, "percent", "40%", chf, "Shelter | Budget") == (40.0, "percent")
    assert restate(1200.0, "number", "1,200", chf, "People targeted | Shelter") == (1200.0, "number")
    assert restate(10.0, "usd", "USD 10", chf, "Shelter") == (10.0, "usd")  # prints its own currency


# ------------------------------------------------------------------ not figures


@pytest.mark.parametrize("text", [
    "Page | 5", "DREF Operation Update | Page 5 of 12", "5 | Page", "Página 3 de 10",
    "as reported by the Ministry [3].", "see [3, 4] and [12-14]",
    "Operation n° ST-2017-000035-RWA", "GLIDE EP-2023-000123-PER", "MDRVE-2024-000123-ECU",
    "1٢3 items", "1.2.3 reach of the programme",
])
def test_not_figures(text):
    assert figs(text) == []


def test_figures_next_to_markers_are_still_read():
    assert figs("Partners assisted 1,200 people [3].") == [(1200.0, "number", None)]
    assert figs("The DREF budget is CHF 95,161 (Page 5).") == [(95161.0, "chf", None)]


# ------------------------------------------------------------------ table readers share the sign rules


def test_table_readers_keep_the_sign():
    from extractors.families.gtrm_sitrep import parse_grid
    from extractors.indicator_tables import parse_value

    cells = parse_grid([["", "Health", "Shelter", "WASH"], ["Change", "-120", "(35)", "1,200"]])
    assert [(c.col_label, c.value) for c in cells] == [("Health", -120.0), ("Shelter", -35.0), ("WASH", 1200.0)]
    assert [v.value for v in parse_value("−1,234", "budget")] == [-1234.0]
    assert [v.value for v in parse_value("(1,541)", "expenditure")] == [-1541.0]
    assert [(v.value, v.unit) for v in parse_value("USD 5", "budget")] == [(5.0, "usd")]
