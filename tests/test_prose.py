"""extractors.prose.find_figures: figures in sentences, with qualifier, unit, place and period.

Sentences are taken from (or modelled on) the five Peru reports; the expected values follow
tests/data/gold_facts.csv.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.prose import ProseContext, find_figures
from extractors.records import UNITS


def figs(text: str, **kw) -> list[tuple]:
    return [(f.value, f.unit, f.qualifier) for f in find_figures(text, **kw)]


def one(text: str, **kw):
    found = find_figures(text, **kw)
    assert len(found) == 1, [(f.value, f.raw) for f in found]
    return found[0]


# ------------------------------------------------------------------ qualifiers


@pytest.mark.parametrize("text, value, qualifier", [
    ("There are currently more than 864,000 Venezuelan nationals in the country.", 864000, "lower_bound"),
    ("Above 864,000 Venezuelans living in Peru", 864000, "lower_bound"),
    ("Over 180 Venezuelan nationals were interviewed.", 180, "lower_bound"),
    ("of which at least 16 were denied", 16, "lower_bound"),
    ("the Venezuelan population in Peru exceeded 1.5 million individuals.", 1_500_000, "lower_bound"),
    ("GTRM Partners distributed over 13,300 hot and cold meals", 13300, "lower_bound"),
    ("Furthermore, almost 15,600 rations of food were provided", 15600, "upper_bound"),
    ("nearly 1,000 liters of water were distributed", 1000, "upper_bound"),
    ("(which can take up to five weeks)", 5, "upper_bound"),
    ("The proportion of children under five years whose births were registered", 5, "upper_bound"),
    ("fewer than 60 people", 60, "upper_bound"),
    ("Some 1,400 persons received psychosocial support", 1400, "approx"),
    ("specific protection responses to around 40 Venezuelan nationals", 40, "approx"),
    ("medical assistance to about 100 host community people", 100, "approx"),
    ("roughly 70 people", 70, "approx"),
    ("close to 80 people", 80, "approx"),
    ("approximately 90 families", 90, "approx"),
    ("4000+ beds in temporal shelter", 4000, "lower_bound"),
    ("In total 1,850 persons accessed these services.", 1850, None),
    ("A further 9,840 rations of food were also distributed", 9840, None),
    ("reflected in only 5.9% of forcibly displaced people", 5.9, None),
])
def test_qualifiers(text, value, qualifier):
    f = one(text)
    assert (f.value, f.qualifier) == (value, qualifier)


def test_around_as_a_preposition_is_not_approximate():
    f = one("The RMRP 2020 is articulated around three strategic priorities.")
    assert (f.value, f.qualifier) == (3, None)


def test_a_range_shares_its_qualifier():
    assert figs("some 300 to 900 irregular entries were reported daily") == [
        (300, "number", "approx"), (900, "number", "approx")]
    assert figs("the seed capital will range between USD 900 up to USD 1,800 approximately.") == [
        (900, "usd", "approx"), (1800, "usd", "approx")]


def test_two_qualified_figures_in_one_sentence():
    assert figs("Some 150 persons received almost USD 22,400 in CBI support") == [
        (150, "number", "approx"), (22400, "usd", "upper_bound")]
    assert figs("achieved incomes exceeding S/1,200 (around $324) after completing the programme") == [
        (1200, "pen", "lower_bound"), (324, "usd", "approx")]


# ------------------------------------------------------------------ units and scales


@pytest.mark.parametrize("text, value, unit", [
    ("REFUGEES AND MIGRANTS IN PERU 1.54M", 1_540_000, "number"),
    ("FUNDED: $44.8M", 44_800_000, "usd"),
    ("REQUIREMENT: $318M", 318_000_000, "usd"),
    ("FUNDING SITUATION 14%", 14, "percent"),
    ("requested an overall funding of USD 136.5 million", 136_500_000, "usd"),
    ("(totalling almost USD 330K)", 330_000, "usd"),
    ("with over 75 per cent living in Lima", 75, "percent"),
    ("1.1 Proportion of people: 0.80%", 0.8, "percent"),
    ("With over one million refugees and migrants", 1_000_000, "number"),
    ("reached over three million people", 3_000_000, "number"),
    ("tackling the backlog of over half a million asylum cases", 500_000, "number"),
    ("of which half had a migration card", 50, "percent"),
    ("one million Venezuelan refugees and migrants, half of them asylum seekers", 1_000_000, "number"),
])
def test_units(text, value, unit):
    found = find_figures(text)
    assert (found[0].value, found[0].unit) == (value, unit)


def test_percent_sign_shared_by_a_pair():
    assert figs("poverty rates among Peruvians reached 28 and 5% of the population") == [
        (28, "percent", None), (5, "percent", None)]


def test_raw_is_the_number_as_printed():
    found = find_figures("Integration (USD 60.5 million) and Twenty-nine (29) partners, 2,000+ kits")
    assert [f.raw for f in found] == ["USD 60.5 million", "Twenty-nine (29)", "2,000+"]


# ------------------------------------------------------------------ spelled-out numbers


def test_word_and_digits_are_one_figure():
    f = one("Twenty-nine (29) partners delivered life-saving goods and services")
    assert (f.value, f.raw) == (29, "Twenty-nine (29)")


def test_every_two_counts():
    assert figs("Two of these victims were children (boys), two women and two men.") == [
        (2, "number", None)] * 3


@pytest.mark.parametrize("text, values", [
    ("One thousand five hundred thirty-two individuals were submitted", [1532]),
    ("Fifty of them received training and seed capital.", [50]),
    ("UNHCR works with more than ten national and international NGO partners", [10]),
    ("An additional two-day workshop on Child Protection", [2]),
    ("reached its highest point in the last two decades", [2]),
    ("co-led one of the six groups for the governance", [6]),  # 'one' is a determiner
    ("During the first couple of weeks almost 245,000 foreigners", [245000]),
    ("a participatory workshop and a 60-day grace period", [60]),
    ("hundreds of individuals and thousands of families", []),
    ("the Zero Tolerance Policy against Sexual Exploitation", []),
    ("two-thirds of them, in the twenty-first century", []),
    ("The process commenced in the latter half of 2023", []),
    ("(94 women, 25 men, and ten children)", [94, 25, 10]),
])
def test_spelled_out(text, values):
    assert [f.value for f in find_figures(text)] == values


def test_one_in_brackets_after_a_place_is_a_figure():
    found = find_figures("present in Santa (one) and Yunguyo (one).")
    assert [(f.value, f.location) for f in found] == [(1, "Santa"), (1, "Yunguyo")]


# ------------------------------------------------------------------ not figures


@pytest.mark.parametrize("text", [
    "On 19 September, the Government of Peru declared a state of emergency.",
    "reported until 31 Dec 2020 and during 2020",
    "Between 5 and 8 September, the Regional Refugee Coordinator visited Tacna.",
    "UNHCR / May 31,2024",
    "25-NOV-2021 Germany",
    "retrieved online on 19/11/2019 at 10:30",
    "the amnesty approved by the Congress (Law No.31732)",
    "Decreto Supremo N° 010-2020-IN",
    "Section 1: Context and Overview",
    "Area of Intervention 3: Socio Economic and Cultural Integration",
    "Figure 1 Arrivals and departures of Venezuelan refugees and migrants (2017-2019)",
    "1.1 Changes to the Operational Context",
    "2.1. Outcomes and Achievements",
    "indicators OA4 and IA1, area 3.2a",
    "Aguas Verdes, Matapalo, Papayal and Zarumilla.1",
    "by immigration raids in the area2.",
    "the second country of arrival, the first session, the 4th annual course",
    "Peru is the 2nd host country",
    "COVID-19 and R4V",
    "13",
    "Contact: zanazzi@unhcr.org, https://www.migraciones.gob.pe/?p=15229, www.r4v.info/en/peru2",
    "Tel: +51 1 234 5678",
    "three strategic priorities: 1) to provide access, 2) Strengthen prevention",
    "1 Information widely circulated through the media, https://elcomercio.pe/videos/679212-noticia/",
    "the 16 Days of Activism against GBV",
    '[["Refugees",4332],["Asylum-seekers",537552]]',
])
def test_not_figures(text):
    assert figs(text) == [] or text.startswith("three")  # 'three' itself is a figure
    if text.startswith("three"):
        assert figs(text) == [(3, "number", None)]


# ------------------------------------------------------------------ locations


@pytest.mark.parametrize("text, expected", [
    ("There are currently more than 864,000 Venezuelan nationals in the country, with over 75 per cent "
     "living in Lima.", [None, "Lima"]),
    ("In Cusco, more than 10,000 thermic blankets were distributed.", ["Cusco"]),
    ("In Tumbes and Tacna around 50 law enforcement officials received two workshops.",
     ["Tumbes; Tacna", "Tumbes; Tacna"]),
    ("A further 9,840 rations of food were also distributed in the northern cities of Trujillo and Chiclayo.",
     ["Trujillo; Chiclayo"]),
    ("To help destitute refugees and migrants, 220,000 food rations were provided in 23 shelters and "
     "temporary centres in Arequipa, Lima, Tacna, and Tumbes.",
     ["Arequipa; Lima; Tacna; Tumbes", "Arequipa; Lima; Tacna; Tumbes"]),
    ("A total of 39 organizations assisted refugees in 12 departments and 18 provinces around the country, "
     "focusing in the capital city of Lima (31) and in the northern border with Ecuador.",
     [None, None, None, "Lima"]),
    ("Local and international organizations are also present in Tacna (nine), Trujillo (eight) and Ilo (two).",
     ["Tacna", "Trujillo", "Ilo"]),
    ("Out of them, 12 departed to Australia, 53 to Canada and 512 to the United States, allowing 577 "
     "refugees to access a durable solution", ["Australia", "Canada", "United States", None]),
    ("declared a state of emergency in two districts of Lima (San Juan de Lurigancho and San Martín de "
     "Porres, where around 20 per cent of refugees and migrants from Venezuela reside) and Piura",
     ["Lima", "San Juan de Lurigancho; San Martín de Porres"]),
    ("Partners provided almost 6,800 consultations in Desaguadero, La Libertad and Piura; community fairs "
     "(reaching over 2,500 more individuals compared to August).", ["Desaguadero; La Libertad; Piura", None]),
    ("Additionally, 1,300 people in Lima and the north of Peru (Trujillo, Tumbes, and Piura) received "
     "consultations.", ["Lima; Trujillo; Tumbes; Piura"]),
    ("In September, partners reached around 2,000 refugees, including delivery of kits to over 2,120 people, "
     "and cash transfers to access shelter to 250 people in La Libertad and Lima.",
     [None, None, "La Libertad; Lima"]),
    ("In Tumbes, police increased patrol surveillance, while in Tacna 180 police officers guarded multiple "
     "irregular crossing points.", ["Tacna"]),
    ("the improvement of three CEMs in Arequipa and Tumbes (x2), a Temporary Shelter (Tumbes)",
     ["Arequipa; Tumbes", "Tumbes"]),
    ("Jointly with SNM, the GTRM in Trujillo organized the III Entregatón, providing services to 1,967 "
     "refugees and migrants.", ["Trujillo"]),
])
def test_locations(text, expected):
    assert [f.location for f in find_figures(text)] == expected


@pytest.mark.parametrize("text", [
    "Socio-economic and cultural inclusion is currently covered by 20 organizations mostly in Lima and Tumbes.",
    "Some 100 refugees benefited from alternative accommodations, including in the region of Tumbes.",
    "new lockdown measures implemented in 10 regions, including metropolitan Lima",
    "almost 245,000 foreigners living in Peru had already registered online.",
    "over 100 refugees and migrants blocked the traffic at the border connecting Chile and Peru",
    "The appeal states a presence of partners in 23 departments with most of the proposed activities "
    "planned in Arequipa, Cusco, Lima, Tacna and Tumbes.",
    "With the Municipality of San Martín de Porres technical support, 3 months of training.",
    "up to three times per week at Santa Ana Soup Kitchen",
])
def test_no_single_place(text):
    assert [f.location for f in find_figures(text)] == [None]


def test_place_from_the_sentence_before_when_it_had_no_figure():
    text = ("Partners conducted a protection monitoring exercise in Mancora (Tumbes) in October. "
            "Over 180 Venezuelan nationals were interviewed.")
    assert one(text).location == "Mancora"


def test_place_from_the_sentence_before_when_pointed_back_to():
    text = ("Partners distributed 800 school kits through the Lima Learns programme. "
            "Over 70 per cent of children enrolled through this programme are Venezuelans.")
    assert [f.location for f in find_figures(text)] == ["Lima", "Lima"]
    text = ("Partners provided some 550 individuals with financial education in Lima, La Libertad and Piura. "
            "In addition, almost 400 people received training.")
    assert [f.location for f in find_figures(text)] == ["Lima; La Libertad; Piura", None]


def test_opening_place_holds_for_the_paragraph_and_the_context():
    ctx = ProseContext()
    first = find_figures("In Tumbes, partners continued providing legal orientation. Over 70 people with HIV "
                         "received psychosocial support.", context=ctx)
    assert [f.location for f in first] == ["Tumbes"]
    assert ctx.location == "Tumbes"
    later = find_figures("Additionally, 20 Police officers received informative sessions.", context=ctx)
    assert [f.location for f in later] == ["Tumbes"]
    ctx.reset()
    assert [f.location for f in find_figures("Additionally, 20 Police officers.", context=ctx)] == [None]


def test_a_district_opening_holds_for_its_paragraph_only():
    ctx = ProseContext(location="Lima")
    found = find_figures("In San Martin de Porres district, a brigade assisted about 100 people. "
                         "Moreover, around 200 children took part.", context=ctx)
    assert [f.location for f in found] == ["San Martin de Porres", "San Martin de Porres"]
    assert ctx.location == "Lima"
    assert one("Some 500 refugees participated in the fair.", context=ctx).location == "Lima"


def test_an_aside_opening_does_not_set_the_paragraph():
    text = ("In October, a local GTRM was established in Tumbes. Likewise, in Tacna partners drafted an "
            "organizational chart. Three new organizations integrated the GTRM.")
    assert one(text).location is None


# ------------------------------------------------------------------ periods


@pytest.mark.parametrize("text, periods", [
    ("In 2023, CEMs attended 166,313 survivors, of which 85.5% were women.", ["2023", "2023"]),
    ("reducing the time from 99 days in 2022 to 54 in 2023.", ["2022", "2023"]),
    ("One thousand five hundred thirty-two individuals were submitted, marking a 31% increase compared "
     "to 2022.", [None, None]),
    ("Since its establishment in 2018, UNHCR has responded to four consecutive emergencies", [None]),
    ("Some 1,520,000 Venezuelans arrived in or transited through Peru since 2016", [None]),
    ("This may contrast with the results of the ENPOVE 2022, where only 32.7% of the population", ["2022"]),
    ("The official number reported until 31 December 2020 was 537,590, of which over 532,000 were "
     "Venezuelans.", ["2020", "2020"]),
    ("Peru implemented a regularization process until November 2023, opening four Assistance Centers",
     [None]),
    ("As a result, 46.1% of the participants in the 2023 livelihoods strategy achieved incomes exceeding "
     "S/1,200", ["2023", None]),
    ("tackling the backlog of over half a million asylum cases by submitting a pledge at the 2023 Global "
     "Refugee Forum", [None]),
    ("not only the 84 organizations participating in the RMRP in Peru for 2023", ["2023"]),
    ("Increase in 2020 1,557,276", ["2020"]),
])
def test_periods(text, periods):
    assert [f.period for f in find_figures(text)] == periods


def test_plan_year_holds_for_its_paragraph():
    text = ("Partners finalized the Peru chapter for the Refugee and Migrant Response Plan (RMRP) 2020. "
            "In total, eight United Nations agencies requested USD 136.5 million.")
    assert [f.period for f in find_figures(text)] == ["2020", "2020"]


def test_month_of_an_annual_report():
    text = "According to the mid-year report, in June, the population in Peru exceeded 1.5 million individuals."
    assert one(text, report_period="2023").period == "2023-06"
    assert one(text, report_period="2023-09").period is None
    assert one("claims were lodged after a system was launched in June, 50,000 of them",
               report_period="2020").period is None


def test_passed_period_is_the_default():
    assert one("300,000 refugees received support", period="2020").period == "2020"
    assert one("In 2021, 300,000 refugees received support", period="2020").period == "2021"


# ------------------------------------------------------------------ pass-through, sector, metric, evidence


def test_pass_through_and_evidence():
    f = one("  Partners   assisted\n 2,901 individuals.  Then more.", kind="key_figure", page=4,
            sector="Shelter", section="Well-being")
    assert (f.kind, f.page, f.sector, f.section) == ("key_figure", 4, "Shelter", "Well-being")
    assert f.evidence == "Partners assisted 2,901 individuals."
    assert f.metric == "people_reached"


def test_sector_printed_before_an_amount():
    found = find_figures("in the sectors of Integration (USD 60.5 million) Protection (USD 26.2 million), "
                         "Cash-based Interventions (USD 16 million)")
    assert [(f.value, f.sector) for f in found] == [
        (60_500_000, "Integration"), (26_200_000, "Protection"),
        (16_000_000, "Multipurpose Cash-Based Interventions")]


def test_sector_of_a_working_group():
    f = one("In September, eight partners of the CBI working group signed a data sharing agreement")
    assert (f.value, f.sector) == (8, "Multipurpose Cash-Based Interventions")
    assert one("eight partners of the CBI working group", sector="Protection").sector == "Protection"


def test_metric_comes_from_the_clause():
    found = find_figures("377,000 have sought asylum, and 25 partners signed.")
    assert [f.metric for f in found] == ["asylum_claims", "partners"]


# ------------------------------------------------------------------ robustness


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=300))
def test_random_text_never_raises_and_raw_is_in_the_input(text):
    for f in find_figures(text, context=ProseContext(), report_period="2023"):
        assert f.raw and f.raw in text
        assert f.unit in UNITS  # number, percent or an ISO 4217 code
        assert f.value == f.value  # not NaN


_PIECES = st.sampled_from([
    "0", "1", "7", "29", "416", ",", ".", "%", "+", "$", "USD ", "S/", " per cent", " million", "M", "K",
    " ", "\n", "(", ")", "-", "/", ":", ";", "half", " one", " two", "twenty-", "nine", " thousand ",
    "In Lima, ", "Tumbes", " to Canada", "more than ", "some ", "up to ", "between ", " and ", " to ",
    "2020", "September", "No.", "https://x.org/5", "a@b.org", "Section ", "(x", "RMRP ", "\x00", "é", "Perú",
])


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_number_like_text_never_raises(text):
    ctx = ProseContext()
    for f in find_figures(text, context=ctx, report_period="2023"):
        assert f.raw and f.raw in text
        assert f.unit in UNITS  # number, percent or an ISO 4217 code


def test_non_text_input():
    assert find_figures("") == []
    assert find_figures("   \n ") == []
    assert find_figures(None) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("text,parts", [
    ("UNHCR assisted 969 cases at risk of GBV and/or GBV survivors, of which 143 survivors received support.",
     {969: False, 143: True}),
    ("UNHCR and partners provided legal orientation to 31,848 people, out of which 3,746 were at the border.",
     {31848: False, 3746: True}),
    ("Partners reached 2,000 refugees, including 300 children, among them 40 unaccompanied.",
     {2000: False, 300: True, 40: True}),
    ("The UPE assisted 28,363 cases. It also assisted 1,823 cases in Lima.", {28363: False, 1823: False}),
])
def test_a_figure_after_of_which_is_flagged_part_of(text, parts):
    """'of which', 'out of which', 'including', 'among them' make the figure after them a part of one before
    it in the same sentence: flagged `part_of` so it is never added to it."""
    got = {f.value: "part_of" in (f.flags or "") for f in find_figures(text)}
    assert got == parts


@pytest.mark.parametrize("after,things", [
    (" workshops dedicated to the investigation", True), (" safe spaces, mainly", True),
    ("-day workshop on Child Protection", True), (" families with children at risk", True),
    (" received school kits", False), (" law enforcement officials", False), (" cases at risk of GBV", False),
    (" people with HIV", False), (" targeted population at the border", False),
])
def test_counts_things_reads_the_words_after_the_number(after, things):
    from extractors.vocab import counts_things
    assert counts_things(after) is things
