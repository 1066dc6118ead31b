"""Figures written in sentences: numbers with their unit, qualifier, place, period and metric.

    find_figures("In Cusco, more than 10,000 thermic blankets were distributed.")
    -> [Figure(value=10000.0, unit='number', qualifier='lower_bound', location='Cusco', ...)]

What counts as a figure follows docs/VOCABULARY.md and gold_facts.csv:

* numbers in digits ("416,839", "0.80%", "1.54M", "USD 136.5 million", "S/1,200", "2,000+"),
  spelled out ("six", "Twenty-nine (29)" is one figure, "One thousand five hundred thirty-two",
  "over three million", "half a million"), "half of them" (50 percent) and "(x2)";
* not figures: dates ("19 September", "31 Dec 2020"), years, indicator and section codes
  ("1.1", "OA4", "Section 1"), ordinals, footnote markers glued to words ("Zarumilla.1"),
  list markers ("1)"), page numbers, phone numbers, e-mail addresses, URLs, law numbers
  ("Law No.31732"), the determiner "one" ("one of the six groups"; "(one)" after a place is a figure)
  and "a"/"an".

Dimensions, from the sentence a figure sits in (`evidence`, whitespace-normalised):

* qualifier: the words just before the number (more than, over, almost, up to, some, ...) or
  just after it (approximately, "+", or more); a range ("some 300 to 900", "between USD 900
  up to USD 1,800 approximately") shares its qualifier;
* location: the place the sentence ties the figure to (places from extractors.vocab):
  "Lima (31)", "53 to Canada", "two districts of Lima", then the places of the figure's own clause
  (several joined with "; "), then earlier clauses of the sentence, the sentence's opening
  "In <place>,", a single place named by the previous sentence, and the paragraph's opening place.
  Places after "including"/"mostly"/"such as", and figures for the whole country ("in Peru",
  "nationwide"), get none. Peru and Venezuela are never a figure's location; other countries only
  as destinations ("to Canada").
* period: a year the sentence states for the figure ("In 2023, ...", "by the end of 2020",
  "ENPOVE 2022, where ...", "from 99 days in 2022 to 54 in 2023"), not a year it compares with
  ("compared to 2022", "since 2016"); "in June" in an annual report gives YYYY-06;
* metric: extractors.vocab.metric_for on the words from the figure on, else on its clause (and
  extract_report drops people_reached when the words after the number name things: "two workshops");
* flags: `part_of` when "of which", "including", "among them", ... stands between the figure and an
  earlier figure of its sentence (it may be contained in that figure, so the two are never added);
* sector: a figure printed as "Sector (USD 60.5 million)" takes that sector; else the sector its text's own
  lead-in label names ("Health: partners reached ...", lead_sector); else the sector passed in (its heading's);
  else "the CBI working group" of its clause; else, for a prose or key figure, the one sector whose activity
  words (vocabulary.toml [activities]: "hygiene kits", "orientación legal") its own clause uses near it, none
  when two sectors' words or names compete (_activity_sector);
* dimensions_from: how the sector and the location were decided (extractors.decided): `wording` for the figure's
  own sentence, `preceding text` for a place carried from an earlier sentence or paragraph, the caller's
  `sector_from` (default `heading`) for a sector passed in.

`ProseContext` carries a paragraph's opening place ("In Lima, ...") to the paragraphs after it;
family extractors create one per section and pass it to each call.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from .decided import HEADING, PRECEDING_TEXT, WORDING, decide
from .numbers import (
    NumberLocale,
    current_locale,
    is_money,
    number_re,
    scan,
    split_word_run,
    unit_for_currency,
    word_number_re,
)
from .periods import MONTHS
from .records import Figure
from .vocab import activity_matches, canonical_sector, metric_for, sector_names, vocabulary

__all__ = ["find_figures", "ProseContext"]

_MASK = "\x00"
_MAX_DIGITS = 15


@dataclass
class ProseContext:
    """What earlier paragraphs of a section establish for later ones (today: the place)."""

    location: str | None = None

    def reset(self) -> None:
        self.location = None


# ----------------------------------------------------------------------------- places


@dataclass(frozen=True)
class _Gazetteer:
    pattern: re.Pattern[str]
    countries: frozenset[str]
    sub_places: frozenset[str]  # districts: an opening "In <district>," holds for its paragraph only


_NEVER_A_LOCATION = frozenset({"Peru", "Perú", "Venezuela"})


@cache
def _gazetteer() -> _Gazetteer:
    places = vocabulary().places
    data = tomllib.loads(resources.files("extractors").joinpath("vocabulary.toml").read_text("utf-8"))
    groups = data.get("places", {})
    countries = frozenset(groups.get("countries", ()))
    districts = frozenset(p for name, group in groups.items() if "district" in name for p in group)
    alts = "|".join(re.escape(p) for p in places)
    return _Gazetteer(re.compile(rf"(?<![\w-])(?:{alts})(?![\w-])"), countries, districts)


# ----------------------------------------------------------------------------- masks

_EN_MONTHS = ("January February March April May June July August September October November December "
              "Jan Feb Mar Apr Jun Jul Aug Sept Sep Oct Nov Dec").split()
_ES_MONTHS = ("enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre "
              "diciembre").split()
# Case matters: "May" is a month, "may" a verb. Spanish months are written in lower case.
_MONTH_NAMES = "|".join([*_EN_MONTHS, *(m.upper() for m in _EN_MONTHS), *_ES_MONTHS,
                         *(m.capitalize() for m in _ES_MONTHS)])
_MONTH = rf"(?-i:{_MONTH_NAMES})\.?"

# Spans that are never figures: their characters are replaced by _MASK before numbers are looked for.
_MASKS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?:https?://|www\.)\S+", re.I),
    re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    # phone numbers: after a telephone word, or in international form
    re.compile(r"(?i:\b(?:tel(?:f|ephone|éfono)?|phone|cel(?:ular)?|mobile|fax|whatsapp|hotline)\b\.?\s*:?\s*)"
               r"\+?\(?\d[\d\s().-]{5,}\d"),
    re.compile(r"(?<![\w+])\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}(?!\d)"),
    # dates
    re.compile(rf"(?i)\b\d{{1,2}}\s*(?:-|–|and|to|&)\s*\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+|de\s+)?{_MONTH}(?![a-z])"),
    re.compile(rf"(?i)\b\d{{1,2}}(?:st|nd|rd|th)?\s*(?:of\s+|de\s+)?{_MONTH}(?![a-z])(?:,?\s*(?:de\s+)?\d{{4}})?"),
    re.compile(rf"(?i)\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?!\d)(?:\s*,\s*\d{{4}})?(?![\d,])"),
    re.compile(r"(?i)\b\d{1,2}-(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*-\d{2,4}\b"),
    re.compile(r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"),
    re.compile(r"\b(?:19|20)\d{2}[-/]\d{1,2}(?:[-/]\d{1,2})?\b"),
    # clock times and ratios (10:30, 1:1)
    re.compile(r"\b\d{1,2}:\d{2}\b"),
    # named things with a number in their name
    re.compile(r"(?i)\b16\s+Days\s+of\s+Activism\b"),
    # codes after a word that names them: Section 1, Figure 2, Law No. 31732, Area of Intervention 3
    re.compile(
        r"(?:(?i:\b(?:section|figure|fig\.|table|chapter|annex|appendix|area\s+of\s+intervention|impact\s+area"
        r"|outcome\s+area|area|pillar|objective|output|indicator|priority|goal|sdg|law|ley|decree|decreto"
        r"(?:\s+(?:supremo|legislativo))?|resolution|resolución|article|artículo|art\.|page|p\.|pp\.|vol\.?"
        r"|phase|step|level|grade|wave|cycle|edition|version|round|paragraph|para\.))|\bNo\.?|\bN[°º]|\bNro\.?|#)"
        r"\s*\d[\d.,/-]*"
    ),
    # running headers and footers: "Page | 5", "Page 5 of 12", "5 | Page", "Página 3 de 10"
    re.compile(r"(?i)(?=[p0-9])(?:\b(?:page|p[áa]gina|p[áa]g\.)\s*[|:.\-–]?\s*\d+(?:\s*(?:of|de|/)\s*\d+)?"
               r"|\b\d+\s*\|\s*(?:page|p[áa]gina)\b)"),
    # citation and footnote markers: "[3]", "[3, 4]", "[12-14]"
    re.compile(r"\[\s*\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*\s*\]"),
    # identifiers: GLIDE numbers and codes ("EP-2023-000123-PER", "ST-2017-000035-RWA", "MDR-43007")
    re.compile(r"[A-Z](?<![\w-][A-Z])[A-Z0-9]*(?:-[A-Z0-9]+)*-[0-9][A-Z0-9]*(?:-[A-Z0-9]+)*(?![\w-])"),
    # list markers: "priorities: 1) to provide ..., 2) Strengthen ..."
    re.compile(r"(?m)(?:^|(?<=[:;,.])|(?<=[:;,.] ))[ \t]*\d{1,2}\)(?=\s*[A-Za-z])"),
    # section numbers at the start of a line: "1.1 Changes", "2.1. Outcomes", "1. Impact Area"
    re.compile(r"(?m)^[ \t\-•*]*\d{1,2}\.(?:\d{1,2}[a-z]?\.?)*(?=[ \t]+[A-ZÁÉÍÓÚÑ])"),
    # outline numbers opening a line: "1.2.3 reach ...", "(4) partners ...", "2) enrolment ..."
    re.compile(r"(?m)^[ \t\-•*]*(?:\d{1,2}\.){2,4}(?=[ \t]+\w)|^[ \t]*\(?\d{1,2}\)(?=[ \t]+[^\W\d])"),
)

_FOOTNOTE_START = re.compile(r"^\s*\d{1,2}(?=\s+[A-Z])")


def _masked(text: str) -> str:
    chars = list(text)

    def blank(start: int, end: int) -> None:
        for i in range(start, end):
            if not chars[i].isspace():
                chars[i] = _MASK

    for pattern in _MASKS:
        for m in pattern.finditer(text):
            blank(m.start(), m.end())
    # list markers without an open bracket: "the plan: 1) to provide ... 2) Strengthen ..."
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                m = re.search(r"(?<![\d,.])\d{1,2}$", text[max(0, i - 3):i])
                if m:
                    blank(i - len(m.group(0)), i + 1)
            depth = max(0, depth - 1)
    # a footnote's own number: "1 Information widely circulated ... https://..."
    m = _FOOTNOTE_START.match(text)
    if m and re.search(r"https?://|www\.|\bretrieved\b|\baccessed\b|\bIbid\b", text, re.I):
        blank(m.start(), m.end())
    return "".join(chars)


# ----------------------------------------------------------------------------- sentences

_ABBREVIATIONS = frozenset(
    "no nos nro e.g i.e etc mr mrs ms dr st u.s u.n approx vs art fig p pp vol inc ltd co jr sr "
    "jan feb mar apr jun jul aug sep sept oct nov dec ca cf al op".split()
)
_SENTENCE_BREAK = re.compile(
    r"[.!?]+[\"”’')\]*_]*\s+(?=[\[(\"“‘¿¡*_]*[A-Z0-9•])|\n[ \t]*\n+|[•▪●■◦]|\n[ \t]*[-–*][ \t]+")


def _sentences(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_BREAK.finditer(text):
        if text[m.start()] in ".!?":
            word = re.search(r"([\w.]+)$", text[max(start, m.start() - 24):m.start()])
            if word and (word.group(1).lower().rstrip(".") in _ABBREVIATIONS
                         or re.fullmatch(r"[A-Z]", word.group(1))):
                continue
        end = m.end() if text[m.start()] in ".!?" else m.start()
        if text[start:end].strip():
            spans.append((start, end))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


# ----------------------------------------------------------------------------- candidates


@dataclass
class _Cand:
    start: int
    end: int
    value: float
    unit: str = "number"
    malformed: bool = False
    plus: bool = False
    words: bool = False  # spelled out
    qualifier: str | None = None
    currency_prefix: bool = False
    flags: list[str] = field(default_factory=list)


@dataclass
class _YearMention:
    start: int
    end: int
    year: str


_FRACTION_AFTER = re.compile(
    r"-?(?:first|second|third|thirds|fourth|fourths|fifth|fifths|sixth|seventh|eighth|ninth|tenth"
    r"|quarter|quarters|half|halves|th)\b",
    re.I,
)
_HALF = re.compile(r"\bhalf\b", re.I)
_HALF_OF = re.compile(r"\s+of\s+(?:them|these|those|the|whom|which|all|its|their|his|her|our|us|you)\b", re.I)
_OF_WHICH_HALF = re.compile(r"\b(?:of\s+(?:which|whom|them|these|those)|among\s+them),?\s+$", re.I)
_OF_YEAR = re.compile(r"\s+of\s+(?:19|20)\d{2}")
_TIMES = re.compile(r"\(\s*[x×]\s*(\d{1,3})\s*\)")
_DIGITS_IN_PARENS = re.compile(r"\s*\(\s*(\d[\d,]*)\s*\)")
_PERCENT_AFTER = re.compile(r"\s*(?:%|per\s?cent\b|percent\b|por\s?ciento\b)", re.I)


def _glued_before(masked: str, start: int) -> bool:
    if start == 0:
        return False
    prev = masked[start - 1]
    before = masked[start - 2] if start >= 2 else " "
    if prev.isalnum() or prev in "_#@§/\\" or prev == _MASK:  # isalnum: '1٢3' mixes scripts
        return True
    if prev in ".,":
        return True  # "Zarumilla.1", "No.31732", the tail of another number
    if prev in "-–" and (before.isalpha() or before == _MASK):
        return True  # COVID-19
    return False


def _glued_after(masked: str, end: int) -> bool:
    if end >= len(masked):
        return False
    nxt = masked[end]
    after = masked[end + 1] if end + 1 < len(masked) else " "
    if nxt.isalpha() or nxt in "_/@" + _MASK or unicodedata.category(nxt) == "Nd":
        return True  # 4th, 3.2a, 24/7, '1٢3' (digits of two scripts; a superscript '1,200¹' is a footnote)
    if nxt in ".,:" and after.isdigit():
        return True  # 1.2.3, 10:30
    return False


def _token_has_url_bits(text: str, start: int, end: int) -> bool:
    left = start
    while left > 0 and start - left < 100 and not text[left - 1].isspace():
        left -= 1
    right = end
    while right < len(text) and right - end < 100 and not text[right].isspace():
        right += 1
    token = text[left:right]
    return "://" in token or "@" in token or ("/" in token and not re.search(r"S/\.?\s*\d", token))


# a line that states a balance or change: a number in brackets there is negative ("Variance (1,541)")
_FINANCE_LINE = re.compile(
    r"\b(?:balance|variance|deficit|surplus|net|difference|shortfall|over\s*/\s*under|gain|loss|saldo|"
    r"diferencia|variaci[oó]n|d[ée]ficit|super[áa]vit)\b[^\n.;]*$", re.I)


_NUM = r"[-−(]?\d[\d.,\u00a0\u202f\u2009]*\)?"
# a row of numbers as a table prints it: two numbers before the bracket on its line, only numbers after it
_ROW_BEFORE = re.compile(rf"(?<![\w.,]){_NUM}\s+{_NUM}\s+$")
_ROW_AFTER = re.compile(rf"[^\S\n]*(?:{_NUM}[^\S\n]*)*(?:\n|$)")
_CURRENCY_BEFORE_BRACKET = re.compile(r"(?:(?<![A-Za-z])[A-Z]{3}|US\$|R\$|S/\.?|[€£$])\s?$")


def _bracket_negative(text: str, start: int, end: int, kind: str) -> tuple[bool, int, str | None]:
    """'(1,541)': negative as a whole table cell, or after a currency ('CHF (1,541)') or a balance word
    on its line. Returns (negative, start of the amount, currency unit printed before the bracket)."""
    if start == 0 or end >= len(text) or text[start - 1] != "(" or text[end] != ")":
        return False, start, None
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start - 1]
    cur = _CURRENCY_BEFORE_BRACKET.search(before)
    unit = unit_for_currency(cur.group(0).strip()) if cur else None
    if unit is not None:
        return True, line_start + cur.start(), unit
    if kind == "table" and not text[:start - 1].strip() and not text[end + 1:].strip():
        return True, start - 1, None
    if (_ROW_BEFORE.search(before) and _ROW_AFTER.match(text, end + 1)
            and text[start - 1:end].rstrip(")").strip("(").strip()[-1:].isdigit()):
        return True, start - 1, None  # a row of numbers: 'Salud 180.000 181.541 (1.541)', as in its table
    return bool(_FINANCE_LINE.search(before)), start - 1, None


def _digit_candidates(text: str, masked: str, kind: str,
                      locale: NumberLocale) -> tuple[list[_Cand], list[_YearMention]]:
    cands: list[_Cand] = []
    years: list[_YearMention] = []
    for m in number_re(locale).finditer(masked):
        tok = scan(m, locale)
        if tok is None:
            continue
        start, end, num_start = tok.start, tok.end, tok.num_start
        lead = start if (tok.currency_prefix or tok.signed) else num_start
        if tok.currency_prefix and masked[start] == "$" and start > 0 and masked[start - 1] == "\\":
            pass  # markdown-escaped dollar: "\$44.8M"
        elif not tok.signed and _glued_before(masked, lead):
            continue
        elif tok.signed and lead > 0 and masked[lead - 1] == _MASK:
            continue
        if _glued_after(masked, end):
            continue
        if _token_has_url_bits(masked, num_start, tok.num_end):
            continue
        raw_num = m.group("num")
        if sum(ch.isdigit() for ch in raw_num) > _MAX_DIGITS:
            continue
        is_plain_int = re.fullmatch(r"[0-9]{4}", raw_num) is not None
        if (is_plain_int and 1900 <= int(raw_num) <= 2100 and tok.unit == "number"
                and not (tok.scaled or tok.plus or tok.signed)):
            years.append(_YearMention(num_start, tok.num_end, raw_num))
            continue
        value, unit = tok.value, tok.unit
        if not tok.signed:
            negative, lead_at, cur_unit = _bracket_negative(masked, start, end, kind)
            if negative and (cur_unit is None or unit == "number"):
                value, start, end, unit = -value, lead_at, end + 1, cur_unit or unit
        cand = _Cand(start, end, value, unit, tok.malformed, tok.plus, currency_prefix=tok.currency_prefix)
        if tok.malformed:
            cand.flags.append("malformed_number")
        cands.append(cand)
    return cands, years


_DETERMINERS = frozenset({"one", "un", "uno", "una", "um", "uma"})
_SCALE_WORDS = frozenset({"hundred", "thousand", "million", "billion", "millón", "millon", "millones",
                          "milhão", "milhao", "milhões", "milhoes"})
_FRACTION_AFTER_ES = re.compile(r"\s+(?:tercios?|cuartos?|quintos?|d[ée]cimos?|ter[çc]os?)\b", re.I)


def _word_candidates(masked: str, locale: NumberLocale) -> list[_Cand]:
    cands: list[_Cand] = []
    for m in word_number_re(locale).finditer(masked):
        run = m.group(0)
        for rel_start, rel_end, value in split_word_run(run, locale):
            start, end = m.start() + rel_start, m.start() + rel_end
            words = masked[start:end]
            first = words.split()[0].split("-")[0].casefold() if words.split() else ""
            if first in _SCALE_WORDS and not words.casefold().startswith("half"):
                continue  # "a million", "thousand" alone
            if _FRACTION_AFTER.match(masked, end) or _FRACTION_AFTER_ES.match(masked, end):
                continue  # two-thirds, twenty-first, dos tercios
            if end < len(masked) and masked[end] in "-–" and end + 1 < len(masked) and masked[end + 1].isdigit():
                continue
            in_parens = (start > 0 and masked[start - 1] == "(" and end < len(masked) and masked[end] == ")")
            if words.casefold() in _DETERMINERS and not in_parens:
                continue  # the determiner: "one of the six groups", "una de las regiones"
            unit = "percent" if _PERCENT_AFTER.match(masked, end) else "number"
            if unit == "percent":
                pm = _PERCENT_AFTER.match(masked, end)
                end = pm.end()
            cands.append(_Cand(start, end, value, unit, words=True))
    # "half of them" / "of which half": 50 percent
    if locale.language != "en":
        return cands
    for m in _HALF.finditer(masked):
        before = masked[max(0, m.start() - 30):m.start()]
        if re.search(r"\b(?:first|second|latter|former|other|the|a|one)\s+$", before, re.I):
            continue
        of = _HALF_OF.match(masked, m.end())
        if of and not _OF_YEAR.match(masked, m.end()):
            cands.append(_Cand(m.start(), m.end(), 50.0, "percent", words=True))
        elif _OF_WHICH_HALF.search(before):
            cands.append(_Cand(m.start(), m.end(), 50.0, "percent", words=True))
    return cands


def _sentence_start(starts: list[int], pos: int) -> int:
    k = bisect_right(starts, pos) - 1
    return starts[k] if k >= 0 else 0


_HEADING_NUMBER = re.compile(r"\d{1,2}(?:\.\d{1,2})*\.?")
_HEADING_AFTER = re.compile(r"\.(?:\s|$)|\s*$|\s+[A-Z]")


def _section_number(masked: str, c: _Cand, starts: list[int]) -> bool:
    """'1.2. Progress Against ...', '5. Outcome Area', '3.2' opening a sentence: a heading number."""
    raw = masked[c.start:c.end]
    if c.unit != "number" or not _HEADING_NUMBER.fullmatch(raw):
        return False
    if masked[_sentence_start(starts, c.start):c.start].strip(" \t\n-•*"):
        return False
    return bool(_HEADING_AFTER.match(masked, c.end)) and ("." in raw or masked.startswith(".", c.end))


def _candidates(text: str, masked: str, kind: str,
                locale: NumberLocale) -> tuple[list[_Cand], list[_YearMention]]:
    digits, years = _digit_candidates(text, masked, kind, locale)
    starts = [s for s, _ in _sentences(masked)]
    digits = [c for c in digits if not _section_number(masked, c, starts)]
    words = _word_candidates(masked, locale)
    # "Twenty-nine (29)": one figure, printed twice
    by_start = {d.start: d for d in digits}
    merged: set[int] = set()
    for w in words:
        pm = _DIGITS_IN_PARENS.match(masked, w.end)
        inner = by_start.get(pm.start(1)) if pm else None
        if inner is not None and inner.value == w.value and inner.end == pm.end(1):
            merged.add(id(inner))
            w.end = pm.end()
            w.words = False
    digits = [d for d in digits if id(d) not in merged]
    # "(x2)": two of the things just named
    times = [_Cand(m.start(), m.end(), float(m.group(1))) for m in _TIMES.finditer(masked)]
    cands = sorted(digits + times, key=lambda c: c.start)
    starts_ = [c.start for c in cands]
    kept_words: list[_Cand] = []
    for w in sorted(words, key=lambda c: c.start):  # no two figures from the same characters
        k = bisect_left(starts_, w.end)
        if any(c.start < w.end and w.start < c.end for c in cands[max(0, k - 2):k]):
            continue
        if kept_words and kept_words[-1].end > w.start:
            continue
        kept_words.append(w)
    cands = sorted(cands + kept_words, key=lambda c: c.start)
    return cands, years


# ----------------------------------------------------------------------------- qualifiers

_QUALIFIER_PHRASES = (
    ("upper_bound", "no more than"), ("upper_bound", "not more than"), ("upper_bound", "just under"),
    ("upper_bound", "a maximum of"), ("upper_bound", "maximum of"), ("upper_bound", "at most"),
    ("lower_bound", "no less than"), ("lower_bound", "not less than"), ("lower_bound", "no fewer than"),
    ("lower_bound", "more than"), ("lower_bound", "greater than"), ("lower_bound", "at least"),
    ("lower_bound", "in excess of"), ("lower_bound", "upwards of"), ("lower_bound", "a minimum of"),
    ("lower_bound", "just over"), ("lower_bound", "well over"), ("lower_bound", "over"),
    ("lower_bound", "above"), ("lower_bound", "exceeding"), ("lower_bound", "exceeded"),
    ("lower_bound", "exceeds"), ("lower_bound", "exceed"), ("lower_bound", "surpassing"),
    ("lower_bound", "≥"), ("lower_bound", ">"),
    ("upper_bound", "almost"), ("upper_bound", "nearly"), ("upper_bound", "up to"), ("upper_bound", "under"),
    ("upper_bound", "less than"), ("upper_bound", "fewer than"), ("upper_bound", "below"),
    ("upper_bound", "≤"), ("upper_bound", "<"),
    ("approx", "approximately"), ("approx", "approx."), ("approx", "approx"), ("approx", "roughly"),
    ("approx", "close to"), ("approx", "an estimated"), ("approx", "estimated"), ("approx", "around"),
    ("approx", "about"), ("approx", "some"), ("approx", "circa"), ("approx", "ca."), ("approx", "~"),
    ("approx", "more or less"),
    # Spanish and Portuguese (VOCABULARY.md)
    ("lower_bound", "más de"), ("lower_bound", "mas de"), ("lower_bound", "al menos"), ("lower_bound", "por lo menos"),
    ("lower_bound", "por encima de"), ("lower_bound", "superior a"), ("lower_bound", "superiores a"),
    ("lower_bound", "como mínimo"), ("lower_bound", "un mínimo de"), ("lower_bound", "mayor a"),
    ("lower_bound", "mais de"), ("lower_bound", "pelo menos"),
    ("upper_bound", "casi"), ("upper_bound", "hasta"), ("upper_bound", "menos de"), ("upper_bound", "no más de"),
    ("upper_bound", "un máximo de"), ("upper_bound", "como máximo"), ("upper_bound", "quase"), ("upper_bound", "até"),
    ("approx", "unos"), ("approx", "unas"), ("approx", "cerca de"), ("approx", "alrededor de"),
    ("approx", "aproximadamente"), ("approx", "aprox."), ("approx", "en torno a"), ("approx", "del orden de"),
    ("approx", "alrededor de unos"), ("approx", "cerca de unos"), ("approx", "em torno de"),
    # "más del 30%", "casi el 30%", "alrededor del 22,5%": the article before a percentage
    ("lower_bound", "más del"), ("lower_bound", "mas del"), ("lower_bound", "al menos el"),
    ("lower_bound", "más de la mitad"), ("upper_bound", "casi el"), ("upper_bound", "hasta el"),
    ("upper_bound", "menos del"), ("approx", "cerca del"), ("approx", "alrededor del"),
    ("approx", "aproximadamente el"),
)
# One pattern for all the phrases: the match starting leftmost is the longest phrase that ends right
# before the number ("no more than" over "more than").
_QUALIFIER_OF = {p.casefold(): q for q, p in _QUALIFIER_PHRASES}
_QUALIFIER_BEFORE = re.compile(
    r"(?:^|(?<=[^\w]))(?P<phrase>" + "|".join(re.escape(p) for p in sorted(_QUALIFIER_OF, key=len, reverse=True))
    + r")[\s*_]*$", re.I)
_QUALIFIER_AFTER = (
    ("approx", re.compile(r"\s*(?:approximately|approx\.?|or so|roughly|aproximadamente)(?!\w)", re.I)),
    ("lower_bound", re.compile(r"\s*(?:or more|or above|and above|and over|at least|o más|ou mais)(?!\w)", re.I)),
    ("upper_bound", re.compile(r"\s*(?:or less|or fewer|at most|at the most)\b", re.I)),
)
# "articulated around three priorities": 'around' is a preposition there, not 'approximately'
_NOT_A_QUALIFIER = re.compile(
    r"\b(?:articulated|cent(?:er|re)d|organi[sz]ed|structured|built|revolv(?:e|es|ed|ing)|based|focused|grouped|"
    r"clustered|gathered|arranged|turned|handed|talked|talk|spoke|speak|learned|learnt|know|knew|"
    r"think|thought|care|cared|worried|complained)\s+(?:around|about|"
    r"over|above|under)[\s*_]*$", re.I)
_RANGE_JOIN = re.compile(r"\s*(?:to|and|-|–|—|up\s+to|a|y|hasta)\s*$", re.I)


def _qualify(cands: list[_Cand], masked: str, sentences: list[tuple[int, int]]) -> None:
    starts = [s for s, _ in sentences]
    for i, c in enumerate(cands):
        floor = max(_sentence_start(starts, c.start), cands[i - 1].end if i else 0, c.start - 40)
        before = masked[floor:c.start]
        if c.plus:  # "2,000+": the sign printed on the number wins over words before it
            c.qualifier = "lower_bound"
            continue
        found = _QUALIFIER_BEFORE.search(before)
        if found and not _NOT_A_QUALIFIER.search(before):
            c.qualifier = _QUALIFIER_OF[found.group("phrase").casefold()]
        if c.qualifier is None:
            for qualifier, pattern in _QUALIFIER_AFTER:
                if pattern.match(masked, c.end):
                    c.qualifier = qualifier
                    break
    # ranges: "some 300 to 900", "between USD 900 up to USD 1,800 approximately"
    for a, b in zip(cands, cands[1:], strict=False):
        between = masked[a.end:b.start]
        if not between.strip() or not _RANGE_JOIN.fullmatch(between):
            continue
        lead = masked[max(0, a.start - 40):a.start]
        framed = re.search(r"\b(?:between|from|range|ranging|entre|desde)\b[^.;]*$", lead, re.I) is not None
        if not (framed or a.qualifier == "approx"):
            continue
        if re.search(r"up\s+to", between, re.I) and b.qualifier == "upper_bound" and framed:
            b.qualifier = None
            for qualifier, pattern in _QUALIFIER_AFTER:
                if pattern.match(masked, b.end):
                    b.qualifier = qualifier
        if a.qualifier and not b.qualifier:
            b.qualifier = a.qualifier
        elif b.qualifier and not a.qualifier:
            a.qualifier = b.qualifier
        if is_money(b.unit) and a.unit == "number" and not a.words and framed:
            a.unit = b.unit
        if is_money(a.unit) and b.unit == "number" and not b.words and framed:
            b.unit = a.unit
    # "28 and 5%": the percent sign is shared
    for a, b in zip(cands, cands[1:], strict=False):
        if (b.unit == "percent" and a.unit == "number" and not a.currency_prefix
                and re.fullmatch(r"\s*(?:and|or|to|-|–)\s*", masked[a.end:b.start], re.I)):
            a.unit = "percent"


# ----------------------------------------------------------------------------- location

_HEDGE = re.compile(r"\b(?:including|mostly|mainly|most\s+of|particularly|especially|such\s+as|e\.g\.|"
                    r"among\s+others|notably|primarily|for\s+example|for\s+instance)", re.I)
_NATIONAL = re.compile(r"\b(?:(?:in|across|throughout|around)\s+(?:the\s+country|Peru|Perú)|nationwide|"
                       r"countrywide|(?:at\s+the\s+)?national\s+level)\b", re.I)
_OPENER = re.compile(
    r"^\W*(?:(?:Additionally|Likewise|Also|Meanwhile|Moreover|Furthermore|Similarly|Finally|Besides),?\s+)?"
    r"[Ii]n\s+(?:the\s+(?:region|province|city|district|department)\s+of\s+)?"
    r"(?:(?:northern|southern|eastern|western|central|north|south|metropolitan|downtown)\s+)?$"
)
_LIST_LEAD = re.compile(r"\s*(?:and\s+|or\s+|&\s+)?")
_PLACE_JOIN = re.compile(r"\s*(?:,\s*(?:and\s+)?|and\s+|&\s+)")
_TIGHT = re.compile(r"\s*(?:[A-Za-z\-]+\s+){0,2}?(to|of)\s+(?:the\s+)?")
_WS = re.compile(r"\s*")
_CLOSE = re.compile(r"\s*\)")


@dataclass
class _Place:
    start: int
    end: int
    name: str


_INSTITUTION_OF = re.compile(
    r"\b(?:Municipality|Municipalidad|Ministry|Government|Gobierno|Governor|Mayor|University|Universidad|Office|"
    r"Embassy|Prefecture|Province|Diocese|Archdiocese|Port|Bank|Court|Council|Chamber)\s+(?:of|de|del)\s+"
    r"(?:the\s+|la\s+)?$")


_NAME_GOES_ON = re.compile(r"\s+[A-Z]")


def _places(masked: str) -> list[_Place]:
    gaz = _gazetteer()
    out = []
    for m in gaz.pattern.finditer(masked):
        name = m.group(0)
        if _INSTITUTION_OF.search(masked, max(0, m.start() - 40), m.start()):
            continue  # "the Municipality of San Martín de Porres": an institution, not where a figure is
        if name == "Santa" and _NAME_GOES_ON.match(masked, m.end()):
            continue  # Santa Ana Soup Kitchen
        out.append(_Place(m.start(), m.end(), name))
    return out


def _paren_spans(masked: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, stack = [], []
    for i in range(start, end):
        ch = masked[i]
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            s = stack.pop()
            if not stack:
                spans.append((s, i + 1))
    return spans


_NOTHING = object()
_NO_HOLES: tuple[tuple[int, int], ...] = ()


def _in_holes(pos: int, holes: tuple[tuple[int, int], ...]) -> bool:
    """Whether pos falls in one of the sorted, disjoint (start, end) spans."""
    if not holes:
        return False
    k = bisect_right(holes, (pos, float("inf"))) - 1
    return k >= 0 and holes[k][0] <= pos < holes[k][1]


_CUT = re.compile(r"[;:,]| (?:while|whilst|whereas) ")
_AFTER_COMMA_SAME_CLAUSE = re.compile(
    r"\s*(?:and\s+)?(?:including|in\s+particular|such\s+as|e\.g\.|mainly|mostly|particularly|especially|notably)\b",
    re.I)
_MAX_CLAUSES_BACK = 6


_EARLIER = object()  # _Locator._locate: the place comes from an earlier sentence or paragraph


class _Locator:
    """Ties each figure of one text to places, clause by clause (see the module docstring)."""

    def __init__(self, masked: str, sentences: list[tuple[int, int]], cands: list[_Cand],
                 context: ProseContext | None):
        self.masked = masked
        self.sentences = sentences
        self.sentence_starts = [s for s, _ in sentences]
        self.cands = cands
        self.cand_starts = [c.start for c in cands]
        self.context = context
        self.gaz = _gazetteer()
        self.places = _places(masked)
        self.anchors: dict[int, str] = {}  # id(cand) -> place, for "Lima (31)", "Tacna (nine)", "Tumbes (x2)"
        self._anchor()
        self.place_starts = [p.start for p in self.places]
        self.cuts = self._cuts()
        self.cut_positions = [pos for pos, _ in self.cuts]
        self._clause_cache: dict[tuple, list[tuple[int, int, bool]]] = {}
        self._paren_cache: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self._places_cache: dict[tuple, tuple[list[str], bool]] = {}
        self._clause_text_cache: dict[tuple[int, int], tuple[str | None, str | None]] = {}
        self._earlier: str | None = None
        self.activities: list[tuple[int, int, str]] | None = None  # see _activity_sector
        self.activity_starts: list[int] = []
        self.openers: list[tuple[int, int]] = []

    def _anchor(self) -> None:
        m = self.masked
        by_start = {c.start: c for c in self.cands}
        place_by_start = {p.start: p for p in self.places}
        dropped: set[int] = set()
        for p in self.places:
            paren = p.end + _WS.match(m, p.end).end() - p.end
            if paren >= len(m) or m[paren] != "(":
                continue
            inner = _WS.match(m, paren + 1).end()
            for c in (by_start.get(paren), by_start.get(inner)):
                if c is None or (c.start == inner and not _CLOSE.match(m, c.end)):
                    continue
                if p.name not in _NEVER_A_LOCATION:
                    self.anchors[id(c)] = p.name
            # "Mancora (Tumbes)": the place in brackets only says where the first one is
            p2 = place_by_start.get(inner)
            if p2 is not None and _CLOSE.match(m, p2.end) and p.name not in _NEVER_A_LOCATION:
                dropped.add(id(p2))
        self.places = [p for p in self.places if id(p) not in dropped]

    def _cuts(self) -> list[tuple[int, bool]]:
        """Clause breaks of the whole text: (position, hard). ';' and ':' are hard, commas soft
        unless they only continue a list of places or an 'including ...' aside."""
        m = self.masked
        place_starts = set(self.place_starts)
        cuts = []
        for match in _CUT.finditer(m):
            i = match.start()
            ch = m[i]
            nxt = m[i + 1] if i + 1 < len(m) else " "
            if ch in ";:":
                if not nxt.isdigit():
                    cuts.append((i, True))
            elif ch == ",":
                if nxt.isdigit():
                    continue  # a thousands separator
                lead = _LIST_LEAD.match(m, i + 1).end()
                if lead in place_starts:
                    continue  # a list of places: "in Lima, La Libertad and Piura"
                if _AFTER_COMMA_SAME_CLAUSE.match(m, i + 1):
                    continue
                cuts.append((i, False))
            else:
                cuts.append((i, False))
        return cuts

    def usable(self, p: _Place) -> bool:
        return p.name not in _NEVER_A_LOCATION and p.name not in self.gaz.countries

    def sentence_of(self, pos: int) -> tuple[int, int]:
        k = bisect_right(self.sentence_starts, pos) - 1
        if k >= 0 and self.sentences[k][0] <= pos < self.sentences[k][1]:
            return self.sentences[k]
        return 0, len(self.masked)

    def clauses(self, view_start: int, view_end: int,
                holes: list[tuple[int, int]]) -> list[tuple[int, int, bool]]:
        """Clauses of masked[view_start:view_end], holes skipped: (start, end, hard break before)."""
        key = (view_start, view_end, id(holes))
        if key in self._clause_cache:
            return self._clause_cache[key]
        lo = bisect_left(self.cut_positions, view_start)
        hi = bisect_left(self.cut_positions, view_end)
        out = []
        prev, hard = view_start, False
        for pos, is_hard in self.cuts[lo:hi]:
            if _in_holes(pos, holes):
                continue
            out.append((prev, pos, hard))
            prev, hard = pos + 1, is_hard
        out.append((prev, view_end, hard))
        self._clause_cache[key] = out
        return out

    def places_in(self, start: int, end: int, holes: list[tuple[int, int]]) -> list[_Place]:
        lo = bisect_left(self.place_starts, start)
        hi = bisect_left(self.place_starts, end)
        return [p for p in self.places[lo:hi] if p.end <= end and not _in_holes(p.start, holes)]

    def clause_places(self, start: int, end: int, holes) -> tuple[list[str], bool]:
        """Usable places of a clause, and whether the clause says 'not one place' (hedge, whole country)."""
        key = (start, end, id(holes))
        if key not in self._places_cache:
            self._places_cache[key] = self._clause_places(start, end, holes)
        return self._places_cache[key]

    def _clause_places(self, start: int, end: int, holes) -> tuple[list[str], bool]:
        names: list[str] = []
        blocked = False
        hedge = _HEDGE.search(self.masked, start, end)
        hedged_from = hedge.end() if hedge else end + 1
        for p in self.places_in(start, end, holes):
            if not self.usable(p):
                continue
            if p.start >= hedged_from:  # "mostly in Lima and Tumbes", "including in the region of Tumbes"
                blocked = True
                continue
            if p.name not in names:
                names.append(p.name)
        if not names and _NATIONAL.search(self.masked, start, end):
            blocked = True
        return names, blocked

    def tight(self, c: _Cand, clause_end: int) -> str | None:
        """'53 to Canada', 'two districts of Lima', '12 departed to Australia'."""
        m = _TIGHT.match(self.masked, c.end, max(c.end, clause_end))
        if not m:
            return None
        k = bisect_left(self.place_starts, m.end())
        if k < len(self.places) and self.places[k].start == m.end():
            p = self.places[k]
            if p.name in _NEVER_A_LOCATION or (m.group(1) == "of" and p.name in self.gaz.countries):
                return None
            return p.name
        return None

    def opener(self, s: int, e: int) -> list[str]:
        """Places a sentence opens with: 'In Lima, ...', 'In Tumbes and Tacna around 50 ...'."""
        found: list[str] = []
        last_end = s
        for p in self.places_in(s, e, _NO_HOLES):
            if not found:
                if _OPENER.match(self.masked[s:p.start]) and self.usable(p):
                    found.append(p.name)
                    last_end = p.end
                    continue
                break
            if _PLACE_JOIN.fullmatch(self.masked, last_end, p.start) and self.usable(p):
                found.append(p.name)
                last_end = p.end
                continue
            break
        return found

    def sentence_places(self, s: int, e: int) -> list[str]:
        names: list[str] = []
        for cs, ce, _ in self.clauses(s, e, _NO_HOLES):
            for name in self.clause_places(cs, ce, _NO_HOLES)[0]:
                if name not in names:
                    names.append(name)
        return names

    def figure_parens(self, s: int, e: int) -> tuple[tuple[int, int], ...]:
        """Top-level brackets of a sentence that hold a figure (one tuple object per sentence)."""
        if (s, e) not in self._paren_cache:
            spans = []
            for ps, pe in _paren_spans(self.masked, s, e):
                k = bisect_right(self.cand_starts, ps)
                if k < len(self.cands) and self.cands[k].start < pe:
                    spans.append((ps, pe))
            self._paren_cache[(s, e)] = tuple(spans) if spans else _NO_HOLES
        return self._paren_cache[(s, e)]

    def clause_index(self, clauses: list[tuple[int, int, bool]], pos: int) -> int:
        k = bisect_right(clauses, (pos, float("inf"), True)) - 1
        return min(max(k, 0), len(clauses) - 1)

    def _scan(self, c: _Cand, vs: int, ve: int, holes, pos: int, allow_tight: bool):
        clauses = self.clauses(vs, ve, holes)
        k = self.clause_index(clauses, pos)
        cs, ce, _ = clauses[k]
        if allow_tight:
            tight = self.tight(c, ce)
            if tight:
                return tight
        names, blocked = self.clause_places(cs, ce, holes)
        if names:
            return "; ".join(names)
        if blocked:
            return None
        j = k
        while j > 0 and not clauses[j][2] and k - j < _MAX_CLAUSES_BACK:  # earlier clauses, to a ';' or ':'
            j -= 1
            names, blocked = self.clause_places(clauses[j][0], clauses[j][1], holes)
            if names:
                return "; ".join(names)
            if blocked:
                return None
        return _NOTHING

    def locate(self, c: _Cand, info: dict) -> tuple[str | None, str | None]:
        """The figure's place and how it was found: its own sentence (decided.WORDING) or an earlier
        sentence or paragraph (decided.PRECEDING_TEXT)."""
        place = self._locate(c, info)
        if place is None:
            return None, None
        if place is _EARLIER:
            return self._earlier, PRECEDING_TEXT
        return place, WORDING

    def _locate(self, c: _Cand, info: dict):
        if id(c) in self.anchors:
            return self.anchors[id(c)]
        s, e = self.sentence_of(c.start)
        fig_parens = self.figure_parens(s, e)
        k = bisect_right(fig_parens, (c.start, float("inf"))) - 1
        inside = fig_parens[k] if k >= 0 and fig_parens[k][0] < c.start < fig_parens[k][1] else None
        pos, allow_tight = c.start, True
        if inside:
            found = self._scan(c, inside[0] + 1, inside[1] - 1, _NO_HOLES, c.start, True)
            if found is not _NOTHING:
                return found
            pos, allow_tight = inside[0], False
        found = self._scan(c, s, e, fig_parens, pos, allow_tight)
        if found is not _NOTHING:
            return found
        key = (s, e)
        if info["opener"].get(key):
            return "; ".join(info["opener"][key])
        for earlier in (info["inherit"].get(key), info["para"].get(key),
                        self.context.location if self.context is not None else None):
            if earlier:
                self._earlier = earlier
                return _EARLIER
        return None


# ----------------------------------------------------------------------------- periods

_YEAR_RE = re.compile(r"(?<![\d,.])((?:19|20)\d{2})(?![\d%]|,\d)")
_DAY_MONTH_BEFORE = re.compile(rf"\b(?:until|as\s+of|by|on)\s+\d{{1,2}}\s+{_MONTH}\s*,?\s*$", re.I)
_MONTH_BEFORE = re.compile(rf"{_MONTH}\s*,?\s*(?:\d{{1,2}}\s*,?\s*)?$")
_TEMPORAL_BEFORE = re.compile(
    r"\b(?:according\s+to|in|during|by\s+the\s+end\s+of|by\s+end\s+of|at\s+the\s+end\s+of|end\s+of|for|"
    r"throughout|as\s+of|through|of|year)\s*$", re.I)
_REFERENCE_BEFORE = re.compile(
    r"\b(?:compared\s+(?:to|with)|over|from|since|than|vs\.?|versus|relative\s+to|before|after|between|and|to|"
    r"until|till|prior\s+to)\s*$", re.I)
_NAME_BEFORE = re.compile(r"(?:\b[A-Z][A-Za-z]*[A-Z][A-Za-z]*\)?|\bPlan|\bSurvey|\bCensus)\s*$")


def _month_number(name: str) -> int | None:
    name = name.casefold().rstrip(".")
    for full, number in MONTHS.items():
        if full == name or (len(name) >= 3 and full.startswith(name)):
            return number
    return None


def _year_kinds(text: str, s: int, e: int) -> list[tuple[int, str, str]]:
    """Years a sentence states for its figures, as (position, year, kind): temporal | name | modifier.

    Left out: years compared with ('compared to 2022', 'over 2022', 'since 2016'), cut-off dates
    ('until November 2023') and years of clauses opening with 'Since'.
    """
    out = []
    for m in _YEAR_RE.finditer(text, s, e):
        before = text[max(s, m.start() - 45):m.start()]
        after = text[m.end():min(e, m.end() + 30)]
        cut = max(before.rfind(","), before.rfind(";"), before.rfind("("))
        clause = before[cut + 1:] if cut >= 0 else text[s:m.start()]
        if re.match(r"\s*(?:since|compared)\b", clause, re.I):
            continue
        if _DAY_MONTH_BEFORE.search(before):
            out.append((m.start(), m.group(1), "temporal"))  # "until 31 December 2020"
        elif _MONTH_BEFORE.search(before):
            continue  # "until November 2023", "in February 2023": a date, not the figure's period
        elif re.search(r"\baccording\s+to\s*$", before, re.I):
            out.append((m.start(), m.group(1), "temporal"))
        elif _REFERENCE_BEFORE.search(before):
            continue
        elif _TEMPORAL_BEFORE.search(before):
            out.append((m.start(), m.group(1), "temporal"))
        elif re.search(r"\bthe\s*$", before, re.I) and re.match(r"\s+[A-Za-z]", after):
            out.append((m.start(), m.group(1), "modifier"))
        elif _NAME_BEFORE.search(before):
            out.append((m.start(), m.group(1), "name"))
    return out


_PLAN_YEAR = re.compile(r"\b(?:RMRP\)?|Response\s+Plan)\s+((?:19|20)\d{2})\b")


def _periods(text: str, masked: str, sentences, cands: list[_Cand], years: list[_YearMention],
             report_period: str | None) -> dict[int, str]:
    out: dict[int, str] = {}
    plan = _PLAN_YEAR.search(text)
    cand_starts = [c.start for c in cands]
    year_by_end = {y.end: y.year for y in years}
    annual = report_period if report_period and re.fullmatch(r"\d{4}", report_period) else None
    for s, e in sentences:
        in_sentence = cands[bisect_left(cand_starts, s):bisect_left(cand_starts, e)]
        if not in_sentence:
            continue
        kinds = _year_kinds(text, s, e)
        modifiers = [(pos, year) for pos, year, kind in kinds if kind == "modifier"]
        modifier_pos = [pos for pos, _ in modifiers]
        stated = [(pos, year) for pos, year, kind in kinds if kind != "modifier"]
        stated_pos = [pos for pos, _ in stated]
        month = None
        if annual:
            mm = re.search(rf"(?:^\W*|,\s*)[Ii]n\s+((?-i:{_MONTH_NAMES}))\b\s*,", text[s:e])
            if mm and _month_number(mm.group(1)):
                month = f"{annual}-{_month_number(mm.group(1)):02d}"
        for i, c in enumerate(in_sentence):
            # "2020 1,557,276": a year printed right before the figure
            j = c.start
            while j > s and masked[j - 1].isspace():
                j -= 1
            if j < c.start and j in year_by_end:
                out[id(c)] = year_by_end[j]
                continue
            # "46.1% of the participants in the 2023 livelihoods strategy": the year right after it
            next_start = in_sentence[i + 1].start if i + 1 < len(in_sentence) else e
            k = bisect_left(modifier_pos, c.end)
            if k < len(modifiers) and modifier_pos[k] < next_start and modifier_pos[k] - c.end <= 40:
                out[id(c)] = modifiers[k][1]
                continue
            # otherwise the nearest year the sentence states ("from 99 days in 2022 to 54 in 2023")
            k = bisect_left(stated_pos, c.start)
            near = [stated[j] for j in (k - 1, k) if 0 <= j < len(stated)]
            if near:
                out[id(c)] = min(near, key=lambda y: abs(y[0] - c.start))[1]
            elif plan:
                out[id(c)] = plan.group(1)
            elif month:
                out[id(c)] = month
    return out


# ----------------------------------------------------------------------------- sectors


def _label_sector(masked: str, c: _Cand, s: int) -> str | None:
    """'Integration (USD 60.5 million)': the sector a parenthesised figure is printed after."""
    if not re.match(r"\s*\)", masked[c.end:c.end + 20]):
        return None
    m = re.search(r"([A-Za-z][\w\-/&.]*(?:\s+[\w\-/&.]+){0,5})\s*\(\s*$", masked[max(s, c.start - 100):c.start])
    if not m:
        return None
    words = m.group(1).split()
    for k in range(min(len(words), 5), 0, -1):
        sector = canonical_sector(" ".join(words[-k:]))
        if sector:
            return sector
    return None


_GROUP_SECTOR = re.compile(r"\b((?:[\w\-]+\s+){0,3}[\w\-]+)\s+(?:working\s+group|sector|cluster)\b", re.I)


def _group_sector(clause: str) -> str | None:
    for m in _GROUP_SECTOR.finditer(clause):
        words = m.group(1).split()
        for k in range(len(words), 0, -1):
            sector = canonical_sector(" ".join(words[-k:]))
            if sector:
                return sector
    return None


# ----------------------------------------------------------------------------- entry point


# words that make the figure after them a part of the figure before them, in one sentence
_CONTAINS = re.compile(r"\b(?:of which|out of which|of whom|out of whom|including|among them|among whom)\b", re.I)


def _looks_like_data(text: str) -> bool:
    stripped = text.strip()
    return stripped[:1] in "[{" and bool(re.search(r"\"\s*:|\]\s*,\s*\[|^\[\s*\[", stripped))


def find_figures(text: str, *, kind: str = "prose", page: int | None = None,
                 sector: str | None = None, section: str | None = None,
                 period: str | None = None, context: ProseContext | None = None,
                 report_period: str | None = None, locale: NumberLocale | None = None,
                 sector_from: str = HEADING) -> list[Figure]:
    """All figures in `text` (a sentence, paragraph, bullet or card), in reading order.

    `sector`, `section`, `page`, `kind` are copied to every figure; `period` is the default period
    (a figure whose sentence states one gets that instead). `context` carries a paragraph's opening
    place to later paragraphs; `report_period` (YYYY) lets "in June" become YYYY-06; `locale` is the
    document's number locale (default: the one `numbers.document_locale` set, else English);
    `sector_from` says where the `sector` passed in comes from (extractors.decided; a heading by default).
    A prose or key figure without a sector gets the one its own clause's activity words name.
    """
    locale = locale or current_locale()
    if not isinstance(text, str) or not text.strip() or _looks_like_data(text):
        return []
    if (lead := lead_sector(text)) is not None:  # "Health: partners reached ...": the text's own label says
        sector, sector_from = lead, WORDING
    if kind == "prose" and re.fullmatch(r"\s*(?:page\s+|p\.\s*)?\d{1,4}\s*", text, re.I):
        return []  # a page number
    masked = _masked(text)
    sentences = _sentences(masked)
    cands, years = _candidates(text, masked, kind, locale)
    locator = _Locator(masked, sentences, cands, context)
    info = _sentence_info(locator, sentences)
    if not cands:
        _update_context(context, info)
        return []
    _qualify(cands, masked, sentences)
    periods = _periods(text, masked, sentences, cands, years, report_period)

    figures = []
    evidence: dict[tuple[int, int], str] = {}
    previous: _Cand | None = None
    for c in cands:
        s, e = locator.sentence_of(c.start)
        if e - s > MAX_EVIDENCE:  # no sentence: a page of bare numbers; its own window, not the whole page
            s, e = _window(text, s, e, c.start, c.end)
        if (s, e) not in evidence:
            evidence[(s, e)] = " ".join(text[s:e].split())
        metric, group_sector, activity = _clause_facts(locator, c, kind in _WORDING_KINDS and not sector)
        flags = list(c.flags)
        if previous is not None and previous.end > s and _CONTAINS.search(text[previous.end:c.start]):
            flags.append("part_of")  # "969 cases ..., of which 143 survivors": 143 is inside 969
        previous = c
        fig_sector, sector_way = _sector(_label_sector(masked, c, s), sector, sector_from, group_sector, activity)
        location, location_way = locator.locate(c, info)
        fig = Figure(
            kind=kind, value=c.value, unit=c.unit, evidence=evidence[(s, e)],
            raw=text[c.start:c.end], qualifier=c.qualifier, metric=metric, sector=fig_sector,
            location=location, period=periods.get(id(c), period), page=page,
            section=section, flags=",".join(flags) or None,
        )
        figures.append(decide(fig, sector=sector_way, location=location_way))
    _update_context(context, info)
    return figures


_LEAD = re.compile(r"^\W{0,3}([^\W\d][^:\n–—]{1,48}?)\s*(?::|\s[–—-])\s+\S")


def lead_sector(text: str) -> str | None:
    """The sector a paragraph or bullet names as its own lead-in label: 'Health: partners reached ...',
    'Protección – se brindó ...', 'GBV: 30 survivors ...'. It holds for the whole text given."""
    m = _LEAD.match(text)
    return canonical_sector(m.group(1)) if m else None


_WORDING_KINDS = ("prose", "key_figure")  # kinds whose own sentence may name their sector (never a table cell)


def _sector(label: str | None, given: str | None, given_from: str, group: str | None,
            activity: str | None) -> tuple[str | None, str | None]:
    """A figure's sector and how it was decided: a label it is printed after ('Integration (USD 60.5
    million)'), else the sector passed in (its heading), else its clause's working group ('the CBI working
    group'), else its own activity words ('2,700 hygiene kits')."""
    if label:
        return label, WORDING
    if given:
        return given, given_from
    if group:
        return group, WORDING
    if activity:
        return activity, WORDING
    return None, None


MAX_EVIDENCE = 1000  # characters: a longer "sentence" (a page of numbers without full stops) is cut around each figure


def _window(text: str, s: int, e: int, start: int, end: int) -> tuple[int, int]:
    """About MAX_EVIDENCE characters of text[s:e] around text[start:end], cut at spaces. Each figure of a page
    of 100,000 numbers used to carry the whole page as its evidence (gigabytes once copied per figure)."""
    a = max(s, min(start - MAX_EVIDENCE // 2, e - MAX_EVIDENCE))
    b = min(e, max(end, a + MAX_EVIDENCE))
    if a > s:
        space = text.find(" ", a, start)
        a = space + 1 if space >= 0 else a
    if b < e:
        space = text.rfind(" ", end, b)
        b = space if space >= 0 else b
    return a, b


def _clause_facts(locator: _Locator, c: _Cand, activity: bool) -> tuple[str | None, str | None, str | None]:
    """The metric, the working-group sector and the activity sector of a figure's clause.

    The metric is read first from the words from the figure on ('79 partners to coordinate'),
    then from the whole clause ('received more than 60 asylum requests'). The activity sector (see
    _activity_sector) is looked for only when `activity` is true (a figure no heading gives a sector).
    """
    s, e = locator.sentence_of(c.start)
    clauses = locator.clauses(s, e, _NO_HOLES)
    cs, ce, _ = clauses[locator.clause_index(clauses, c.start)]
    if (cs, ce) not in locator._clause_text_cache:
        clause = " ".join(locator.masked[cs:ce].replace(_MASK, " ").split())
        locator._clause_text_cache[(cs, ce)] = (metric_for(clause), _group_sector(clause))
    clause_metric, group_sector = locator._clause_text_cache[(cs, ce)]
    tail = " ".join(locator.masked[c.start:min(ce, c.start + 200)].replace(_MASK, " ").split())
    found = _activity_sector(locator, c, cs, ce, e) if activity and not group_sector else None
    return metric_for(tail) or clause_metric, group_sector, found


ACTIVITY_REACH = 100  # characters either side of a figure, within its clause, where its activity words are
# a list of examples: its items run past the clause's commas ("such as drinking water, food, shelter")
_LIST_OPENER = re.compile(r"\b(?:such\s+as|including|like|e\.g\.|among\s+others|tales\s+como|como|incluyendo|"
                          r"incluidos?|incluidas?|entre\s+ellos|entre\s+otros)\b", re.I)


def _activity_sector(locator: _Locator, c: _Cand, cs: int, ce: int, sentence_end: int) -> str | None:
    """The one sector whose activity words (vocabulary.toml [activities]) a figure's clause uses near it:
    'distributed some 2,700 hygiene kits' -> WASH. Words of two sectors -> None; words elsewhere in the
    sentence or paragraph do not count, except the rest of a list the clause opens ('such as drinking
    water, food, shelter' names three sectors, so none). The text's phrases are found once per text."""
    if locator.activities is None:  # (start, end, sector) of every activity phrase, and every list opener
        text = locator.masked.replace(_MASK, " ")
        locator.activities = activity_matches(text)
        locator.activity_starts = [start for start, _, _ in locator.activities]
        locator.openers = [m.span() for m in _LIST_OPENER.finditer(text)]
    lo, hi = max(cs, c.start - ACTIVITY_REACH), min(ce, c.end + ACTIVITY_REACH)
    k = bisect_left(locator.openers, (lo, 0))
    opener = locator.openers[k] if k < len(locator.openers) and locator.openers[k][1] <= hi else None
    if opener is not None:
        hi = max(hi, min(sentence_end, hi + 3 * ACTIVITY_REACH))
    near = [(start, end, sector) for start, end, sector in
            locator.activities[bisect_left(locator.activity_starts, lo):bisect_left(locator.activity_starts, hi)]
            if end <= hi]
    if not near:
        return None
    found = {sector for _, _, sector in near}
    # sectors named outright compete too ("cash transfers to support food security"); two or more names are a
    # list of sectors or a table's header row ("Educación Seguridad Alimentaria Salud ... 3.215"), no activity.
    # Words inside an activity phrase name nothing ("financial education" is no Education).
    window = list(locator.masked[lo:hi])
    for start, end, _ in near:
        window[start - lo:end - lo] = " " * (end - start)
    named = sector_names("".join(window))
    if len(named) > 1:
        return None
    found |= named
    return found.pop() if len(found) == 1 else None


_ANAPHORA = re.compile(r"\b(?:this|these|the\s+same)\b", re.I)


def _sentence_info(locator: _Locator, sentences: list[tuple[int, int]]) -> dict:
    """Per sentence: its opening places, the place it takes from the sentence before, the paragraph's.

    A sentence takes the single place of the sentence before it when that sentence had no figure
    of its own ('... a monitoring exercise in Mancora. Over 180 nationals were interviewed') or
    when it points back to it ('... the Lima Learns programme. Over 70 per cent of children
    enrolled through this programme ...'). The paragraph's place is set by a sentence opening
    'In <place>, ...' (the first sentence, or any sentence that opens with a bare 'In'), and is what
    the paragraphs after it inherit through a ProseContext (districts only hold for their paragraph).
    """
    info: dict = {"opener": {}, "inherit": {}, "para": {}, "carry": None}
    para: str | None = None
    prev_single: str | None = None
    prev_had_figures = False
    for n, (s, e) in enumerate(sentences):
        opened = locator.opener(s, e)
        names = locator.sentence_places(s, e)
        has_figures = bisect_left(locator.cand_starts, s) < bisect_left(locator.cand_starts, e)
        info["opener"][(s, e)] = opened
        info["para"][(s, e)] = para
        if prev_single and (not prev_had_figures or _ANAPHORA.search(locator.masked[s:e])):
            info["inherit"][(s, e)] = prev_single
        prev_single = names[0] if len(names) == 1 and not opened else None
        prev_had_figures = has_figures
        bare = re.match(r"\W*In\s", locator.masked[s:e]) is not None  # not "Likewise, in Tacna ..."
        if (n == 0 or bare) and len(opened) == 1 and set(names) <= set(opened):
            para = opened[0]
            if opened[0] not in locator.gaz.sub_places:
                info["carry"] = opened[0]
    return info


def _update_context(context: ProseContext | None, info: dict) -> None:
    """A paragraph opening 'In <place>, ...' (one place) sets the place for the paragraphs after it."""
    if context is not None and info.get("carry"):
        context.location = info["carry"]
