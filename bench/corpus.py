"""Build an N-report benchmark corpus: byte-distinct copies of the bundled sample reports.

Copy i of a sample is named `{i:04d}-{sample name}` (the file name is the report's ID, so every copy is a
report of its own) and differs from every other copy in its bytes, so no stage is skipped as already loaded:
a PDF gets a PDF comment line after its final `%%EOF`, a web page an HTML comment at its end. Readers ignore
both; `build_corpus` checks that every copy still opens (pypdfium2 for PDFs, selectolax for pages) with the
same page count / text as its sample.

    python bench/corpus.py 40 /tmp/corpus40
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sitrep" / "samples"


@dataclass(frozen=True)
class CorpusFile:
    path: str
    sample: str  # the bundled report it copies
    kind: str  # pdf | html
    pages: int  # PDF pages (0 for web pages)
    sha256: str


def mark(data: bytes, kind: str, tag: str) -> bytes:
    """`data` with a unique trailing comment that no reader interprets."""
    if kind == "pdf":
        return data + (b"" if data.endswith(b"\n") else b"\n") + f"% sitrep-bench {tag}\n".encode()
    return data + f"\n<!-- sitrep-bench {tag} -->\n".encode()


def _kind(path: Path) -> str:
    return "pdf" if path.suffix.lower() == ".pdf" else "html"


def _pdf_pages(data: bytes) -> tuple[int, str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        first = doc[0].get_textpage().get_text_range() if len(doc) else ""
        return len(doc), first
    finally:
        doc.close()


def _html_text(data: bytes) -> str:
    from selectolax.lexbor import LexborHTMLParser

    body = LexborHTMLParser(data.decode("utf-8", "replace")).body
    return body.text(separator=" ") if body is not None else ""


def build_corpus(n: int, out_dir: Path, samples: Path = SAMPLES, check: bool = True) -> list[CorpusFile]:
    """Write `n` byte-distinct copies of the samples (round robin) into `out_dir`; return what was written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = sorted(p for p in samples.iterdir() if p.suffix.lower() in (".pdf", ".html", ".htm"))
    if not sources:
        raise SystemExit(f"no sample reports in {samples}")
    originals = {p: p.read_bytes() for p in sources}
    reference: dict[Path, tuple[int, str]] = {}
    if check:
        for p, data in originals.items():
            reference[p] = _pdf_pages(data) if _kind(p) == "pdf" else (0, _html_text(data))
    files: list[CorpusFile] = []
    seen: set[str] = set()
    for i in range(n):
        src = sources[i % len(sources)]
        kind = _kind(src)
        data = mark(originals[src], kind, f"copy {i:04d} of {src.name}")
        sha = hashlib.sha256(data).hexdigest()
        if sha in seen:
            raise AssertionError(f"copy {i} of {src.name} is not byte-distinct")
        seen.add(sha)
        pages = 0
        if check:
            got = _pdf_pages(data) if kind == "pdf" else (0, _html_text(data))
            if kind == "pdf" and got != reference[src]:
                raise AssertionError(f"copy {i} of {src.name} no longer reads like its sample")
            if kind == "html" and got[1].strip() != reference[src][1].strip():
                raise AssertionError(f"copy {i} of {src.name}: page text changed")
            pages = got[0]
        path = out_dir / f"{i:04d}-{src.name}"
        path.write_bytes(data)
        files.append(CorpusFile(str(path), src.name, kind, pages, sha))
    return files


def summary(files: list[CorpusFile]) -> dict:
    return {
        "reports": len(files),
        "pdf": sum(f.kind == "pdf" for f in files),
        "html": sum(f.kind == "html" for f in files),
        "pdf_pages": sum(f.pages for f in files),
        "bytes": sum(Path(f.path).stat().st_size for f in files),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    files = build_corpus(args.n, args.out_dir)
    print(json.dumps({"summary": summary(files), "files": [asdict(f) for f in files]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
