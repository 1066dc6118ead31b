"""Builders of figure-dense and hostile reports, made at test/bench time (no big binaries in the repo).

- `dense_page(n)`: a web page of n sentences of one wording with close values (a weekly activity log):
  the worst case for checks that compare figures pairwise.
- `long_pdf(pages)`, `many_objects_pdf(n)`, `numbers_pdf(n)`: text PDFs written by `text_pdf`, a small PDF
  writer (one Helvetica font, text objects placed by position), with flate-compressed content streams.
- `flate_bomb_pdf(mb)`: a one-page PDF whose content stream inflates to `mb` MB (mostly spaces).
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterable, Sequence

PLACES = ("Lima", "Tumbes", "Tacna", "Arequipa", "Cusco", "Piura", "Trujillo", "Callao")


def dense_sentences(n: int, seed: int = 13) -> list[str]:
    """n sentences of one wording, one figure each, whose values lie within a few per cent of each other."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        place = PLACES[i % len(PLACES)]
        value = 1200 + rng.randint(0, 60)  # all within 5 %: every pair is 'close'
        out.append(f"This week, partners distributed {value:,} hygiene kits to refugees and migrants "
                   f"in {place} through community kitchens.")
    return out


def dense_page(n: int, seed: int = 13) -> bytes:
    """A web page of n prose figures: a weekly activity log, one sentence a paragraph."""
    body = "".join(f"<p>{s}</p>" for s in dense_sentences(n, seed))
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Weekly activity log</title></head>"
            f"<body><h1>Weekly activity log</h1>{body}</body></html>").encode()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(pages: Iterable[Sequence[tuple[float, float, float, str]]], width: float = 612,
             height: float = 792, compress: bool = True) -> bytes:
    """A PDF of text pages: each page a sequence of (x, y, font size, text), one text object each."""
    objects: list[bytes] = [b"", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for items in pages:
        content = "\n".join(f"BT /F1 {size:g} Tf {x:g} {y:g} Td ({_escape(text)}) Tj ET"
                            for x, y, size, text in items).encode("latin-1", "replace")
        stream = zlib.compress(content, 6) if compress else content
        filt = b" /Filter /FlateDecode" if compress else b""
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(stream), filt) + stream + b"\nendstream")
        content_no = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R >> >> >>" % (width, height, content_no))
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    return _write(objects)


def long_pdf(pages: int, seed: int = 5) -> bytes:
    """A report of `pages` pages, each a heading and a paragraph of prose with a few figures."""
    rng = random.Random(seed)

    def page(n: int) -> list[tuple[float, float, float, str]]:
        place = PLACES[n % len(PLACES)]
        lines = [(72, 720, 16, f"Situation update {n + 1}: {place}"),
                 (72, 690, 10, f"In {place}, partners assisted {rng.randint(100, 9000):,} refugees and migrants"),
                 (72, 676, 10, f"with food and {rng.randint(10, 900):,} families received cash transfers."),
                 (72, 662, 10, f"Some {rng.randint(2, 80)} organizations took part in the response this month.")]
        return lines

    return text_pdf(page(n) for n in range(pages))


def many_objects_pdf(n: int = 30_000, seed: int = 9) -> bytes:
    """One page of n tiny text objects (a number each, 2 pt type on a grid): a small file, a dense layer."""
    rng = random.Random(seed)
    cols = 150
    items = [(10 + (i % cols) * 6.5, 780 - (i // cols) * 3.8, 2, str(rng.randint(1, 99))) for i in range(n)]
    return text_pdf([items], width=1000, height=800)


def numbers_pdf(n: int = 100_000, seed: int = 11) -> bytes:
    """One page whose text is n numbers in sentences of prose, 40 numbers a line."""
    rng = random.Random(seed)
    per_line = 40
    items = []
    for k in range(0, n, per_line):
        nums = ", ".join(f"{rng.randint(1, 9999):,}" for _ in range(min(per_line, n - k)))
        items.append((10, 2990 - (k // per_line) * 1.2, 1, f"Partners reached {nums} people."))
    return text_pdf([items], width=2000, height=3000)


def flate_bomb_pdf(decoded_mb: int = 2500, pages: int = 1) -> bytes:
    """A PDF of `pages` pages, each a line of text followed by `decoded_mb` MB of spaces, deflated (about
    1,000:1: 2,500 MB decoded from about 2.5 MB)."""
    head = b"BT /F1 12 Tf 72 720 Td (In Lima, partners assisted 1,200 refugees and migrants.) Tj ET\n"
    stream = _deflated_spaces(head, decoded_mb)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (5 + i) for i in range(pages)),
                                                             pages),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                b"/Resources << /Font << /F1 3 0 R >> >> >>"] * pages  # every page draws the same stream
    return _write(objects)


def _deflated_spaces(head: bytes, mb: int) -> bytes:
    """zlib data of `head` then `mb` MB of spaces, made fast: after a full flush the deflater starts afresh, so
    every 1 MB of spaces deflates to the same bytes; the stream ends with an empty final block and the Adler-32
    of everything."""
    comp = zlib.compressobj(9)
    block = b" " * (1 << 20)
    start = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    unit = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    check = zlib.adler32(head)
    for _ in range(mb):
        check = zlib.adler32(block, check)
    return start + unit * mb + b"\x03\x00" + check.to_bytes(4, "big")


def _write(objects: list[bytes]) -> bytes:
    """A PDF file of these objects (numbered from 1, the first the catalog) with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
