"""Every extraction suite side by side: recall, precision, wrong values, sector and location agreement, and extract
seconds, through extract_report alone (no Prefect, no warehouse). Run through bench/extract_score.py --suites.

- samples: the five bundled reports against tests/data/gold_facts.csv;
- printed: the sample web pages printed to PDF by headless Chromium against the pages' own reading (the method
  of tests/test_print.py; chart data are not printed);
- spanish: tests/data/spanish against its gold.csv;
- variants: layout variants of the PDF families (tests/pdf_variants.py), every kind, SEEDS seeds each, against
  the generator's gold; a row per family and kind below the total;
- peer tables: camelot's test files and ICDAR-2013 through bench/table_peers.py's score() (table cells with row
  and column; sector and location do not apply), when that module is in the checkout.

Matching is tests/data/score.py's (value and unit class, one to one, best dimension agreement). A wrong value is
an extracted figure whose value no gold row of its document has (for variants: no number the variant prints).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors import extract_report  # noqa: E402
from tests.pdf_variants import FAMILIES, KINDS, variant  # noqa: E402
from tests.pdf_variants import score as variant_score  # noqa: E402

spec = importlib.util.spec_from_file_location("gold_score", ROOT / "tests" / "data" / "score.py")
score = importlib.util.module_from_spec(spec)
spec.loader.exec_module(score)

SAMPLES = ROOT / "sitrep" / "samples"
SPANISH = ROOT / "tests" / "data" / "spanish"
BENCHMARKS = ROOT / "BENCHMARKS.md"
BEGIN, END = "<!-- suites:begin -->", "<!-- suites:end -->"


class Tally:
    """Counts of one suite (or one row of it)."""

    def __init__(self, name: str):
        self.name = name
        self.docs = self.gold = self.found = self.extracted = self.wrong = 0
        self.dims = {"sector": [0, 0], "location": [0, 0]}
        self.seconds = 0.0
        self.note = ""

    def add(self, gold: list[dict], facts: list[dict], seconds: float, wrong: int | None = None) -> None:
        pairs, _, used = score.match(gold, facts)
        self.docs += 1
        self.gold += len(gold)
        self.found += len(pairs)
        self.extracted += len(facts)
        values = [g["value"] for g in gold]
        self.wrong += wrong if wrong is not None else sum(
            1 for i, f in enumerate(facts)
            if i not in used and not any(score.same_value(f["value"], v) for v in values))
        for dim, tally in self.dims.items():
            named = [(g, f) for g, f in pairs if g.get(dim)]
            tally[0] += sum(score.norm(g[dim]) == score.norm(f.get(dim)) for g, f in named)
            tally[1] += len(named)
        self.seconds += seconds

    def row(self) -> str:
        def ratio(a: int, b: int) -> str:
            return f"{a / b:.3f}" if b else "-"

        dims = [f"{ratio(*t)} ({t[0]}/{t[1]})" if t[1] else "-" for t in self.dims.values()]
        return (f"| {self.name} | {self.docs} | {self.found}/{self.gold} | {ratio(self.found, self.gold)} | "
                f"{ratio(self.found, self.extracted)} | {self.wrong} | {dims[0]} | {dims[1]} | {self.seconds:.1f} |"
                + (f" {self.note}" if self.note else ""))


def _facts(result, name: str) -> list[dict]:
    return [f.as_row() | {"source_file": name} for f in result.figures if f.value is not None]


def _timed(data: bytes, name: str):
    started = time.perf_counter()
    result = extract_report(data, name)
    return result, time.perf_counter() - started


def samples() -> Tally:
    tally = Tally("samples (gold)")
    gold = score.load_gold(ROOT / "tests" / "data" / "gold_facts.csv")
    for path in sorted(SAMPLES.iterdir()):
        result, took = _timed(path.read_bytes(), path.name)
        tally.add([g for g in gold if g["source_file"] == path.name], _facts(result, path.name), took)
    return tally


def spanish() -> Tally:
    tally = Tally("Spanish pages")
    gold = score.load_gold(SPANISH / "gold.csv")
    for path in sorted(SPANISH.glob("*.html")):
        result, took = _timed(path.read_bytes(), path.name)
        tally.add([g for g in gold if g["source_file"] == path.name], _facts(result, path.name), took)
    return tally


def printed() -> Tally:
    tally = Tally("printed pages")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        tally.note = "(chromium not installed)"
        return tally
    with tempfile.TemporaryDirectory() as tmp:
        for page in sorted(SAMPLES.glob("*.html")):
            pdf = Path(tmp) / (page.stem + ".pdf")
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                            f"--print-to-pdf={pdf}", page.resolve().as_uri()], check=True, timeout=180,
                           capture_output=True)
            own = extract_report(page.read_bytes(), page.name)
            gold = [f.as_row() | {"source_file": pdf.name} for f in own.figures
                    if f.value is not None and f.kind != "chart_data"]  # chart data are drawn, not printed
            for row in gold:
                row["value"] = float(row["value"])
            result, took = _timed(pdf.read_bytes(), pdf.name)
            facts = _facts(result, pdf.name)
            page_values = [(float(f.value), f.unit) for f in own.figures if f.value is not None]
            wrong = sum(1 for f in facts if not any(u == f["unit"] and score.same_value(v, f["value"])
                                                     for v, u in page_values))
            tally.add(gold, facts, took, wrong)
    return tally


def variants(seeds: int) -> list[Tally]:
    total = Tally(f"layout variants ({seeds} seeds x {len(KINDS)} kinds x {len(FAMILIES)} layouts)")
    rows: dict[tuple[str, str], Tally] = defaultdict(lambda: Tally(""))
    for family in FAMILIES:
        for kind in KINDS:
            row = rows[(family, kind)]
            row.name = f"&nbsp;&nbsp;{family} {kind}"
            for seed in range(seeds):
                v = variant(family, kind, seed)
                result, took = _timed(v.data, v.name)
                facts = _facts(result, v.name)
                wrong = len(variant_score(v, facts)["wrong"])
                for tally in (total, row):
                    tally.add(v.gold_rows(), facts, took, wrong)
    return [total, *rows.values()]


def peers() -> list[str]:
    path = ROOT / "bench" / "table_peers.py"
    if not path.exists():
        return ["| peer tables (camelot, ICDAR-2013) | - | - | - | - | - | n/a | n/a | - | "
                "bench/table_peers.py is not in this checkout yet |"]
    spec = importlib.util.spec_from_file_location("table_peers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = []
    for suite in ("camelot", "icdar"):
        s = module.score(suite)
        out.append(f"| peer tables: {suite} (cells, row and column) | {s['documents']} | "
                   f"{s['matched']}/{s['gold']} | {s['recall']:.3f} | {s['precision']:.3f} | - | n/a | n/a | "
                   f"{s['seconds']:.1f} |")
    return out


def table(seeds: int) -> str:
    head = ["| suite | docs | found/gold | recall | precision | wrong values | sector agreement | "
            "location agreement | extract s |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    rows = [samples().row(), printed().row(), spanish().row()]
    rows += [t.row() for t in variants(seeds)]
    rows += peers()
    return "\n".join(head + rows)


def main(seeds: int = 3, write: bool = False) -> int:
    started = time.perf_counter()
    text = table(seeds)
    print(text)
    print(f"({time.perf_counter() - started:.0f} s in all)")
    if write:
        section = (f"{BEGIN}\n## Extraction suites side by side\n\n"
                   f"`PYTHONPATH=. python bench/extract_score.py --suites --seeds {seeds} --write-benchmarks` "
                   f"(extract_report only; seconds are wall time of extraction on a shared machine). Layout variants: "
                   f"tests/pdf_variants.py, kinds months, sectors, headings, columns, fonts, places and mixed (all "
                   f"at once) of the GTRM 2019 and 2021 layouts and the UNHCR results report; wrong values: figures "
                   f"whose value the document does not print (variants) or no gold row has (others).\n\n{text}\n{END}")
        current = BENCHMARKS.read_text("utf-8")
        if BEGIN in current and END in current:
            current = current[:current.index(BEGIN)] + section + current[current.index(END) + len(END):]
        else:
            current = current.rstrip("\n") + "\n\n" + section + "\n"
        BENCHMARKS.write_text(current, "utf-8")
    return 0
