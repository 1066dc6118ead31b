"""Refuse a PDF whose pages inflate to far more content than any report has, before PDFium decodes them.

A flate "bomb" (1.5 MB of deflated spaces) decodes to gigabytes when PDFium reads the page, and the extract
worker dies of memory. The content of each page (its content streams and the form XObjects they draw,
followed recursively) is inflated here in small chunks, output counted and dropped, and the count stops at
the cap: the check costs at most the cap in CPU and a megabyte of memory. A stream drawn by several pages counts
on each (PDFium decodes it for each). Images are not counted (text extraction does not decode them).

Caps (whole megabytes, environment): SITREP_PDF_PAGE_MB (default 64) per page and SITREP_PDF_REPORT_MB
(default 512) per report. The five sample reports decode to at most a few hundred KB a page.
"""

from __future__ import annotations

import io
import logging
import os
import zlib
from collections.abc import Mapping

from sitrep.errors import ExtractError

PAGE_MB, REPORT_MB = 64, 512
PAGE_SETTING, REPORT_SETTING = "SITREP_PDF_PAGE_MB", "SITREP_PDF_REPORT_MB"
_CHUNK = 1 << 16  # compressed bytes fed at a time
_OUT = 1 << 20  # decoded bytes taken at a time
_MAX_FORM_DEPTH = 16


def caps(env: Mapping[str, str] | None = None) -> tuple[int, int]:
    """(per page, per report) caps in bytes from the environment (ConfigError for a bad value)."""
    from sitrep.config import env_int

    env = os.environ if env is None else env
    page = env_int(env, PAGE_SETTING, 1) or PAGE_MB
    report = env_int(env, REPORT_SETTING, 1) or REPORT_MB
    return page << 20, report << 20


def inflated_size(encoded: bytes, limit: int) -> int:
    """Bytes `encoded` (zlib/deflate) inflates to, counting stops past `limit`; -1 when it is not zlib data."""
    d = zlib.decompressobj()
    total = 0
    try:
        for at in range(0, len(encoded), _CHUNK):
            total += len(d.decompress(encoded[at:at + _CHUNK], _OUT))
            while d.unconsumed_tail and total <= limit:
                total += len(d.decompress(d.unconsumed_tail, _OUT))
            if total > limit or d.eof:
                break
    except zlib.error:
        return total if total else -1
    return total


def _filters(stream) -> list[str]:
    f = stream.get("/Filter")
    if f is None:
        return []
    return [str(x) for x in f] if isinstance(f, list) else [str(f)]


def _stream_size(stream, limit: int) -> int:
    """Decoded size of one pypdf stream object, counted up to `limit` (encoded size when not flate)."""
    data = getattr(stream, "_data", b"") or b""  # pypdf keeps a stream's encoded bytes here, undecoded
    filters = _filters(stream)
    if filters and filters[0] in ("/FlateDecode", "/Fl"):
        n = inflated_size(data, limit)
        return len(data) if n < 0 else n
    return len(data)


def _page_streams(page, depth: int = 0, seen: set | None = None):
    """The content streams of a page and of the form XObjects it draws (recursively), each once."""
    seen = set() if seen is None else seen
    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else None
    items = list(contents) if isinstance(contents, list) else ([contents] if contents is not None else [])
    for item in items:
        ref = getattr(item, "indirect_reference", None) or item
        key = (getattr(ref, "idnum", None), getattr(ref, "generation", None)) if ref is not item else id(item)
        if key in seen:
            continue
        seen.add(key)
        yield key, item.get_object()
    if depth >= _MAX_FORM_DEPTH:
        return
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    for ref in (xobjects.get_object().values() if xobjects is not None else []):
        key = (getattr(ref, "idnum", None), getattr(ref, "generation", None))
        obj = ref.get_object()
        if key in seen or obj.get("/Subtype") != "/Form":
            continue
        seen.add(key)
        yield key, obj
        yield from _page_streams({"/Resources": obj.get("/Resources")}, depth + 1, seen)


def check_decoded_size(data: bytes, name: str, page_cap: int | None = None, report_cap: int | None = None) -> None:
    """ExtractError (one line, naming the report) when a page or the whole report inflates past its cap.

    A file pypdf cannot parse is left to PDFium, which says why it cannot be read."""
    if page_cap is None or report_cap is None:
        page_default, report_default = caps()
        page_cap = page_default if page_cap is None else page_cap
        report_cap = report_default if report_cap is None else report_cap
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # repaired xref tables are not news here
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = list(reader.pages)
    except Exception:
        return
    sizes: dict = {}
    total = 0
    for number, page in enumerate(pages, start=1):
        on_page = 0
        try:
            for key, stream in _page_streams(page):
                if key not in sizes:  # a stream drawn by many pages is inflated once, counted on each
                    sizes[key] = _stream_size(stream, min(page_cap - on_page, report_cap - total) + 1)
                on_page += sizes[key]
                total += sizes[key]
                if on_page > page_cap:
                    raise ExtractError(f"page {number} inflates to more than {page_cap >> 20} MB of content (the "
                                       f"{PAGE_SETTING} cap); refused as a decompression bomb", report=name)
                if total > report_cap:
                    raise ExtractError(f"its pages inflate to more than {report_cap >> 20} MB of content (the "
                                       f"{REPORT_SETTING} cap, reached at page {number}); refused as a "
                                       "decompression bomb", report=name)
        except ExtractError:
            raise
        except Exception:  # an odd page object: PDFium reads it or says why not
            continue
