"""prose_restates_structured_figure: prose that restates a table, chart or key figure prints the same number.

Runs through real Great Expectations (`expectations.Validator`, one per module) on frames built from
tests/data/gold_facts.csv (as in test_expectations.py), on the real extraction of the sample reports and on
small synthetic frames. The findings of tests/data/consistency_checks.md it covers: D-2, D-3, F-9, F-14
(near misses: warn); F-28..F-32, F-39, F-40, F-12/F-13, D-9, D-10, A-3 (agreeing restatements: pass).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from expectations import ValidationResult, Validator
from expectations import relations as R
from expectations.crosscheck import RELATION, prose_restates_structured_figure, same_stem, stem, words
from extractors.records import FIGURE_COLUMNS
from tests.test_expectations import ARR, FAMILIES, GF, figures_of, find

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sitrep" / "samples"

# every near miss the five sample reports hold (consistency_checks.md): (id, prose value, structured value)
KNOWN_NEAR_MISSES = {("D-2", 4302.0, 4332.0), ("D-3", 537590.0, 537552.0), ("F-9", 29.0, 28.4),
                     ("F-14", 577.0, 562.0)}


# ----------------------------------------------------------------------------- helpers

def pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """The relation rows of this expectation for a figure frame (no GE: the builder, as the runner calls it)."""
    rel = R.build_relations(R.prepare(frame), [RELATION])
    assert rel.attrs["errors"] == []
    return rel


def flagged(frame: pd.DataFrame) -> set[tuple[float, float]]:
    rel = pairs(frame)
    return {(r.lhs, r.rhs) for r in rel[rel["excess"] > 0].itertuples()}


def agreeing(frame: pd.DataFrame) -> set[tuple[float, float]]:
    rel = pairs(frame)
    return {(r.lhs, r.rhs) for r in rel[rel["excess"] <= 0].itertuples()}


def row_of(result: ValidationResult) -> pd.Series:
    rows = result.results[result.results["expectation"] == RELATION]
    assert len(rows) == 1, result.results
    return rows.iloc[0]


def fig(kind: str, value: float, unit: str = "number", evidence: str = "", **dims) -> dict:
    row = dict.fromkeys(FIGURE_COLUMNS)
    raw = dims.pop("raw", None)
    if raw is None:
        m = re.search(r"\d[\d,.]*%?", evidence) if isinstance(evidence, str) else None
        raw = m.group(0) if m else ""
    row.update(kind=kind, value=value, unit=unit, evidence=evidence, raw=raw, **dims)
    return row


def frame_of(*figures: dict) -> pd.DataFrame:
    return pd.DataFrame(list(figures), columns=list(FIGURE_COLUMNS))


def population_chart() -> list[dict]:
    return [fig("chart_data", 4332.0, evidence='["Refugees",4332]', population="Refugees", period="2020"),
            fig("chart_data", 537552.0, evidence='["Asylum-seekers",537552]', population="Asylum-seekers",
                period="2020")]


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


@pytest.fixture(scope="module")
def gold(validator) -> dict[str, tuple[pd.DataFrame, ValidationResult]]:
    out = {}
    for source_file in (GF, ARR):
        frame = figures_of(source_file)
        out[source_file] = (frame, validator.validate(source_file, FAMILIES[source_file], frame))
    return out


@pytest.fixture(scope="module")
def extracted() -> dict[str, tuple[str, pd.DataFrame]]:
    from extractors import extract_report

    out = {}
    for path in sorted(SAMPLES.iterdir()):
        res = extract_report(path.read_bytes(), path.name)
        out[path.name] = (res.family, pd.DataFrame([f.as_row() for f in res.figures], columns=list(FIGURE_COLUMNS)))
    return out


# ----------------------------------------------------------------------------- gold-derived frames

def test_global_focus_refugees_and_asylum_seekers_differ(gold):  # D-2, D-3
    frame, res = gold[GF]
    row = row_of(res)
    assert row["status"] == "warn"
    assert row["observed"] == "2 of 5 relations violated"
    assert flagged(frame) == {(4302.0, 4332.0), (537590.0, 537552.0)}
    details = row["details"]
    assert ("prose 4,302 ('the country host 4,302 recognized as refugees') vs chart_data Refugees 4,332 "
            "[shared: refugees] (diff 30, 0.7%): differs beyond printed rounding") in details
    assert "prose 537,590 ('reported until 31 December 2020 was 537,590') vs chart_data Asylum-seekers 537,552" in (
        details)
    assert "(diff 38, 0.0%)" in details
    # the agreeing restatements are listed too (D-10: 50,000 remote asylum claims, twice)
    assert details.count("agrees within printed rounding") == 3
    assert res.quarantine.empty or RELATION not in set(res.quarantine["expectation"])


def test_arr_departures_and_funding_differ(gold):  # F-9, F-14
    frame, res = gold[ARR]
    row = row_of(res)
    assert row["status"] == "warn"
    assert row["observed"] == "2 of 5 relations violated"
    assert flagged(frame) == {(577.0, 562.0), (29.0, 28.4)}
    details = row["details"]
    assert ("prose 577 ('resulting in 577 people leaving their resettlement countries') vs table 4.2a actual 562 "
            "[shared: resettlement] (diff 15, 2.7%): differs beyond printed rounding") in details
    assert ("prose 29% ('As 29% of the overall needs were funded') vs table Total funds_available_pct 28.40% "
            "[shared: overall, funded] (diff 0.60 points): differs beyond printed rounding") in details
    assert agreeing(frame) == {(80.0, 79.82), (1532.0, 1532.0)}  # F-31, F-12 (gold sentences are cut short)
    assert res.quarantine.empty  # warn: the figures load


def test_no_other_gold_report_is_flagged(validator):
    for source_file in set(FAMILIES) - {GF, ARR}:
        frame = figures_of(source_file)
        assert flagged(frame) == set(), source_file
        assert row_of(validator.validate(source_file, FAMILIES[source_file], frame))["status"] == "pass"


# ----------------------------------------------------------------------------- real extraction

def test_real_extraction_flags_the_known_near_misses_and_nothing_else(extracted):
    found = set()
    for name, (_, frame) in extracted.items():
        found |= {(name, p, s) for p, s in flagged(frame)}
    values = {(p, s) for _, p, s in found}
    known = {(p, s) for _, p, s in KNOWN_NEAR_MISSES}
    assert values == known, sorted(found)
    assert {n for n, _, _ in found} == {GF, ARR}


def test_real_extraction_counts_agreeing_restatements(extracted):
    _, frame = extracted[ARR]
    ok = agreeing(frame)
    # F-28 32.7/32.71, F-29 91/90.83, F-30 54/53.92, F-31 80/79.82, F-32 99.7/99.75, F-39 54/53.93, F-40 5.9/5.89
    assert {(32.7, 32.71), (91.0, 90.83), (54.0, 53.92), (80.0, 79.82), (99.7, 99.75), (54.0, 53.93),
            (5.9, 5.89), (1532.0, 1532.0), (1520.0, 1520.0)} <= ok


# ----------------------------------------------------------------------------- seeded and synthetic

def test_clean_synthetic_frame_passes(validator):
    frame = frame_of(*population_chart(),
                     fig("prose", 4332.0, evidence="Also, the country hosts 4,332 recognized refugees."),
                     fig("prose", 537552.0, evidence="The number of asylum-seekers reached 537,552."))
    res = validator.validate("clean.html", "unhcr_global_focus", frame)
    row = row_of(res)
    assert (row["status"], row["observed"]) == ("pass", "0 of 2 relations violated")
    assert row["details"].count("agrees within printed rounding") == 2


def test_seeded_near_miss_is_caught(validator):
    frame = figures_of(ARR)
    i = find(frame, kind="prose", value=1532.0, evidence="the operation submitted 1,532 people for resettlement")
    frame.at[i, "value"] = 1547.0  # +1 %
    frame.at[i, "raw"] = "1,547"
    res = validator.validate("seeded-" + ARR, "unhcr_arr", frame)
    row = row_of(res)
    assert row["status"] == "warn"
    assert (1547.0, 1532.0) in flagged(frame)
    assert "prose 1,547 ('the operation submitted 1,532 people for resettlement') vs table 15.1 actual 1,532" in (
        row["details"])
    assert "(diff 15, 1.0%)" in row["details"]


def test_seeded_percent_near_miss_and_truncation(validator):
    frame = frame_of(
        fig("table", 99.75, "percent", "1.2 Proportion of children under 5 years of age whose births have been "
            "registered with a civil authority | actual: 99.75%", indicator="1.2", measure="actual"),
        fig("prose", 99.7, "percent", "The share of children whose births were registered reached 99.7%."))
    assert flagged(frame) == set() and agreeing(frame) == {(99.7, 99.75)}  # truncated, not rounded: agrees
    frame.at[1, "value"], frame.at[1, "raw"] = 99.2, "99.2%"
    frame.at[1, "evidence"] = "The share of children whose births were registered reached 99.2%."
    assert flagged(frame) == {(99.2, 99.75)}
    assert row_of(validator.validate("pct.pdf", "unhcr_arr", frame))["status"] == "warn"


def test_qualifier_exempts(validator):
    frame = frame_of(*population_chart(),
                     fig("prose", 4302.0, evidence="The country hosts about 4,302 recognized refugees.",
                         qualifier="approx"))
    res = validator.validate("qualified.html", "unhcr_global_focus", frame)
    row = row_of(res)
    assert row["status"] == "pass"
    assert "differs, but qualified 'approx', allowed" in row["details"]
    frame.at[2, "qualifier"] = None
    assert row_of(validator.validate("unqualified.html", "unhcr_global_focus", frame))["status"] == "warn"


def test_far_apart_values_are_not_paired(validator):
    frame = frame_of(*population_chart(),
                     fig("prose", 43320.0, evidence="The country hosts 43,320 recognized refugees."),
                     fig("prose", 4500.0, evidence="Some 4,500 refugees were assisted."))  # 3.9 % apart
    assert pairs(frame).empty
    row = row_of(validator.validate("far.html", "unhcr_global_focus", frame))
    assert (row["status"], row["observed"]) == ("pass", "no instance in this report (not applicable)")


def test_unnamed_close_values_are_not_paired():
    frame = frame_of(*population_chart(),
                     fig("prose", 4302.0, evidence="The helpline answered 4,302 calls."),  # no 'refugees'
                     fig("prose", 537590.0, evidence="537,590 food rations", unit="usd"))  # other unit
    assert pairs(frame).empty


def test_precise_numbers_pair_without_wording():
    frame = frame_of(*population_chart(), fig("prose", 537590.0, evidence="The official count was 537,590."))
    assert flagged(frame) == {(537590.0, 537552.0)}
    frame.at[2, "value"], frame.at[2, "raw"] = 540000.0, "540,000"  # round number: needs the wording
    frame.at[2, "evidence"] = "The official count was 540,000."
    assert pairs(frame).empty


def test_percent_change_is_not_a_restated_share():
    frame = frame_of(
        fig("table", 17.51, "percent", "OA4: GBV | | funds_available_pct: 17.51%", indicator="OA4",
            measure="funds_available_pct"),
        fig("prose", 18.0, "percent", "Funds available for GBV cases increased by 18% compared to 2022."))
    assert pairs(frame).empty


def test_best_named_candidate_wins():
    """'overall ... funded' names the Total row better than an area row that happens to round to 29."""
    frame = frame_of(
        fig("table", 29.25, "percent", "IA1: Protect | | funds_available_pct: 29.25%", indicator="IA1",
            measure="funds_available_pct"),
        fig("table", 28.4, "percent", "Total | | funds_available_pct: 28.40%", indicator="Total",
            measure="funds_available_pct"),
        fig("prose", 29.0, "percent", "As 29% of the overall needs were funded, UNHCR prioritized four areas."))
    rel = pairs(frame)
    assert len(rel) == 1 and (rel.iloc[0]["lhs"], rel.iloc[0]["rhs"]) == (29.0, 28.4)
    assert rel.iloc[0]["rows"] == (1, 2)


# ----------------------------------------------------------------------------- wording and robustness

def test_stems():
    assert same_stem(stem("refugees"), stem("refugee"))
    assert same_stem(stem("registered"), stem("registration"))
    assert not same_stem(stem("international"), stem("intervention"))
    assert stem("departed") == stem("departure") == stem("depart")
    assert stem("funded") == stem("funds") == stem("funding")
    assert stem("resettlement") == stem("resettled") == stem("resettle")
    assert stem("overall") == stem("total")
    assert set(words("The number of people who departed on resettlement")) == {"depart", "resettl"}


@pytest.mark.parametrize("frame", [
    pd.DataFrame(columns=list(FIGURE_COLUMNS)),
    pd.DataFrame({"value": ["x", None, 3]}),
    pd.DataFrame({"nonsense": [1, 2]}),
    frame_of(fig("prose", float("inf"), evidence=None), fig("table", None, evidence=12)),
    frame_of(fig("prose", 10.0, unit=None, evidence="10 refugees"), fig("chart_data", 10.0, population=3.5)),
])
def test_bad_frames_give_no_relations(frame):
    assert pairs(frame).empty
    assert prose_restates_structured_figure(frame) == []
    assert prose_restates_structured_figure(None) == []


# ----------------------------------------------------------------------------- prose against prose

def _prose(row, value, evidence, raw=None, unit="number", qualifier=None):
    return {"row": row, "kind": "prose", "value": float(value), "unit": unit, "evidence": evidence,
            "raw": raw or f"{value:,}", "qualifier": qualifier}


def test_two_sentences_about_the_same_cards_with_different_numbers_disagree():
    from expectations.crosscheck import prose_figures_disagree

    frame = pd.DataFrame([
        _prose(0, 709, "A total of 709 new virtual cards were issued, and over 109,000 asylum-seekers renewed."),
        _prose(1, 700, "By the year's end, CEPR issued 700 virtual asylum seeker cards, establishing a system."),
    ])
    [rel] = prose_figures_disagree(frame)
    assert rel["rows"] == (0, 1) and rel["excess"] > 0 and "709" in rel["reason"] and "700" in rel["reason"]


def test_sentences_sharing_only_a_topic_or_qualified_are_not_paired():
    from expectations.crosscheck import prose_figures_disagree

    topic = pd.DataFrame([
        _prose(0, 340, "To prevent GBV risks, UNHCR trained 340 government officials and community leaders."),
        _prose(1, 336, "In addition, UNHCR trained 336 community leaders, of whom 70% were women."),
    ])
    assert prose_figures_disagree(topic) == []
    qualified = pd.DataFrame([
        _prose(0, 709, "A total of 709 new virtual asylum seeker cards were issued by CEPR."),
        _prose(1, 700, "CEPR issued some 700 virtual asylum seeker cards.", qualifier="approx"),
    ])
    assert prose_figures_disagree(qualified) == []
    equal = pd.DataFrame([
        _prose(0, 1532, "Submissions of 1,532 refugees for resettlement to third countries."),
        _prose(1, 1532, "UNHCR submitted 1,532 refugees for resettlement to third countries."),
    ])
    assert prose_figures_disagree(equal) == []


def test_real_extraction_flags_only_the_virtual_cards(validator):
    from extractors import extract_report
    from sitrep.artifacts import figures_frame

    from .conftest import SAMPLES

    flagged = {}
    for path in sorted(SAMPLES.iterdir()):
        result = extract_report(path.read_bytes(), path.name)
        res = validator.validate(path.name, result.family, figures_frame(result))
        row = res.results[res.results["expectation"] == "prose_figures_disagree"].iloc[0]
        if row["status"] != "pass":
            flagged[path.name] = row["details"]
    assert list(flagged) == ["unhcr-arr-peru-2023.pdf"]
    assert "prose 709" in flagged["unhcr-arr-peru-2023.pdf"] and "prose 700" in flagged["unhcr-arr-peru-2023.pdf"]


# ----------------------------------------------------------------------------- figure-dense reports

def _log(n: int, value=lambda i: 1200 + i % 37) -> pd.DataFrame:
    """A weekly activity log: n sentences of one wording with close values (every pair within 3 %)."""
    return pd.DataFrame([_prose(i, value(i), f"In week {i}, partners distributed {value(i):,} hygiene kits to "
                                             "refugees and migrants through community kitchens.") for i in range(n)])


def test_a_dense_log_gives_at_most_one_disagreement_per_figure():
    """3,000 close values of one wording: the pairwise check gave a relation per pair (n^2/2, 4.5 million);
    each figure now reports the sentence that most likely says the same thing, so at most n relations."""
    from expectations.crosscheck import prose_figures_disagree

    n = 600
    rels = prose_figures_disagree(_log(n))
    assert 0 < len(rels) <= n
    assert len({r["rows"] for r in rels}) == len(rels)
    covered = {row for r in rels for row in r["rows"]}
    assert covered == set(range(n))  # every figure with a close, different value in the log is still reported


def test_a_dense_log_still_catches_the_odd_value_and_the_known_pair():
    from expectations.crosscheck import prose_figures_disagree

    frame = _log(2000, value=lambda i: 1230 if i == 777 else 1200)
    frame = pd.concat([frame, pd.DataFrame([
        _prose(5000, 709, "A total of 709 new virtual cards were issued, and over 109,000 asylum-seekers renewed."),
        _prose(5001, 700, "By the year's end, CEPR issued 700 virtual asylum seeker cards, establishing a system."),
    ])], ignore_index=True)
    rels = prose_figures_disagree(frame)
    assert {r["rows"] for r in rels if 777 not in r["rows"]} == {(5000, 5001)}
    assert all(r["excess"] > 0 for r in rels) and len(rels) <= len(frame)


def test_prose_against_structured_examines_a_bounded_number_of_candidates():
    """A dense page of prose and table cells of close values: each prose figure pairs with one structured figure
    and the work is the nearest candidates by value, not every pair."""
    n = 1500
    prose = _log(n)
    cells = pd.DataFrame([{"row": n + i, "kind": "table", "value": float(1200 + i % 41), "unit": "number",
                           "evidence": "Hygiene kits distributed", "raw": f"{1200 + i % 41:,}", "indicator": "1.1"}
                          for i in range(n)])
    rels = prose_restates_structured_figure(pd.concat([prose, cells], ignore_index=True))
    assert len(rels) == n  # every prose figure names 'hygiene kits distributed' and has an agreeing cell
    assert all("agrees within printed rounding" in r["reason"] for r in rels)
