"""Prose that restates a structured figure of the same report: does it print the same number?

A report often repeats a number of its tables, charts or key-figure boxes in its text ("the country hosts
4,302 recognized as refugees" next to a population chart with Refugees 4,332). `prose_restates_structured_figure`
pairs every prose figure P with the structured figure S (kind table, chart_data or key_figure) it most likely
restates, and says whether P agrees with S at P's printed precision. It keys on structure and wording only:

1. Same unit (number, usd, pen, percent); neither value is zero; a sector, location or population given on
   both sides is the same. A prose percentage that is a change ("increased by 18%", "a 20% increase") is not
   a share and is left out.
2. Close values. P *agrees* with S when S rounded (or truncated: "reached 99.7%" for 99.75%) to P's printed
   precision is P. P is a *near miss* when it does not agree but is close: counts and money within 3 % of S
   (a typo, a later count, a transposed digit; "9,400 consultations" vs "9,000 people" is 4.4 % apart and
   stays unpaired), percentages within 1 point and 5 % of S (a whole-number restatement is at most 0.5 off by
   rounding and under 1 by truncation; beyond 1 point two shares are as likely to be different measures).
   Anything further apart is not a restatement and is never paired.
3. P's sentence (evidence) names S, by word stems (lower case, light suffix stripping: refugees/refugee,
   departed/departure, funded/funds, resettlement/resettled, stems equal or one a 5+ letter prefix of the
   other; "overall" reads as "total"). S's names:
   - its population when it has no indicator (a chart series "Refugees", "Asylum-seekers"): EVERY word of it
     must be in P's sentence;
   - its wording: the indicator text of its table row (the evidence of the consecutive rows of that
     indicator, so a baseline row's text also names the actual cell below it; without population, codes,
     numbers), a key figure's own sentence, and its measure's words (funds_available_pct: funded, funds
     available; budget; expenditure, spent; requirement, required, appeal; people_reached: reached,
     assisted). Words every sentence of these reports carries (UNHCR, Peru, Venezuelans, people, proportion,
     number, baseline, actual, ...) do not count. P's sentence must share at least 2 of these stems, or at
     least half of them ("departed on resettlement": 1 of 2), or 1 when S's sector is also P's sector (or
     named in full in P's sentence);
   - no name needed only for two whole numbers both precise to 5+ significant digits within 0.1 % (537,590 vs
     537,552): such agreement is no coincidence. Round numbers (540,000) always need the wording.
   P is paired with the candidate sharing the most words; among equals an agreeing one wins (false alarms
   matter more than misses), then the nearest value. So "29% of the overall needs were funded" pairs with the
   Total row (overall, funded), not with an area row that happens to round to 29.
4. A qualified figure ("about 54%", "over 532,000", "Above 864,000") on either side may differ: such a pair
   holds, and is listed as qualified.
5. Candidates come from the structured figures of P's unit sorted by value: only the MAX_CANDIDATES nearest to P
   within the windows above are examined (bisection, not every pair), so the cost is linear in the figures of a
   report however dense it is (a page of thousands of close values).

One relation row per paired prose figure: excess > 0 (warn) only for an unqualified near miss; the reason
sentence carries both numbers, the wording they share and the difference. A frame this cannot read gives no
rows (never an exception).
"""

from __future__ import annotations

import bisect
import math
import re
from functools import lru_cache

import pandas as pd

from .relations import MONEY_UNITS, fmt, half_step

RELATION = "prose_restates_structured_figure"
STRUCTURED = ("table", "chart_data", "key_figure")
COUNT_WINDOW = 0.03  # counts and money: a near miss lies within 3 % of S
PERCENT_WINDOW_POINTS = 1.0  # percentages: within 1 point ...
PERCENT_WINDOW_RELATIVE = 0.05  # ... and within 5 % of S
SNIPPET = 70  # characters of P's sentence quoted around the number
MIN_SHARED = 2  # wording: at least two stems shared ...
MIN_COVERAGE = 0.5  # ... or at least half of S's wording stems
PRECISE_DIGITS, PRECISE_WINDOW = 5, 0.001  # unnamed pairs: both >= 5 significant digits and within 0.1 %

_WORD = re.compile(r"[a-z]+")
_CHANGE = re.compile(r"increas|decreas|grow|grew|rise|rose|drop|fell|reduc|more than doubl", re.I)
CHANGE_WINDOW = 25  # characters either side of a prose percentage that say it is a change, not a level
_FUNCTION = frozenset("""
a an and are as at be been but by can for from had has have he her his if in into is it its more most of on or our
over she so such than that the their them then there these they this those through to under up was we were what when
where which while who whom whose will with within would also some about after before during among other others via
""".split()) - {"other", "others"}  # 'Others of concern' is a population
_GENERIC = frozenset("""
unhcr peru peruvian venezuela venezuelan venezuelans people person persons individual individuals population
number numbers proportion share percent cent per pct year years month months report reported figure figures
one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty sixty seventy eighty
ninety hundred thousand million millions billion half baseline target actual value values new only
forcibly displaced stateless
""".split())
_SYNONYMS = {"overall": "total", "spent": "expenditure", "spending": "expenditure", "funding": "funded"}
_SUFFIXES = ("ations", "ation", "ments", "ment", "ures", "ure", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es",
             "s", "ly")
MEASURE_WORDS = {
    "funds_available_pct": "funded funds available",
    "funded_pct": "funded",
    "funds_available": "funds available",
    "funded": "funded",
    "budget": "budget",
    "expenditure": "expenditure spent",
    "expenditure_pct": "expenditure spent",
    "requirement": "requirement required appeal",
    "people_reached": "reached assisted",
}


# ----------------------------------------------------------------------------- wording

@lru_cache(maxsize=1 << 16)  # the same few thousand words recur across every report of a run
def stem(word: str) -> str:
    """Light suffix stripping, enough to match the inflections reports use (not a full stemmer)."""
    w = _SYNONYMS.get(word, word)
    for _ in range(2):
        for suf in _SUFFIXES:
            if w.endswith(suf) and len(w) - len(suf) >= 3:
                w = w[: -len(suf)] + ("y" if suf in ("ies", "ied") else "")
                break
        else:
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def same_stem(a: str, b: str) -> bool:
    """Equal stems, or one a prefix of the other (at least 5 letters): regist/registr, protect/protection."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 5 and long_.startswith(short)


def words(text, generic: bool = True) -> dict[str, str]:
    """stem -> first word of `text` with that stem; function words (and generic ones if `generic`) left out."""
    if not isinstance(text, str):
        return {}
    return dict(_words(text, generic))


@lru_cache(maxsize=1 << 14)  # sentences are compared with many figures: read each one once
def _words(text: str, generic: bool) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for w in _WORD.findall(text.lower()):
        if len(w) < 3 or w in _FUNCTION or (generic and w in _GENERIC):
            continue
        out.setdefault(stem(w), w)
    return tuple(out.items())


def _shared(label: dict[str, str], sentence: dict[str, str]) -> list[str]:
    """Words of `sentence` whose stem matches a stem of `label` (same_stem, by set look-ups)."""
    match = _matcher(tuple(label))
    return [w for s, w in sentence.items() if match(s)]


@lru_cache(maxsize=1 << 12)
def _matcher(label: tuple[str, ...]):
    """same_stem against any stem of `label`, as a function of one stem, by set look-ups, remembered: a stem s
    matches when it is a stem of the label, a 5+ letter prefix of one, or one of its 5+ letter prefixes is one."""
    stems = frozenset(label)
    prefixes = frozenset(t[:k] for t in label for k in range(5, len(t)))
    memo: dict[str, bool] = {}

    def match(s: str) -> bool:
        hit = memo.get(s)
        if hit is None:
            hit = memo[s] = s in stems or (len(s) >= 5 and (s in prefixes or any(s[:k] in stems
                                                                                 for k in range(5, len(s)))))
        return hit
    return match


# ----------------------------------------------------------------------------- structured labels

def _text(x) -> str | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    s = str(x).strip()
    return s or None


def _indicator_texts(df: pd.DataFrame) -> dict[int, str]:
    """row -> wording of its indicator: the evidence of the run of consecutive rows of that indicator.

    Tables print the indicator text once per row or only on the first row of a block (baseline, target and
    actual cells below it): joining the run gives every cell the wording. Runs break at another indicator,
    kind or section, so the same code in two tables (1.2 impact vs 1.2 outcome) keeps two wordings.
    """
    out: dict[int, str] = {}
    run: list[int] = []
    texts: list[str] = []
    last = None
    for r, kind, ind, sec, ev in zip(df["row"], df["kind"], df["indicator"], df["section"], df["evidence"],
                                     strict=True):
        key = (kind, _text(ind), _text(sec)) if _text(ind) and kind in STRUCTURED else None
        if key != last:
            for x in run:
                out[x] = " ".join(texts)
            run, texts, last = [], [], key
        if key is not None:
            run.append(int(r))
            texts.append(_text(ev) or "")
    for x in run:
        out[x] = " ".join(texts)
    return out


def _label(s: dict, indicator_text: str | None) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Stems naming structured figure s: (population, wording, sector).

    population: a chart/key series name with no indicator ("Refugees"); wording: its indicator text or key-figure
    sentence plus its measure's words; sector: its sector's words.
    """
    indicator, population = _text(s.get("indicator")), _text(s.get("population"))
    pop = words(population, generic=False) if population and not indicator else {}
    wording: dict[str, str] = {}
    if indicator:
        text = indicator_text or ""
        if population:
            text = text.replace(population, " ")
        drop = words(population, generic=False)
        wording.update({k: v for k, v in words(text).items() if k not in drop})
    elif s.get("kind") == "key_figure":
        wording.update(words(s.get("evidence")))
    wording.update(words(MEASURE_WORDS.get(_text(s.get("measure")) or "")))
    return pop, wording, words(s.get("sector"))


def _names(p: dict, sentence: dict[str, str], pop: dict[str, str], wording: dict[str, str],
           sector: dict[str, str], s: dict) -> list[str] | None:
    """The words by which P's sentence names S, or None when it does not (see the module docstring, 3.)."""
    if pop:
        hit = _shared(pop, sentence)
        if len(hit) < len(pop):
            return None
    else:
        hit = []
    text = [w for w in _shared(wording, sentence) if w not in hit]
    same_sector = bool(_text(s.get("sector"))) and (
        _text(p.get("sector")) == _text(s.get("sector")) or len(_shared(sector, sentence)) == len(sector) > 0)
    if pop or len(text) >= MIN_SHARED or (wording and len(text) >= MIN_COVERAGE * len(wording)) or (
            same_sector and text):
        return hit + text + ([f"sector {s['sector']}"] if same_sector else [])
    return None


def _significant_digits(value: float) -> int:
    """Significant digits of a whole number (537,590 -> 5; 52,000 -> 2); 0 for fractions."""
    if value != round(value):
        return 0
    return len(str(abs(int(round(value)))).rstrip("0"))


def _precise_match(p: dict, s: dict) -> bool:
    """Two whole numbers of >= 5 significant digits within 0.1 %: the same quantity even if unnamed."""
    pv, sv = float(p["value"]), float(s["value"])
    return (p["unit"] != "percent" and min(_significant_digits(pv), _significant_digits(sv)) >= PRECISE_DIGITS
            and abs(pv - sv) <= PRECISE_WINDOW * abs(sv))


# ----------------------------------------------------------------------------- numbers

def _unit_text(value: float, unit: str) -> str:
    if unit == "percent":
        return f"{fmt(value)}%"
    if unit in MONEY_UNITS:  # any currency: its ISO 4217 code
        return f"{unit.upper()} {fmt(value)}"
    return fmt(value)


def _compare(p: dict, s: dict) -> tuple[str, float, float] | None:
    """('agree' | 'near', |P - S|, tolerance) for a candidate pair, None when too far apart to be one."""
    pv, sv = float(p["value"]), float(s["value"])
    tol = half_step(_text(p.get("raw")), pv)
    diff = pv - sv
    slack = 1e-9 * max(1.0, abs(sv))
    if abs(diff) <= tol + slack or (-2 * tol + slack < diff <= 0):  # rounded or truncated to P's precision
        return "agree", abs(diff), tol
    if p["unit"] == "percent":
        close = abs(diff) <= PERCENT_WINDOW_POINTS and abs(diff) <= PERCENT_WINDOW_RELATIVE * abs(sv)
    else:
        close = abs(diff) <= COUNT_WINDOW * abs(sv)
    return ("near", abs(diff), tol) if close else None


def _conflict(p: dict, s: dict) -> bool:
    """A dimension given on both sides with different values: not the same quantity."""
    return any(a and b and a != b for a, b in zip(_dims(p), _dims(s), strict=True))


def _dims(r: dict) -> tuple[str | None, ...]:
    """A figure's sector, location and population (read once per figure: figures are compared many times)."""
    dims = r.get("_dims")
    if dims is None:
        dims = r["_dims"] = tuple(_text(r.get(col)) for col in ("sector", "location", "population"))
    return dims


def _snippet(p: dict) -> str:
    ev = _text(p.get("evidence")) or ""
    raw = _text(p.get("raw")) or ""
    at = ev.find(raw) if raw else -1
    if len(ev) <= SNIPPET or at < 0:
        return ev if len(ev) <= SNIPPET else ev[:SNIPPET].rstrip() + " ..."
    start = max(0, min(at - SNIPPET // 2, len(ev) - SNIPPET))
    text = ev[start:start + SNIPPET].strip()
    return ("... " if start > 0 else "") + text + (" ..." if start + SNIPPET < len(ev) else "")


def _is_change(p: dict) -> bool:
    """A prose percentage that is a rate of change ("increased by 18%", "a 20% increase"), not a share."""
    if p.get("unit") != "percent":
        return False
    ev, raw = _text(p.get("evidence")) or "", _text(p.get("raw")) or ""
    at = ev.find(raw) if raw else -1
    if at < 0:
        return bool(_CHANGE.search(ev)) and len(ev) <= 2 * CHANGE_WINDOW
    return bool(_CHANGE.search(ev[max(0, at - CHANGE_WINDOW):at + len(raw) + CHANGE_WINDOW]))


def _describe(s: dict) -> str:
    bits = [s.get("kind"), _text(s.get("indicator")), _text(s.get("measure")),
            None if _text(s.get("indicator")) else _text(s.get("population")), _text(s.get("sector"))]
    if s.get("kind") == "key_figure" and not any(bits[1:]):
        ev = _text(s.get("evidence")) or ""
        bits.append(f"'{ev[:50].rstrip()}{' ...' if len(ev) > 50 else ''}'")
    return " ".join(b for b in bits if b)


# ----------------------------------------------------------------------------- candidates by value

MAX_CANDIDATES = 32  # structured figures of the same unit examined per prose figure, nearest value first
PROSE_CANDIDATES = 16  # prose figures examined per prose figure (nearest values outside its rounding)


def _reach(value: float, unit: str, tol: float) -> float:
    """Half-width of the value range where another figure can agree with `value` or be close to it: a superset of
    `_compare`'s windows from either side (2 printed steps; 3 % of the other value; 1 percentage point)."""
    near = PERCENT_WINDOW_POINTS if unit == "percent" else COUNT_WINDOW / (1 - COUNT_WINDOW) * abs(value)
    return max(2 * tol, near) * (1 + 1e-9) + 1e-9 * max(1.0, abs(value))


class _ByValue:
    """Figures of one unit sorted by value, to find a figure's nearest candidates by bisection instead of
    comparing every pair (a weekly log of 3,000 close values used to give 4.5 million pairs)."""

    def __init__(self, recs: list[dict]) -> None:
        self.recs = sorted(recs, key=lambda r: float(r["value"]))
        self.values = [float(r["value"]) for r in self.recs]

    def nearest(self, value: float, reach: float, skip: float | None = None,
                limit: int = MAX_CANDIDATES) -> list[dict]:
        """Up to `limit` figures within `reach` of `value`, nearest first; with `skip`, none within `skip` of it."""
        values = self.values
        lo, hi = bisect.bisect_left(values, value - reach), bisect.bisect_right(values, value + reach)
        if skip is None:
            right = bisect.bisect_left(values, value, lo, hi)
            left = right - 1
        else:
            left = bisect.bisect_left(values, value - skip, lo, hi) - 1
            right = bisect.bisect_right(values, value + skip, lo, hi)
        out: list[dict] = []
        while len(out) < limit and (left >= lo or right < hi):
            if right >= hi or (left >= lo and value - values[left] <= values[right] - value):
                out.append(self.recs[left])
                left -= 1
            else:
                out.append(self.recs[right])
                right += 1
        return out


# ----------------------------------------------------------------------------- the relation

_NEEDED = frozenset({"row", "kind", "value", "unit", "evidence"})


def _usable(df: pd.DataFrame | None) -> bool:
    """A non-empty frame with the columns both relations read."""
    return df is not None and len(df) > 0 and _NEEDED <= set(df.columns)


def prose_restates_structured_figure(df: pd.DataFrame) -> list[dict]:
    """One relation row per prose figure that restates a structured figure (see the module docstring)."""
    try:
        return _pairs(df)
    except Exception:  # an odd frame gives no relations, never an exception
        return []


def _pairs(df: pd.DataFrame) -> list[dict]:
    if not _usable(df):
        return []
    df = df.copy()
    for col in ("raw", "qualifier", "indicator", "measure", "population", "sector", "location", "section"):
        if col not in df.columns:
            df[col] = None
    df = df.sort_values("row", kind="stable")
    ind_text = _indicator_texts(df)
    recs = df.to_dict("records")
    ok = [r for r in recs if isinstance(r.get("value"), int | float) and math.isfinite(r["value"])
          and r["value"] != 0 and isinstance(r.get("unit"), str)]
    prose = [r for r in ok if r.get("kind") == "prose" and not _is_change(r)]
    by_unit: dict[str, list[dict]] = {}
    for s in ok:
        if s.get("kind") in STRUCTURED:
            by_unit.setdefault(s["unit"], []).append(s)
    index = {unit: _ByValue(recs) for unit, recs in by_unit.items()}
    labels: dict[int, tuple] = {}  # row -> _label(s), made once per structured figure examined
    out = []
    for p in prose:
        if p["unit"] not in index:
            continue
        sentence = words(p.get("evidence"), generic=False)
        pv = float(p["value"])
        best = None
        for s in index[p["unit"]].nearest(pv, _reach(pv, p["unit"], half_step(_text(p.get("raw")), pv))):
            if _conflict(p, s):
                continue
            key = int(s["row"])
            if key not in labels:
                labels[key] = _label(s, ind_text.get(key))
            pop, wording, sector = labels[key]
            cmp = _compare(p, s)
            if cmp is None:
                continue
            shared = _names(p, sentence, pop, wording, sector, s)
            if shared is None:
                if not _precise_match(p, s):
                    continue
                shared = []
            rank = (len(shared), cmp[0] == "agree", -cmp[1] / max(abs(float(s["value"])), 1e-9), -int(s["row"]))
            if best is None or rank > best[0]:
                best = (rank, s, cmp, shared)
        if best is not None:
            out.append(_relation(p, *best[1:]))
    return out


def _relation(p: dict, s: dict, cmp: tuple[str, float, float], shared: list[str]) -> dict:
    verdict, diff, tol = cmp
    pv, sv, unit = float(p["value"]), float(s["value"]), p["unit"]
    qualifier = _text(p.get("qualifier")) or _text(s.get("qualifier"))
    if unit == "percent":
        gap = f"diff {diff:.2f} points"
    else:
        gap = f"diff {fmt(diff)}, {100 * diff / abs(sv):.1f}%"
    named = f"shared: {', '.join(shared[:4])}" if shared else "unnamed, both precise to 5+ digits"
    head = f"prose {_unit_text(pv, unit)} ('{_snippet(p)}') vs {_describe(s)} {_unit_text(sv, unit)} [{named}]"
    if verdict == "agree":
        excess = min(diff - tol, 0.0)
        reason = f"{head}: agrees within printed rounding"
    elif qualifier:
        excess = 0.0
        reason = f"{head} ({gap}): differs, but qualified '{qualifier}', allowed"
    else:
        excess = diff - tol
        reason = f"{head} ({gap}): differs beyond printed rounding"
    rows = tuple(sorted({int(p["row"]), int(s["row"])}))
    return {"relation": RELATION, "group": f"prose row {int(p['row'])} vs {s.get('kind')} row {int(s['row'])}",
            "lhs": pv, "rhs": sv, "tolerance": float(tol), "excess": round(float(excess), 9), "rows": rows,
            "reason": reason}


# ----------------------------------------------------------------------------- prose against prose

PROSE_RELATION = "prose_figures_disagree"
MIN_SHARED_PROSE = 4  # two sentences must share at least four content stems to be about the same thing


def prose_figures_disagree(df: pd.DataFrame) -> list[dict]:
    """Two prose figures of one report that say the same thing with different numbers.

    Both unqualified, same unit, close (the same windows as above) but not equal within printed rounding,
    in different sentences that share at least MIN_SHARED_PROSE content stems (generic report words such
    as UNHCR, Peru, people do not count): "A total of 709 new virtual cards were issued" and "CEPR issued
    700 virtual asylum seeker cards". Sentences that only share a topic (trained, community, leaders) fall
    short of the threshold. Back-references ("Of these cases, 82.2% ...") are out of reach of wording.

    Each figure is compared with the PROSE_CANDIDATES prose figures of its unit nearest in value outside its
    printed rounding, and reports the one that most likely says the same thing (most shared stems, then nearest
    value). So a report of n prose figures gives at most n relations for about 16 n comparisons: a weekly log of
    3,000 sentences of one wording with close values gave one relation per pair (4.5 million) and grew past 3 GB."""
    try:
        return _prose_pairs(df)
    except Exception:  # an odd frame gives no relations, never an exception
        return []


def _prose_pairs(df: pd.DataFrame) -> list[dict]:
    if not _usable(df):
        return []
    recs = [r for r in df.sort_values("row", kind="stable").to_dict("records")
            if r.get("kind") == "prose" and isinstance(r.get("value"), int | float) and math.isfinite(r["value"])
            and r["value"] != 0 and isinstance(r.get("unit"), str) and not _text(r.get("qualifier"))
            and not _is_change(r)]
    by_unit: dict[str, list[dict]] = {}
    for r in recs:
        by_unit.setdefault(r["unit"], []).append(r)
    found: dict[tuple[int, int], dict] = {}
    for unit, mine in by_unit.items():
        index = _ByValue(mine)
        for x in mine:
            xv = float(x["value"])
            tol = half_step(_text(x.get("raw")), xv)
            best = None
            for y in index.nearest(xv, _reach(xv, unit, tol), skip=tol * (1 - 1e-9), limit=PROSE_CANDIDATES):
                a, b = (x, y) if int(x["row"]) < int(y["row"]) else (y, x)
                pair = _prose_pair(a, b)
                if pair is not None and (best is None or pair[0] > best[0]):
                    best = pair
            if best is not None:
                rank, a, b, cmp, shared = best
                found.setdefault((int(a["row"]), int(b["row"])), _prose_relation(a, b, cmp, shared))
    return [found[k] for k in sorted(found)]


def _prose_pair(a: dict, b: dict) -> tuple | None:
    """(rank, a, b, comparison, shared words) when prose figures a and b (a first in the report) disagree."""
    if a is b:
        return None
    cmp = _compare(a, b)
    if cmp is None or cmp[0] != "near" or _text(a["evidence"]) == _text(b["evidence"]) or _conflict(a, b):
        return None
    shared = _shared(words(a["evidence"]), words(b["evidence"]))
    if len(shared) < MIN_SHARED_PROSE:
        return None
    return (len(shared), -cmp[1] / max(abs(float(b["value"])), 1e-9), -int(a["row"]), -int(b["row"])), a, b, cmp, \
        shared


def _prose_relation(a: dict, b: dict, cmp: tuple[str, float, float], shared: list[str]) -> dict:
    av, bv, unit = float(a["value"]), float(b["value"]), a["unit"]
    diff, tol = cmp[1], cmp[2]
    reason = (f"prose {_unit_text(av, unit)} ('{_snippet(a)}') vs prose {_unit_text(bv, unit)} "
              f"('{_snippet(b)}') [shared: {', '.join(shared[:5])}]: differs beyond printed rounding")
    return {"relation": PROSE_RELATION, "group": f"prose rows {int(a['row'])} and {int(b['row'])}", "lhs": av,
            "rhs": bv, "tolerance": float(tol), "excess": round(float(diff - tol), 9),
            "rows": (int(a["row"]), int(b["row"])), "reason": reason}


__all__ = ["RELATION", "PROSE_RELATION", "prose_figures_disagree", "prose_restates_structured_figure", "same_stem",
           "stem", "words"]
