"""Parse one number as printed: digits, signs, scales, currencies, percentages and number words.

One tokenizer for every number sitrep reads (prose, cards, table cells). Pure functions, no
knowledge of sentences (that is `extractors.prose`):

    >>> parse_number("416,839").value
    416839.0
    >>> parse_number("USD 136.5 million")
    Parsed(value=136500000.0, unit='usd', malformed=False, plus=False)
    >>> parse_number("0.80%").value, parse_number("75 per cent").unit
    (0.8, 'percent')
    >>> parse_number("Twenty-nine").value, parse_number("half a million").value
    (29.0, 500000.0)
    >>> parse_number("52,9960")            # a malformed digit group keeps its literal value
    Parsed(value=529960.0, unit='number', malformed=True, plus=False)
    >>> parse_number("-1,541").value, parse_number("CHF 95\u202f161").unit
    (-1541.0, 'chf')
    >>> parse_number("más de 530.000", ES) is None, parse_number("530.000", ES).value
    (True, 530000.0)

Values are on the canonical scale of VOCABULARY.md: money in whole units of its currency, percent
0-100. The unit of money is its ISO 4217 code in lower case (`usd`, `pen`, `chf`, `eur`, ...; codes
from pycountry, symbols and words from vocabulary.toml); `number` and `percent` stay.

How digits group and where the decimal mark is depends on the document (`1.234` is one thousand two
hundred and thirty-four in a Spanish report, one point two three four in an English one):
`detect_locale` decides it once per document from the document's own text, `document_locale` makes
it the locale of everything parsed while a document is extracted, and every function here takes an
explicit `locale` too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

import pycountry
from text_to_num import text2num

from .records import MONEY_UNITS
from .vocab import fold, vocabulary

__all__ = [
    "Parsed", "NumberLocale", "EN", "ES", "PT", "NUMBER_RE", "WORD_NUMBER_RE", "SCALES", "parse_number",
    "parse_match", "parse_digits", "words_to_number", "split_word_run", "unit_for_currency", "number_re",
    "word_number_re", "detect_locale", "document_locale", "current_locale", "currency_units", "is_money",
    "money_statement", "MoneyStatement", "restate",
]


# ----------------------------------------------------------------------------- locales


@dataclass(frozen=True)
class NumberLocale:
    """How a document prints numbers: its language (scale and number words), its decimal mark
    ('.' or ','; the other of the two groups thousands) and whether a plain space groups thousands
    ('95 161'; no-break and thin spaces always do)."""

    language: str = "en"  # en | es | pt
    decimal: str = "."
    space_groups: bool = False

    @property
    def group(self) -> str:
        return "," if self.decimal == "." else "."


EN = NumberLocale()
ES = NumberLocale("es", ",")
PT = NumberLocale("pt", ",")

_LOCALE: ContextVar[NumberLocale] = ContextVar("sitrep_number_locale", default=EN)


def current_locale() -> NumberLocale:
    """The locale of the document being extracted (English outside `document_locale`)."""
    return _LOCALE.get()


@contextmanager
def document_locale(locale: NumberLocale) -> Iterator[NumberLocale]:
    """Parse numbers in `locale` inside the block (set once per document by `extract_report`)."""
    token = _LOCALE.set(locale)
    try:
        yield locale
    finally:
        _LOCALE.reset(token)


_LANG_OF_WORD = {
    **dict.fromkeys("the and of with were was have has people which this from".split(), "en"),
    **dict.fromkeys("el los las del y con para personas fueron como por según".split(), "es"),
    **dict.fromkeys("os das dos com pessoas foram não são pelo pela também".split(), "pt"),
}
_FUNCTION_WORD = re.compile(r"\b(?:" + "|".join(_LANG_OF_WORD) + r")\b")
_SPECIAL_SPACE = "\u00a0\u202f\u2009"
_NUM_TOKEN = re.compile(r"[0-9][0-9.,]*[0-9]")
_TOKEN_KINDS = (  # (form, the decimal mark it votes for, weight, groups thousands); unambiguous forms weigh 3
    (re.compile(r"[0-9]{1,3}(?:\.[0-9]{3}){2,}|[0-9.]*[0-9]\.[0-9]{3},[0-9]+"), ",", 3, True),
    (re.compile(r"[0-9]{1,3}(?:,[0-9]{3}){2,}|[0-9,]*[0-9],[0-9]{3}\.[0-9]+"), ".", 3, True),
    (re.compile(r"[0-9]+,[0-9]{1,2}"), ",", 1, False),
    (re.compile(r"[0-9]{1,3}\.[0-9]{3}"), ",", 1, True),
    (re.compile(r"[0-9]+\.[0-9]{1,2}"), ".", 1, False),
    (re.compile(r"[0-9]{1,3},[0-9]{3}"), ".", 1, True),
)
_SPACE_GROUP = re.compile(rf"(?<![0-9.,])[0-9]{{1,3}}(?:[ {_SPECIAL_SPACE}][0-9]{{3}})+(?![0-9.,])")
_CODE_SPACE_GROUP = re.compile(r"(?<=[A-Z]{3} )[0-9]{1,3}(?: [0-9]{3})+(?![0-9.,])")
_SAMPLE_CHARS = 100_000


def detect_locale(text: str) -> NumberLocale:
    """The number locale of a document, from its own evidence.

    Language: the most frequent function words (English, Spanish, Portuguese). Decimal mark: numbers
    that can only be read one way ('1.234.567', '1,234,567', '1.234,5') count three times, ambiguous
    ones ('62,5', '530.000', '44.8', '18,719') once; a tie goes to the language's own convention.
    Plain-space thousands ('CHF 95 161') only when the document prints a currency or no-break-space
    group so and groups no more numbers with the other marks.
    """
    if not text:
        return EN
    sample = text[:_SAMPLE_CHARS]
    counts = dict.fromkeys(("en", "es", "pt"), 0)
    for word in _FUNCTION_WORD.findall(sample.lower()):
        counts[_LANG_OF_WORD[word]] += 1
    language = max(counts, key=lambda k: (counts[k], k == "en"))
    votes = {".": 0, ",": 0}
    grouped = 0
    for token in _NUM_TOKEN.findall(sample):
        for pattern, mark, weight, groups in _TOKEN_KINDS:
            if pattern.fullmatch(token):
                votes[mark] += weight
                grouped += groups
                break
    if votes[","] != votes["."]:
        decimal = "," if votes[","] > votes["."] else "."
    else:
        decimal = "," if language in ("es", "pt") else "."
    strong = any(ch in sample for ch in _SPECIAL_SPACE) or _CODE_SPACE_GROUP.search(sample) is not None
    space_groups = strong and len(_SPACE_GROUP.findall(sample)) >= grouped
    return NumberLocale(language, decimal, space_groups)


# ----------------------------------------------------------------------------- currencies

# ISO 4217 codes that are also common upper-case words ("ALL 17 REGIONS", "TOP 10"): never a currency
_CODE_WORDS = frozenset({"ALL", "TOP", "CUP", "SOS", "MOP", "GEL", "TRY", "MAD", "BAM", "XXX", "XTS"})


@cache
def _codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies) - _CODE_WORDS


_MONEY_UNITS = frozenset(MONEY_UNITS)


def currency_units() -> frozenset[str]:
    """Every money unit: the ISO 4217 codes (pycountry) in lower case."""
    return _MONEY_UNITS


def is_money(unit: str | None) -> bool:
    return unit is not None and unit in _MONEY_UNITS


@cache
def _suffix_words() -> dict[str, str]:
    """Folded currency words printed after an amount -> code: vocabulary.toml's, and pycountry's
    names of two or more words ('Swiss Franc', 'US Dollar') with their plurals."""
    words = dict(vocabulary().currency_words)
    for c in pycountry.currencies:
        if " " in c.name and c.alpha_3 in _codes():
            words.setdefault(fold(c.name), c.alpha_3)
            words.setdefault(fold(c.name) + "s", c.alpha_3)
    return words


def unit_for_currency(symbol: str | None) -> str | None:
    """'USD', 'US$', '$', 'dollars' -> 'usd'; 'S/' -> 'pen'; 'CHF', 'Swiss francs' -> 'chf'; else None."""
    if not symbol:
        return None
    s = " ".join(symbol.split())
    symbols = vocabulary().currency_symbols
    if s in symbols:
        return symbols[s].lower()
    compact = s.replace(" ", "")
    if compact in symbols:
        return symbols[compact].lower()
    m = re.fullmatch(r"([A-Z]{3})\s?(\$)?", s)
    if m and m.group(1) in _codes():
        return m.group(1).lower()
    code = _suffix_words().get(s.casefold()) or _suffix_words().get(fold(s))
    return code.lower() if code else None


# ----------------------------------------------------------------------------- patterns

# Multipliers for scale words and suffixes ("1.54M", "USD 330K", "136.5 million", "1,5 millones").
SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "mill": 1e6, "million": 1e6, "millions": 1e6,
          "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9,
          "mil": 1e3, "millón": 1e6, "millon": 1e6, "millones": 1e6, "mil millones": 1e9,
          "miles de millones": 1e9, "milhão": 1e6, "milhao": 1e6, "milhões": 1e6, "milhoes": 1e6,
          "bilhão": 1e9, "bilhões": 1e9, "mil milhões": 1e9}
_WSCALES = {
    "en": r"thousand|million|billion",
    "es": r"miles\s+de\s+millones|mil\s+millones|millones|millón|millon|mil|thousand|million|billion",
    "pt": r"mil\s+milhões|milhões|milhoes|milhão|milhao|bilhões|bilhão|mil|thousand|million|billion",
}
_CUR_PREFIX = r"(?-i:(?<![A-Za-z])[A-Z]{3}(?:\s?\$)?(?![A-Za-z])|US\s?\$|U\.S\.\s?\$|R\$|S/\.?|[€£$]|Bs\.)"
_PCT = r"\s?%|\s?per\s?cent\b|\s?percent\b|\s?percentage\s+points?\b|\s?por\s?ciento\b|\s?puntos\s+porcentuales\b"


def _digits(locale: NumberLocale) -> str:
    spaces = (" " if locale.space_groups else "") + _SPECIAL_SPACE
    g, d = re.escape(locale.group), re.escape(locale.decimal)
    alt_decimal = r"|\.[0-9]{1,2}(?![0-9.])" if locale.decimal == "," else ""  # '44.8' in a Spanish page
    return (rf"[0-9]{{1,3}}(?:{g}[0-9]{{3,4}})+(?:{d}[0-9]+)?(?![0-9]|{g}[0-9])"   # 416,839  52,9960 (flagged)
            rf"|[0-9]{{1,3}}(?:[{spaces}][0-9]{{3}})+(?:{d}[0-9]+)?(?![0-9])"       # 95 161  18 719
            rf"|[0-9]+(?:{d}[0-9]+{alt_decimal})?")                                  # 3457  0.80  1,5


# A code after an amount is its currency only where the phrase ends there or goes on with a function
# word ('95,161 CHF.', '5 million EUR for shelter'), not where it names what is counted ('1,200 RSD cases').
_AFTER_SUFFIX_CODE = (r"(?=\s*(?:$|[^\w\s]|(?:for|in|to|from|and|or|of|per|each|was|were|is|are|para|en|de|del|y|o|"
                      r"por|a|com|e)\b))")


@cache
def _suffix_alternation() -> str:
    words = sorted(_suffix_words(), key=len, reverse=True)
    spelled = "|".join(r"\s+".join(re.escape(part) for part in w.split()) for w in words)
    return rf"(?-i:[A-Z]{{3}})(?![A-Za-z]){_AFTER_SUFFIX_CODE}|(?:{spelled})\b"


@cache
def number_re(locale: NumberLocale = EN) -> re.Pattern[str]:
    """The pattern of one printed amount in `locale`. Groups: sign, cur (prefix currency), num
    (the digits), scale / wscale, cur2 (suffix currency), pct (percent sign or words), plus (a
    trailing '+'). Context rules (glued letters, dates, codes) are the caller's."""
    de = r"(?:de\s+)?" if locale.language != "en" else ""
    return re.compile(
        rf"""
        (?=(?-i:[-\u2212A-Z$€£0-9]))   # a sign, a currency or a digit starts every amount (lets the scan skip)
        (?P<sign>[-\u2212])?
        (?:(?P<cur>{_CUR_PREFIX})\s{{0,2}})?
        (?P<sign2>[-\u2212])?
        (?P<num>{_digits(locale)})
        (?:
            (?P<scale>[KkMm](?:n)?|[Bb]n?)(?![\w])
            |\s(?P<scale2>(?-i:M|K|Mn|Bn))(?![\w.])         # 1,54 M  (Spanish style)
            |\s+(?P<wscale>{_WSCALES.get(locale.language, _WSCALES["en"])})\b
        )?
        (?:\s?{de}(?P<cur2>{_suffix_alternation()}))?
        (?:(?P<pct>{_PCT}))?
        (?P<plus>\+(?![\w+]))?
        """,
        re.VERBOSE | re.IGNORECASE,
    )


_EN_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
             "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_EN_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_BIG = ["hundred", "thousand", "million", "billion"]
_ES_WORDS = (
    "un uno una dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciséis "
    "dieciseis diecisiete dieciocho diecinueve veinte veintiún veintiuno veintiuna veintidós veintidos "
    "veintitrés veintitres veinticuatro veinticinco veintiséis veintiseis veintisiete veintiocho veintinueve "
    "treinta cuarenta cincuenta sesenta setenta ochenta noventa cien ciento doscientos doscientas trescientos "
    "trescientas cuatrocientos cuatrocientas quinientos quinientas seiscientos seiscientas setecientos "
    "setecientas ochocientos ochocientas novecientos novecientas mil millón millon millones").split()
_PT_WORDS = (
    "um uma dois duas três tres quatro cinco seis sete oito nove dez onze doze treze catorze quatorze quinze "
    "dezesseis dezessete dezoito dezenove vinte trinta quarenta cinquenta sessenta setenta oitenta noventa cem "
    "cento duzentos duzentas trezentos trezentas quatrocentos quinhentos seiscentos setecentos oitocentos "
    "novecentos mil milhão milhao milhões milhoes").split()


def _alternation(words: list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_WORD_RES = {
    # "Twenty-nine", "one thousand five hundred thirty-two", "half a million". "zero" is left out on
    # purpose (Zero Tolerance Policy is not a figure).
    "en": re.compile(
        rf"\b(?:half\s+a\s+(?:million|billion)|(?:{_alternation(_EN_UNITS + _EN_TENS + _EN_BIG)})"
        rf"(?:(?:\s*-\s*|\s+|\s+and\s+)(?:{_alternation(_EN_UNITS + _EN_TENS + _EN_BIG)}))*)\b",
        re.IGNORECASE),
    # "quinientos treinta mil", "doscientos cincuenta y tres", "medio millón"
    "es": re.compile(
        rf"\b(?:medio\s+mill[oó]n|(?:{_alternation(_ES_WORDS)})(?:(?:\s+y\s+|\s+)(?:{_alternation(_ES_WORDS)}))*)\b",
        re.IGNORECASE),
    "pt": re.compile(
        rf"\b(?:meio\s+milh[aã]o|(?:{_alternation(_PT_WORDS)})(?:(?:\s+e\s+|\s+)(?:{_alternation(_PT_WORDS)}))*)\b",
        re.IGNORECASE),
}


def word_number_re(locale: NumberLocale = EN) -> re.Pattern[str]:
    """A run of number words in the locale's language."""
    return _WORD_RES.get(locale.language, _WORD_RES["en"])


NUMBER_RE = number_re(EN)
WORD_NUMBER_RE = _WORD_RES["en"]


# ----------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Parsed:
    """A parsed amount. `plus` is a trailing '+' (a lower bound); `malformed` a bad digit group."""

    value: float
    unit: str = "number"
    malformed: bool = False
    plus: bool = False


@dataclass(frozen=True)
class Token:
    """One amount found in a text: its value and where it is printed."""

    value: float
    unit: str
    malformed: bool
    plus: bool
    start: int
    end: int
    num_start: int
    num_end: int
    currency_prefix: bool
    scaled: bool
    signed: bool


@cache
def _digit_forms(locale: NumberLocale) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(well-formed, loosely grouped) digit strings of a locale."""
    g, d = re.escape(locale.group), re.escape(locale.decimal)
    spaces = f"[ {_SPECIAL_SPACE}]"
    good = (rf"[0-9]{{1,3}}(?:{g}[0-9]{{3}})+(?:{d}[0-9]+)?|[0-9]{{1,3}}(?:{spaces}[0-9]{{3}})+(?:{d}[0-9]+)?"
            rf"|[0-9]+(?:{d}[0-9]+)?")
    if locale.decimal == ",":
        good += r"|[0-9]+\.[0-9]{1,2}"  # '44.8' in a Spanish page
    return re.compile(good), re.compile(rf"[0-9]+(?:{g}[0-9]+)+(?:{d}[0-9]+)?")


def parse_digits(token: str, locale: NumberLocale | None = None) -> tuple[float, bool] | None:
    """'416,839' -> (416839.0, False); '52,9960' -> (529960.0, True); '530.000' (es) -> 530000; junk -> None."""
    loc = locale or current_locale()
    token = token.strip()
    good, loose = _digit_forms(loc)
    if good.fullmatch(token):
        return _to_float(token, loc), False
    if loose.fullmatch(token):
        return _to_float(token, loc), True
    return None


_SPACES_RE = re.compile(f"[ {_SPECIAL_SPACE}]")
_DOT_DECIMAL_TOKEN = re.compile(r"[0-9]+\.[0-9]{1,2}")


def _plain(token: str, loc: NumberLocale) -> str:
    """'1.234,5' (es) -> '1234.5'; '95 161' -> '95161'."""
    if not token.isdigit():
        token = _SPACES_RE.sub("", token)
        if loc.decimal == "," and _DOT_DECIMAL_TOKEN.fullmatch(token):
            return token
        token = token.replace(loc.group, "").replace(loc.decimal, ".")
    return token


def _to_float(token: str, loc: NumberLocale) -> float:
    return float(_plain(token, loc))


def _scaled(digits: str, scale: str | None, loc: NumberLocale) -> float:
    """digits x scale computed in decimal, so 16.4 million is 16400000 and not 16399999.999999998."""
    factor = SCALES.get(" ".join(scale.casefold().split()), 1.0) if scale else 1.0
    plain = _plain(digits, loc)
    try:
        return float(Decimal(plain) * Decimal(int(factor)))
    except (InvalidOperation, ValueError, OverflowError):
        return float(plain) * factor


_SIGN_CONTEXT = set(" \t\n\r([{:=|/;" + _SPECIAL_SPACE)


def scan(m: re.Match[str], locale: NumberLocale | None = None) -> Token | None:
    """A `number_re` match as a Token, or None when its digits are not a number.

    A sign counts only where it cannot be a hyphen or a range dash ('COVID-19', '10-20'): at the
    start of the text or after a space or an opening bracket; a prefix or suffix that is not a
    currency (three capitals that are no ISO 4217 code) is left out of the amount.
    """
    loc = locale or current_locale()
    digits = parse_digits(m.group("num"), loc)
    if digits is None:
        return None
    text = m.string
    start, end = m.start(), m.end()
    cur, cur2 = m.group("cur"), m.group("cur2")
    unit = unit_for_currency(cur) if cur else None
    if cur and unit is None:  # "SIS 500", "RMRP 2023": not a currency
        start = m.start("sign2") if m.group("sign2") else m.start("num")
        cur = None
    unit2 = unit_for_currency(cur2) if cur2 else None
    if cur2 and unit2 is None:  # "500 NFI kits"
        end = next((m.end(g) for g in ("scale", "scale2", "wscale") if m.group(g)), m.end("num"))
    unit = unit or unit2
    sign = m.group("sign2") or (m.group("sign") if start == m.start() else None)
    signed = False
    if sign:
        sign_at = m.start("sign2") if m.group("sign2") else m.start("sign")
        before = text[sign_at - 1] if sign_at > 0 else " "
        if before in _SIGN_CONTEXT or (m.group("sign2") and cur):
            signed = True
        elif sign_at == start:
            start += 1
    scale = m.group("scale") or m.group("scale2") or m.group("wscale")
    value = _scaled(m.group("num"), scale, loc)
    if signed:
        value = -value
    if m.group("pct") and end == m.end():
        if unit is not None:  # "$5%" is not a thing: refuse rather than guess
            return None
        unit = "percent"
    plus = bool(m.group("plus")) and end == m.end()
    return Token(value, unit or "number", digits[1], plus, start, end, m.start("num"), m.end("num"),
                 bool(cur), bool(scale), signed)


def parse_match(m: re.Match[str], locale: NumberLocale | None = None) -> Parsed | None:
    """A `number_re` match as a value with its unit."""
    token = scan(m, locale)
    if token is None:
        return None
    return Parsed(token.value, token.unit, token.malformed, token.plus)


def _clean_words(phrase: str) -> str:
    return " ".join(phrase.replace("-", " ").split()).casefold()


def words_to_number(phrase: str, locale: NumberLocale | None = None) -> float | None:
    """'Twenty-nine' -> 29, 'One thousand five hundred thirty-two' -> 1532, 'half a million' -> 500000,
    'quinientos treinta mil' (es) -> 530000. None when the words do not make one number ('two two')."""
    loc = locale or current_locale()
    words = _clean_words(phrase)
    if not words:
        return None
    half = re.fullmatch(r"(?:half a|medio|meio) (million|billion|mill[oó]n|milh[aã]o)", words)
    if half:
        return 0.5 * (1e9 if half.group(1) == "billion" else 1e6)
    joiner = {"es": "y", "pt": "e"}.get(loc.language, "and")
    if words.startswith(joiner + " ") or words.endswith(" " + joiner) or words == joiner:
        return None
    lang = loc.language if loc.language in ("es", "pt") else "en"
    if lang == "es":
        words = re.sub(r"ún\b", "uno", words)  # veintiún -> veintiuno (text2num knows the full form)
    try:
        return float(text2num(words, lang))
    except (ValueError, TypeError, IndexError, KeyError, AttributeError):
        return None


_MAX_NUMBER_WORDS = 24  # "nine hundred and ninety-nine thousand nine hundred ..." is shorter than this


def split_word_run(phrase: str, locale: NumberLocale | None = None) -> list[tuple[int, int, float]]:
    """Split a run of number words into the numbers it holds, as (start, end, value) offsets.

    'two and three' -> two numbers; 'one hundred and five' -> one. Greedy: the longest prefix
    that text2num accepts, then the rest.
    """
    loc = locale or current_locale()
    joiner = {"es": "y", "pt": "e"}.get(loc.language, "and")
    tokens = [(m.start(), m.end()) for m in re.finditer(r"[^\W\d_]+", phrase)]
    out: list[tuple[int, int, float]] = []
    i = 0
    while i < len(tokens):
        if phrase[tokens[i][0]:tokens[i][1]].casefold() == joiner:
            i += 1
            continue
        for j in range(min(len(tokens), i + _MAX_NUMBER_WORDS), i, -1):
            start, end = tokens[i][0], tokens[j - 1][1]
            value = words_to_number(phrase[start:end], loc)
            if value is not None:
                out.append((start, end, value))
                i = j
                break
        else:
            i += 1
    return out


def parse_number(text: str, locale: NumberLocale | None = None) -> Parsed | None:
    """Parse a whole phrase that is one number ('USD 136.5 million', '2,000+', 'Twenty-nine', '(1,541)').

    None when the phrase is not exactly one number. A number in brackets alone is negative (the
    accounting convention of tables and finance lines).
    """
    if not isinstance(text, str):
        return None
    loc = locale or current_locale()
    phrase = text.strip()
    if not phrase:
        return None
    bracketed = re.fullmatch(r"\(\s*([^()]+?)\s*\)", phrase)
    if bracketed:
        inner = parse_number(bracketed.group(1), loc)
        if inner is None or inner.value < 0 or not re.search(r"[0-9]", bracketed.group(1)):
            return None
        return Parsed(-inner.value, inner.unit, inner.malformed, inner.plus)
    m = number_re(loc).fullmatch(phrase)
    if m:
        token = scan(m, loc)
        if token is None or (token.start, token.end) != (0, len(phrase)):
            return None
        return Parsed(token.value, token.unit, token.malformed, token.plus)
    pct = re.fullmatch(r"(.+?)\s*(%|per\s?cent|percent|por\s?ciento)", phrase, re.I)
    body = pct.group(1) if pct else phrase
    cur = re.fullmatch(rf"({_CUR_PREFIX})\s?(.+)", body, re.I)
    unit = None
    if cur:
        unit, body = unit_for_currency(cur.group(1)), cur.group(2)
        if unit is None:
            return None
    if not word_number_re(loc).fullmatch(body) and body.casefold() != "zero":
        return None
    value = words_to_number(body, loc)
    if value is None:
        return None
    if pct:
        if unit:
            return None
        unit = "percent"
    return Parsed(value, unit or "number")


# ----------------------------------------------------------------------------- statements of currency


@dataclass(frozen=True)
class MoneyStatement:
    """What a page or table says about its own amounts: 'All figures are in Swiss Francs (CHF)',
    'USD millions', '(en miles de soles)'."""

    unit: str  # ISO 4217 code in lower case
    scale: float = 1.0


_STATED_SCALE = r"(?P<scale>thousands?|millions?|billions?|miles|millones|mil|milhares|milhões|'000|000s|m|k)"
_STATEMENTS = (
    # "All figures are in Swiss Francs (CHF)", "amounts in USD", "figures in thousands of USD",
    # "expressed in millions of US dollars", "cifras en millones de USD", "valores en soles"
    re.compile(r"\b(?:figures|amounts|values|budget|all\s+figures|all\s+amounts|cifras|montos|valores|importes"
               r"|presupuesto|expressed|expresad[oa]s|stated|reported)\b[^.\n]{0,30}?\b(?:are\s+)?(?:in|en|em)\s+"
               rf"(?:(?:{_STATED_SCALE})\s+(?:of|de)\s+)?(?P<cur>[^.\n;]{{1,40}})", re.I),
    # "USD millions", "CHF '000", "(in USD)", "(USD)", "(en millones de USD)"
    re.compile(rf"(?:^|\(|\s)(?:in\s+|en\s+|em\s+)?(?:{_STATED_SCALE}\s+(?:of|de)\s+)?(?P<cur>[A-Z]{{3}}|US\$)"
               rf"(?:\s+{_STATED_SCALE.replace('scale', 'scale2')})?\s*(?:\)|$)", re.M),
)


def money_statement(text: str) -> MoneyStatement | None:
    """The currency (and scale) a page, table caption or column header states for its amounts."""
    if not text:
        return None
    for pattern in _STATEMENTS:
        for m in pattern.finditer(text):
            cur = m.group("cur")
            unit = _statement_currency(cur)
            if unit is None:
                continue
            scale_word = m.groupdict().get("scale") or m.groupdict().get("scale2") or ""
            scale_word = scale_word.casefold()
            if not scale_word:
                tail = re.match(rf"\s*{_STATED_SCALE}\b", text[m.end("cur"):], re.I)
                scale_word = tail.group("scale").casefold() if tail else ""
            return MoneyStatement(unit, _statement_scale(scale_word))
    return None


def _statement_currency(phrase: str) -> str | None:
    phrase = phrase.strip(" ()")
    code = re.search(r"\(([A-Z]{3})\)|\b([A-Z]{3})\b|(US\$|R\$|S/\.?|[€£$])", phrase)
    if code:
        unit = unit_for_currency(code.group(1) or code.group(2) or code.group(3))
        if unit:
            return unit
    words = fold(phrase)
    for word, code3 in sorted(_suffix_words().items(), key=lambda kv: -len(kv[0])):
        if re.match(rf"(?:the\s+)?{re.escape(word)}\b", words):
            return code3.lower()
    return None


def _statement_scale(word: str) -> float:
    if word in ("thousand", "thousands", "miles", "mil", "milhares", "'000", "000s", "k"):
        return 1e3
    if word in ("million", "millions", "millones", "milhões", "m"):
        return 1e6
    if word in ("billion", "billions"):
        return 1e9
    return 1.0


# a row or column of people, households or organisations in a money table is still a count
_COUNT_LABEL = re.compile(
    r"\b(?:people|persons|personas|pessoas|households?|hogares|familias|famílias|families|beneficiar\w*|"
    r"individuals|children|niñ[oa]s|partners|socios|organi[sz]ations|organizaciones|number\s+of|número\s+de|"
    r"n[º°]\s+de)\b|%", re.I)


def restate(value: float, unit: str, raw: str, statement: MoneyStatement | None,
            labels: str = "") -> tuple[float, str]:
    """A table cell's (value, unit) under its table's or page's statement of currency and scale:
    a plain number becomes money in the stated currency and scale ('95,161' under 'All figures are
    in Swiss Francs (CHF)' -> 95161 chf; '5.2' under 'USD millions' -> 5200000 usd). Percentages,
    cells of count rows or columns (`labels` naming people, households, ...), and amounts that print
    their own currency keep their unit; an amount in the stated currency takes the stated scale
    unless it prints its own."""
    if statement is None or unit == "percent" or _COUNT_LABEL.search(labels or ""):
        return value, unit
    own_scale = re.search(r"[0-9]\s?(?:[KkMmBb]n?|thousand|million|billion|mil|mill[oó]n|millones)\b", raw or "")
    if unit == "number" or (unit == statement.unit and not own_scale):
        scaled = float(Decimal(repr(value)) * Decimal(int(statement.scale))) if statement.scale != 1 else value
        return scaled, statement.unit
    return value, unit


_digit_forms(EN)  # compiled at import, like NUMBER_RE: the first number parsed costs no more than the next
