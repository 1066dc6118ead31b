"""How the `sitrep` command shows a run's progress (the `sitrep.progress` log records the flows write).

- On a terminal: a rich progress bar per stage (reports done of the run's total, elapsed time), with
  warnings and failures printed above the bars as they happen.
- Not on a terminal (cron, a pipe, a CI log): one plain line per report and stage as it finishes,
  "[3/40] extract  report.pdf: 109 figures, gtrm_sitrep (2.1s)", flushed at once.
- `--quiet`: warnings only (failures are summed up at the end); nothing at all when all is well.
- `--verbose`: the plain lines, whatever the output is.

A record's `sitrep` attribute (a dict) says what happened: kind "plan" (totals), "stage" (a report is done
with a stage: ok, failed or skipped, and the later stages it skips), "validating" (a batch starts its
validation), "header" (the flow's first line, already said by the CLI's own first line).
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

STAGE_NAMES = ("fetch", "extract", "validate", "load")


def _event(record: logging.LogRecord) -> dict:
    return getattr(record, "sitrep", None) or {}


class LineHandler(logging.Handler):
    """Plain lines, written and flushed as each record arrives."""

    def __init__(self, stream: TextIO | None = None, show_header: bool = False) -> None:
        super().__init__()
        self.stream = stream or sys.stderr
        self.show_header = show_header

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if not message or (_event(record).get("kind") == "header" and not self.show_header):
                return
            self.stream.write(message + "\n")
            self.stream.flush()
        except Exception:
            self.handleError(record)


class BarHandler(logging.Handler):
    """Rich progress bars, one per stage; warnings and failures above them."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(file=stream or sys.stderr)
        self.bars = Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.fields[note]}"), TimeElapsedColumn(), console=self.console)
        self.tasks: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:  # Handler.handle holds the handler's lock
        try:
            self._show(record)
        except Exception:
            self.handleError(record)

    def _show(self, record: logging.LogRecord) -> None:
        event = _event(record)
        kind = event.get("kind")
        if kind == "plan":
            self.bars.start()
            for stage in event["stages"]:
                if stage in self.tasks:
                    self.bars.update(self.tasks[stage], total=event["total"])
                else:
                    self.tasks[stage] = self.bars.add_task(stage, total=event["total"], note="")
            return
        message = record.getMessage()
        if message and (record.levelno >= logging.WARNING or not kind):  # failures, warnings, the CLI's lines
            self.console.print(message, markup=False, highlight=False)
        if kind == "stage":
            for stage in (event["stage"], *event.get("skips", ())):
                if stage in self.tasks:
                    note = "" if stage != "validate" else self.bars.tasks[self.tasks[stage]].fields["note"]
                    self.bars.update(self.tasks[stage], advance=1, note=note)
            if event["stage"] == "validate" and "validate" in self.tasks:
                task = self.bars.tasks[self.tasks["validate"]]
                running = max(0, int(task.fields.get("running", 0)) - 1)
                self.bars.update(task.id, running=running, note=f"{running} validating" if running else "")
        elif kind == "validating" and "validate" in self.tasks:
            task = self.bars.tasks[self.tasks["validate"]]
            running = int(task.fields.get("running", 0)) + event["count"]
            self.bars.update(task.id, running=running, note=f"{running} validating")

    def close(self) -> None:
        self.acquire()
        try:
            if self.tasks:
                self.bars.stop()
                self.tasks = {}
        finally:
            self.release()
        super().close()


def install(verbose: bool, quiet: bool, stream: TextIO | None = None) -> logging.Handler:
    """Attach the right display to the `sitrep.progress` logger; returns its handler (close it at the end)."""
    stream = stream or sys.stderr
    if quiet:
        handler: logging.Handler = LineHandler(stream)
        handler.setLevel(logging.WARNING)
        handler.addFilter(lambda r: _event(r).get("kind") != "stage")  # failures: in the summary at the end
    elif verbose or not stream.isatty():
        handler = LineHandler(stream, show_header=verbose)
    else:
        handler = BarHandler(stream)
    progress = logging.getLogger("sitrep.progress")
    progress.handlers[:] = [handler]
    progress.setLevel(logging.INFO)
    progress.propagate = False
    return handler


__all__ = ["install", "LineHandler", "BarHandler", "STAGE_NAMES"]
