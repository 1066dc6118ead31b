"""Speed and scale of the whole pipeline, against a floor and a peer measured in the same run, on the same files.

    python bench/run_bench.py --n 5 40 200 --out bench/results/DATE.json --markdown BENCHMARKS.md [--profile 40]

For each N: a corpus of N byte-distinct copies of the bundled reports (bench/corpus.py); the floor (bench/floor.py)
and the peer (bench/peer.py) on it; then `sitrep run` on it into a fresh warehouse (full run) and again on the same
files (no-change rerun). Every measured program runs in its own subprocess: wall time is that subprocess's, peak
memory is the peak summed RSS of its process tree (sampled from /proc every 0.1 s; Prefect's API server is a child
process) and the ru_maxrss of its largest process (wait4). Per-stage times come from v_runs. sitrep runs through
`sitrep.cli.main` in a child that also counts camelot calls (camelot.read_pdf wrapped; no pipeline file changed).
Separately, fixed start-up costs are measured in fresh interpreters (Prefect import, an empty flow run,
Great Expectations import and context, first DuckDB open).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PY = sys.executable

# Pages of the bundled PDFs that hold tables, by inspection of each page and camelot lattice's ruled tables
# (bench/peer.py): gtrm 2019-10 has figure panels and prose only; gtrm 2021-02 has the PEOPLE REACHED table on
# page 2 (unruled); the UNHCR ARR has ruled tables on every page but 5 and 12 (prose).
TABLE_PAGES = {
    "gtrm-peru-sitrep-2019-10.pdf": set(),
    "gtrm-peru-sitrep-2021-02.pdf": {2},
    "unhcr-arr-peru-2023.pdf": {1, 2, 3, 4, 6, 7, 8, 9, 10, 11},
}
TARGETS = {
    "marginal_vs_peer": "marginal time per report <= 1/3 of the peer's",
    "startup": "fixed start-up <= 10 s",
    "rerun": "no-change rerun <= 10 % of the full run",
    "memory": "peak memory flat from smallest to largest N (growth <= 20 %)",
    "camelot": "camelot run only on pages that hold tables",
}


# ---------------------------------------------------------------- the sitrep child (counts camelot calls)


def _child_sitrep(argv: list[str]) -> int:
    """`run_bench.py _sitrep SITREP-ARGS...`: sitrep's CLI, with camelot.read_pdf calls logged and, if asked, the
    main thread profiled by pyinstrument."""
    sys.path.insert(0, str(ROOT))
    log_path = os.environ.get("SITREP_BENCH_CAMELOT_LOG")
    if log_path:  # counted in this process and in every extract worker process
        Path(log_path).write_text("")
        os.environ["SITREP_WORKER_INIT"] = "bench.camelot_probe"
        import bench.camelot_probe  # noqa: F401
    profile_path = os.environ.get("SITREP_BENCH_PYINSTRUMENT")
    profiler = None
    if profile_path:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005, async_mode="disabled")
        profiler.start()
    from sitrep.cli import leave, main

    try:
        code = main(argv)
    finally:
        if profiler is not None:
            profiler.stop()
            Path(profile_path).write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    leave(code)  # as the `sitrep` command exits


# ---------------------------------------------------------------- measuring a subprocess


def _tree_rss(root: int) -> int:
    """Summed RSS (bytes) of `root` and its descendants."""
    children: dict[int, list[int]] = defaultdict(list)
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
            fields = stat[stat.rindex(")") + 2:].split()
            children[int(fields[1])].append(int(entry))
            rss[int(entry)] = int(fields[21]) * page
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def measure(cmd: list[str], env: dict | None = None, cwd: Path | None = None, log: Path | None = None) -> dict:
    """Run `cmd`; wall time, exit status, peak process-tree RSS, largest-process ru_maxrss, CPU seconds."""
    out = open(log, "wb") if log else subprocess.DEVNULL
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    if log:
        out.close()
    return {"wall_s": round(wall, 3), "rc": proc.returncode, "peak_tree_rss_mb": round(peak[0] / 2**20, 1),
            "maxrss_mb": round(usage.ru_maxrss / 1024, 1), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2)}


CACHE_DIR: Path | None = None  # set by main(): a new one per benchmark, so its first run is a machine's first


def child_env(**extra: str) -> dict:
    """The user's environment without Prefect settings, so each run uses sitrep's own defaults (ephemeral API,
    Prefect home inside the warehouse folder) as a user's first run would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SITREP_BENCH_"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    if CACHE_DIR is not None:  # Prefect's empty-database template: made by the first run of this benchmark
        env["SITREP_CACHE_DIR"] = str(CACHE_DIR)
    env.update(extra)
    return env


# ---------------------------------------------------------------- sitrep runs and what v_runs says


def run_stats(warehouse: Path) -> list[dict]:
    """Per run (in order): stage -> counts by status, summed and spanned seconds; the stage work's span."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        runs = [r[0] for r in con.execute(
            "SELECT run_id FROM v_runs GROUP BY run_id ORDER BY min(started)").fetchall()]
        out = []
        for run_id in runs:
            stages = {}
            for stage, status, n, total, span in con.execute("""
                    SELECT stage, status, count(*), sum(epoch(finished - started)),
                           epoch(max(finished) - min(started))
                    FROM v_runs WHERE run_id = ? GROUP BY ALL""", [run_id]).fetchall():
                entry = stages.setdefault(stage, {"ok": 0, "failed": 0, "skipped": 0, "sum_s": 0.0, "span_s": 0.0})
                entry[status] = n
                entry["sum_s"] = round(entry["sum_s"] + (total or 0.0), 3)
                entry["span_s"] = round(max(entry["span_s"], span or 0.0), 3)
            work = con.execute("SELECT epoch(max(finished) - min(started)) FROM v_runs WHERE run_id = ?",
                               [run_id]).fetchone()[0]
            out.append({"run_id": run_id, "stages": stages, "stage_work_span_s": round(work or 0.0, 3)})
        return out
    finally:
        con.close()


def figures_by_sample(warehouse: Path) -> dict[str, list[int]]:
    """Sample name -> figure counts of its copies (all equal when the copies extract like the sample)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("""SELECT r.source_file, count(f.fact_id) FROM dim_report r
                              LEFT JOIN fact_figure f ON f.report_key = r.report_key
                              WHERE r.is_current GROUP BY 1""").fetchall()
    finally:
        con.close()
    out: dict[str, list[int]] = defaultdict(list)
    for name, n in rows:
        out[re.sub(r"^\d{4}-", "", name)].append(n)
    return {k: sorted(set(v)) for k, v in sorted(out.items())}


def camelot_stats(log: Path, files: list) -> dict:
    calls = [json.loads(line) for line in log.read_text().splitlines() if line.strip()] if log.exists() else []
    by_sha = {f.sha256: f for f in files}
    ran: set[tuple[str, int]] = set()
    off_table: set[tuple[str, int]] = set()
    runs_per_flavor: dict[str, int] = defaultdict(int)
    seconds_per_flavor: dict[str, float] = defaultdict(float)
    for call in calls:
        f = by_sha.get(call["sha256"])
        name = Path(f.path).name if f else call["sha256"][:12]
        pages = [int(p) for p in call["pages"].split(",") if p.strip().isdigit()]
        flavor = call["flavor"] + (f"/{call['engine']}" if call.get("engine") else "")
        runs_per_flavor[flavor] += len(pages)
        seconds_per_flavor[flavor] += call["seconds"]
        for page in pages:
            ran.add((name, page))
            if f is None or page not in TABLE_PAGES.get(f.sample, set()):
                off_table.add((name, page))
    pdf_pages = sum(f.pages for f in files)
    table_pages = sum(len(TABLE_PAGES.get(f.sample, ())) for f in files if f.kind == "pdf")
    return {"calls": len(calls), "page_runs": sum(runs_per_flavor.values()), "distinct_pages": len(ran),
            "pdf_pages": pdf_pages, "table_pages": table_pages, "pages_without_tables_run": len(off_table),
            "page_runs_by_flavor": dict(runs_per_flavor),
            "seconds_by_flavor": {k: round(v, 2) for k, v in seconds_per_flavor.items()},
            "seconds": round(sum(seconds_per_flavor.values()), 2)}


def sitrep_run(corpus: Path, warehouse: Path, logs: Path, label: str, files: list,
               profile_to: Path | None = None) -> dict:
    camelot_log = logs / f"{label}-camelot.jsonl"
    extra = {"SITREP_BENCH_CAMELOT_LOG": str(camelot_log)}
    if profile_to is not None:
        extra["SITREP_BENCH_PYINSTRUMENT"] = str(profile_to)
    cmd = [PY, str(Path(__file__).resolve()), "_sitrep", "run", "--source", str(corpus), "--warehouse", str(warehouse)]
    result = measure(cmd, env=child_env(**extra), cwd=ROOT, log=logs / f"{label}.log")
    result["camelot"] = camelot_stats(camelot_log, files)
    return result


# ---------------------------------------------------------------- fixed start-up, measured on its own

_EMPTY_FLOW = """
from sitrep.config import Paths, prepare_environment
paths = Paths.for_warehouse(WH)
prepare_environment(paths)
t0 = time.perf_counter()
from flows.api import TemporaryServer
server = TemporaryServer(paths.prefect_home).start()  # as `sitrep run` does: first, in the background
from prefect import flow
R['import_prefect_s'] = time.perf_counter() - t0

@flow
def empty():
    return 1

with server.using():
    R['server_ready_s'] = time.perf_counter() - t0
    t = time.perf_counter(); empty(); R['first_flow_run_s'] = time.perf_counter() - t
    t = time.perf_counter(); empty(); R['second_flow_run_s'] = time.perf_counter() - t
"""

_STARTUP_SNIPPETS = {
    "python_bare": "",
    "import_prefect": "import prefect",
    "empty_flow_first": _EMPTY_FLOW,  # the first run on the machine: no template yet, the server migrates
    "empty_flow": _EMPTY_FLOW,  # a new folder once the template exists: every later first run
    "empty_flow_warm": None,  # the same again in a new process, on the Prefect home empty_flow created
    "empty_flow_prefect_default": """
from sitrep.config import Paths, prepare_environment
prepare_environment(Paths.for_warehouse(WH))  # a new folder, Prefect's own temporary server, no template
t = time.perf_counter()
from prefect import flow
R['import_prefect_s'] = time.perf_counter() - t

@flow
def empty():
    return 1

t = time.perf_counter(); empty(); R['first_flow_run_s'] = time.perf_counter() - t
""",
    "great_expectations": """
t = time.perf_counter(); from expectations import Validator; R['import_s'] = time.perf_counter() - t
t = time.perf_counter(); Validator(Path(WH).parent / 'dq'); R['context_s'] = time.perf_counter() - t
""",
    "duckdb_first_open": """
t = time.perf_counter(); import duckdb; R['import_s'] = time.perf_counter() - t
from warehouse.db import ensure_schema
t = time.perf_counter(); con = duckdb.connect(WH); ensure_schema(con); con.close()
R['open_and_schema_s'] = time.perf_counter() - t
""",
    "import_pipeline": """
from sitrep.config import Paths, prepare_environment
prepare_environment(Paths.for_warehouse(WH))
t = time.perf_counter(); import flows.pipeline; R['import_s'] = time.perf_counter() - t
""",
    "import_camelot": "t = time.perf_counter(); import camelot; R['import_s'] = time.perf_counter() - t",
}


def startup(workdir: Path) -> dict:
    """Each start-up cost in a fresh interpreter (fresh Prefect home / warehouse folder each)."""
    out = {}
    for name, body in _STARTUP_SNIPPETS.items():
        if body is None:  # "X_warm": snippet X again on X's folder
            base = name.removesuffix("_warm")
            body, folder = _STARTUP_SNIPPETS[base], workdir / f"startup-{base}"
        else:
            folder = workdir / f"startup-{name}"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        code = ("import json, sys, time\nfrom pathlib import Path\nR = {}\n"
                f"WH = {str(folder / 'warehouse.duckdb')!r}\n" + body + "\nprint('@@' + json.dumps(R))\n")
        t0 = time.perf_counter()
        proc = subprocess.run([PY, "-c", code], env=child_env(), cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        inner = {}
        for line in proc.stdout.splitlines():
            if line.startswith("@@"):
                inner = {k: round(v, 3) for k, v in json.loads(line[2:]).items()}
        out[name] = {"wall_s": round(wall, 3), "rc": proc.returncode, **inner}
        if proc.returncode:
            out[name]["error"] = proc.stderr[-500:]
    return out


# ---------------------------------------------------------------- one N, all programs


def code_digest() -> str:
    """Digest of the pipeline's source files, to tell whether two N ran the same code."""
    h = hashlib.sha256()
    for package in ("sitrep", "flows", "extractors", "expectations", "warehouse", "fetchers"):
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix in (".py", ".sql", ".toml", ".yml") and path.is_file():
                h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def bench_n(n: int, workdir: Path, skip_peer: bool = False, profile_to: Path | None = None) -> dict:
    sys.path.insert(0, str(BENCH))
    from corpus import build_corpus, summary

    base = workdir / f"n{n}"
    shutil.rmtree(base, ignore_errors=True)
    logs = base / "logs"
    logs.mkdir(parents=True)
    corpus = base / "corpus"
    files = build_corpus(n, corpus)
    result: dict = {"n": n, "corpus": summary(files), "code_digest": code_digest()}

    floor = measure([PY, str(BENCH / "floor.py"), str(corpus), "--json", str(base / "floor.json")],
                    env=child_env(), cwd=ROOT, log=logs / "floor.log")
    floor["counts"] = json.loads((base / "floor.json").read_text()) if (base / "floor.json").exists() else None
    result["floor"] = floor

    if not skip_peer:
        peer = measure([PY, str(BENCH / "peer.py"), str(corpus), "--db", str(base / "peer.duckdb"),
                        "--json", str(base / "peer.json")], env=child_env(), cwd=ROOT, log=logs / "peer.log")
        peer["counts"] = json.loads((base / "peer.json").read_text()) if (base / "peer.json").exists() else None
        result["peer"] = peer

    warehouse = base / "sitrep" / "warehouse.duckdb"
    full = sitrep_run(corpus, warehouse, logs, "sitrep-full", files)
    rerun = sitrep_run(corpus, warehouse, logs, "sitrep-rerun", files)
    runs = run_stats(warehouse) if warehouse.exists() else []
    if len(runs) >= 1:
        full["v_runs"] = runs[0]
        full["loaded"] = runs[0]["stages"].get("load", {}).get("ok", 0)
    if len(runs) >= 2:
        rerun["v_runs"] = runs[1]
        rerun["skipped"] = runs[1]["stages"].get("load", {}).get("skipped", 0)
        rerun["stage_work"] = sum(s["ok"] for k, s in runs[1]["stages"].items() if k != "fetch")
    full["figures_by_sample"] = figures_by_sample(warehouse) if warehouse.exists() else {}
    full["copies_consistent"] = all(len(v) == 1 for v in full["figures_by_sample"].values())
    full["reports_per_min"] = round(n / full["wall_s"] * 60, 1)
    rerun["pct_of_full"] = round(100 * rerun["wall_s"] / full["wall_s"], 1)
    result["sitrep"] = full
    result["sitrep_rerun"] = rerun
    if result["code_digest"] != code_digest():
        result["code_changed_during_run"] = True
    result["ratio_to_floor"] = round(full["wall_s"] / floor["wall_s"], 1)
    if "peer" in result:
        result["ratio_to_peer"] = round(full["wall_s"] / result["peer"]["wall_s"], 2)

    if profile_to is not None:  # a separate, profiled run (never the timed one)
        shutil.rmtree(base / "profiled", ignore_errors=True)
        result["profiled_run"] = sitrep_run(corpus, base / "profiled" / "warehouse.duckdb", logs, "sitrep-profiled",
                                            files, profile_to=profile_to)
        py_spy = shutil.which("py-spy") or str(Path(PY).parent / "py-spy")
        if Path(py_spy).exists():
            shutil.rmtree(base / "profiled-spy", ignore_errors=True)
            raw = profile_to.with_suffix(".pyspy.txt")
            cmd = [py_spy, "record", "--threads", "--nonblocking", "-r", "50", "-f", "raw", "-o", str(raw), "--",
                   PY, str(Path(__file__).resolve()), "_sitrep", "run", "--source", str(corpus),
                   "--warehouse", str(base / "profiled-spy" / "warehouse.duckdb")]
            result["py_spy_run"] = measure(cmd, env=child_env(), cwd=ROOT, log=logs / "sitrep-pyspy.log")
            result["py_spy_raw"] = str(raw)
    return result


# ---------------------------------------------------------------- derived numbers and targets


def _line(points: list[tuple[int, float]]) -> tuple[float, float] | None:
    """Slope and intercept through the two largest N (the marginal cost and fixed start-up)."""
    points = sorted(points)
    if len(points) < 2:
        return None
    (n1, w1), (n2, w2) = points[-2], points[-1]
    slope = (w2 - w1) / (n2 - n1)
    return slope, w1 - slope * n1


def derive(results: list[dict], start: dict) -> dict:
    out: dict = {}
    for program, key in (("sitrep", "sitrep"), ("peer", "peer"), ("floor", "floor")):
        pts = [(r["n"], r[key]["wall_s"]) for r in results if key in r]
        line = _line(pts)
        if line:
            out[program] = {"marginal_s_per_report": round(line[0], 3), "intercept_s": round(line[1], 2),
                            "between_n": sorted(p[0] for p in pts)[-2:]}
    targets: dict = {}
    if "sitrep" in out and "peer" in out and out["peer"]["marginal_s_per_report"] > 0:
        ratio = out["sitrep"]["marginal_s_per_report"] / out["peer"]["marginal_s_per_report"]
        out["marginal_ratio_to_peer"] = round(ratio, 3)
        targets["marginal_vs_peer"] = {"value": f"{ratio:.2f} of the peer's", "met": ratio <= 1 / 3}
    if "sitrep" in out and "floor" in out and out["floor"]["marginal_s_per_report"] > 0:
        out["marginal_ratio_to_floor"] = round(out["sitrep"]["marginal_s_per_report"]
                                               / out["floor"]["marginal_s_per_report"], 1)
    measured = _startup_total(start)
    if measured is not None:
        out["startup_measured_s"] = measured
    intercept = out.get("sitrep", {}).get("intercept_s")
    if intercept is not None:  # the target is the intercept; the parts, measured one after the other, explain it
        targets["startup"] = {"value": f"intercept {intercept} s (parts measured alone, in series: "
                                       f"{measured if measured is not None else 'n/a'} s; sitrep overlaps them)",
                              "met": intercept <= 10}
    largest = max(results, key=lambda r: r["n"])
    smallest = min(results, key=lambda r: r["n"])
    targets["rerun"] = {"value": f"{largest['sitrep_rerun']['pct_of_full']} % at N={largest['n']}",
                        "met": largest["sitrep_rerun"]["pct_of_full"] <= 10}
    m0, m1 = smallest["sitrep"]["peak_tree_rss_mb"], largest["sitrep"]["peak_tree_rss_mb"]
    growth = (m1 - m0) / m0 if m0 else 0.0
    out["memory_growth_pct"] = round(100 * growth, 1)
    targets["memory"] = {"value": f"{m0:.0f} MB at N={smallest['n']} -> {m1:.0f} MB at N={largest['n']} "
                                  f"({100 * growth:+.0f} %)", "met": growth <= 0.20}
    cam = largest["sitrep"]["camelot"]
    targets["camelot"] = {"value": f"{cam['distinct_pages']} of {cam['pdf_pages']} PDF pages "
                                   f"({cam['table_pages']} hold tables), {cam['pages_without_tables_run']} without "
                                   f"tables; {cam['page_runs']} page-runs over all flavors",
                          "met": cam["pages_without_tables_run"] == 0}
    out["targets"] = targets
    return out


def _startup_total(start: dict) -> float | None:
    """Prefect's API ready + first (empty) flow run + GE import and context + first DuckDB open, each measured
    alone (sitrep runs the server start, its imports, GE and the first extracts at the same time)."""
    try:
        return round(start["empty_flow"]["server_ready_s"] + start["empty_flow"]["first_flow_run_s"]
                     + start["great_expectations"]["import_s"] + start["great_expectations"]["context_s"]
                     + start["duckdb_first_open"]["import_s"] + start["duckdb_first_open"]["open_and_schema_s"], 2)
    except KeyError:
        return None


# ---------------------------------------------------------------- machine, profile summary, markdown


def machine() -> dict:
    from importlib import metadata

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem_gb = round(kb / 2**20, 1)
    except (OSError, AttributeError):
        pass
    packages = {}
    for name in ("prefect", "duckdb", "pandas", "camelot-py", "pypdfium2", "selectolax", "great-expectations",
                 "lxml", "pyinstrument", "py-spy"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {"nproc": os.cpu_count(), "memory_gb": mem_gb, "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "packages": packages,
            "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]}


PROJECT = ("sitrep/", "flows/", "extractors/", "expectations/", "warehouse/", "fetchers/")


def py_spy_top(raw: Path, limit: int = 20) -> dict[str, list[tuple[str, float, float]]]:
    """From py-spy raw (collapsed) stacks: (function, % of samples inclusive, % self), top by self time over all
    code, and top by inclusive time over sitrep's own functions."""
    inclusive: dict[str, int] = defaultdict(int)
    self_: dict[str, int] = defaultdict(int)
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";") if not f.startswith(("thread ", "process "))]
        frames = [re.sub(r"\(/\S*/(site-packages|main)/", "(", f) for f in frames]
        total += int(count)
        for f in set(frames):
            inclusive[f] += int(count)
        if frames:
            self_[frames[-1]] += int(count)
    if not total:
        return {}

    def row(f: str) -> tuple[str, float, float]:
        return f, round(100 * inclusive[f] / total, 1), round(100 * self_.get(f, 0) / total, 1)

    by_self = sorted(self_, key=lambda f: -self_[f])[:limit]
    own = sorted((f for f in inclusive if any(f"({p}" in f for p in PROJECT)), key=lambda f: -inclusive[f])
    return {"self": [row(f) for f in by_self], "sitrep": [row(f) for f in own[:limit]], "samples": total}


def pyinstrument_top(path: Path, lines: int = 45) -> str:
    text = path.read_text().splitlines()
    return "\n".join(line for line in text[:lines])


def _fmt(v, unit: str = "") -> str:
    return "n/a" if v is None else f"{v}{unit}"


def markdown(report: dict) -> str:
    m = report["machine"]
    d = report["derived"]
    rows = []
    for r in report["results"]:
        s, re_ = r["sitrep"], r["sitrep_rerun"]
        st = s.get("v_runs", {}).get("stages", {})
        stage = " / ".join(f"{st.get(k, {}).get('span_s', 0):.1f}" for k in ("fetch", "extract", "validate", "load"))
        rows.append(f"| {r['n']} | {r['corpus']['pdf']}/{r['corpus']['html']} ({r['corpus']['pdf_pages']} pp) | "
                    f"{s['wall_s']:.1f} | {stage} | {s['reports_per_min']} | {s['peak_tree_rss_mb']:.0f} "
                    f"({s['maxrss_mb']:.0f}) | {re_['wall_s']:.1f} ({re_['pct_of_full']} %) | "
                    f"{r['floor']['wall_s']:.2f} | {_fmt(r.get('peer', {}).get('wall_s'))} | "
                    f"{r['ratio_to_floor']}x | {_fmt(r.get('ratio_to_peer'))} | "
                    f"{s.get('loaded')}/{r['n']}, rerun skipped {re_.get('skipped')} |")
    st = report["startup"]
    ef, ge, db = st.get("empty_flow", {}), st.get("great_expectations", {}), st.get("duckdb_first_open", {})
    target_rows = "\n".join(f"| {TARGETS[k]} | {v['value']} | {'met' if v['met'] else '**not met**'} |"
                            for k, v in d["targets"].items())
    cam_rows = []
    for r in report["results"]:
        c = r["sitrep"]["camelot"]
        cam_rows.append(f"| {r['n']} | {c['pdf_pages']} | {c['table_pages']} | {c['distinct_pages']} | "
                        f"{c['pages_without_tables_run']} | {c['page_runs']} | "
                        f"{', '.join(f'{k} {v}' for k, v in sorted(c['page_runs_by_flavor'].items()))} | "
                        f"{c['seconds']} |")
    lines_ = [
        "# Benchmarks",
        "",
        f"Measured {report['date']} by `bench/run_bench.py` (raw numbers: `{report.get('out') or 'not saved'}`).",
        *(f"Merged in (`--render A.json --merge B.json`) from another invocation at {m_['date']} (load average at "
          f"its start {m_['loadavg_at_start']}): {', '.join(m_.get('taken', [])) or 'nothing'}."
          for m_ in report.get("merged_from", [])),
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['nproc']} cores (nproc); memory {m['memory_gb']} GB",
        f"- Python {m['python']} on {m['platform']}",
        "- " + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v),
        f"- load average at start {m['loadavg_at_start']}: **other work ran on the machine at the same time, so "
        "timings are noisy** (a few seconds either way; the ratios within one run are more stable than the "
        "absolute times).",
        "",
        "## Reproduce",
        "",
        "```sh",
        "cd /work/main",
        ".venv/bin/pip install pyinstrument py-spy lxml   # profiling; lxml for the peer's pandas.read_html",
        f".venv/bin/python bench/run_bench.py --n {' '.join(str(r['n']) for r in report['results'])} "
        f"--out bench/results/{report['date'][:10]}.json --markdown BENCHMARKS.md"
        + (f" --profile {report['profile_n']}" if report.get("profile_n") else ""),
        ".venv/bin/python -m pytest -q tests/test_bench_smoke.py   # the N=5 smoke run (no timing asserts)",
        "```",
        "",
        "What runs, per N, all on the same N files (byte-distinct copies of the 5 bundled reports, round robin; "
        "a unique comment after `%%EOF` / at the end of the page, checked to read like the original):",
        "",
        "- **floor** (`bench/floor.py`): every PDF page's text layer read once with pypdfium2, every web page "
        "parsed once with selectolax. The least any tool must do.",
        "- **peer** (`bench/peer.py`): what a user writes instead: camelot lattice AND stream on every page of "
        "every PDF, `pandas.read_html` plus a number regex on every web page, all into one DuckDB table. "
        "Sequential loop.",
        "- **sitrep full**: `sitrep run --source CORPUS --warehouse FRESH/warehouse.duckdb` (a new data folder "
        "and Prefect home, sitrep's temporary Prefect server; its database comes from the machine's template in "
        "`~/.cache/sitrep`, made by the first run ever, which here is the first N); **rerun**: the same command "
        "again (every report unchanged, so no Prefect start at all).",
        "",
        "Each program is its own subprocess. Wall = the subprocess's wall time (interpreter start and imports "
        "included). Peak memory = peak summed RSS of the process tree sampled every 0.1 s (Prefect's API server "
        "is a child process); in brackets the largest single process's ru_maxrss. Stage times are the span "
        "(first start to last finish) per stage from `v_runs`; stages overlap (extracts run in worker processes "
        "while earlier batches are validated and loaded).",
        "",
        "## Results",
        "",
        "| N | PDF/HTML (pages) | sitrep wall s | fetch / extract / validate / load span s | reports/min | "
        "peak MB tree (largest proc) | no-change rerun s (% of full) | floor s | peer s | sitrep / floor | "
        "sitrep / peer | loaded, rerun skipped |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Marginal cost per report (slope between the two largest N) and intercept:",
        "",
        "| program | marginal s/report | intercept s |",
        "|---|---|---|",
        *(f"| {p} | {d[p]['marginal_s_per_report']} | {d[p]['intercept_s']} |"
          for p in ("sitrep", "peer", "floor") if p in d),
        "",
        f"sitrep's marginal cost is {_fmt(d.get('marginal_ratio_to_peer'))} of the peer's and "
        f"{_fmt(d.get('marginal_ratio_to_floor'))}x the floor's.",
        "",
        "### Fixed start-up, measured alone (fresh interpreter each)",
        "",
        "| part | seconds |",
        "|---|---|",
        f"| python -c pass (interpreter) | {_fmt(st.get('python_bare', {}).get('wall_s'))} |",
        f"| python -c 'import prefect' (whole process) | {_fmt(st.get('import_prefect', {}).get('wall_s'))} |",
        f"| import prefect (in process, while sitrep's temporary server starts) | {_fmt(ef.get('import_prefect_s'))} |",
        f"| first run on the machine: temporary server ready (new folder, no template: migrations) / first "
        f"empty flow run | {_fmt(st.get('empty_flow_first', {}).get('server_ready_s'))} / "
        f"{_fmt(st.get('empty_flow_first', {}).get('first_flow_run_s'))} |",
        f"| temporary Prefect server ready (new folder, database from the template), from its launch | "
        f"{_fmt(ef.get('server_ready_s'))} |",
        f"| first empty flow run, server ready | {_fmt(ef.get('first_flow_run_s'))} |",
        f"| second empty flow run, same process | {_fmt(ef.get('second_flow_run_s'))} |",
        f"| the same in a new process, existing Prefect home: server ready / first flow run | "
        f"{_fmt(st.get('empty_flow_warm', {}).get('server_ready_s'))} / "
        f"{_fmt(st.get('empty_flow_warm', {}).get('first_flow_run_s'))} |",
        f"| for comparison, Prefect's own temporary server on a new folder (no template): first empty flow run | "
        f"{_fmt(st.get('empty_flow_prefect_default', {}).get('first_flow_run_s'))} |",
        f"| import flows.pipeline (prefect + sitrep packages) | "
        f"{_fmt(st.get('import_pipeline', {}).get('import_s'))} |",
        f"| `from expectations import Validator` | {_fmt(ge.get('import_s'))} |",
        f"| `Validator()` (GE context) | {_fmt(ge.get('context_s'))} |",
        f"| import duckdb | {_fmt(db.get('import_s'))} |",
        f"| first DuckDB open + schema | {_fmt(db.get('open_and_schema_s'))} |",
        f"| import camelot (paid on the first PDF with a table) | "
        f"{_fmt(st.get('import_camelot', {}).get('import_s'))} |",
        f"| **sum of the parts, in series** (server ready, first flow, GE import + context, DuckDB) | "
        f"**{_fmt(d.get('startup_measured_s'))}** |",
        "",
        "### camelot: pages it ran on",
        "",
        "| N | PDF pages | pages with tables | pages camelot ran on | of them without tables | page-runs "
        "(all flavors) | page-runs by flavor | camelot s (summed over threads) |",
        "|---|---|---|---|---|---|---|---|",
        *cam_rows,
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|---|---|---|",
        target_rows,
        "",
    ]
    if report.get("findings"):
        lines_ += ["## Findings", "", *report["findings"], ""]
    if report.get("profile"):
        p = report["profile"]
        lines_ += ["## Profile", "", f"Full run at N={report['profile_n']}, profiled separately from the timed runs.",
                   ""]
        spy = p.get("py_spy") if isinstance(p.get("py_spy"), dict) else {}
        if spy.get("self"):
            lines_ += [f"py-spy (all threads of the sitrep process, 50 Hz, idle samples excluded, {spy['samples']} "
                       "samples). sitrep's own functions by inclusive share:", "",
                       "| function | incl % | self % |", "|---|---|---|",
                       *(f"| `{f}` | {a} | {b} |" for f, a, b in spy["sitrep"]), "",
                       "Top functions by self time (all code):", "", "| function | incl % | self % |", "|---|---|---|",
                       *(f"| `{f}` | {a} | {b} |" for f, a, b in spy["self"]), ""]
        if p.get("pyinstrument"):
            lines_ += ["pyinstrument (main thread only: the flow, start-up, loads and Data Docs; extract and "
                       "validate run in worker threads and show as waits):", "", "```", p["pyinstrument"], "```",
                       ""]
    return "\n".join(lines_)


# ---------------------------------------------------------------- main


def write_markdown(path: Path, text: str) -> None:
    """Write BENCHMARKS.md, keeping the section bench/dense.py wrote there (between its markers)."""
    old = path.read_text() if path.exists() else ""
    begin, end = "<!-- dense:begin -->", "<!-- dense:end -->"
    if begin in old and end in old:
        text = text.rstrip("\n") + "\n\n" + old[old.index(begin):old.index(end) + len(end)] + "\n"
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_sitrep"]:
        return _child_sitrep(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[5, 40, 200], help="corpus sizes (default 5 40 200)")
    parser.add_argument("--out", type=Path, help="write the results JSON here")
    parser.add_argument("--markdown", type=Path, help="write BENCHMARKS.md here")
    parser.add_argument("--workdir", type=Path, help="where corpora and warehouses go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the work dir")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--no-startup", action="store_true", help="skip the separate start-up measurements")
    parser.add_argument("--profile", type=int, metavar="N", help="also profile a full run at this N (must be in --n)")
    parser.add_argument("--findings", type=Path, help="markdown lines to add under Findings")
    parser.add_argument("--render", type=Path, metavar="JSON", help="only write --markdown from a saved results JSON")
    parser.add_argument("--merge", type=Path, nargs="+", metavar="JSON", help="with --render: add these results")
    args = parser.parse_args(argv)
    if args.render:
        report = json.loads(args.render.read_text())
        for extra in args.merge or []:  # results of further N measured in another invocation
            more = json.loads(extra.read_text())
            known = {r["n"] for r in report["results"]}
            added = [r for r in more["results"] if r["n"] not in known]
            taken = [f"N={r['n']}" for r in added]
            report["results"] = sorted(report["results"] + added, key=lambda r: r["n"])
            for key in ("startup", "profile", "profile_n"):
                if not report.get(key) and more.get(key):
                    report[key] = more[key]
                    taken.append(key)
            report.setdefault("merged_from", []).append({"out": more.get("out"), "date": more.get("date"),
                                                         "loadavg_at_start": more["machine"]["loadavg_at_start"],
                                                         "taken": taken})
        report["derived"] = derive(report["results"], report.get("startup", {}))
        if args.out:
            args.out.write_text(json.dumps(report, indent=1, default=str))
        if args.findings and args.findings.exists():
            report["findings"] = args.findings.read_text().splitlines()
        raw = (report.get("profile") or {}).get("py_spy_raw")
        if raw and Path(raw).exists():
            report["profile"]["py_spy"] = py_spy_top(Path(raw))
        write_markdown(args.markdown or Path("BENCHMARKS.md"), markdown(report))
        return 0
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sitrep-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    global CACHE_DIR
    CACHE_DIR = workdir / "cache"
    report: dict = {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "machine": machine(),
                    "workdir": str(workdir), "out": str(args.out) if args.out else None, "results": []}
    try:
        report["startup"] = {} if args.no_startup else startup(workdir)
        print(f"start-up: {json.dumps(report['startup'])}", file=sys.stderr, flush=True)
        for n in sorted(set(args.n)):
            profile_to = workdir / f"profile-n{n}.txt" if args.profile == n else None
            result = bench_n(n, workdir, args.skip_peer, profile_to)
            report["results"].append(result)
            print(f"N={n}: sitrep {result['sitrep']['wall_s']} s (rerun {result['sitrep_rerun']['wall_s']} s), "
                  f"floor {result['floor']['wall_s']} s, peer {result.get('peer', {}).get('wall_s')} s",
                  file=sys.stderr, flush=True)
            if profile_to is not None:
                report["profile_n"] = n
                report["profile"] = {"pyinstrument": pyinstrument_top(profile_to) if profile_to.exists() else None}
                if result.get("py_spy_raw") and Path(result["py_spy_raw"]).exists():
                    report["profile"]["py_spy"] = py_spy_top(Path(result["py_spy_raw"]))
                    report["profile"]["py_spy_raw"] = result["py_spy_raw"]
            if args.out:  # partial results survive an interrupted run
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(json.dumps(report, indent=1, default=str))
        report["derived"] = derive(report["results"], report["startup"])
        if args.findings and args.findings.exists():
            report["findings"] = args.findings.read_text().splitlines()
        if args.out:
            args.out.write_text(json.dumps(report, indent=1, default=str))
        if args.markdown:
            write_markdown(args.markdown, markdown(report))
        print(json.dumps({"derived": report["derived"]}, indent=1))
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
