"""Figure-dense and hostile reports: extraction finishes with its figures, validation stays linear in the
figures, and a PDF that inflates past the caps is refused in one line.

The inputs are generated here (tests/densedata.py). What could blow up memory runs in a child process under
an address-space limit, so a regression fails the test instead of the machine.
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from extractors import extract_report
from extractors.pdf_guard import check_decoded_size, inflated_size
from extractors.pdf_text import _BoxGrid, read_pdf
from sitrep.errors import ConfigError, ExtractError
from tests import densedata as D

ROOT = Path(__file__).resolve().parents[1]
CHILD_LIMIT = 1_500_000_000  # bytes of address space for a child that extracts a hostile file


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_LIMIT, CHILD_LIMIT))


def _extract_in_child(tmp_path: Path, data: bytes, name: str) -> subprocess.CompletedProcess:
    path = tmp_path / name
    path.write_bytes(data)
    code = ("import sys; from extractors import extract_report; from sitrep.errors import ExtractError\n"
            "try:\n    r = extract_report(open(sys.argv[1], 'rb').read(), sys.argv[2])\n"
            "    print('figures', len(r.figures))\n"
            "except ExtractError as e:\n    print('refused', e.one_line())\n")
    return subprocess.run([sys.executable, "-c", code, str(path), name], cwd=ROOT, capture_output=True, text=True,
                          preexec_fn=_limited, timeout=600)


# ----------------------------------------------------------------------------- decompression bombs

def test_a_flate_bomb_is_refused_in_one_line_without_inflating_it(tmp_path):
    """2.5 MB that PDFium would inflate to 2.5 GB (the worker died): refused, naming the report and the cap,
    in a child limited to 1.5 GB of address space."""
    out = _extract_in_child(tmp_path, D.flate_bomb_pdf(2500), "bomb.pdf")
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == ("refused bomb.pdf: extract failed: page 1 inflates to more than 64 MB of content "
                                  "(the SITREP_PDF_PAGE_MB cap); refused as a decompression bomb")


def test_the_report_cap_counts_every_page(monkeypatch):
    monkeypatch.setenv("SITREP_PDF_PAGE_MB", "8")
    monkeypatch.setenv("SITREP_PDF_REPORT_MB", "20")
    data = D.flate_bomb_pdf(5, pages=6)  # 5 MB a page: under the page cap, past the report cap at page 4
    with pytest.raises(ExtractError, match=r"^its pages inflate to more than 20 MB of content \(the "
                                           r"SITREP_PDF_REPORT_MB cap, reached at page 4\)"):
        extract_report(data, "many.pdf")
    try:
        extract_report(data, "many.pdf")
    except ExtractError as exc:
        assert exc.report == "many.pdf" and "\n" not in exc.one_line()
    monkeypatch.setenv("SITREP_PDF_REPORT_MB", "40")
    assert len(extract_report(data, "many.pdf").figures) == 6  # under both caps: it loads


def test_caps_are_whole_megabytes():
    from extractors.pdf_guard import caps

    assert caps({}) == (64 << 20, 512 << 20)
    assert caps({"SITREP_PDF_PAGE_MB": "2", "SITREP_PDF_REPORT_MB": "3"}) == (2 << 20, 3 << 20)
    with pytest.raises(ConfigError, match="SITREP_PDF_PAGE_MB must be a whole number"):
        caps({"SITREP_PDF_PAGE_MB": "lots"})
    with pytest.raises(ConfigError, match="SITREP_PDF_REPORT_MB must be at least 1"):
        caps({"SITREP_PDF_REPORT_MB": "0"})


def test_a_bad_cap_setting_stops_the_run_before_it_starts(tmp_path):
    from tests.test_faults import sitrep

    out = sitrep(["run", "--source", str(ROOT / "sitrep" / "samples" / "r4v-peru-sitrep-2023-09.html"), "--warehouse",
                  str(tmp_path / "data" / "w.duckdb")], tmp_path, timeout=300, SITREP_PDF_PAGE_MB="lots")
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr[-3000:]
    assert [ln for ln in out.stderr.splitlines() if ln.startswith("sitrep: ")] == [
        "sitrep: SITREP_PDF_PAGE_MB must be a whole number (got 'lots')"]
    assert not (tmp_path / "data" / "w.duckdb").exists()


def test_inflated_size_stops_at_the_limit():
    import zlib

    data = zlib.compress(b" " * (50 << 20), 9)
    assert inflated_size(data, 1 << 40) == 50 << 20
    assert (1 << 20) < inflated_size(data, 1 << 20) <= (3 << 20)  # stopped just past the limit
    assert inflated_size(b"not zlib at all", 100) == -1


def test_the_sample_reports_are_far_under_the_caps():
    for path in sorted((ROOT / "sitrep" / "samples").glob("*.pdf")):
        check_decoded_size(path.read_bytes(), path.name, page_cap=1 << 20, report_cap=1 << 20)  # 1 MB each


# ----------------------------------------------------------------------------- dense PDFs

def test_text_boxes_are_found_as_a_scan_of_all_of_them_finds_them():
    import random

    rng = random.Random(3)
    boxes = []
    for _ in range(400):
        x, y = rng.uniform(-50, 650), rng.uniform(-50, 850)
        boxes.append((x, y, x + rng.choice([2, 20, 200, 2000]), y + rng.choice([1, 10, 100, 900])))
    grid = _BoxGrid(boxes, 612, 792)
    for _ in range(3000):
        px, py = rng.uniform(-100, 2700), rng.uniform(-100, 1800)
        scan = next((k for k, (x0, y0, x1, y1) in enumerate(boxes)
                     if x0 - 0.5 <= px <= x1 + 0.5 and y0 - 0.5 <= py <= y1 + 0.5), None)
        assert grid.first_containing(px, py) == scan


@pytest.mark.slow
def test_a_page_of_30000_small_text_objects_is_read_whole(tmp_path):
    """231 KB of tiny text objects reached 20 GB: each of the 30,000 numbers comes back, in a child limited to
    1.5 GB."""
    data = D.many_objects_pdf(30_000)
    out = _extract_in_child(tmp_path, data, "objects.pdf")
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "figures 30000"


@pytest.mark.slow
def test_a_page_of_100000_numbers_finishes_with_every_number(tmp_path):
    out = _extract_in_child(tmp_path, D.numbers_pdf(100_000), "numbers.pdf")
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "figures 100000"


def test_a_page_without_sentences_gives_each_figure_its_own_window_of_evidence():
    """Every figure of a page of bare numbers carried the whole page as its evidence: 30,000 copies of 90 KB
    once the figures were validated (5.6 GB in the flow process). Now about 1,000 characters around each."""
    figures = extract_report(D.many_objects_pdf(3000), "objects.pdf").figures
    assert len(figures) == 3000
    assert all(f.raw in f.evidence and len(f.evidence) <= 1000 for f in figures)
    assert len({f.evidence for f in figures}) > 100


def test_small_text_objects_read_back_in_order():
    data = D.many_objects_pdf(3000)
    [page] = read_pdf(data)
    import random

    rng = random.Random(9)
    want = [str(rng.randint(1, 99)) for _ in range(3000)]  # as many_objects_pdf draws them
    got = [line.text for line in sorted(page.lines, key=lambda ln: (-round(ln.y0, 1), ln.x0))]
    assert got == want


@pytest.mark.slow
def test_a_2000_page_pdf_finishes_with_memory_flat_in_its_pages(tmp_path):
    """Peak memory of extracting 2,000 pages is that of 200 pages plus a little (page objects are freed)."""
    peaks = {}
    for pages in (200, 2000):
        path = tmp_path / f"long-{pages}.pdf"
        path.write_bytes(D.long_pdf(pages))
        code = ("import resource, sys; from extractors import extract_report\n"
                "r = extract_report(open(sys.argv[1], 'rb').read(), 'long.pdf')\n"
                "print(len(r.figures), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
        out = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True,
                             preexec_fn=_limited, timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        figures, peak_kb = map(int, out.stdout.split())
        assert figures >= 3 * pages  # a heading and three figures a page (week numbers aside)
        peaks[pages] = peak_kb
    assert peaks[2000] < peaks[200] + 150_000, peaks  # under 150 MB more for 10 times the pages


# ----------------------------------------------------------------------------- dense web page, validated

def test_a_dense_page_validates_with_at_most_one_relation_per_figure():
    """2,000 sentences of one wording with close values: the cross-check built 446,497 relations (203 s);
    now each figure reports one, and the report still warns about its disagreeing sentences."""
    from expectations import Validator
    from sitrep.artifacts import figures_frame

    result = extract_report(D.dense_page(2000), "dense.html")
    assert len(result.figures) == 2000
    res = Validator().validate("dense.html", result.family, figures_frame(result))
    row = res.results[res.results["expectation"] == "prose_figures_disagree"].iloc[0]
    violated, of = map(int, re.match(r"(\d+) of (\d+) relations violated", row["observed"]).groups())
    assert row["status"] == "warn" and 0 < violated == of <= 2000
