"""Does the suite notice? Deliberate breakages (mutations) applied one at a time to a temporary copy of the
tree, each followed by the tests meant to catch it; prints which mutations each test target caught.

A mutation is one exact text replacement in one file (it must match exactly once, so a mutation that no
longer applies says so instead of passing silently). A target "caught" it when pytest fails; "missed" when
it passes; "error" for anything else (collection errors, timeouts). `--baseline` first runs every target
on the unmutated copy: those must pass, or the table means nothing.

    python bench/mutations.py [--ref HEAD] [--only NAME ...] [--baseline] [--json OUT.json]

`--ref` takes the tree of a commit (default: the working tree, uncommitted edits included), e.g.
`--ref main~5` to see what an older suite missed. The copy uses this checkout's .venv.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
EXTRACT_TESTS = ["tests/test_family_html.py", "tests/test_fuzz.py", "tests/test_extract_threads.py"]


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str
    old: str
    new: str
    targets: tuple[str, ...]  # pytest arguments, one run each


MUTATIONS = [
    Mutation("scale 'M' read as x1", "extractors/numbers.py",
             '"m": 1e6,', '"m": 1.0,',
             ("tests/test_family_html.py", "tests/test_numbers.py")),
    Mutation("extract_report returns nothing", "extractors/__init__.py",
             "    doc = Document(name, data)\n",
             "    doc = Document(name, data)\n    if doc.is_pdf or doc.is_html:\n"
             "        return ExtractResult(detect_family(doc), None, [])\n",
             tuple(EXTRACT_TESTS)),
    Mutation("extract_report always raises ExtractError", "extractors/__init__.py",
             "    doc = Document(name, data)\n",
             "    doc = Document(name, data)\n    raise ExtractError('mutant', report=name)\n",
             ("tests/test_fuzz.py",)),
    Mutation("qualifiers dropped", "extractors/prose.py",
             "    starts = [s for s, _ in sentences]\n    for i, c in enumerate(cands):\n",
             "    starts = [s for s, _ in sentences]\n    return\n    for i, c in enumerate(cands):\n",
             ("tests/test_prose.py",)),
    Mutation("malformed ReliefWeb filter (operator ANY)", "fetchers/reliefweb.py",
             '"value": values, "operator": "OR"}', '"value": values, "operator": "ANY"}',
             ("tests/test_reliefweb.py -m 'not slow'",)),
    Mutation("ReliefWeb filter on an unknown field", "fetchers/reliefweb.py",
             'conditions.append(_condition("country.name", countries))',
             'conditions.append(_condition("countries.name", countries))',
             ("tests/test_reliefweb.py -m 'not slow'",)),
    Mutation("ReliefWeb sort dropped (relevance order)", "fetchers/reliefweb.py",
             '"sort": ["date.created:desc"],  # newest first', '',
             ("tests/test_reliefweb.py -m 'not slow'",)),
    Mutation("ReliefWeb file URLs not asked for", "fetchers/reliefweb.py",
             '"url", "file.url", "file.filename"', '"url", "file.filename"',
             ("tests/test_reliefweb.py -m 'not slow'",)),
    Mutation("ReliefWeb 429 not retried", "fetchers/reliefweb.py",
             "    if response.status_code == 429:\n",
             "    if response.status_code == 429:\n        raise FetchError('429', report='reliefweb')\n",
             ("tests/test_reliefweb.py -m 'not slow'",)),
    Mutation("ReliefWeb Retry-After ignored", "fetchers/reliefweb.py",
             "            return exc.retry_after\n", "            pass\n",
             ("tests/test_reliefweb.py -m 'not slow'",)),
    Mutation("one figure differs on Dask workers", "flows/tasks.py",
             "    result = extract_report(Path(raw_path).read_bytes(), source_file)\n",
             "    result = extract_report(Path(raw_path).read_bytes(), source_file)\n"
             "    try:\n        import distributed\n\n        distributed.get_worker()\n"
             "        if source_file.endswith('.html'):\n            result.figures[0].value += 1\n"
             "    except (ImportError, ValueError):\n        pass\n",
             ("tests/test_scaleout.py -m slow -k local_dask_cluster",)),
    Mutation("ARR 'Actual' columns read as targets", "extractors/indicator_tables.py",
             '("actual", r"\\bactual\\b', '("target", r"\\bactual\\b',
             ("tests/test_family_unhcr_arr.py",)),
    Mutation("report drops the people-reached rows", "sitrep/report.py",
             'fact_ids FROM v_people_reached")', 'fact_ids FROM v_people_reached WHERE false")',
             ("tests/test_analysts.py -k report_command",)),
]


def copy_tree(ref: str | None, dest: Path) -> None:
    if ref:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    else:
        files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard"],
                               capture_output=True, text=True, check=True).stdout.split("\n")
        for name in filter(None, files):
            src = ROOT / name
            if src.is_file() and not src.is_symlink():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / name)
    os.symlink(ROOT / ".venv", dest / ".venv")


def run_target(tree: Path, target: str, timeout: float) -> tuple[str, float, str]:
    import shlex

    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [str(PYTHON), "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *shlex.split(target)]
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "error", time.perf_counter() - t0, "timeout"
    elapsed = time.perf_counter() - t0
    last = (done.stdout.strip().splitlines() or [""])[-1]
    verdict = {0: "missed", 1: "caught"}.get(done.returncode, "error")
    if verdict == "error":
        last = f"exit {done.returncode}: {last} {done.stderr.strip()[-300:]}"
    return verdict, elapsed, last


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", help="a commit whose tree to mutate (default: the working tree)")
    parser.add_argument("--only", nargs="*", help="mutations whose name contains one of these words")
    parser.add_argument("--baseline", action="store_true", help="first run every target unmutated")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="sitrep-mutations-") as tmp:
        pristine = Path(tmp) / "pristine"
        pristine.mkdir()
        copy_tree(args.ref, pristine)
        mutations = list(MUTATIONS)
        if args.only:
            mutations = [m for m in mutations if any(w.lower() in m.name.lower() for w in args.only)]
        if args.baseline:
            for target in sorted({t for m in mutations for t in m.targets}):
                verdict, elapsed, last = run_target(pristine, target, args.timeout)
                ok = "pass" if verdict == "missed" else "FAIL"
                print(f"baseline {ok:5} {elapsed:6.0f}s  {target}  ({last})", flush=True)
                rows.append({"mutation": "(none)", "target": target, "result": ok, "seconds": round(elapsed)})
        for m in mutations:
            tree = Path(tmp) / "mutant"
            shutil.copytree(pristine, tree, symlinks=True)
            source = tree / m.path
            text = source.read_text(encoding="utf-8")
            if text.count(m.old) != 1:
                print(f"{m.name}: does not apply ({text.count(m.old)} matches in {m.path})", flush=True)
                rows.append({"mutation": m.name, "target": "-", "result": "does not apply", "seconds": 0})
                shutil.rmtree(tree)
                continue
            source.write_text(text.replace(m.old, m.new), encoding="utf-8")
            for target in m.targets:
                verdict, elapsed, last = run_target(tree, target, args.timeout)
                print(f"{m.name:45} {verdict:7} {elapsed:6.0f}s  {target}  ({last})", flush=True)
                rows.append({"mutation": m.name, "target": target, "result": verdict, "seconds": round(elapsed),
                             "last_line": last})
            shutil.rmtree(tree)
    print("\n| mutation | target | result |\n|---|---|---|")
    for row in rows:
        print(f"| {row['mutation']} | `{row['target']}` | {row['result']} |")
    if args.json:
        args.json.write_text(json.dumps({"ref": args.ref or "working tree", "rows": rows}, indent=2))
    missed = [r for r in rows if r["result"] in ("missed", "error", "does not apply", "FAIL")]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
