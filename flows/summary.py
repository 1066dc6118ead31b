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

    def line(self) -> str:
        """The one-line outcome: the flow run's last log line, and its state message when it failed."""
        loaded = sum(r.status == "ok" for r in self.reports)
        unchanged = sum(r.status == "skipped" for r in self.reports)
        return (f"{len(self.reports)} report(s): {loaded} loaded, {unchanged} unchanged, "
                f"{len(self.failed)} failed -> {self.warehouse}")


class RunFailed(Exception):
    """A run in which some report failed a stage: the data of the flow run's Failed state, so a scheduler's
    failure alerts fire. The other reports were loaded; `summary` says what happened to each."""

    def __init__(self, message: str, summary: RunSummary | None = None) -> None:
        super().__init__(message)
        self.summary = summary

    def __reduce__(self):  # pickles (Prefect may persist a state's data) with its summary
        return (RunFailed, (str(self), self.summary))


def summary_of(state) -> RunSummary:
    """The RunSummary of a finished flow run's state (`flow(..., return_state=True)`): its result when
    it completed, the summary its RunFailed carries when a report failed; any other failure is raised."""
    result = state.result(raise_on_failure=False)
    if isinstance(result, RunFailed) and result.summary is not None:
        return result.summary
    if isinstance(result, BaseException):
        raise result
    return result


__all__ = ["ReportOutcome", "RunSummary", "RunFailed", "summary_of"]
