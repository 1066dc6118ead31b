"""Camelot, wrapped: tables of chosen pages of a PDF given as bytes.

Camelot wants a file path, so the bytes go to a private temporary file that is removed
afterwards. Callers choose the pages (only pages that hold tables) and the flavor.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from sitrep.errors import ExtractError

from .pdf_text import PDFIUM_LOCK


@dataclass(frozen=True)
class Table:
    page: int
    flavor: str
    bbox: tuple[float, float, float, float]  # x0, y0, x1, y1 (PDF points, origin bottom-left)
    frame: pd.DataFrame  # cells as printed (strings)
    cols: tuple[tuple[float, float], ...] = ()  # x ranges of the columns


@dataclass
class CamelotStats:
    """Where camelot's time goes, for the benchmarks: calls, pages asked for and seconds, by flavor."""

    calls: Counter = field(default_factory=Counter)
    pages: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, flavor: str, pages: int, seconds: float) -> None:
        with self.lock:
            self.calls[flavor] += 1
            self.pages[flavor] += pages
            self.seconds[flavor] += seconds

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.pages.clear()
            self.seconds.clear()


STATS = CamelotStats()


def read_tables(
    data: bytes, pages: Iterable[int], flavor: str = "lattice", name: str = "report", **options
) -> list[Table]:
    """Tables on `pages` (1-based) read by camelot with `flavor` (lattice, stream, network, hybrid)."""
    page_list = sorted(set(pages))
    if not page_list:
        return []
    import camelot  # imported here: its import pulls in opencv and pdfminer (about a second)

    fd, path = tempfile.mkstemp(suffix=".pdf", prefix="sitrep-")
    started = time.perf_counter()
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        with PDFIUM_LOCK, warnings.catch_warnings():  # camelot uses PDFium too
            warnings.simplefilter("ignore")  # "No tables found in table area" is routine
            found = camelot.read_pdf(path, pages=",".join(map(str, page_list)), flavor=flavor, **options)
    except Exception as exc:  # camelot raises bare exceptions for odd files
        raise ExtractError(f"camelot {flavor} failed ({type(exc).__name__}: {exc})", report=name) from exc
    finally:
        os.unlink(path)
        STATS.add(flavor + ("/" + str(options["backend"]) if "backend" in options else "")
                  + ("/" + str(options["engine"]) if "engine" in options else ""),
                  len(page_list), time.perf_counter() - started)
    return [
        Table(int(t.page), flavor, tuple(float(v) for v in t._bbox), t.df.copy(),
              tuple((float(a), float(b)) for a, b in getattr(t, "cols", ()) or ()))
        for t in found
    ]
