"""Typed errors, one per stage, so `sitrep status` and `v_runs` can say which stage failed and why."""

from __future__ import annotations


class SitrepError(Exception):
    """Base for every error sitrep raises on purpose. `stage` names the pipeline stage."""

    stage = "pipeline"

    max_chars = 1000  # v_runs.error and the terminal line stay readable

    def __init__(self, message: str, *, report: str | None = None) -> None:
        # one line: causes wrapped from libraries (DuckDB, camelot, PDFium) often span several
        message = " ".join(str(message).split())
        if len(message) > self.max_chars:
            message = message[: self.max_chars - 1] + "…"
        super().__init__(message)
        self.report = report

    def one_line(self) -> str:
        where = f"{self.report}: " if self.report else ""
        return f"{where}{self.stage} failed: {self}"


def error_line(exc: BaseException) -> str:
    """An exception as one line for v_runs.error and the terminal: sitrep's own errors as written,
    others prefixed with their type; whitespace folded, at most SitrepError.max_chars characters."""
    text = str(exc) if isinstance(exc, SitrepError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:SitrepError.max_chars] or type(exc).__name__


class FetchError(SitrepError):
    stage = "fetch"


class TransientFetchError(FetchError):
    """A fault worth retrying (timeouts, 5xx, dropped connections)."""


class ExtractError(SitrepError):
    stage = "extract"


class ValidateError(SitrepError):
    stage = "validate"


class LoadError(SitrepError):
    stage = "load"


class ConfigError(SitrepError):
    stage = "config"


def check_known(names: list[str], known: list[str]) -> None:
    """ConfigError naming the unknown reports and listing the known ones (before any work is done)."""
    unknown = [name for name in names if name not in set(known)]
    if unknown:
        listed = ", ".join(known) if known else "none: run `sitrep run` first"
        raise ConfigError(f"unknown report {', '.join(map(repr, unknown))}: the known report IDs are {listed}")
