"""The floor: the least work any tool must do on the corpus, to put sitrep's time in proportion.

Every PDF page's text layer is read once with pypdfium2, every web page is parsed once with selectolax
(lexbor) and its body text taken. Nothing is interpreted or stored.

    python bench/floor.py CORPUS_DIR [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def run(folder: Path) -> dict:
    import pypdfium2 as pdfium
    from selectolax.lexbor import LexborHTMLParser

    t0 = time.perf_counter()
    out = {"reports": 0, "pdf": 0, "html": 0, "pdf_pages": 0, "chars": 0}
    for path in sorted(Path(folder).iterdir()):
        suffix = path.suffix.lower()
        if suffix == ".pdf":
            doc = pdfium.PdfDocument(path.read_bytes())
            try:
                for page in doc:
                    out["chars"] += len(page.get_textpage().get_text_range())
                    out["pdf_pages"] += 1
            finally:
                doc.close()
            out["pdf"] += 1
        elif suffix in (".html", ".htm"):
            body = LexborHTMLParser(path.read_bytes().decode("utf-8", "replace")).body
            out["chars"] += len(body.text(separator=" ")) if body is not None else 0
            out["html"] += 1
        else:
            continue
        out["reports"] += 1
    out["seconds_in_process"] = round(time.perf_counter() - t0, 3)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--json", type=Path, help="write the counts here")
    args = parser.parse_args(argv)
    result = run(args.folder)
    text = json.dumps(result)
    if args.json:
        args.json.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
