"""Score the extractors alone (no Prefect, no warehouse) against the gold figures.

    python bench/extract_score.py [REPORT ...] [--gold FILE] [--misses] [--extras] [--dims]
    python bench/extract_score.py tests/data/spanish/*.html --gold tests/data/spanish/gold.csv
    python bench/extract_score.py --suites [--seeds N] [--write-benchmarks]

--suites prints every suite side by side (bench/suites.py): the samples against their gold, the sample web
pages printed to PDF by Chromium against the pages' own reading, the Spanish pages against their gold, the
layout variants of the PDF families (tests/pdf_variants.py, N seeds of every kind) against the generator's
gold, and the peer table suites (bench/table_peers.py, where it is in the checkout). --write-benchmarks puts
the table into BENCHMARKS.md between <!-- suites:begin --> and <!-- suites:end -->.

Uses the matching rules of tests/data/score.py (a copy of the shared scorer), so the numbers
are the ones `score.py data/warehouse.duckdb` gives after a run, minus validation.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors import extract_report  # noqa: E402
from extractors.pdf_tables import STATS  # noqa: E402

spec = importlib.util.spec_from_file_location("score", ROOT / "tests" / "data" / "score.py")
score = importlib.util.module_from_spec(spec)
spec.loader.exec_module(score)

DIMS = (*score.DIMS, "qualifier")


def _page_count(data: bytes) -> int:
    if not data.startswith(b"%PDF"):
        return 0
    import pypdfium2

    return len(pypdfium2.PdfDocument(data))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reports", nargs="*", type=Path)
    parser.add_argument("--gold", type=Path, default=ROOT / "tests" / "data" / "gold_facts.csv",
                        help="gold figures (CSV with source_file, kind, value, unit, qualifier, context)")
    parser.add_argument("--misses", action="store_true", help="list gold rows not found")
    parser.add_argument("--extras", action="store_true", help="list extracted figures matching no gold row")
    parser.add_argument("--dims", action="store_true", help="list matched rows that disagree on a dimension")
    parser.add_argument("--suites", action="store_true", help="every suite side by side (see above)")
    parser.add_argument("--seeds", type=int, default=3, help="layout variants: seeds of every kind (--suites)")
    parser.add_argument("--write-benchmarks", action="store_true", help="--suites: write into BENCHMARKS.md")
    args = parser.parse_args()
    if args.suites:
        import suites

        return suites.main(args.seeds, args.write_benchmarks)
    reports = args.reports or sorted((ROOT / "sitrep" / "samples").iterdir())
    gold_all = score.load_gold(args.gold)
    tot_g = tot_m = tot_f = 0
    for path in reports:
        data = path.read_bytes()
        STATS.reset()
        t0 = time.perf_counter()
        result = extract_report(data, path.name)
        took = time.perf_counter() - t0
        camelot = sum(STATS.seconds.values())
        pages = _page_count(data)
        facts = [f.as_row() | {"source_file": path.name} for f in result.figures if f.value is not None]
        gold = [g for g in gold_all if g["source_file"] == path.name]
        pairs, misses, used = score.match(gold, facts)
        tot_g, tot_m, tot_f = tot_g + len(gold), tot_m + len(pairs), tot_f + len(facts)
        rec = len(pairs) / len(gold) if gold else 1.0
        prec = len(used) / len(facts) if facts else 0.0
        dims = []
        for d in DIMS:
            named = [(g, f) for g, f in pairs if d == "qualifier" or g.get(d)]
            ok = sum(score.norm(g.get(d)) == score.norm(f.get(d)) for g, f in named)
            dims.append(f"{d} {ok}/{len(named)}")
        print(f"{path.name}: family={result.family} period={result.report_period} "
              f"recall {rec:.3f} ({len(pairs)}/{len(gold)}) precision {prec:.3f} ({len(used)}/{len(facts)}) "
              f"{took:.2f}s")
        per_page = f", {took / pages:.3f}s/page over {pages} pages" if pages else ""
        print(f"   time: {took:.2f}s{per_page}; camelot {camelot:.2f}s ({camelot / took:.0%}) "
              f"on {sum(STATS.pages.values())} page-calls: "
              + ", ".join(f"{k} {STATS.calls[k]}x/{STATS.pages[k]}p/{STATS.seconds[k]:.2f}s" for k in STATS.calls))
        print("   " + ", ".join(dims))
        for w in result.warnings:
            print(f"   warning: {w}")
        if args.misses:
            for g in misses:
                print(f"   MISS {g['kind']:10} {g['value']:>14g} {g['unit']:7} q={g['qualifier'] or '-'} "
                      f"{g['context'][:90]!r}")
        if args.extras:
            for i, f in enumerate(facts):
                if i not in used:
                    print(f"   EXTRA {f['kind']:10} {f['value']:>14g} {f['unit']:7} p={f['page']} "
                          f"{(f['evidence'] or '')[:90]!r}")
        if args.dims:
            for g, f in pairs:
                bad = [f"{d}: gold={g.get(d)!r} got={f.get(d)!r}" for d in DIMS
                       if (d == "qualifier" or g.get(d)) and score.norm(g.get(d)) != score.norm(f.get(d))]
                if bad:
                    print(f"   DIM {g['value']:g} {g['context'][:60]!r}: " + "; ".join(bad))
    if len(reports) > 1:
        print(f"TOTAL recall {tot_m / tot_g:.3f} precision ~{tot_m / max(tot_f, 1):.3f} "
              f"({tot_m}/{tot_g}, {tot_f} extracted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
