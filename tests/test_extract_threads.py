"""Extract tasks run on a thread pool. PDFium is not thread-safe, so PDF extraction must give the same
figures when many reports are extracted at once as when they are extracted one at a time (a race here
once made every PDF after the collision fail with 'Failed to load page')."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from extractors import extract_report

from .conftest import SAMPLES, assert_reads_gold, gold_for


def _fingerprint(path):
    result = extract_report(path.read_bytes(), path.name)
    assert_reads_gold(path.name, result.figures)  # right, not only the same
    return sorted((f.kind, f.value, f.unit, f.page or 0) for f in result.figures)


def test_parallel_pdf_extraction_matches_sequential():
    pdfs = sorted(SAMPLES.glob("*.pdf"))
    assert len(pdfs) == 3
    expected = {p.name: _fingerprint(p) for p in pdfs}
    for p in pdfs:
        assert len(expected[p.name]) >= len(gold_for(p.name)), p.name
    jobs = pdfs * 4
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(_fingerprint, jobs))
    for path, got in zip(jobs, results, strict=True):
        assert got == expected[path.name], path.name
