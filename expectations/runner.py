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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
        from .series import ratios

        self.series_ratios = ratios()  # (fail, warn); a bad setting is a ConfigError here, at start-up
        series_bd = source.add_dataframe_asset("series").add_batch_definition_whole_dataframe("report_series")
        self._series_vd = self._ctx.validation_definitions.add(gx.ValidationDefinition(
            name="series", data=series_bd, suite=self._ctx.suites.add(suites.series_suite(*self.series_ratios))))
        self._relation_vds: dict[tuple[str, tuple[str, ...]], object] = {}  # made when first needed
        self._lock = threading.Lock()
        self.startup_seconds = time.perf_counter() - started
        self.validate_seconds: dict[str, float] = {}
        log.info("great expectations context ready in %.2fs", self.startup_seconds)

    # ------------------------------------------------------------------------------------------ API

    def validate(self, source_file: str, family: str, figures: pd.DataFrame) -> ValidationResult:
        """Run the generic figure suite and the family's relation suite on one report's figures."""
        return self.validate_many([(source_file, family, figures)])[0]

    def validate_many(self, reports: Sequence[tuple[str, str, pd.DataFrame]],
                      map_jobs: MapJobs | None = None,
                      series: Sequence[pd.DataFrame | str] | None = None) -> list[ValidationResult]:
        """Validate several reports in one pass of each suite: (source_file, family, figures) in, one
        ValidationResult per report out, in order.

        A Great Expectations run costs about 0.3 s whatever the row count, so a batch of reports is
        validated as one frame (a `report_no` column keeps them apart) and the results are split per
        report: each report's statuses are exactly what validating it alone gives. The per-report
        pandas work (cleaning, building relations) is pure; `map_jobs(fn, items)` may run it in worker
        processes (default: here, in order).

        `series` (from expectations.series.batch_neighbours, one entry per report) feeds the cross-report
        checks series_jump and series_change; without it they are not evaluated.
        """
        started = time.perf_counter()
        reports = [(str(s), str(f or ""), x) for s, f, x in reports]
        try:
            jobs = [(figures, self._suites.family_relations(self._suite_family(family)))
                    for _, family, figures in reports]
            prepared = (map_jobs or _map_here)(R.prepare_report, jobs)
        except Exception:  # one frame that cannot be read: each report alone says which one
            prepared = None
        results = None
        if prepared is not None:
            with self._lock:
                try:
                    results = self._validate_batch(reports, prepared, series)
                except Exception as exc:
                    if len(reports) == 1:
                        log.exception("validation of %s could not run", reports[0][0])
                        results = [self._broken(reports[0][2], exc)]
        if results is None:
            if len(reports) == 1:
                log.exception("validation of %s could not run", reports[0][0])
                return [self._broken(reports[0][2], RuntimeError("its figures could not be prepared"))]
            return [self.validate_many([report], map_jobs, None if series is None else [s])[0]
                    for report, s in zip(reports, series or [None] * len(reports), strict=True)]
        spent = (time.perf_counter() - started) / max(1, len(reports))
        for source_file, _, _ in reports:
            self.validate_seconds[source_file] = spent
        return results

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

    def _run_id(self, names: list[str]):
        from great_expectations.core.run_identifier import RunIdentifier

        first = re.sub(r"[^\w.\-]+", "_", Path(names[0]).name) if names else ""
        label = (first or "report") + (f"_and_{len(names) - 1}_more" if len(names) > 1 else "")
        return RunIdentifier(run_name=label, run_time=dt.datetime.now(dt.UTC))

    def _suite_family(self, family: str) -> str:
        return family if family in self._suites.FAMILY_RELATIONS else self._suites.GENERIC_FAMILY

    def _validate_batch(self, reports: list[tuple[str, str, pd.DataFrame]], prepared: list[R.PreparedReport],
                        series: Sequence[pd.DataFrame | str] | None = None) -> list[ValidationResult]:
        results: list[list[dict]] = [[] for _ in reports]
        held: list[dict[int, list[tuple[str, str]]]] = [{} for _ in reports]
        for i, p in enumerate(prepared):
            observed = (f"missing: {', '.join(p.missing)}" if p.missing
                        else f"all {len(R.FIGURE_COLUMNS)} columns")
            results[i].append(_row("figure_columns_present", "fail" if p.missing else "pass", observed,
                                   "columns of extractors.records.FIGURE_COLUMNS"))
        run_id = self._run_id([source_file for source_file, _, _ in reports])
        self._figure_checks([p.figures for p in prepared], results, held, run_id)
        self._relation_checks(prepared, results, held, run_id)
        if series is not None:
            self._series_checks(list(series), results, held, run_id)
        return [ValidationResult(results=pd.DataFrame(rows, columns=list(RESULT_COLUMNS)), quarantine=_quarantine(h))
                for rows, h in zip(results, held, strict=True)]

    def _figure_checks(self, prepared: list[pd.DataFrame], results: list[list[dict]],
                       held: list[dict[int, list[tuple[str, str]]]], run_id) -> None:
        """The generic figure suite, once over every report's figures (duplicates are per report)."""
        frames = []
        for i, frame in enumerate(prepared):
            frame = frame.copy()
            frame.insert(1, "report_no", i)
            key = frame["duplicate_key"]
            frame["duplicate_key"] = (f"{i}\x1f" + key.astype(str)).where(key.notna(), None)
            frames.append(frame)
        combined = pd.concat(frames, ignore_index=True)
        combined.insert(0, "grow", range(len(combined)))
        fmt = {"result_format": "COMPLETE", "unexpected_index_column_names": ["grow"]}
        suite_result = self._figure_vd.run(batch_parameters={"dataframe": combined}, result_format=fmt,
                                           run_id=run_id)
        owner = combined[["report_no", "row"]].to_numpy()
        by_row = [frame.set_index("row") for frame in prepared]
        checks = {c.name: c for c in self._suites.FIGURE_CHECKS}
        for res in suite_result.results:
            meta = res.expectation_config.meta or {}
            name, severity = meta.get("name", res.expectation_config.type), meta.get("severity", "fail")
            if _raised(res):
                for rows in results:
                    rows.append(_row(name, "fail", "could not be evaluated", _exception_text(res)))
                continue
            bad: list[list[int]] = [[] for _ in prepared]
            for g in _unexpected_rows(res.result or {}, "grow"):
                report_no, row = owner[g]
                bad[int(report_no)].append(int(row))
            unexplained = not res.success and not any(bad)  # GE failed without naming rows: fail them all
            for i, rows in enumerate(bad):
                reasons = [(r, checks[name].reason(_record(by_row[i], r)) if name in checks else name)
                           for r in rows]
                status = severity if rows or unexplained else "pass"
                observed = f"{len(rows)} of {len(prepared[i])} figures unexpected"
                details = _details([f"row {r}: {why}" for r, why in reasons])
                results[i].append(_row(name, status, observed, details or meta.get("notes", "")))
                if status == "fail":
                    for r, why in reasons:
                        held[i].setdefault(r, []).append((name, why))

    def _relation_checks(self, prepared: list[R.PreparedReport], results: list[list[dict]],
                         held: list[dict[int, list[tuple[str, str]]]], run_id) -> None:
        """Each report's family relations (built per report), evaluated in one run of one suite."""
        rels, present = [], []
        for i, p in enumerate(prepared):
            rel = p.relations
            for err in p.errors:
                results[i].append(_row("relations_built", "fail", "a relation builder failed", err))
            # GE evaluates only the relations with instances; the others are "not applicable" passes
            mine = tuple(n for n in p.names if not rel.empty and (rel["relation"] == n).any())
            for name in p.names:
                if name not in mine:
                    results[i].append(_row(name, "pass", "no instance in this report (not applicable)",
                                           self._suites.RELATION_CHECKS[name].description))
            rel = rel.copy()
            rel.insert(1, "report_no", i)
            rels.append(rel)
            present.append(mine)
        evaluated = tuple(n for n in self._suites.RELATION_CHECKS if any(n in p for p in present))
        if not evaluated:
            return
        combined = pd.concat(rels, ignore_index=True)
        combined.insert(0, "grel", range(len(combined)))
        fmt = {"result_format": "COMPLETE", "unexpected_index_column_names": ["grel", "group"]}
        vd = self._relation_vd(self._suites.GENERIC_FAMILY, evaluated)
        for res in vd.run(batch_parameters={"dataframe": combined.drop(columns=["rows"])}, result_format=fmt,
                          run_id=run_id).results:
            meta = res.expectation_config.meta or {}
            name, severity = meta.get("name", res.expectation_config.type), meta.get("severity", "fail")
            bad = set(_unexpected_rows(res.result or {}, "grel"))
            of_name = combined[combined["relation"] == name]
            unexplained = not res.success and not bad
            for i in range(len(prepared)):
                if name not in present[i]:
                    continue
                if _raised(res):
                    results[i].append(_row(name, "fail", "could not be evaluated", _exception_text(res)))
                    continue
                mine = of_name[of_name["report_no"] == i]
                violated = mine["grel"].isin(bad)
                status = severity if violated.any() or unexplained else "pass"
                observed = f"{int(violated.sum())} of {len(mine)} relations violated"
                shown = [*mine[violated]["reason"], *mine[~violated]["reason"]]
                details = _details(shown)
                results[i].append(_row(name, status, observed, details))
                if status == "fail":
                    for _, inst in mine[violated].iterrows():
                        for r in inst["rows"]:
                            held[i].setdefault(int(r), []).append((name, inst["reason"]))

    def _series_checks(self, series: list[pd.DataFrame | str], results: list[list[dict]],
                       held: list[dict[int, list[tuple[str, str]]]], run_id) -> None:
        """series_jump (fail) and series_change (warn): each report's series points against their published
        neighbours, all reports in one run of the series suite."""
        names = tuple(self._suites.SERIES_CHECKS)
        frames = []
        for i, s in enumerate(series):
            if isinstance(s, str):  # the neighbours could not be read: say so, hold nothing back
                for name in names:
                    results[i].append(_row(name, "warn", "could not be evaluated", s))
            elif s is None or s.empty:
                for name in names:
                    results[i].append(_row(name, "pass", "no series neighbour in the published warehouse "
                                                          "(not applicable)", ""))
            else:
                frames.append(s.assign(report_no=i))
        if not frames:
            return
        combined = pd.concat(frames, ignore_index=True)
        combined.insert(0, "gser", range(len(combined)))
        data = combined[["gser", "report_no", "row", "jump_all", "jump_any"]].astype(
            {"jump_all": float, "jump_any": float})
        fmt = {"result_format": "COMPLETE", "unexpected_index_column_names": ["gser"]}
        for res in self._series_vd.run(batch_parameters={"dataframe": data}, result_format=fmt,
                                       run_id=run_id).results:
            meta = res.expectation_config.meta or {}
            name, severity = meta.get("name", res.expectation_config.type), meta.get("severity", "fail")
            bad = set(_unexpected_rows(res.result or {}, "gser"))
            unexplained = not res.success and not bad
            for i in sorted(set(combined["report_no"])):
                if _raised(res):
                    results[i].append(_row(name, "fail", "could not be evaluated", _exception_text(res)))
                    continue
                mine = combined[combined["report_no"] == i]
                violated = mine["gser"].isin(bad)
                status = severity if violated.any() or unexplained else "pass"
                observed = f"{int(violated.sum())} of {len(mine)} series points out of range"
                shown = list(mine[violated]["reason"])
                details = _details(shown)
                results[i].append(_row(name, status, observed, details or meta.get("notes", "")))
                if status == "fail":
                    for _, point in mine[violated].iterrows():
                        held[i].setdefault(int(point["row"]), []).append((name, point["reason"]))

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


MapJobs = Callable[[Callable[[Any], Any], list], list]


def _map_here(fn: Callable[[Any], Any], items: list) -> list:
    return [fn(item) for item in items]


def _details(reasons: list[str]) -> str:
    """The first MAX_DETAILS reasons of a results row, and how many more there are."""
    details = "; ".join(reasons[:MAX_DETAILS])
    if len(reasons) > MAX_DETAILS:
        details += f"; ... and {len(reasons) - MAX_DETAILS} more"
    return details


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
