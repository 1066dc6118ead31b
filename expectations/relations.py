"""Arithmetic relations between the figures of one report, as plain pandas.

`prepare` turns an extractor frame into the frame the figure suite runs on; `build_relations` turns
it into a *relations* frame: one row per relation instance (a ratio, a sum against a printed total,
an inequality), with `lhs`, `rhs`, `tolerance` and `excess` (how far the relation is violated:
<= 0 means it holds) plus the positional `rows` of the figures involved. Great Expectations then
decides pass/fail on `excess` (see suites.py), and the rows map failures back to figures.

Everything here keys on structure only (kind, measure, indicator pattern, population, period, unit,
sector, section), never on file names, page numbers or known values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import pandas as pd

from extractors.records import FIGURE_COLUMNS, KINDS, MONEY_UNITS, QUALIFIERS, UNITS

FINANCE_MEASURES = ("budget", "funds_available", "funds_available_pct", "expenditure", "expenditure_pct")
FINANCE_MONEY_MEASURES = ("budget", "funds_available", "expenditure")
MONEY_MEASURES = ("budget", "funds_available", "expenditure", "requirement", "funded")
PCT_MEASURES = ("funds_available_pct", "expenditure_pct", "funded_pct")

# derived percentage measure -> (numerator measure, denominator measure)
RATIOS = {
    "funds_available_pct_matches_ratio": ("funds_available_pct", "funds_available", "budget"),
    "expenditure_pct_matches_ratio": ("expenditure_pct", "expenditure", "funds_available"),
    "funded_pct_matches_ratio": ("funded_pct", "funded", "requirement"),
}
# smaller measure <= larger measure, per row of a table / per period of a series
INEQUALITIES = {
    "expenditure_within_funds_available": ("expenditure", "funds_available"),
    "funds_available_within_budget": ("funds_available", "budget"),
    "expenditure_within_budget": ("expenditure", "budget"),
    "funded_within_requirement": ("funded", "requirement"),
}

MISSING = "(missing)"
RELATION_COLUMNS = ("relation", "group", "lhs", "rhs", "tolerance", "excess", "rows", "reason")

PERCENT_TOLERANCE = 0.01  # percentage points, after rounding the ratio to the printed precision
_TOTAL = re.compile(r"^\s*(grand\s+)?total\s*$", re.I)
_PREFIX = re.compile(r"^\s*([A-Za-z]+)")
_NUMBER = re.compile(r"(\d[\d,.\s]*\d|\d)")
_SCALE = re.compile(r"^\s*(m\b|mn\b|million|k\b|thousand|b\b|bn\b|billion)", re.I)
_SCALES = {"m": 1e6, "mn": 1e6, "million": 1e6, "k": 1e3, "thousand": 1e3, "b": 1e9, "bn": 1e9,
           "billion": 1e9}


# ----------------------------------------------------------------------------- preparing the frame

def _clean_text(series: pd.Series) -> pd.Series:
    """Strings stripped, empty strings and NaN as None (object dtype)."""
    def one(x):
        if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
            return None
        s = str(x).strip()
        return s or None
    return series.map(one).astype(object)


def _key(df: pd.DataFrame, cols: list[str]) -> pd.Series:
    """Columns joined into one text key, missing values as empty strings (None == None)."""
    def text(x) -> str:
        return "" if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)) else str(x)
    if df.empty:
        return pd.Series([], dtype=object, index=df.index)
    return pd.Series(["|".join(text(x) for x in t) for t in df[cols].itertuples(index=False)],
                     index=df.index, dtype=object)


# Figure columns added after extracts were first stored: an extract from before them is still complete.
OPTIONAL_COLUMNS = frozenset({"dimensions_from"})


def missing_columns(figures: pd.DataFrame) -> list[str]:
    return [c for c in FIGURE_COLUMNS if c not in figures.columns and c not in OPTIONAL_COLUMNS]


def prepare(figures: pd.DataFrame) -> pd.DataFrame:
    """The figure frame the suites run on: FIGURE_COLUMNS cleaned, plus `row` and helper columns.

    `row` is the positional index into the caller's frame. Values that are not numbers become NaN
    (and fail `value_is_number`); text columns are stripped, empty strings become None.
    """
    df = pd.DataFrame(index=range(len(figures)))
    src = figures.reset_index(drop=True)
    for col in FIGURE_COLUMNS:
        if col == "value":
            continue
        df[col] = _clean_text(src[col]) if col in src.columns else pd.Series([None] * len(src), dtype=object)
    raw_value = src["value"] if "value" in src.columns else pd.Series([None] * len(src), dtype=object)
    df["value"] = pd.to_numeric(raw_value, errors="coerce").astype(float)
    df.loc[~df["value"].map(lambda v: math.isfinite(v) if v == v else True), "value"] = math.nan
    df["page"] = pd.to_numeric(df["page"], errors="coerce")
    for col in ("kind", "unit"):  # a missing kind or unit fails its vocabulary check (GE skips nulls)
        df[col] = df[col].where(df[col].notna(), MISSING).astype(object)
    df.insert(0, "row", range(len(df)))
    flags = df["flags"].fillna("")
    df["is_text_value"] = flags.str.contains(r"\btext_value\b", regex=True)
    df["is_malformed"] = flags.str.contains(r"\bmalformed_number\b", regex=True)
    df["is_unproven"] = flags.str.contains(r"\braw_not_in_source\b", regex=True)
    df["may_be_negative"] = _names_a_change(df)
    key_cols = ["value", "unit", "qualifier", "kind", "metric", "sector", "location", "indicator", "measure",
                "population", "period", "page", "section", "evidence"]
    # a sentence may repeat a number ("two women and two men"): prose is left out of the duplicate check
    df["duplicate_key"] = _key(df, key_cols).where(df["kind"] != "prose", None)
    return df


# Words that make a figure a change, a balance or a variance: such a figure may be negative.
_CHANGE = re.compile(
    r"\b(?:variances?|balances?|changes?|differences?|increases?|decreases?|deficits?|surplus|net|gains?|"
    r"loss(?:es)?|shortfalls?|growth|declines?|reductions?|variations?|adjustments?|over\s*/\s*under|"
    r"saldos?|diferencias?|variaci[oó]n(?:es)?|cambios?|aumentos?|disminuci[oó]n|incrementos?|reducci[oó]n|"
    r"d[ée]ficit|super[áa]vit)\b", re.I)


def _names_a_change(df: pd.DataFrame) -> pd.Series:
    """Whether a figure's own labels (section, measure, metric, evidence) say it is a change or balance."""
    text = df["section"].fillna("") + " " + df["measure"].fillna("") + " " + df["metric"].fillna("") + " " \
        + df["evidence"].fillna("")
    return text.map(lambda t: bool(_CHANGE.search(t))).astype(bool)


# ----------------------------------------------------------------------------- numbers and rounding

def fmt(x: float | None) -> str:
    """A number for a reason sentence: 1,234,567 / 14.09 / 0.005."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if abs(x - round(x)) < 1e-9:
        return f"{round(x):,}"
    for d in (2, 4, 6):
        if abs(x - round(x, d)) < 1e-9:
            return f"{x:,.{d}f}"
    return f"{x:,.4f}"


def printed_decimals(raw: str | None, value: float) -> int:
    """Decimals shown where the figure was printed: from `raw` when it parses, else from the value."""
    parsed = _parse_raw(raw, value)
    if parsed is not None:
        return parsed[0]
    for d in range(0, 5):
        if abs(value - round(value, d)) < 1e-9:
            return d
    return 4


def half_step(raw: str | None, value: float) -> float:
    """Half the last printed unit on the canonical scale (USD 2.5M -> 50,000; 1,234,567 -> 0.5)."""
    parsed = _parse_raw(raw, value)
    if parsed is not None:
        decimals, scale = parsed
        return 0.5 * 10 ** (-decimals) * scale
    return 0.5 if abs(value - round(value)) < 1e-9 else 0.005


def _parse_raw(raw: str | None, value: float) -> tuple[int, float] | None:
    """(decimals, scale) of the printed number when `raw` reads back as `value`, else None."""
    if not isinstance(raw, str) or not raw or value is None or value != value:
        return None
    return _parse_printed(raw, float(value))


@lru_cache(maxsize=1 << 14)  # the cross-checks ask about the same printed figure many times
def _parse_printed(raw: str, value: float) -> tuple[int, float] | None:
    for m in reversed(list(_NUMBER.finditer(raw))):
        token = re.sub(r"\s", "", m.group(1))
        scale_m = _SCALE.match(raw[m.end():])
        scale = _SCALES[scale_m.group(1).lower()] if scale_m else 1.0
        candidates = []
        if "." in token:  # '.' as decimal point, ',' as thousands separator
            whole, _, frac = token.rpartition(".")
            candidates.append((whole.replace(",", "").replace(".", "") + "." + frac, len(frac)))
        if "," in token and "." not in token and re.search(r",\d{1,2}$", token):  # 12,5 (decimal comma)
            whole, _, frac = token.rpartition(",")
            candidates.append((whole + "." + frac, len(frac)))
        candidates.append((token.replace(",", "").replace(".", ""), 0))
        for text, decimals in candidates:
            try:
                number = float(text) * scale
            except ValueError:
                continue
            if abs(number - value) <= 1e-6 * max(1.0, abs(value)):
                return decimals, scale
    return None


def round_half_up(x: float, decimals: int) -> float:
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP))


# ----------------------------------------------------------------------------- grouping helpers

def _is_total(indicator) -> bool:
    return isinstance(indicator, str) and bool(_TOTAL.match(indicator))


def _prefix(indicator) -> str:
    """Table a finance row belongs to, from its code: IA* (impact areas) vs OA*/EA* (outcome areas)."""
    if not isinstance(indicator, str):
        return "?"
    m = _PREFIX.match(indicator)
    p = m.group(1).upper() if m else "?"
    return "OA" if p in ("OA", "EA") else p


def finance_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Finance table cells with a `table_key`: section when the extractor gave one, plus the code class.

    A Total row belongs to the table of the nearest finance row before it (after it, if none), so the
    impact-area Total and the outcome-area Total land in different tables even without sections.
    """
    fin = df[(df["kind"] == "table") & df["measure"].isin(FINANCE_MEASURES) & df["indicator"].notna()
             & df["value"].notna()].sort_values("row").copy()
    if fin.empty:
        fin["table_key"] = pd.Series(dtype=object)
        return fin
    classes: list[str | None] = []
    last = None
    for ind in fin["indicator"]:
        if _is_total(ind):
            classes.append(last)
        else:
            last = _prefix(ind)
            classes.append(last)
    first = next((c for c in classes if c is not None), "?")
    classes = [c if c is not None else first for c in classes]
    sections = fin["section"].fillna("")
    fin["table_key"] = [f"{s}|{c}" if s else c for s, c in zip(sections, classes, strict=True)]
    return fin


def _same(a, b) -> bool:
    """Equality where None == None (missing dimension on both sides)."""
    return (a is None and b is None) or a == b


def _rows(*frames_or_rows) -> tuple[int, ...]:
    out: list[int] = []
    for x in frames_or_rows:
        if isinstance(x, pd.DataFrame):
            out.extend(int(r) for r in x["row"])
        elif isinstance(x, pd.Series):
            out.append(int(x["row"]))
        elif isinstance(x, Iterable):
            out.extend(int(r) for r in x)
        else:
            out.append(int(x))
    return tuple(sorted(set(out)))


def _rel(relation: str, group: str, lhs: float, rhs: float, tolerance: float, excess: float,
         rows: tuple[int, ...], reason: str) -> dict:
    return {"relation": relation, "group": group, "lhs": float(lhs), "rhs": float(rhs),
            "tolerance": float(tolerance), "excess": round(float(excess), 9), "rows": rows, "reason": reason}


def _label(row: pd.Series) -> str:
    bits = [row.get(c) for c in ("indicator", "sector", "population", "location", "period")]
    return " ".join(str(b) for b in bits if b) or "(no dimension)"


# ----------------------------------------------------------------------------- relation builders

def finance_parts_sum_to_total(df: pd.DataFrame) -> list[dict]:
    """Per finance table and money measure: the code rows (IA1.., OA1..) sum to the printed Total."""
    out = []
    fin = finance_rows(df)
    fin = fin[fin["measure"].isin(FINANCE_MONEY_MEASURES)]
    for (key, measure), g in fin.groupby(["table_key", "measure"], sort=False):
        totals = g[g["indicator"].map(_is_total).astype(bool)]
        parts = g[~g["indicator"].map(_is_total).astype(bool)]
        if totals.empty or parts.empty:
            continue
        s = parts["value"].sum()
        cls = key.split("|")[-1]
        codes = "+".join(parts["indicator"].astype(str))
        tol = sum(half_step(r, v) for r, v in zip(parts["raw"], parts["value"], strict=True))
        for _, t in totals.iterrows():
            tol_t = tol + half_step(t["raw"], t["value"])
            diff = abs(s - t["value"])
            reason = (f"{cls} {measure} parts ({codes}) sum to {fmt(s)} vs printed total {fmt(t['value'])} "
                      f"(diff {fmt(diff)}, tolerance {fmt(tol_t)})")
            out.append(_rel("finance_parts_sum_to_total", f"{key}|{measure}", s, t["value"], tol_t,
                            diff - tol_t, _rows(parts, t), reason))
    return out


def finance_totals_agree(df: pd.DataFrame) -> list[dict]:
    """A Total printed in several finance tables (impact areas, outcome areas) is the same number."""
    out = []
    fin = finance_rows(df)
    tot = fin[fin["indicator"].map(_is_total).astype(bool)]
    for measure, g in tot.groupby("measure", sort=False):
        if g["table_key"].nunique() < 2:
            continue
        first = g.iloc[0]
        for _, t in g.iloc[1:].iterrows():
            if t["table_key"] == first["table_key"]:
                continue
            tol = half_step(first["raw"], first["value"]) + half_step(t["raw"], t["value"])
            if measure.endswith("_pct"):
                tol = PERCENT_TOLERANCE
            diff = abs(t["value"] - first["value"])
            reason = (f"Total {measure} is {fmt(first['value'])} in table {first['table_key']} and "
                      f"{fmt(t['value'])} in table {t['table_key']} (diff {fmt(diff)}, tolerance {fmt(tol)})")
            out.append(_rel("finance_totals_agree", measure, first["value"], t["value"], tol, diff - tol,
                            _rows(first, t), reason))
    return out


def _measure_groups(df: pd.DataFrame, measures: Iterable[str]) -> list[tuple[str, pd.DataFrame]]:
    """Figures that carry one of `measures`, grouped into the 'rows' where a ratio/inequality applies.

    Finance table cells group by (table, indicator); other figures by (kind, indicator, population,
    sector, location, period), so a key-figure box or a chart series per year forms one group.
    """
    measures = tuple(measures)
    sub = df[df["measure"].isin(measures) & df["value"].notna()]
    if sub.empty:
        return []
    fin = finance_rows(sub)
    groups: list[tuple[str, pd.DataFrame]] = []
    for (key, ind), g in fin.groupby(["table_key", "indicator"], sort=False):
        groups.append((f"{ind} ({key.split('|')[-1]} table)", g))
    rest = sub[~sub["row"].isin(fin["row"])]
    dims = ["kind", "indicator", "population", "sector", "location", "period"]
    keyed = rest.assign(_k=_key(rest, dims))
    for _, g in keyed.groupby("_k", sort=False):
        groups.append((f"{g.iloc[0]['kind']} {_label(g.iloc[0])}", g.drop(columns="_k")))
    return groups


def _pairs(*frames: pd.DataFrame):
    """Pair the i-th figure of each measure (repeats of a measure in one group are rare)."""
    n = max(len(f) for f in frames)
    for i in range(n):
        yield tuple(f.iloc[min(i, len(f) - 1)] for f in frames)


def ratio_relations(df: pd.DataFrame, names: Iterable[str] | None = None) -> list[dict]:
    """Printed percentages equal their ratio after rounding to the printed precision (+-0.01 points).

    The ratio's range comes from the operands' own printed precision (USD 2.5M is 2.45M..2.55M).
    """
    out = []
    for name, (pct_m, num_m, den_m) in RATIOS.items():
        if names is not None and name not in names:
            continue
        for label, g in _measure_groups(df, (pct_m, num_m, den_m)):
            pct, num, den = (g[g["measure"] == m] for m in (pct_m, num_m, den_m))
            if pct.empty or num.empty or den.empty:
                continue
            for p, n, d in _pairs(pct, num, den):
                hn, hd = half_step(n["raw"], n["value"]), half_step(d["raw"], d["value"])
                if d["value"] - hd <= 0:
                    continue
                ratio = 100.0 * n["value"] / d["value"]
                lo = 100.0 * max(n["value"] - hn, 0.0) / (d["value"] + hd)
                hi = 100.0 * (n["value"] + hn) / (d["value"] - hd)
                dec = printed_decimals(p["raw"], p["value"])
                r_lo, r_hi, r_mid = (round_half_up(x, dec) for x in (lo, hi, ratio))
                gap = max(r_lo - p["value"], p["value"] - r_hi, 0.0)
                reason = (f"{label}: {pct_m} printed {fmt(p['value'])} vs {num_m} {fmt(n['value'])} / "
                          f"{den_m} {fmt(d['value'])} = {ratio:.4f}% ({r_mid:.{dec}f} at the printed "
                          f"precision; diff {gap:.2f}, tolerance {PERCENT_TOLERANCE})")
                out.append(_rel(name, label, p["value"], ratio, PERCENT_TOLERANCE, gap - PERCENT_TOLERANCE,
                                _rows(p, n, d), reason))
    return out


def inequality_relations(df: pd.DataFrame, names: Iterable[str] | None = None) -> list[dict]:
    """expenditure <= funds available <= budget (per table row or per year); funded <= requirement."""
    out = []
    for name, (small_m, large_m) in INEQUALITIES.items():
        if names is not None and name not in names:
            continue
        between = ("funds_available",) if name == "expenditure_within_budget" else ()
        for label, g in _measure_groups(df, (small_m, large_m, *between)):
            small, large = g[g["measure"] == small_m], g[g["measure"] == large_m]
            if small.empty or large.empty or g["measure"].isin(between).any():
                continue  # expenditure <= budget is implied where funds available sits between
            for s, lg in _pairs(small, large):
                tol = half_step(s["raw"], s["value"]) + half_step(lg["raw"], lg["value"])
                excess = s["value"] - lg["value"] - tol
                reason = (f"{label}: {small_m} {fmt(s['value'])} vs {large_m} {fmt(lg['value'])} "
                          f"({'within' if excess <= 0 else 'exceeds by ' + fmt(s['value'] - lg['value'])}, "
                          f"tolerance {fmt(tol)})")
                out.append(_rel(name, label, s["value"], lg["value"], tol, excess, _rows(s, lg), reason))
    return out


def sector_reach_within_total(df: pd.DataFrame) -> list[dict]:
    """People reached in each sector <= the people-reached total (sectors overlap: no sum check)."""
    out = []
    pr = df[(df["measure"] == "people_reached") & df["value"].notna() & (df["unit"] == "number")]
    totals = pr[pr["sector"].isna() & pr["indicator"].isna() & pr["location"].isna()]
    parts = pr[pr["sector"].notna()]
    for _, t in totals.iterrows():
        mine = parts[[_same(a, t["population"]) and _same(b, t["period"])
                      for a, b in zip(parts["population"], parts["period"], strict=True)]]
        for _, p in mine.iterrows():
            tol = half_step(p["raw"], p["value"]) + half_step(t["raw"], t["value"])
            excess = p["value"] - t["value"] - tol
            reason = (f"{p['sector']} people reached {fmt(p['value'])} vs total people reached "
                      f"{fmt(t['value'])} ({'within' if excess <= 0 else 'exceeds the total'})")
            out.append(_rel("sector_reach_within_total", str(p["sector"]), p["value"], t["value"], tol,
                            excess, _rows(p, t), reason))
    return out


def sector_amounts_within_total(df: pd.DataFrame) -> list[dict]:
    """Money per sector of one period, a partial list, sums to at most the overall amount of that period."""
    out = []
    money = df[df["unit"].isin(MONEY_UNITS) & df["value"].notna() & df["measure"].isna()
               & df["indicator"].isna() & df["period"].notna()]
    parts = money[money["sector"].notna()]
    totals = money[money["sector"].isna() & money["location"].isna() & money["population"].isna()]
    for (kind, period, unit), g in parts.groupby(["kind", "period", "unit"], sort=False):
        cand = totals[(totals["kind"] == kind) & (totals["period"] == period) & (totals["unit"] == unit)]
        if cand.empty or len(g) < 2:
            continue
        t = cand.loc[cand["value"].idxmax()]
        s = g["value"].sum()
        tol = sum(half_step(r, v) for r, v in zip(g["raw"], g["value"], strict=True)) + half_step(t["raw"],
                                                                                                   t["value"])
        excess = s - t["value"] - tol
        verdict = "at most the total" if excess <= 0 else f"exceeds the total by {fmt(s - t['value'])}"
        reason = (f"{len(g)} sector amounts ({period}) sum to {fmt(s)} vs overall {fmt(t['value'])} "
                  f"({verdict}; tolerance {fmt(tol)})")
        out.append(_rel("sector_amounts_within_total", f"{kind} {period}", s, t["value"], tol, excess,
                        _rows(g, t), reason))
    return out


POPULATION_METRICS = re.compile(r"popul|people_of_concern|persons_of_concern|of_concern", re.I)
POPULATION_TOTAL_WINDOW = 0.2  # a total candidate must lie within 20% of the parts' sum


def population_parts_sum_to_total(df: pd.DataFrame) -> list[dict]:
    """Population groups of a chart (one period) sum to that period's population key figure.

    The total is the key figure of the same period with no population, sector, location, indicator
    or measure; a metric naming a population picks it when extractors give one, else the candidate
    nearest to the sum, provided it lies within 20% of it (else: nothing to compare against).
    """
    out = []
    pop = df[(df["kind"] == "chart_data") & df["population"].notna() & (df["unit"] == "number")
             & df["value"].notna() & df["measure"].isna()]
    kf = df[(df["kind"] == "key_figure") & (df["unit"] == "number") & df["value"].notna()
            & df["population"].isna() & df["sector"].isna() & df["location"].isna()
            & df["indicator"].isna() & df["measure"].isna()]
    for period, g in pop.groupby(pop["period"].fillna(""), sort=False):
        if g["population"].nunique() < 2:
            continue
        cand = kf[kf["period"].fillna("") == period]
        s = g["value"].sum()
        by_metric = cand[cand["metric"].fillna("").str.contains(POPULATION_METRICS)]
        if not by_metric.empty:  # the nearest of them: a page may name several populations
            t = by_metric.loc[(by_metric["value"] - s).abs().idxmin()]
        else:
            near = cand[(cand["value"] - s).abs() <= POPULATION_TOTAL_WINDOW * s]
            if near.empty:
                continue
            t = near.loc[(near["value"] - s).abs().idxmin()]
        tol = sum(half_step(r, v) for r, v in zip(g["raw"], g["value"], strict=True)) + half_step(t["raw"],
                                                                                                   t["value"])
        diff = abs(s - t["value"])
        names = " + ".join(f"{p} {fmt(v)}" for p, v in zip(g["population"], g["value"], strict=True))
        reason = (f"population parts {period or '(no period)'}: {names} = {fmt(s)} vs total "
                  f"{fmt(t['value'])} (diff {fmt(diff)}, tolerance {fmt(tol)})")
        out.append(_rel("population_parts_sum_to_total", period or "(no period)", s, t["value"], tol,
                        diff - tol, _rows(g, t), reason))
    return out


def chart_series_parts_sum_to_total(df: pd.DataFrame) -> list[dict]:
    """Chart sub-series (pillars p1..p4, per indicator) of a measure sum to the overall series, per period."""
    out = []
    ch = df[(df["kind"] == "chart_data") & df["measure"].notna() & df["value"].notna()]
    for (measure, period, _unit), g in ch.groupby(["measure", ch["period"].fillna(""), "unit"], sort=False):
        parts, totals = g[g["indicator"].notna()], g[g["indicator"].isna()]
        if parts.empty or len(totals) != 1:
            continue
        t = totals.iloc[0]
        s = parts["value"].sum()
        tol = sum(half_step(r, v) for r, v in zip(parts["raw"], parts["value"], strict=True))
        tol += half_step(t["raw"], t["value"])
        diff = abs(s - t["value"])
        reason = (f"{measure} {period}: series {'+'.join(parts['indicator'])} sum to {fmt(s)} vs overall "
                  f"{fmt(t['value'])} (diff {fmt(diff)}, tolerance {fmt(tol)})")
        out.append(_rel("chart_series_parts_sum_to_total", f"{measure} {period}", s, t["value"], tol,
                        diff - tol, _rows(parts, t), reason))
    return out


def prose_restates_structured_figure(df: pd.DataFrame) -> list[dict]:
    """Prose restating a table/chart/key figure prints the same number (see crosscheck.py)."""
    from .crosscheck import prose_restates_structured_figure as build  # lazy: crosscheck imports this module
    return build(df)


def prose_figures_disagree(df: pd.DataFrame) -> list[dict]:
    """Two prose sentences about the same thing print the same number (see crosscheck.py)."""
    from .crosscheck import prose_figures_disagree as build  # lazy: crosscheck imports this module
    return build(df)


BUILDERS = {
    "finance_parts_sum_to_total": finance_parts_sum_to_total,
    "finance_totals_agree": finance_totals_agree,
    "sector_reach_within_total": sector_reach_within_total,
    "sector_amounts_within_total": sector_amounts_within_total,
    "population_parts_sum_to_total": population_parts_sum_to_total,
    "chart_series_parts_sum_to_total": chart_series_parts_sum_to_total,
    "prose_restates_structured_figure": prose_restates_structured_figure,
    "prose_figures_disagree": prose_figures_disagree,
}
ALL_RELATIONS = (*BUILDERS, *RATIOS, *INEQUALITIES)


def build_relations(prepared: pd.DataFrame, names: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per relation instance found in the prepared figures (see RELATION_COLUMNS)."""
    names = set(ALL_RELATIONS if names is None else names)
    df = prepared[prepared["value"].notna() & ~prepared["is_malformed"] & ~prepared["is_text_value"]]
    df = df.astype(object).where(df.notna(), None)
    df["value"] = df["value"].astype(float)
    rows: list[dict] = []
    errors: list[str] = []
    steps = [(n, b) for n, b in BUILDERS.items() if n in names]
    steps += [("ratios", lambda d: ratio_relations(d, names)),
              ("inequalities", lambda d: inequality_relations(d, names))]
    for name, builder in steps:
        try:  # one builder tripping over an odd frame must not stop the others
            rows.extend(builder(df))
        except Exception as exc:
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
    rel = pd.DataFrame(rows, columns=list(RELATION_COLUMNS))
    rel.insert(0, "relation_row", range(len(rel)))
    rel["excess"] = rel["excess"].astype(float)
    rel["rows_text"] = rel["rows"].map(lambda r: ",".join(map(str, r))).astype(object)
    rel.attrs["errors"] = errors
    return rel


@dataclass
class PreparedReport:
    """One report made ready for the suites: its cleaned figures and the relation instances in them."""

    missing: list[str]  # FIGURE_COLUMNS absent from the extractor's frame
    figures: pd.DataFrame  # from `prepare`
    relations: pd.DataFrame  # from `build_relations`, without the `attrs`
    errors: list[str]  # relation builders that failed
    names: tuple[str, ...]  # the relations the report's suite checks


def prepare_report(job: tuple[pd.DataFrame, tuple[str, ...]]) -> PreparedReport:
    """(figures, relation names) -> PreparedReport. Pure, and free of Great Expectations, so worker
    processes can run it for a batch while the flow process runs the suites."""
    figures, names = job
    if not isinstance(figures, pd.DataFrame):
        figures = pd.DataFrame(figures)
    prepared = prepare(figures)
    rel = build_relations(prepared, names)
    errors = list(rel.attrs.get("errors", []))
    rel.attrs = {}
    return PreparedReport(missing_columns(figures), prepared, rel, errors, tuple(names))


__all__ = ["ALL_RELATIONS", "PreparedReport", "prepare_report",
           "KINDS", "QUALIFIERS", "UNITS", "MONEY_MEASURES", "PCT_MEASURES",
           "build_relations", "prepare", "missing_columns", "fmt"]
