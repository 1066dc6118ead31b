"""What a run did, report by report: returned by the flows and by the no-change fast path (no Prefect)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ReportOutcome:
    source_file: str
    status: str = "ok"  # ok | failed | skipped
    stage: str | None = None  # the stage that failed
    error: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class RunSummary:
    run_id: str
    warehouse: str
    reports: list[ReportOutcome] = field(default_factory=list)
    data_docs: str | None = None

    @property
    def failed(self) -> list[ReportOutcome]:
        return [r for r in self.reports if r.status == "failed"]


__all__ = ["ReportOutcome", "RunSummary"]
