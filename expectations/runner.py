"""The Great Expectations context, running the suites on one report, collecting results and quarantine.

`Validator` is created once per pipeline run: importing great_expectations and starting the context
(several seconds) happen in `__init__`; `validate` then costs a fraction of a second per report.
`validate` never raises for data reasons: a frame it cannot read gives a "fail" result and holds all
of its figures back.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import relations as R

log = logging.getLogger(__name__)

RESULT_COLUMNS = ("expectation", "status", "observed", "details")
QUARANTINE_COLUMNS = ("row", "expectation", "reason")
DOCS_SITE = "sitrep_data_docs"
MAX_DETAILS = 30  # reason sentences listed in one results row


@dataclass
class ValidationResult:
    """What validating one report gives the loader.

    results: one row per expectation evaluated: expectation, status (pass|warn|fail), observed, details.
    quarantine: one row per held-back figure: row (position in the validated frame), expectation, reason.
    """

    results: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(RESULT_COLUMNS)))
    quarantine: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(QUARANTINE_COLUMNS)))

    @property
    def failed(self) -> bool:
        return bool((self.results["status"] == "fail").any())


class Validator:
    """Created ONCE per pipeline run: GE import and context start-up happen here, not per report."""

    def __init__(self, docs_dir: Path | None = None) -> None:
        started = time.perf_counter()
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        from . import suites

        self._gx = gx
        self._suites = suites
        self.docs_dir = Path(docs_dir) if docs_dir is not None else None
        sites = {}
        if self.docs_dir is not None:
            sites[DOCS_SITE] = {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(self.docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
            data_docs_sites=sites,
        )
        self._ctx = gx.get_context(mode="ephemeral", project_config=config)
        source = self._ctx.data_sources.add_pandas("sitrep")
        figures_bd = source.add_dataframe_asset("figures").add_batch_definition_whole_dataframe(
            "report_figures")
        relations_bd = source.add_dataframe_asset("relations").add_batch_definition_whole_dataframe(
            "report_relations")
        self._figure_vd = self._ctx.validation_definitions.add(gx.ValidationDefinition(
            name="figures_generic", data=figures_bd, suite=self._ctx.suites.add(suites.figure_suite())))
        self._relations_bd = relations_bd
        self._relation_vds: dict[tuple[str, tuple[str, ...]], object] = {}  # made when first needed
        self._lock = threading.Lock()
        self.startup_seconds = time.perf_counter() - started
        self.validate_seconds: dict[str, float] = {}
        log.info("great expectations context ready in %.2fs", self.startup_seconds)

    # ------------------------------------------------------------------------------------------ API

    def validate(self, source_file: str, family: str, figures: pd.DataFrame) -> ValidationResult:
        """Run the generic figure suite and the family's relation suite on one report's figures."""
        started = time.perf_counter()
        with self._lock:
            try:
                result = self._validate(str(source_file), str(family or ""), figures)
            except Exception as exc:  # a bad frame is a fail result, never an exception
                log.exception("validation of %s could not run", source_file)
                result = self._broken(figures, exc)
        self.validate_seconds[str(source_file)] = time.perf_counter() - started
        return result

    def build_docs(self) -> Path | None:
        """Build GE Data Docs (HTML) for this Validator's validations; the index.html path, or None."""
        if self.docs_dir is None:
            return None
        with self._lock:
            try:
                self._ctx.build_data_docs(site_names=[DOCS_SITE])
            except Exception:
                log.exception("building data docs failed")
                return None
        index = self.docs_dir / "index.html"
        return index if index.exists() else None

    # ------------------------------------------------------------------------------------ internals

    def _run_id(self, source_file: str):
        from great_expectations.core.run_identifier import RunIdentifier

        name = re.sub(r"[^\w.\-]+", "_", Path(source_file).name) or "report"
        return RunIdentifier(run_name=name, run_time=dt.datetime.now(dt.UTC))

    def _validate(self, source_file: str, family: str, figures: pd.DataFrame) -> ValidationResult:
        if not isinstance(figures, pd.DataFrame):
            figures = pd.DataFrame(figures)
        results: list[dict] = []
        held: dict[int, list[tuple[str, str]]] = {}

        missing = R.missing_columns(figures)
        observed = f"missing: {', '.join(missing)}" if missing else f"all {len(R.FIGURE_COLUMNS)} columns"
        results.append(_row("figure_columns_present", "fail" if missing else "pass", observed,
                            "columns of extractors.records.FIGURE_COLUMNS"))
        prepared = R.prepare(figures)
        run_id = self._run_id(source_file)
        fmt = {"result_format": "COMPLETE", "unexpected_index_column_names": ["row"]}
        suite_result = self._figure_vd.run(batch_parameters={"dataframe": prepared}, result_format=fmt,
                                           run_id=run_id)
        by_row = prepared.set_index("row")
        checks = {c.name: c for c in self._suites.FIGURE_CHECKS}
        for res in suite_result.results:
            meta = res.expectation_config.meta or {}
            name, severity = meta.get("name", res.expectation_config.type), meta.get("severity", "fail")
            info = res.result or {}
            if _raised(res):
                results.append(_row(name, "fail", "could not be evaluated", _exception_text(res)))
                continue
            bad = _unexpected_rows(info, "row")
            reasons = [(r, checks[name].reason(_record(by_row, r)) if name in checks else name) for r in bad]
            status = "pass" if res.success else severity
            observed = f"{len(bad)} of {info.get('element_count', len(prepared))} figures unexpected"
            details = "; ".join(f"row {r}: {why}" for r, why in reasons[:MAX_DETAILS])
            if len(reasons) > MAX_DETAILS:
                details += f"; ... and {len(reasons) - MAX_DETAILS} more"
            results.append(_row(name, status, observed, details or meta.get("notes", "")))
            if status == "fail":
                for r, why in reasons:
                    held.setdefault(r, []).append((name, why))

        suite_family = family if family in self._suites.FAMILY_RELATIONS else self._suites.GENERIC_FAMILY
        names = self._suites.family_relations(suite_family)
        rel = R.build_relations(prepared, names)
        for err in rel.attrs.get("errors", []):
            results.append(_row("relations_built", "fail", "a relation builder failed", err))
        # GE evaluates only the relations with instances here; the others are "not applicable" passes
        present = tuple(n for n in names if not rel.empty and (rel["relation"] == n).any())
        for name in names:
            if name not in present:
                results.append(_row(name, "pass", "no instance in this report (not applicable)",
                                    self._suites.RELATION_CHECKS[name].description))
        rel_results = self._relation_vd(suite_family, present).run(
            batch_parameters={"dataframe": rel.drop(columns=["rows"])},
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["relation_row", "group"]},
            run_id=run_id).results if present else []
        for res in rel_results:
            meta = res.expectation_config.meta or {}
            name, severity = meta.get("name", res.expectation_config.type), meta.get("severity", "fail")
            if _raised(res):
                results.append(_row(name, "fail", "could not be evaluated", _exception_text(res)))
                continue
            mine = rel[rel["relation"] == name]
            bad = set(_unexpected_rows(res.result or {}, "relation_row"))
            status = "pass" if res.success else severity
            if mine.empty:
                observed, details = "no instance in this report (not applicable)", meta.get("notes", "")
            else:
                observed = f"{len(bad)} of {len(mine)} relations violated"
                shown = [*mine[mine["relation_row"].isin(bad)]["reason"],
                         *mine[~mine["relation_row"].isin(bad)]["reason"]]
                details = "; ".join(shown[:MAX_DETAILS])
                if len(shown) > MAX_DETAILS:
                    details += f"; ... and {len(shown) - MAX_DETAILS} more"
            results.append(_row(name, status, observed, details))
            if status == "fail":
                for _, inst in mine[mine["relation_row"].isin(bad)].iterrows():
                    for r in inst["rows"]:
                        held.setdefault(int(r), []).append((name, inst["reason"]))

        return ValidationResult(results=pd.DataFrame(results, columns=list(RESULT_COLUMNS)),
                                quarantine=_quarantine(held))

    def _relation_vd(self, family: str, names: tuple[str, ...]):
        """The validation definition of these relations of a family (cached: a handful per run)."""
        key = (family, names)
        if key not in self._relation_vds:
            suite = self._ctx.suites.add(self._suites.relation_suite(family, names))
            self._relation_vds[key] = self._ctx.validation_definitions.add(self._gx.ValidationDefinition(
                name=suite.name, data=self._relations_bd, suite=suite))
        return self._relation_vds[key]

    def _broken(self, figures, exc: Exception) -> ValidationResult:
        try:
            n = len(figures)
        except Exception:
            n = 0
        why = f"validation could not run: {type(exc).__name__}: {exc}"
        results = pd.DataFrame([_row("validation_completed", "fail", "error", why)],
                               columns=list(RESULT_COLUMNS))
        quarantine = pd.DataFrame([{"row": i, "expectation": "validation_completed", "reason": why}
                                   for i in range(n)], columns=list(QUARANTINE_COLUMNS))
        return ValidationResult(results=results, quarantine=quarantine)


def _row(expectation: str, status: str, observed: str, details: str) -> dict:
    return {"expectation": expectation, "status": status, "observed": observed, "details": details}


def _raised(res) -> bool:
    info = res.exception_info or {}
    if isinstance(info, dict) and "raised_exception" in info:
        return bool(info.get("raised_exception"))
    return any(isinstance(v, dict) and v.get("raised_exception") for v in (info.values()
               if isinstance(info, dict) else []))


def _exception_text(res) -> str:
    info = res.exception_info or {}
    if isinstance(info, dict) and "exception_message" in info:
        return str(info.get("exception_message"))
    return "; ".join(str(v.get("exception_message")) for v in info.values() if isinstance(v, dict))


def _unexpected_rows(info: dict, column: str) -> list[int]:
    out = []
    for item in info.get("unexpected_index_list") or []:
        value = item.get(column) if isinstance(item, dict) else item
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            continue
    return sorted(set(out))


def _record(by_row: pd.DataFrame, row: int) -> dict:
    rec = by_row.loc[row].to_dict()
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in rec.items()}


def _quarantine(held: dict[int, list[tuple[str, str]]]) -> pd.DataFrame:
    rows = []
    for r in sorted(held):
        (first, why), *others = held[r]
        also = sorted({name for name, _ in others if name != first})
        rows.append({"row": r, "expectation": first,
                     "reason": why + (f" (also failed: {', '.join(also)})" if also else "")})
    out = pd.DataFrame(rows, columns=list(QUARANTINE_COLUMNS))
    out["row"] = out["row"].astype(int)
    return out
