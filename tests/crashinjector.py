"""Fault injection for the worker-crash test: imported in each extract worker through SITREP_WORKER_INIT.

It stands in for a crash inside a C library (PDFium on a hostile file), which no bundled file causes:
extracting a report whose name contains "crash-me" kills the worker process outright (os._exit), as a
segmentation fault would. Every other report is extracted by the real extractor.
"""

from __future__ import annotations

import os

import extractors

_real = extractors.extract_report


def extract_report(data: bytes, source_file: str):
    if "crash-me" in source_file:
        os._exit(139)
    return _real(data, source_file)


extractors.extract_report = extract_report
