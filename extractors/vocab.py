"""One vocabulary for sectors, places, populations and metrics (data in vocabulary.toml).

Every extractor canonicalises through here so the same sector is spelled one way in the
warehouse whatever the report printed ("Hum. Transp.", "Food / Security", "CBI").
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


def fold(text: str) -> str:
    """Case-, accent- and space-insensitive key: 'Protección  de la Niñez' -> 'proteccion de la ninez'."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("/", " ").replace("\u00ad", "")
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class Vocabulary:
    sectors: dict[str, str]  # folded spelling -> canonical
    populations: dict[str, str]
    places: tuple[str, ...]  # longest first, as printed in the gazetteer
    metric_rules: tuple[tuple[str, re.Pattern[str]], ...]
    currency_symbols: dict[str, str] = field(default_factory=dict)  # printed symbol ("US$", "S/", "€") -> ISO code
    currency_words: dict[str, str] = field(default_factory=dict)  # word after an amount ("dólares") -> ISO code
    not_people: frozenset[str] = frozenset()
    activities: re.Pattern[str] | None = None  # activity phrases of [activities], folded, longest first
    activity_sector: dict[str, str] = field(default_factory=dict)  # folded phrase -> canonical sector


@cache
def vocabulary() -> Vocabulary:
    data = tomllib.loads(resources.files("extractors").joinpath("vocabulary.toml").read_text("utf-8"))

    def spellings(table: dict[str, list[str]]) -> dict[str, str]:
        out: dict[str, str] = {}
        for canonical, names in table.items():
            for name in (canonical, *names):
                out[fold(name)] = canonical
        return out

    places = sorted({p for group in data["places"].values() for p in group}, key=len, reverse=True)
    rules = tuple((r["metric"], re.compile(r["pattern"], re.I)) for r in data["metrics"])
    not_people = frozenset(fold(w) for w in data.get("counted", {}).get("not_people", []))
    money = data.get("currencies", {})
    words = {w.casefold(): code for w, code in money.get("words", {}).items()}
    words.update({fold(w): code for w, code in money.get("words", {}).items()})
    activity_sector = {fold(phrase): sector for sector, phrases in data.get("activities", {}).items()
                       for phrase in phrases}
    alts = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(activity_sector, key=len, reverse=True))
    activities = re.compile(rf"(?<![\w-])({alts})(?:e?s)?(?![\w-])") if alts else None
    return Vocabulary(spellings(data["sectors"]), spellings(data["populations"]), tuple(places), rules,
                      dict(money.get("symbols", {})), words, not_people, activities, activity_sector)


def _squash(text: str) -> str:
    """'Food / Security' and 'Hum.\\nTransp.' both become one spaced line."""
    return fold(re.sub(r"[\s/]+", " ", text)).strip(" :*")


def canonical_sector(label: str | None) -> str | None:
    """Canonical sector for a printed label, or None when the label is not a sector."""
    if not label:
        return None
    key = _squash(label)
    sectors = vocabulary().sectors
    if key in sectors:
        return sectors[key]
    nodots = key.replace(".", "")
    for spelling, canonical in sectors.items():
        if spelling.replace(".", "") == nodots:
            return canonical
    return None


def canonical_population(label: str | None) -> str | None:
    if not label:
        return None
    key = _squash(label).replace("- ", "-")
    return vocabulary().populations.get(key)


class _FoldMap(dict):
    """str.translate table of fold_in_place, filled as characters are met: one character -> one character."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).casefold()
        self[code] = out = base if len(base) == 1 else ch.lower() if len(ch.lower()) == 1 else ch
        return out


_FOLD_MAP = _FoldMap()


def fold_in_place(text: str) -> str:
    """fold() that keeps every character where it is (same length), so match positions are the text's own:
    case and accents go, spacing stays ('Orientación  legal' -> 'orientacion  legal')."""
    return text.lower() if text.isascii() else text.translate(_FOLD_MAP)


def activity_matches(text: str) -> list[tuple[int, int, str]]:
    """(start, end, sector) of every activity phrase ([activities] of vocabulary.toml) in the text, at the
    text's own positions: 'distributed 2,700 hygiene kits' -> [(18, 30, 'WASH')]."""
    vocab = vocabulary()
    if vocab.activities is None or not text:
        return []
    return [(m.start(), m.end(), vocab.activity_sector[" ".join(m.group(1).split())])
            for m in vocab.activities.finditer(fold_in_place(text))]


def activity_sectors(text: str) -> list[str]:
    """Sectors whose activity words the text uses, in order of first use: 'distributed 2,700 hygiene kits'
    -> ['WASH']; two sectors' words -> both (the caller decides)."""
    found: list[str] = []
    for _, _, sector in activity_matches(text):
        if sector not in found:
            found.append(sector)
    return found


@cache
def _sector_name_re() -> re.Pattern[str]:
    alts = "|".join(re.escape(s).replace(r"\ ", r"[\s/]+") for s in sorted(vocabulary().sectors, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({alts})(?![\w-])")


def sector_names(text: str) -> set[str]:
    """Canonical sectors a text names outright (any spelling of [sectors]), the longest name first: 'child
    protection' is Child Protection, not Protection."""
    sectors = vocabulary().sectors
    return {sectors[" ".join(m.group(1).replace("/", " ").split())]
            for m in _sector_name_re().finditer(fold_in_place(text))}


# Usual names of a report's sections that name no sector, and months: such a heading ends the sector before it.
_SECTION_NAME = re.compile(
    r"^\W*(?:key\s+(?:figures|developments|highlights|messages)|highlights|coordination|funding|financial|finance|"
    r"background|context|situation|response|overview|introduction|challenges|gaps|needs|contacts?|partners|"
    r"cifras\s+clave|coordinaci[oó]n|financiamiento|financiaci[oó]n|contexto|situaci[oó]n|respuesta|desaf[ií]os|"
    r"brechas|necesidades|socios|contactos?|january|february|march|april|may|june|july|august|september|october|"
    r"november|december|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|"
    r"diciembre)\b", re.I)


def is_section_name(text: str) -> bool:
    """Whether a heading's words start with a usual section name or a month ('Key figures', 'Funding:',
    'OCTOBER 2019', 'Coordinación')."""
    return _SECTION_NAME.match(text) is not None


_PLACE_RE: re.Pattern[str] | None = None


def places_in(text: str) -> list[str]:
    """Places named in a text, in order of appearance, as spelled in the gazetteer."""
    global _PLACE_RE
    if _PLACE_RE is None:
        alts = "|".join(re.escape(p) for p in vocabulary().places)
        _PLACE_RE = re.compile(rf"(?<![\w-])(?:{alts})(?![\w-])")
    seen: list[str] = []
    for m in _PLACE_RE.finditer(text):
        if m.group(0) not in seen:
            seen.append(m.group(0))
    return seen


_PLACE_KIND = re.compile(r"\b(?:region|regi[oó]n|department|departamento|province|provincia|city|ciudad|district|"
                         r"distrito|border|frontera)\b", re.I)


def place_named(label: str | None) -> str | None:
    """The place a table's row or column label is ('Tumbes', 'Lima Region', 'Tacna*'): one gazetteer place and
    no other word but a kind of place; a label that says more ('Lima and Callao', 'Migrants in Lima') is none."""
    if not label:
        return None
    found = places_in(label)
    if len(found) != 1:
        return None
    rest = _PLACE_KIND.sub(" ", label.replace(found[0], " ", 1))
    return found[0] if not re.search(r"[^\W\d_]", rest) else None


def metric_for(text: str | None) -> str | None:
    """The first metric rule whose pattern the text matches (rules in vocabulary.toml)."""
    if not text:
        return None
    for metric, pattern in vocabulary().metric_rules:
        if pattern.search(text):
            return metric
    return None


_COUNTED_WORD = re.compile(r"[^\W\d_][\w-]*")
# words that end the counted noun phrase: "140 received school kits" counts people, not kits
_PHRASE_END = re.compile(r"^(?:of|with|from|at|in|on|to|for|by|who|whom|that|which|and|or|were|was|are|is|"
                         r"have|has|had|will|\w+ed)$", re.I)


def counts_things(after: str) -> bool:
    """Whether the words right after a number say it counts things or groups, not people:
    "two workshops dedicated to ...", "six safe spaces", "-day workshop" (of "two-day workshop"),
    "70 families with children". Reads at most two words, up to a preposition or a verb."""
    words = _COUNTED_WORD.findall(after[:60])[:2]
    not_people = vocabulary().not_people
    for word in words:
        if _PHRASE_END.match(word):
            return False
        if fold(word) in not_people or fold(word.split("-")[-1]) in not_people:
            return True
    return False
