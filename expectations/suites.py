"""Expectation suites as code: one generic suite over the figures, one relation suite per report family.

Every expectation carries a readable name and a severity in `meta`:
- "fail": the offending figure(s) go to quarantine (they do not reach analysts);
- "warn": the figures load, the finding is listed in the results.

Figure checks run on the frame from `relations.prepare` (one row per figure, `row` = position in the
extractor's frame). Relation checks run on the frame from `relations.build_relations` (one row per
relation instance) as "excess <= 0" on the rows of that relation, so Great Expectations decides
pass/fail and Data Docs show every relation. This module imports great_expectations: import it only
where the GE start-up cost is paid once (runner.Validator.__init__).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import great_expectations as gx
from great_expectations.expectations.row_conditions import Column

from . import relations as R

FAIL, WARN = "fail", "warn"
PERIOD_REGEX = r"^(?:199\d|20[0-2]\d|203[0-5])(?:-(?:0[1-9]|1[0-2]))?$"  # YYYY or YYYY-MM, 1990..2035


@dataclass(frozen=True)
class FigureCheck:
    name: str
    severity: str
    description: str
    make: Callable[[dict], object]  # meta -> GE expectation
    reason: Callable[[dict], str]  # prepared figure row -> sentence with the observed numbers


@dataclass(frozen=True)
class RelationCheck:
    name: str
    severity: str
    description: str


def _v(row: dict) -> str:
    return R.fmt(row.get("value"))


def _raw(row: dict) -> str:
    return f" (printed '{row['raw']}')" if row.get("raw") else ""


def _is(col: str, value) -> object:
    return Column(col) == value


FIGURE_CHECKS: tuple[FigureCheck, ...] = (
    FigureCheck(
        "value_is_number", FAIL, "Every figure that is not a text value has a finite numeric value.",
        lambda m: gx.expectations.ExpectColumnValuesToNotBeNull(
            column="value", row_condition=_is("is_text_value", False), meta=m),
        lambda r: f"value is missing or not a number{_raw(r)}"),
    FigureCheck(
        "kind_in_vocabulary", FAIL, f"kind is one of {', '.join(R.KINDS)}.",
        lambda m: gx.expectations.ExpectColumnValuesToBeInSet(column="kind", value_set=list(R.KINDS), meta=m),
        lambda r: f"kind '{r.get('kind')}' is not one of {', '.join(R.KINDS)}"),
    FigureCheck(
        "unit_in_vocabulary", FAIL, "unit is number, percent or an ISO 4217 currency code in lower case.",
        lambda m: gx.expectations.ExpectColumnValuesToBeInSet(column="unit", value_set=list(R.UNITS), meta=m),
        lambda r: f"unit '{r.get('unit')}' of value {_v(r)} is not number, percent or a currency code"),
    FigureCheck(
        "qualifier_in_vocabulary", WARN, f"qualifier is empty or one of {', '.join(R.QUALIFIERS)}.",
        lambda m: gx.expectations.ExpectColumnValuesToBeInSet(
            column="qualifier", value_set=list(R.QUALIFIERS), meta=m),
        lambda r: f"qualifier '{r.get('qualifier')}' is not one of {', '.join(R.QUALIFIERS)}"),
    FigureCheck(
        "number_not_malformed", FAIL, "No figure is flagged malformed_number (e.g. a broken digit grouping).",
        lambda m: gx.expectations.ExpectColumnValuesToBeInSet(
            column="is_malformed", value_set=[False], meta=m),
        lambda r: f"value {_v(r)}{_raw(r)} has a malformed digit grouping (flags: {r.get('flags')})"),
    FigureCheck(
        "raw_in_source", FAIL,
        "Every figure's printed form (raw) occurs verbatim, as a whole number, in its source: the PDF page's "
        "text layer or the web page's text (extraction flags raw_not_in_source where it does not).",
        lambda m: gx.expectations.ExpectColumnValuesToBeInSet(
            column="is_unproven", value_set=[False], meta=m),
        lambda r: (f"value {_v(r)}: its printed form '{r.get('raw') or ''}' does not occur in "
                   + (f"page {int(r['page'])}'s text layer" if r.get("page") == r.get("page") and r.get("page")
                      else "the report's text") + " (a misreading)")),
    FigureCheck(
        "text_value_flagged", WARN,
        "Figures read from a text value (e.g. 'Extensive: >=70 points') are listed.",
        lambda m: gx.expectations.ExpectColumnValuesToBeInSet(
            column="is_text_value", value_set=[False], meta=m),
        lambda r: f"value {_v(r)} was read from a text value{_raw(r)}"),
    FigureCheck(
        "percent_within_0_100", FAIL,
        "Percentages in key figures, tables and charts lie within [0, 100] (not changes: see count_non_negative).",
        lambda m: gx.expectations.ExpectColumnValuesToBeBetween(
            column="value", min_value=0, max_value=100,
            row_condition=(Column("unit") == "percent") & (Column("kind") != "prose")
            & Column("indicator").is_null() & (Column("may_be_negative") == False), meta=m),  # noqa: E712
        lambda r: f"percentage {_v(r)} is outside [0, 100]"),
    FigureCheck(
        "indicator_value_in_unit_range", FAIL,
        "Indicator-table percentages (baseline, target, actual) lie within [0, 100].",
        lambda m: gx.expectations.ExpectColumnValuesToBeBetween(
            column="value", min_value=0, max_value=100,
            row_condition=(Column("unit") == "percent") & Column("indicator").is_not_null(), meta=m),
        lambda r: (f"indicator {r.get('indicator')} {r.get('measure') or ''} value {_v(r)}% is outside "
                   f"[0, 100]").replace("  ", " ")),
    FigureCheck(
        "prose_percent_within_0_100", WARN,
        "Percentages in prose lie within [0, 100] (increases such as '400%' can exceed it: warn only).",
        lambda m: gx.expectations.ExpectColumnValuesToBeBetween(
            column="value", min_value=0, max_value=100,
            row_condition=(Column("unit") == "percent") & (Column("kind") == "prose"), meta=m),
        lambda r: f"prose percentage {_v(r)} is outside [0, 100]"),
    FigureCheck(
        "count_non_negative", FAIL,
        "Counts (unit number) are not negative, unless their labels or sentence name a change, balance or "
        "variance (which may be).",
        lambda m: gx.expectations.ExpectColumnValuesToBeBetween(
            column="value", min_value=0,
            row_condition=(Column("unit") == "number") & (Column("may_be_negative") == False), meta=m),  # noqa: E712
        lambda r: f"count {_v(r)} is negative"),
    FigureCheck(
        "money_non_negative", FAIL,
        "Money amounts (budgets, requirements, funds) are not negative, unless their labels or sentence name a "
        "change, balance or variance (which may be).",
        lambda m: gx.expectations.ExpectColumnValuesToBeBetween(
            column="value", min_value=0,
            row_condition=Column("unit").is_in(list(R.MONEY_UNITS)) & (Column("may_be_negative") == False),  # noqa: E712
            meta=m),
        lambda r: f"{r.get('unit')} amount {_v(r)} is negative"),
    FigureCheck(
        "money_measure_has_currency_unit", FAIL,
        f"Money measures ({', '.join(R.MONEY_MEASURES)}) carry a currency unit (an ISO 4217 code).",
        lambda m: gx.expectations.ExpectColumnValuesToBeInSet(
            column="unit", value_set=list(R.MONEY_UNITS),
            row_condition=Column("measure").is_in(R.MONEY_MEASURES), meta=m),
        lambda r: f"{r.get('measure')} {_v(r)} has unit '{r.get('unit')}', not a currency"),
    FigureCheck(
        "pct_measure_has_percent_unit", FAIL,
        f"Derived percentages ({', '.join(R.PCT_MEASURES)}) carry unit percent.",
        lambda m: gx.expectations.ExpectColumnValuesToBeInSet(
            column="unit", value_set=["percent"], row_condition=Column("measure").is_in(R.PCT_MEASURES),
            meta=m),
        lambda r: f"{r.get('measure')} {_v(r)} has unit '{r.get('unit')}', not percent"),
    FigureCheck(
        "period_plausible", FAIL, "Periods are YYYY or YYYY-MM with a year in 1990..2035.",
        lambda m: gx.expectations.ExpectColumnValuesToMatchRegex(column="period", regex=PERIOD_REGEX, meta=m),
        lambda r: f"period '{r.get('period')}' of value {_v(r)} is not YYYY or YYYY-MM within 1990..2035"),
    FigureCheck(
        "duplicate_figure", WARN,
        "No figure appears twice with the same value, unit, dimensions and evidence.",
        lambda m: gx.expectations.ExpectColumnValuesToBeUnique(column="duplicate_key", meta=m),
        lambda r: f"value {_v(r)} appears more than once with the same dimensions and evidence"),
    FigureCheck(
        "evidence_present", WARN, "Every figure keeps the verbatim text it was read from.",
        lambda m: gx.expectations.ExpectColumnValuesToNotBeNull(column="evidence", meta=m),
        lambda r: f"value {_v(r)} has no evidence text"),
)

RELATION_CHECKS: dict[str, RelationCheck] = {c.name: c for c in (
    RelationCheck("finance_parts_sum_to_total", FAIL,
                  "Finance tables: the IA* rows (impact areas) and the OA*/EA* rows (outcome areas) of each "
                  "money measure sum to their table's printed Total within the printed rounding."),
    RelationCheck("finance_totals_agree", WARN,
                  "A Total printed in several finance tables is the same number in each."),
    RelationCheck("funds_available_pct_matches_ratio", FAIL,
                  "funds_available_pct = funds_available / budget per row, within 0.01 points after the "
                  "printed rounding."),
    RelationCheck("expenditure_pct_matches_ratio", FAIL,
                  "expenditure_pct = expenditure / funds_available per row, within 0.01 points after the "
                  "printed rounding."),
    RelationCheck("funded_pct_matches_ratio", FAIL,
                  "funded_pct = funded / requirement, within 0.01 points after the printed rounding."),
    RelationCheck("expenditure_within_funds_available", WARN, "expenditure <= funds available, per row."),
    RelationCheck("funds_available_within_budget", WARN, "funds available <= budget, per row."),
    RelationCheck("expenditure_within_budget", WARN,
                  "expenditure <= budget, per row or year (where no funds-available figure sits between)."),
    RelationCheck("funded_within_requirement", WARN, "funded <= requirement."),
    RelationCheck("sector_reach_within_total", WARN,
                  "People reached in each sector <= people reached in total "
                  "(sectors overlap: no sum check)."),
    RelationCheck("sector_amounts_within_total", WARN,
                  "Money per sector of a period (a partial list) sums to at most the overall amount."),
    RelationCheck("population_parts_sum_to_total", FAIL,
                  "Population groups of a chart sum to the population key figure of the same period."),
    RelationCheck("chart_series_parts_sum_to_total", WARN,
                  "Chart sub-series (pillars) of a measure sum to the overall series, per period."),
    RelationCheck("prose_restates_structured_figure", WARN,
                  "A prose figure restating a table, chart or key figure of the same report (same unit, within "
                  "3 % or 1 point, its sentence naming the figure's population, indicator or measure) prints the "
                  "same number within printed rounding; 'about'/'over' figures may differ (see crosscheck.py)."),
    RelationCheck("prose_figures_disagree", WARN,
                  "Two unqualified prose figures whose sentences share at least four content words and whose "
                  "values are within 3 % or 1 point print the same number (see crosscheck.py)."),
)}

# Cross-report checks (expectations/series.py): an incoming figure against its series' published neighbours.
SERIES_CHECKS: dict[str, RelationCheck] = {c.name: c for c in (
    RelationCheck("series_jump", FAIL,
                  "A table, chart or key figure is within {jump:g}x of the same series' nearest earlier and later "
                  "published values (v_series; a jump against every neighbour is held back)."),
    RelationCheck("series_change", WARN,
                  "A figure is within {warn:g}x of each of the same series' nearest published neighbours."),
)}


def series_suite(jump: float, warn: float) -> gx.ExpectationSuite:
    """series_jump on `jump_all` (<= jump) and series_change on `jump_any` (<= warn)."""
    suite = gx.ExpectationSuite(name="series")
    for name, column, limit in (("series_jump", "jump_all", jump), ("series_change", "jump_any", warn)):
        c = SERIES_CHECKS[name]
        description = c.description.format(jump=jump, warn=warn)
        exp = gx.expectations.ExpectColumnValuesToBeBetween(
            column=column, max_value=limit, meta=_meta(c.name, c.severity, description))
        exp.description = f"{c.name} [{c.severity}]: {description}"
        suite.add_expectation(exp)
    return suite


FINANCE = ("finance_parts_sum_to_total", "finance_totals_agree", "funds_available_pct_matches_ratio",
           "expenditure_pct_matches_ratio", "expenditure_within_funds_available",
           "funds_available_within_budget", "expenditure_within_budget")
FUNDING = ("funded_pct_matches_ratio", "funded_within_requirement")
SECTORS = ("sector_reach_within_total", "sector_amounts_within_total")
CHARTS = ("population_parts_sum_to_total", "chart_series_parts_sum_to_total", "expenditure_within_budget")
CROSSCHECK = ("prose_restates_structured_figure", "prose_figures_disagree")

# Which relations each report family's suite checks. Unknown families get every relation.
FAMILY_RELATIONS: dict[str, tuple[str, ...]] = {
    "gtrm_sitrep": (*FUNDING, *SECTORS, *CROSSCHECK),
    "r4v_sitrep": (*FUNDING, *SECTORS, *CROSSCHECK),
    "unhcr_arr": (*FINANCE, *FUNDING, *CROSSCHECK),
    "unhcr_global_focus": (*CHARTS, *FUNDING, "funds_available_within_budget", *CROSSCHECK),
}
GENERIC_FAMILY = "generic"


def family_relations(family: str) -> tuple[str, ...]:
    return FAMILY_RELATIONS.get(family, tuple(RELATION_CHECKS))


def _meta(name: str, severity: str, description: str) -> dict:
    return {"name": name, "severity": severity, "notes": description}


def figure_suite() -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name="figures_generic")
    for c in FIGURE_CHECKS:
        exp = c.make(_meta(c.name, c.severity, c.description))
        exp.description = f"{c.name} [{c.severity}]: {c.description}"
        suite.add_expectation(exp)
    return suite


def relation_suite(family: str, names: tuple[str, ...] | None = None) -> gx.ExpectationSuite:
    """The family's relation expectations, or only `names` of them (those with instances in a report)."""
    names = family_relations(family) if names is None else names
    label = "" if names == family_relations(family) else "_" + "_".join(
        str(family_relations(family).index(n)) for n in names)
    suite = gx.ExpectationSuite(name=f"relations_{family}{label}")
    for name in names:
        c = RELATION_CHECKS[name]
        exp = gx.expectations.ExpectColumnValuesToBeBetween(
            column="excess", max_value=0, row_condition=Column("relation") == name,
            meta=_meta(c.name, c.severity, c.description))
        exp.description = f"{c.name} [{c.severity}]: {c.description} (excess = violation beyond tolerance)"
        suite.add_expectation(exp)
    return suite
