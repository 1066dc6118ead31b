"""extractors.numbers: one printed number -> value and unit (properties and examples)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.numbers import Parsed, parse_digits, parse_number, split_word_run, words_to_number
from extractors.prose import find_figures

# ------------------------------------------------------------------ an independent speller for the tests

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spell(n: int, *, hyphen: bool = True, use_and: bool = False) -> str:
    """English words for 0 <= n <= 9999 ('one thousand five hundred thirty-two')."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ((("-" if hyphen else " ") + _ONES[ones]) if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = f"{_ONES[hundreds]} hundred"
        return head + ((" and " if use_and else " ") + spell(rest, hyphen=hyphen) if rest else "")
    thousands, rest = divmod(n, 1000)
    head = f"{spell(thousands, hyphen=hyphen)} thousand"
    return head + (" " + spell(rest, hyphen=hyphen, use_and=use_and) if rest else "")


def test_the_speller_itself():
    assert spell(1532) == "one thousand five hundred thirty-two"
    assert spell(29) == "twenty-nine"
    assert spell(105, use_and=True) == "one hundred and five"


# ------------------------------------------------------------------ properties

counts = st.integers(min_value=0, max_value=10**12)


@given(counts)
def test_thousands_separators_round_trip(n):
    parsed = parse_number(f"{n:,}")
    assert parsed == Parsed(float(n), "number")


@given(counts)
def test_plain_digits_round_trip(n):
    assert parse_number(str(n)).value == float(n)


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_decimals_round_trip(d):
    parsed = parse_number(f"{d:,.2f}")
    assert parsed is not None and parsed.unit == "number"
    assert parsed.value == float(d)


@given(st.decimals(min_value=0, max_value=9999, places=1, allow_nan=False, allow_infinity=False),
       st.sampled_from([("M", 10**6), ("K", 10**3), (" million", 10**6), (" thousand", 10**3),
                        (" billion", 10**9), ("m", 10**6), ("k", 10**3), ("bn", 10**9)]))
def test_scales_round_trip(d, scale):
    suffix, factor = scale
    parsed = parse_number(f"{d}{suffix}")
    assert parsed is not None
    assert parsed.value == float(d * factor)  # exact: 16.4 million is 16400000, not 16399999.999...


@given(st.integers(min_value=0, max_value=10**9),
       st.sampled_from([("USD ", "usd"), ("US$", "usd"), ("US$ ", "usd"), ("$", "usd"), ("S/", "pen"),
                        ("S/.", "pen"), ("S/ ", "pen"), ("PEN ", "pen")]))
def test_currency_prefixes(n, currency):
    prefix, unit = currency
    assert parse_number(f"{prefix}{n:,}") == Parsed(float(n), unit)


@given(st.decimals(min_value=0, max_value=999, places=1, allow_nan=False, allow_infinity=False),
       st.sampled_from(["M", " million"]))
def test_scaled_currency(d, suffix):
    assert parse_number(f"USD {d}{suffix}") == Parsed(float(d * 10**6), "usd")
    assert parse_number(f"${d}{suffix}") == Parsed(float(d * 10**6), "usd")


@given(st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False),
       st.sampled_from(["%", " %", " per cent", " percent", "per cent"]))
def test_percentages(d, sign):
    assert parse_number(f"{d}{sign}") == Parsed(float(d), "percent")


@given(st.integers(min_value=0, max_value=9999), st.booleans(), st.booleans(), st.booleans())
def test_number_words_round_trip(n, hyphen, use_and, capital):
    words = spell(n, hyphen=hyphen, use_and=use_and)
    if capital:
        words = words[0].upper() + words[1:]
    assert words_to_number(words) == float(n)
    assert parse_number(words) == Parsed(float(n), "number")


@given(st.integers(min_value=1, max_value=9999))
def test_number_words_in_a_sentence(n):
    words = spell(n)
    figures = find_figures(f"Partners reached {words} refugees in Lima.")
    assert [(f.value, f.unit, f.raw) for f in figures] == ([] if n == 1 else [(float(n), "number", words)])


@given(st.integers(min_value=0, max_value=10**9).filter(lambda n: not 1900 <= n <= 2100),
       st.sampled_from(["", "USD ", "$"]), st.sampled_from(["", "%"]))
def test_formatted_numbers_in_a_sentence(n, currency, percent):
    printed = f"{currency}{n:,}{percent}"
    figures = find_figures(f"In total, {printed} were counted.")
    if currency and percent:  # "$5%" is no amount and no share: refused, never guessed (extractors/numbers.py)
        assert parse_number(printed) is None
        assert figures == []
        return
    unit = "usd" if currency else "percent" if percent else "number"
    assert [(f.value, f.unit, f.raw) for f in figures] == [(float(n), unit, printed)]


# ------------------------------------------------------------------ examples


@pytest.mark.parametrize("printed, value, unit", [
    ("416,839", 416839, "number"),
    ("3457", 3457, "number"),
    ("0.80%", 0.8, "percent"),
    ("1.54M", 1_540_000, "number"),
    ("USD 136.5 million", 136_500_000, "usd"),
    ("USD 16.4 million", 16_400_000, "usd"),
    ("$44.8M", 44_800_000, "usd"),
    ("$318M", 318_000_000, "usd"),
    ("USD 330K", 330_000, "usd"),
    ("US$ 1,800", 1800, "usd"),
    ("S/1,200", 1200, "pen"),
    ("S/. 1,200", 1200, "pen"),
    ("25 soles", 25, "pen"),
    ("75 per cent", 75, "percent"),
    ("14%", 14, "percent"),
    ("Twenty-nine", 29, "number"),
    ("One thousand five hundred thirty-two", 1532, "number"),
    ("one million", 1_000_000, "number"),
    ("three million", 3_000_000, "number"),
    ("half a million", 500_000, "number"),
    ("fifty per cent", 50, "percent"),
    ("zero", 0, "number"),
])
def test_examples(printed, value, unit):
    parsed = parse_number(printed)
    assert parsed is not None and (parsed.value, parsed.unit) == (value, unit)
    assert not parsed.malformed and not parsed.plus


def test_malformed_group_keeps_its_literal_value_and_is_flagged():
    assert parse_number("52,9960") == Parsed(529960.0, "number", malformed=True)
    assert parse_digits("52,9960") == (529960.0, True)
    assert parse_digits("416,839") == (416839.0, False)
    [figure] = find_figures("52,9960 people received emergency cash assistance")
    assert (figure.value, figure.flags, figure.raw) == (529960.0, "malformed_number", "52,9960")


def test_trailing_plus_is_a_lower_bound():
    assert parse_number("2,000+") == Parsed(2000.0, "number", plus=True)
    [figure] = find_figures("2,000+ Liters of water distributed")
    assert (figure.value, figure.qualifier) == (2000.0, "lower_bound")


@pytest.mark.parametrize("printed", ["", "   ", "abc", "1,2,3", "two two", "$5%", "1.2.3", "and", "12 people",
                                     "half", "a million", "1,23456"])
def test_not_one_number(printed):
    assert parse_number(printed) is None


def test_word_runs_split_into_numbers():
    assert [v for _, _, v in split_word_run("two and three")] == [2.0, 3.0]
    assert [v for _, _, v in split_word_run("one hundred and five")] == [105.0]
    assert [v for _, _, v in split_word_run("twenty-nine")] == [29.0]


def test_words_that_are_not_a_number():
    assert words_to_number("two two") is None
    assert words_to_number("") is None
    assert words_to_number("and") is None
    assert words_to_number("half a billion") == 500_000_000
