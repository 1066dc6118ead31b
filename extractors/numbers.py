"""Parse one number as printed: digits, scales, currencies, percentages and number words.

Pure functions, no knowledge of sentences (that is `extractors.prose`):

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

Values are on the canonical scale of VOCABULARY.md: usd in dollars, pen in soles, percent 0-100.
`NUMBER_RE` and `WORD_NUMBER_RE` are the patterns `prose` scans text with; `parse_match` and
`words_to_number` turn their matches into values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from text_to_num import text2num

__all__ = [
    "Parsed", "NUMBER_RE", "WORD_NUMBER_RE", "SCALES", "parse_number", "parse_match", "parse_digits",
    "words_to_number", "split_word_run", "unit_for_currency",
]

# Multipliers for scale words and suffixes ("1.54M", "USD 330K", "136.5 million").
SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "mill": 1e6, "million": 1e6, "millions": 1e6,
          "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9}

_CUR_PREFIX = r"(?:(?-i:US\s?\$|USD|U\.S\.\s?\$|S/\.?|PEN)|\$)"
_CUR_SUFFIX = r"(?:(?-i:USD|PEN)|US\s+dollars|dollars|soles|nuevos\s+soles)"

# One printed amount. Groups: cur (prefix currency), num (the digits), scale, cur2 (suffix currency),
# pct (percent sign or words), plus (trailing "+"). Context rules (glued letters, dates, codes) are
# applied by the caller; this pattern only says what a number looks like.
NUMBER_RE = re.compile(
    rf"""
    (?:(?P<cur>{_CUR_PREFIX})\s{{0,2}})?
    (?P<num>\d{{1,3}}(?:,\d{{3,4}})+(?:\.\d+)?(?![\d]|,\d)   # 416,839  52,9960 (malformed, flagged)
        |\d+(?:\.\d+)?)                                 # 3457  0.80  1.54
    (?:
        (?P<scale>[KkMm](?:n)?|[Bb]n?)(?![\w])           # 1.54M  330K  2bn   (glued)
        |\s+(?P<wscale>thousand|million|billion)\b      # 136.5 million
    )?
    (?:\s?(?P<cur2>{_CUR_SUFFIX})\b)?
    (?:(?P<pct>\s?%|\s?per\s?cent\b|\s?percent\b|\s?percentage\s+points?\b))?
    (?P<plus>\+(?![\w+]))?
    """,
    re.VERBOSE | re.IGNORECASE,
)

_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_BIG = ["hundred", "thousand", "million", "billion"]
_WORD = "|".join(sorted(_UNITS + _TENS + _BIG, key=len, reverse=True))

# A run of number words: "Twenty-nine", "one thousand five hundred thirty-two", "three million",
# "half a million". "zero" is left out on purpose (Zero Tolerance Policy is not a figure).
WORD_NUMBER_RE = re.compile(
    rf"\b(?:half\s+a\s+(?:million|billion)|(?:{_WORD})(?:(?:\s*-\s*|\s+|\s+and\s+)(?:{_WORD}))*)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Parsed:
    """A parsed amount. `plus` is a trailing '+' (a lower bound); `malformed` a bad digit group."""

    value: float
    unit: str = "number"
    malformed: bool = False
    plus: bool = False


def unit_for_currency(symbol: str | None) -> str | None:
    """'USD', 'US$', '$', 'dollars' -> 'usd'; 'S/', 'S/.', 'PEN', 'soles' -> 'pen'; else None."""
    if not symbol:
        return None
    s = " ".join(symbol.split()).casefold()
    if s.startswith("s/") or s in ("pen", "soles", "nuevos soles"):
        return "pen"
    if "$" in s or s in ("usd", "us dollars", "dollars"):
        return "usd"
    return None


_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_PLAIN = re.compile(r"\d+(?:\.\d+)?")
_LOOSE = re.compile(r"\d+(?:,\d+)+(?:\.\d+)?")


def parse_digits(token: str) -> tuple[float, bool] | None:
    """'416,839' -> (416839.0, False); '52,9960' -> (529960.0, True); junk -> None."""
    token = token.strip()
    if _GROUPED.fullmatch(token) or _PLAIN.fullmatch(token):
        return float(token.replace(",", "")), False
    if _LOOSE.fullmatch(token):
        return float(token.replace(",", "")), True
    return None


def _scaled(digits: str, scale: str | None) -> float:
    """digits x scale computed in decimal, so 16.4 million is 16400000 and not 16399999.999999998."""
    factor = SCALES.get(scale.casefold(), 1.0) if scale else 1.0
    try:
        return float(Decimal(digits.replace(",", "")) * Decimal(int(factor)))
    except (InvalidOperation, ValueError, OverflowError):
        return float(digits.replace(",", "")) * factor


def parse_match(m: re.Match[str]) -> Parsed | None:
    """A `NUMBER_RE` match as a value with its unit."""
    digits = parse_digits(m.group("num"))
    if digits is None:
        return None
    malformed = digits[1]
    value = _scaled(m.group("num"), m.group("scale") or m.group("wscale"))
    unit = unit_for_currency(m.group("cur")) or unit_for_currency(m.group("cur2"))
    if m.group("pct"):
        if unit is not None:  # "$5%" is not a thing: refuse rather than guess
            return None
        unit = "percent"
    return Parsed(value, unit or "number", malformed, bool(m.group("plus")))


def _clean_words(phrase: str) -> str:
    phrase = " ".join(phrase.replace("-", " ").split()).casefold()
    return phrase


def words_to_number(phrase: str) -> float | None:
    """'Twenty-nine' -> 29, 'One thousand five hundred thirty-two' -> 1532, 'half a million' -> 500000.

    Returns None when the words do not make one number ('two two', 'and').
    """
    words = _clean_words(phrase)
    if not words:
        return None
    half = re.fullmatch(r"half a (million|billion)", words)
    if half:
        return 0.5 * SCALES[half.group(1)]
    if words.startswith("and ") or words.endswith(" and") or words == "and":
        return None
    try:
        return float(text2num(words, "en"))
    except (ValueError, TypeError, IndexError, KeyError, AttributeError):
        return None


_MAX_NUMBER_WORDS = 24  # "nine hundred and ninety-nine thousand nine hundred ..." is shorter than this


def split_word_run(phrase: str) -> list[tuple[int, int, float]]:
    """Split a run of number words into the numbers it holds, as (start, end, value) offsets.

    'two and three' -> two numbers; 'one hundred and five' -> one. Greedy: the longest prefix
    that text2num accepts, then the rest.
    """
    tokens = [(m.start(), m.end()) for m in re.finditer(r"[A-Za-z]+", phrase)]
    out: list[tuple[int, int, float]] = []
    i = 0
    while i < len(tokens):
        if phrase[tokens[i][0]:tokens[i][1]].casefold() == "and":
            i += 1
            continue
        for j in range(min(len(tokens), i + _MAX_NUMBER_WORDS), i, -1):
            start, end = tokens[i][0], tokens[j - 1][1]
            value = words_to_number(phrase[start:end])
            if value is not None:
                out.append((start, end, value))
                i = j
                break
        else:
            i += 1
    return out


def parse_number(text: str) -> Parsed | None:
    """Parse a whole phrase that is one number ('USD 136.5 million', '2,000+', 'Twenty-nine').

    None when the phrase is not exactly one number.
    """
    if not isinstance(text, str):
        return None
    phrase = text.strip()
    if not phrase:
        return None
    m = NUMBER_RE.fullmatch(phrase)
    if m:
        return parse_match(m)
    pct = re.fullmatch(r"(.+?)\s*(%|per\s?cent|percent)", phrase, re.I)
    body = pct.group(1) if pct else phrase
    cur = re.fullmatch(rf"({_CUR_PREFIX})\s?(.+)", body, re.I)
    unit = None
    if cur:
        unit, body = unit_for_currency(cur.group(1)), cur.group(2)
    if not WORD_NUMBER_RE.fullmatch(body) and body.casefold() != "zero":
        return None
    value = words_to_number(body)
    if value is None:
        return None
    if pct:
        if unit:
            return None
        unit = "percent"
    return Parsed(value, unit or "number")
