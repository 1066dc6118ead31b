"""Fuzzing (hypothesis): the number parser, the prose parser and the HTML and PDF extractors on random
text and on mutated sample reports. Three properties:

- no exception escapes other than `sitrep.errors.ExtractError` (which names the report);
- no figure is invented: its printed text (`raw`) is in the input, its value has the raw's digits,
  and text with no digits and no number words gives no figures;
- valid input is read: pages and files that stay valid under the generated edits (whitespace between
  tags, bytes after a PDF's end, a generated sentence in a page) extract without error and give the
  expected figures (the gold figures of tests/data/gold_facts.csv, the generated number).
"""

from __future__ import annotations

import html
import re
from decimal import Decimal
from functools import cache

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from extractors import extract_report
from extractors.document import Document
from extractors.numbers import WORD_NUMBER_RE, parse_number
from extractors.prose import find_figures
from extractors.records import UNITS
from sitrep.errors import ExtractError

from . import faultdata as fd
from .conftest import assert_reads_gold, gold_for

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MUTANTS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PDF_MUTANTS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])

def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _significant(digits: str) -> str:
    return digits.lstrip("0").rstrip("0")


def value_has_raw_digits(raw: str, value: float | None) -> bool:
    """'1.54M' -> 1540000 and '52,9960' -> 529960 keep the printed digits; a value from nowhere does not."""
    printed = "".join(ch for ch in raw if ch.isdigit() and ch.isascii())
    if not printed or value is None:
        return True  # number words ('Twenty-nine') are checked by the word rules
    stored = "".join(ch for ch in format(Decimal(repr(value)), "f") if ch.isdigit())
    return _significant(stored).startswith(_significant(printed))


def assert_not_invented(figures, text: str) -> None:
    haystack = _squash(text)
    for figure in figures:
        assert figure.raw, figure
        # PDF tables are read by camelot, whose text can differ from pdfium's in a damaged file's fonts
        # ('Extensive: 70 points' for 'Extensive: ≥70 points'): then each of the raw's digit runs must be there
        assert _squash(figure.raw) in haystack or (figure.kind == "table" and all(
            run in haystack for run in re.findall(r"\d+", figure.raw))), (figure.raw, text[:300])
        assert any(ch.isdigit() for ch in figure.raw) or WORD_NUMBER_RE.search(figure.raw) \
            or re.search(r"\b(?:zero|half)\b", figure.raw, re.I), figure.raw  # 'half of them': 50 percent
        assert value_has_raw_digits(figure.raw, figure.value), (figure.raw, figure.value)


# --- numbers and prose -----------------------------------------------------------------------------------------

PROSE_WORDS = ["refugees", "migrants", "from", "Venezuela", "in", "Lima", "Peru", "received", "assistance", "more",
               "than", "some", "about", "up", "to", "over", "USD", "US$", "S/", "million", "thousand", "per", "cent",
               "%", "+", "people", "households", "2023", "October", "health", "shelter", "the", "and", "a", "half",
               "twenty-nine", "one", "hundred", "K", "M", "bn", ",", ".", ";", "(", ")", "-", "–", "\n", "\n\n"]
NUMBERISH = st.one_of(
    st.integers(0, 10**10).map(lambda n: f"{n:,}"),
    st.integers(0, 10**6).map(str),
    st.floats(0, 10**6, allow_nan=False).map(lambda x: f"{x:.2f}"),
    st.sampled_from(["52,9960", "1.54M", "USD 136.5 million", "0.80%", "2,000+", "Twenty-nine", "half a million",
                     "US$ 330K", "S/ 1,000", "75 per cent", "1.2bn", "9,99,999", "0.000", "٣٤٥", "1e9"]),
)
PROSE = st.lists(st.one_of(st.sampled_from(PROSE_WORDS), NUMBERISH), max_size=60).map(" ".join)
NO_NUMBER_WORDS = ["refugees", "migrants", "from", "Venezuela", "in", "Lima", "received", "assistance", "more",
                   "than", "the", "and", "health", "shelter", "per", "cent", "USD", "%", "$", "K", "M", ",", ".", "(",
                   ")", "+", "-", "\n", "percent", "someone", "often", "tenant", "none", "zeroes", "Hundredth",
                   "nineteenth-century", "oneness"]


@FAST
@given(st.text(max_size=400))
def test_parse_number_never_raises_on_any_text(text):
    parsed = parse_number(text)
    if parsed is not None:
        assert parsed.unit in UNITS  # number, percent or an ISO 4217 code
        assert parsed.value == parsed.value  # not NaN


@FAST
@given(st.integers(0, 10**12), st.sampled_from(["", "USD ", "US$", "S/ "]), st.booleans())
def test_parse_number_reads_grouped_digits_back(n, currency, plus):
    parsed = parse_number(f"{currency}{n:,}{'+' if plus else ''}")
    assert parsed is not None and parsed.value == n and parsed.plus == plus
    assert parsed.unit == {"": "number", "USD ": "usd", "US$": "usd", "S/ ": "pen"}[currency]


@FAST
@given(st.text(max_size=600))
def test_find_figures_on_random_text(text):
    assert_not_invented(find_figures(text), text)


@FAST
@given(PROSE)
def test_find_figures_on_prose_like_text(text):
    figures = find_figures(text, report_period="2023")
    assert_not_invented(figures, text)
    for figure in figures:
        assert figure.qualifier in (None, "lower_bound", "upper_bound", "approx")
        assert figure.unit in UNITS


@FAST
@given(st.lists(st.sampled_from(NO_NUMBER_WORDS), max_size=80).map(" ".join))
def test_text_without_digits_or_number_words_gives_no_figures(text):
    assert find_figures(text) == []
    assert parse_number(text) is None


@FAST
@given(st.text(alphabet=st.characters(blacklist_categories=["Nd", "Nl", "No"]), max_size=400))
def test_random_text_without_digits_gives_no_figures_unless_it_spells_a_number(text):
    assume(not WORD_NUMBER_RE.search(text) and not re.search(r"\b(?:zero|half)\b", text, re.I))
    assert find_figures(text) == []


# --- mutated reports -------------------------------------------------------------------------------------------

@cache
def sample(name: str) -> bytes:
    return (fd.SAMPLES / name).read_bytes()


SNIPPETS = [b"<", b">", b"</div>", b"<table><tr><td>", b"&amp;", b"&#", b"\x00", b"\xff\xfe", b"\xe9", b"1,000",
            b"9" * 40, b"<script>{\"data\": [[", b"]]}</script>", b"%", b"USD", b"<!--",
            b"<title>404 Not Found</title>", b"endobj", b"stream", b"/Length 999999", b"%%EOF", b"xref"]


def mutations(size: int):
    """Bytes flipped, snippets inserted, ranges dropped, the end cut off: what damaged files look like.
    Drawn as a short list of edits (so a failing example prints the edits, not the whole file)."""
    at = st.integers(0, size - 1)
    edit = st.one_of(
        st.tuples(st.just("flip"), at, st.integers(0, 255)),
        st.tuples(st.just("insert"), at, st.one_of(st.sampled_from(SNIPPETS), st.binary(max_size=32))),
        st.tuples(st.just("drop"), at, st.integers(1, 4096)),
        st.tuples(st.just("truncate"), at, st.just(0)),
    )
    return st.lists(edit, min_size=1, max_size=8)


def mutate(data: bytes, edits) -> bytes:
    out = bytearray(data)
    for kind, at, arg in edits:
        at = min(at, max(len(out) - 1, 0))
        if kind == "flip" and out:
            out[at] = arg
        elif kind == "insert":
            out[at:at] = arg
        elif kind == "drop":
            del out[at:at + arg]
        elif kind == "truncate":
            del out[max(at, 1):]
    return bytes(out)


def check_extract(data: bytes, name: str):
    """Damaged input: an ExtractError naming the report, or figures that are all in the input. Returns the
    result (None after an ExtractError) for the callers that know the input is valid."""
    try:
        result = extract_report(data, name)
    except ExtractError as exc:
        assert exc.report == name and "\n" not in exc.one_line()
        return None
    doc = Document(name, data)
    text = doc.text + (doc.html_text if doc.is_html else "")
    assert_not_invented([f for f in result.figures], text)
    return result


def check_valid(data: bytes, name: str, gold_name: str) -> None:
    """Valid input: extraction succeeds, invents nothing, and finds every gold figure of the report."""
    result = check_extract(data, name)
    assert result is not None, f"{name}: valid input raised ExtractError"
    assert len(result.figures) >= len(gold_for(gold_name)) * 0.9
    assert_reads_gold(gold_name, result.figures)


def spaced(data: bytes, gaps) -> bytes:
    """Whitespace inserted between tags ('><' becomes '>\n  <'): the same page to any browser."""
    spots = [m.start() + 1 for m in re.finditer(rb"><", data)]
    out = bytearray(data)
    for at, gap in sorted(((spots[i % len(spots)], gap) for i, gap in gaps), reverse=True):
        out[at:at] = gap
    return bytes(out)


GAPS = st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from([b" ", b"\n", b"\r\n\t", b"\n      \n"])),
                min_size=1, max_size=40)


@MUTANTS
@given(gaps=GAPS)
@pytest.mark.parametrize("name", ["r4v-peru-sitrep-2023-09.html", "unhcr-global-focus-peru-2020.html"])
def test_html_pages_with_whitespace_between_tags_read_the_same(name, gaps):
    check_valid(spaced(sample(name), gaps), name, name)


@PDF_MUTANTS
@given(tail=st.binary(min_size=1, max_size=512))
def test_pdf_with_bytes_after_its_end_still_reads(tail):
    """Readers ignore what follows %%EOF (download managers and mail gateways append such bytes)."""
    name = "gtrm-peru-sitrep-2019-10.pdf"
    check_valid(sample(name) + b"\n" + tail, name, name)


def test_unmutated_samples_read_completely():
    """The base of every mutation: each sample, as it is, gives its gold figures."""
    for path in sorted(fd.SAMPLES.iterdir()):
        check_valid(path.read_bytes(), path.name, path.name)


@MUTANTS
@given(edits=mutations(40_000))
@pytest.mark.parametrize("name", ["r4v-peru-sitrep-2023-09.html", "unhcr-global-focus-peru-2020.html"])
def test_html_extractors_on_mutated_pages(name, edits):
    check_extract(mutate(sample(name), edits), name)


@MUTANTS
@given(st.text(max_size=2000), st.integers(0, 10**9).filter(lambda n: not 1900 <= n <= 2100))
def test_html_extractors_on_random_text_in_a_page(text, n):
    """Any text in a page, next to a paragraph with a generated count: the count is read, nothing invented."""
    page = (f"<html><head><title>Peru</title></head><body><p>{html.escape(text)}</p>"
            f"<p>In Lima, {n:,} refugees received assistance.</p></body></html>").encode()
    result = check_extract(page, "random.html")
    assert result is not None, "a valid page raised ExtractError"
    assert (float(n), "number", f"{n:,}") in {(f.value, f.unit, f.raw) for f in result.figures}


@PDF_MUTANTS
@given(edits=mutations(110_000))
@pytest.mark.parametrize("name", ["gtrm-peru-sitrep-2019-10.pdf", "unhcr-arr-peru-2023.pdf"])
def test_pdf_extractors_on_mutated_files(name, edits):
    check_extract(mutate(sample(name), edits), name)


@PDF_MUTANTS
@given(flips=st.lists(st.tuples(st.just("flip"), st.integers(0, 61_000), st.integers(0, 255)), min_size=1, max_size=30))
def test_pdf_extractors_on_bit_rot(flips):
    """Flipped bytes only (the file keeps its structure, its streams and tables do not)."""
    check_extract(mutate(sample("gtrm-peru-sitrep-2019-10.pdf"), flips), "gtrm-peru-sitrep-2019-10.pdf")


@MUTANTS
@given(st.binary(max_size=4096), st.sampled_from([b"", b"%PDF-1.7\n", b"<html>", b"<!DOCTYPE html><body>"]))
def test_random_bytes_with_any_header(noise, header):
    check_extract(header + noise, "noise.pdf")
