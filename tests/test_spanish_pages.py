"""Spanish pages of our own (tests/data/spanish): number locale, scale words, number words, qualifiers
and currencies read from documents sitrep has no sample of, against gold written with the pages."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from extractors import extract_report
from extractors.document import Document
from extractors.numbers import detect_locale

DATA = Path(__file__).parent / "data" / "spanish"
PAGES = sorted(p.name for p in DATA.glob("*.html"))


def _gold() -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = defaultdict(list)
    with (DATA / "gold.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            row["value"] = float(row["value"])
            rows[row["source_file"]].append(row)
    return rows


GOLD = _gold()


@pytest.fixture(scope="module")
def extracted():
    return {name: extract_report((DATA / name).read_bytes(), name) for name in PAGES}


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _match(gold: list[dict], figures) -> tuple[list[tuple[dict, object]], list, list[dict]]:
    """One-to-one matches on exact value and unit; (matched pairs, unmatched figures, missed gold rows)."""
    left = list(figures)
    pairs, missed = [], []
    for row in gold:
        hit = next((f for f in left if f.unit == row["unit"] and _same(f.value, row["value"])
                    and (f.qualifier or "") == row["qualifier"]), None)
        hit = hit or next((f for f in left if f.unit == row["unit"] and _same(f.value, row["value"])), None)
        if hit is None:
            missed.append(row)
        else:
            left.remove(hit)
            pairs.append((row, hit))
    return pairs, left, missed


def test_every_page_has_gold():
    assert PAGES and set(PAGES) == set(GOLD)


@pytest.mark.parametrize("name", PAGES)
def test_each_page_is_read_as_spanish_with_decimal_comma(name):
    locale = detect_locale(Document(name, (DATA / name).read_bytes()).text)
    assert (locale.language, locale.decimal) == ("es", ",")


def test_recall_values_and_units_exact(extracted):
    """Recall >= 0.95 over all pages with value and unit exact; no page below 0.9."""
    found = total = 0
    for name in PAGES:
        pairs, _, missed = _match(GOLD[name], extracted[name].figures)
        assert len(pairs) / len(GOLD[name]) >= 0.9, (name, missed)
        found += len(pairs)
        total += len(GOLD[name])
    assert found / total >= 0.95, found / total


def test_no_figure_the_pages_do_not_print(extracted):
    """Precision: every figure read is one of the page's gold figures (same value and unit)."""
    for name in PAGES:
        _, extra, _ = _match(GOLD[name], extracted[name].figures)
        assert not extra, (name, [(f.value, f.unit, f.raw) for f in extra])


def test_qualifiers_agree(extracted):
    pairs = [p for name in PAGES for p in _match(GOLD[name], extracted[name].figures)[0]]
    agree = sum((fig.qualifier or "") == row["qualifier"] for row, fig in pairs)
    assert agree / len(pairs) >= 0.95, [(row["context"], fig.qualifier) for row, fig in pairs
                                        if (fig.qualifier or "") != row["qualifier"]]


def test_the_issue_examples(extracted):
    """más de 530.000 is 530000 (not 530.0), money carries its ISO code, negatives keep their sign."""
    figures = [f for name in PAGES for f in extracted[name].figures]
    by_raw = {f.raw: f for f in figures}
    assert (by_raw["530.000"].value, by_raw["530.000"].qualifier) == (530000.0, "lower_bound")
    assert (by_raw["2,8 millones"].value, by_raw["2,8 millones"].qualifier) == (2.8e6, "approx")
    assert (by_raw["USD 1,2 millones"].value, by_raw["USD 1,2 millones"].unit) == (1.2e6, "usd")
    assert (by_raw["COP 2.350.000.000"].value, by_raw["COP 2.350.000.000"].unit) == (2.35e9, "cop")
    assert (by_raw["R$ 1.850,50"].value, by_raw["R$ 1.850,50"].unit) == (1850.5, "brl")
    assert (by_raw["(1.541)"].value, by_raw["(1.541)"].unit) == (-1541.0, "usd")
    assert by_raw["−2.300"].value == -2300.0
    assert (by_raw["22,5%"].value, by_raw["22,5%"].unit) == (22.5, "percent")
    assert by_raw["1,54 M"].value == 1_540_000.0
