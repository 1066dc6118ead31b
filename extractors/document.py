"""A report's bytes plus its parsed forms, each computed once and shared by detection and extraction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from sitrep.errors import ExtractError

from .pdf_guard import check_decoded_size
from .pdf_text import Page, read_pdf

_DECLARED_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{2,40})", re.I)

_WINDOWS_1252 = {k: "cp1252" for k in ("iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii")}


def sniff_media_type(data: bytes) -> str:
    """Media type from the bytes themselves (never the file name)."""
    head = data[:2048].lstrip()
    if data[:5] == b"%PDF-" or b"%PDF-" in data[:1024]:
        return "application/pdf"
    lowered = head[:512].lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered or b"<body" in lowered:
        return "text/html"
    if head[:1] in (b"{", b"["):
        return "application/json"
    return "application/octet-stream"


@dataclass
class Document:
    """One report to extract. `name` is the source_file (used only in messages and provenance)."""

    name: str
    data: bytes

    @cached_property
    def media_type(self) -> str:
        return sniff_media_type(self.data)

    @property
    def is_pdf(self) -> bool:
        return self.media_type == "application/pdf"

    @property
    def is_html(self) -> bool:
        return self.media_type == "text/html"

    @cached_property
    def pages(self) -> list[Page]:
        if not self.is_pdf:
            raise ExtractError("not a PDF", report=self.name)
        check_decoded_size(self.data, self.name)  # before PDFium inflates a bomb in memory
        return read_pdf(self.data, self.name)

    @cached_property
    def html_text(self) -> str:
        """The page decoded: declared or sniffed charset, never a crash on odd bytes."""
        from charset_normalizer import from_bytes

        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        declared = _DECLARED_CHARSET.search(self.data[:4096])
        if declared:  # the page's own <meta charset> / http-equiv wins over a guess
            try:
                charset = declared.group(1).decode("ascii").lower()
                # as browsers do (WHATWG): pages labelled latin-1 or ascii are read as windows-1252
                charset = _WINDOWS_1252.get(charset.replace("_", "-"), charset)
                return self.data.decode(charset)
            except (LookupError, UnicodeDecodeError):
                pass
        best = from_bytes(self.data).best()
        return str(best) if best is not None else self.data.decode("cp1252", errors="replace")

    @cached_property
    def html(self):
        """The page parsed by selectolax (lexbor)."""
        from selectolax.lexbor import LexborHTMLParser

        if not self.is_html:
            raise ExtractError("not a web page", report=self.name)
        return LexborHTMLParser(self.html_text)

    @cached_property
    def text(self) -> str:
        """Plain text of the whole report, for family detection."""
        if self.is_pdf:
            return "\n".join(p.text for p in self.pages)
        if self.is_html:
            body = self.html.body
            return body.text(separator=" ") if body is not None else ""
        raise ExtractError(f"unsupported content ({self.media_type})", report=self.name)
