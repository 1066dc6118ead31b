"""The benchmark harness at N=5: corpus, floor, peer, sitrep full run and no-change rerun.

Checks the shape of the results (numbers present, every report loaded, the rerun skipped), never timings.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))


def test_corpus_copies_are_byte_distinct_and_read_like_the_samples(tmp_path):
    from corpus import build_corpus, summary

    files = build_corpus(7, tmp_path)  # build_corpus itself checks pages / text against the sample
    assert len({hashlib.sha256(Path(f.path).read_bytes()).hexdigest() for f in files}) == 7
    assert [Path(f.path).name[:5] for f in files] == [f"{i:04d}-" for i in range(7)]
    assert summary(files)["reports"] == 7
    pdf = next(f for f in files if f.kind == "pdf")
    assert Path(pdf.path).read_bytes().rstrip().splitlines()[-2] == b"%%EOF"


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


@pytest.mark.slow
def test_bench_n5_smoke(tmp_path):
    import run_bench

    result = run_bench.bench_n(5, tmp_path)
    assert result["corpus"] == {**result["corpus"], "reports": 5, "pdf": 3, "html": 2}

    floor = result["floor"]
    assert floor["rc"] == 0 and floor["counts"]["reports"] == 5
    assert floor["counts"]["pdf_pages"] == result["corpus"]["pdf_pages"] > 0

    peer = result["peer"]
    assert peer["rc"] == 0 and peer["counts"]["reports"] == 5 and peer["counts"]["rows"] > 0

    full, rerun = result["sitrep"], result["sitrep_rerun"]
    assert full["rc"] == 0, (tmp_path / "n5" / "logs" / "sitrep-full.log").read_text()[-2000:]
    assert full["loaded"] == 5
    stages = full["v_runs"]["stages"]
    assert all(stages[s]["ok"] == 5 for s in ("fetch", "extract", "validate", "load"))
    assert full["copies_consistent"] and len(full["figures_by_sample"]) == 5
    assert rerun["rc"] == 0 and rerun["skipped"] == 5 and rerun["stage_work"] == 0

    for run in (floor, peer, full, rerun):
        assert all(_number(run[k]) for k in ("wall_s", "peak_tree_rss_mb", "maxrss_mb", "cpu_s"))
        assert run["wall_s"] > 0 and run["maxrss_mb"] > 0
    assert _number(full["reports_per_min"]) and _number(rerun["pct_of_full"])
    assert _number(result["ratio_to_floor"]) and _number(result["ratio_to_peer"])
    cam = full["camelot"]
    assert cam["pdf_pages"] == result["corpus"]["pdf_pages"] and cam["calls"] > 0
    assert all(_number(cam[k]) for k in ("distinct_pages", "page_runs", "pages_without_tables_run", "seconds"))

    derived = run_bench.derive([result], {})
    assert set(derived["targets"]) >= {"rerun", "memory", "camelot"}
    text = run_bench.markdown({"date": "today", "machine": run_bench.machine(), "results": [result],
                               "startup": {}, "derived": derived})
    assert "| 5 |" in text and "## Targets" in text
