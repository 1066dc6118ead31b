"""`sitrep`: the command line (see docs/CONTRACT.md).

Exit status: 0 when every report loaded (warnings allowed), 1 when any report failed a stage
(the others are still loaded), 2 for bad arguments or configuration.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import NoReturn

from sitrep.config import DEFAULT_WAREHOUSE, Paths, prepare_environment, set_environment

EXAMPLES = """\
examples:
  sitrep run                                  # the bundled sample reports -> data/warehouse.duckdb
  sitrep run --source reports/ --source https://example.org/peru-sitrep.pdf
  sitrep run --source sources.yaml            # a source catalog (see README)
  sitrep status                               # what each report's last run did, stage by stage
  sitrep rerun --stage validate --report unhcr-arr-peru-2023.pdf
  sitrep rerun --stage extract                # every report whose last run failed
  sitrep report --output month.html           # static HTML report with charts
  sitrep export --format parquet out/         # tables and views as Parquet
  sitrep correct FACT_ID --value 529960 --reason "misprint 52,9960 on p. 3"   # a reviewed value
  sitrep correct FACT_ID --reject --reason "double-counted"                   # hold a figure back
  sitrep correct --list                       # decisions in force (--all: with undone ones)
  sitrep correct --undo CORRECTION_ID         # undo a decision (or give the FACT_ID)
  sitrep forget nope.pdf --yes                # remove a report's figures, run history and stored files
  sitrep run --quiet                          # for cron: prints nothing unless something went wrong
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitrep",
        description="Turn humanitarian situation reports into a DuckDB warehouse: "
                    "fetch, extract, validate, load.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, metavar="FILE",
                        help=f"the DuckDB warehouse file (default: {DEFAULT_WAREHOUSE}); its folder holds "
                             "the raw store, stage outputs and Prefect's home")
    common.add_argument("-v", "--verbose", action="store_true", help="show Prefect's and sitrep's logs")
    common.add_argument("-q", "--quiet", action="store_true",
                        help="no progress: only warnings, and the outcome when a report failed (for cron)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", parents=[common], help="fetch, extract, validate and load reports",
                         description="Run the whole pipeline. With no --source it runs on the sample "
                                     "reports that ship with sitrep. Reports whose bytes are unchanged "
                                     "since their last load do no stage work.")
    run.add_argument("--source", action="append", metavar="SRC",
                     help="a folder of report files, a single file, an http(s):// URL, or a source catalog "
                          "(.yaml/.toml); repeat for several")
    run.add_argument("--force", action="store_true", help="redo every stage even for unchanged reports")

    rerun = sub.add_parser("rerun", parents=[common], help="run one stage again (and the stages after it)",
                           description="Run STAGE and the stages after it again from the stored output of "
                                       "the stage before it. With no --report: every report whose last run "
                                       "failed.")
    rerun.add_argument("--stage", required=True, choices=["extract", "validate", "load"])
    rerun.add_argument("--report", action="append", metavar="ID", help="a report's source_file; repeatable")

    sub.add_parser("status", parents=[common], help="what each report's last run did, stage by stage")

    report = sub.add_parser("report", parents=[common], help="write a static HTML report of the warehouse",
                            description="A self-contained HTML page (charts work offline): people reached, "
                                        "funding, key figures, indicators, data quality and quarantined figures, "
                                        "each linked to its evidence.")
    report.add_argument("--output", required=True, type=Path, metavar="FILE.html")

    export = sub.add_parser("export", parents=[common], help="write facts, dimensions and views as Parquet",
                            description="One Parquet file per table and view, for tools that do not read DuckDB.")
    export.add_argument("--format", choices=["parquet"], default="parquet")
    export.add_argument("dir", type=Path, metavar="DIR")

    correct = sub.add_parser(
        "correct", parents=[common], help="record, list or undo a reviewer's decision on a figure",
        description="Record a reviewed decision on one figure of a current report version (see v_facts and "
                    "v_quarantine for fact_id): a corrected value (--value) or a rejection (--reject). Decisions "
                    "live in the warehouse (v_corrections) and are applied on every run, also to later versions "
                    "of the report that print the same figure. The warehouse is updated like a run does "
                    "(staging copy, atomic swap).")
    correct.add_argument("fact_id", nargs="?", metavar="FACT_ID", help="the figure to decide on")
    what = correct.add_mutually_exclusive_group()
    what.add_argument("--value", type=float, metavar="V", help="the reviewed value (canonical scale, e.g. 529960)")
    what.add_argument("--reject", action="store_true", help="hold the figure back from v_facts")
    what.add_argument("--list", action="store_true", help="show the decisions in force")
    what.add_argument("--undo", metavar="ID", help="undo the decision with this correction_id (or on this fact_id)")
    correct.add_argument("--reason", metavar="TEXT", help="why (required for --value and --reject)")
    correct.add_argument("--by", metavar="NAME", default=None, help="who decides (default: the OS user)")
    correct.add_argument("--all", action="store_true", help="with --list: also undone and replaced decisions")
    forget = sub.add_parser("forget", parents=[common], help="remove reports from the warehouse and the stores",
                            description="Remove each REPORT's figures (every version), quarantine, data-quality "
                                        "results, run history and manifest rows from the warehouse, and its "
                                        "stage outputs and raw files from the data folder. Without --yes it only "
                                        "says what it would remove.")
    forget.add_argument("report", nargs="+", metavar="REPORT", help="a report's source_file (see `sitrep status`)")
    forget.add_argument("--yes", action="store_true", help="really remove them")
    return parser


def _configure_logging(verbose: bool, quiet: bool = False) -> logging.Handler:
    """Progress on stderr (bars on a terminal, lines otherwise, warnings only with --quiet); library logs
    only with --verbose."""
    from sitrep.progress import install

    handler = install(verbose, quiet)
    details = logging.getLogger("sitrep.details")  # failures' tracebacks: to data/prefect/sitrep.log
    details.handlers[:] = [logging.NullHandler()]
    details.propagate = True
    if not verbose:
        for name in ("prefect", "httpx", "great_expectations", "camelot", "pdfminer"):
            logging.getLogger(name).setLevel(logging.ERROR)
    return handler


NEEDS_WAREHOUSE = ("status", "report", "export", "forget", "rerun")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose and args.quiet:
        parser.error("--verbose and --quiet exclude each other")
    paths = Paths.for_warehouse(args.warehouse)
    from sitrep import interrupt

    display = _configure_logging(args.verbose, args.quiet)
    from sitrep.errors import ConfigError, SitrepError

    interrupt.install()  # SIGTERM/SIGINT: a prompt, clean exit (before any thread or child starts)
    try:
        from sitrep.preflight import WRITING_COMMANDS, check_paths

        # a path that cannot work is named first; the checks of a writing command create the data folder, so
        # they come after the warehouse is known to exist (rerun) or after the sources are checked (run)
        if args.command not in WRITING_COMMANDS:
            check_paths(args.command, paths, output=getattr(args, "output", None),
                        export_dir=args.dir if args.command == "export" else None)
        if args.command in NEEDS_WAREHOUSE and not paths.warehouse.exists():
            raise ConfigError(f"no warehouse at {paths.warehouse} yet: run `sitrep run` first"
                              + (" (or name it with --warehouse)" if args.command != "rerun" else ""))
        if args.command == "rerun":
            check_paths(args.command, paths)
        if args.command == "forget":
            from sitrep.forget import forget

            return forget(paths, args.report, args.yes)
        if args.command == "status":
            from sitrep.status import print_status

            return print_status(paths)
        if args.command == "report":
            from sitrep.report import write_report

            print(f"report written: {write_report(paths.warehouse, args.output)}")
            return 0
        if args.command == "export":
            from sitrep.export import export_parquet

            files = export_parquet(paths.warehouse, args.dir)
            print(f"{len(files)} Parquet file(s) written to {args.dir}")
            return 0
        if args.command == "correct":
            from sitrep.correct import correct_command

            return correct_command(args, paths)
        return _run(args, paths, display)
    except ConfigError as exc:
        display.close()  # progress bars end before the message
        print(f"sitrep: {exc}", file=sys.stderr)
        return 2
    except SitrepError as exc:
        display.close()
        print(f"sitrep: {exc.one_line()}", file=sys.stderr)
        return 1
    except Exception as exc:  # an environment fault (disk, permissions) or a bug: one line, details in the log
        display.close()
        print(f"sitrep: {args.command} failed: {_logged(exc, paths)}", file=sys.stderr)
        return 1


def _logged(exc: Exception, paths: Paths) -> str:
    """The exception as one line; its traceback goes to data/prefect/sitrep.log when that can be written."""
    import traceback

    from sitrep.errors import error_line

    line = error_line(exc)
    log = paths.prefect_home / "sitrep.log"
    try:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"sitrep: {line}\n{''.join(traceback.format_exception(exc))}\n")
    except OSError:
        return line
    return f"{line} (details in {log})"


def _preflight(args: argparse.Namespace, paths: Paths) -> list[str] | None:
    """Check what a run or rerun was given before any work (no Prefect, no worker, nothing written):
    ConfigError (exit 2) for a missing source or catalog, sources that are all empty folders, an unknown
    --report or a bad setting. For a bare rerun: the reports to rerun (those whose last run failed)."""
    import os

    from sitrep.config import env_int, samples_dir
    from sitrep.errors import ConfigError, check_known

    env_int(os.environ, "SITREP_BATCH_SIZE", minimum=1)
    if args.command == "run":
        import fetchers
        from flows.precheck import check_sources

        check_sources(args.source)  # missing sources, unreadable catalogs, bad deadlines (no network)
        sources = list(args.source or [str(samples_dir())])
        empty = [s for s in sources if Path(s).is_dir() and not fetchers.resolve(s, remote=False)]
        if empty and len(empty) == len(sources):
            raise ConfigError(f"no report files in {', '.join(empty)}: nothing to run "
                              "(a folder holds .pdf, .html and .htm files)")
        return None
    from warehouse.db import failed_reports, fetched_reports, open_read_only  # light: no pandas, no Prefect

    with open_read_only(paths.warehouse) as con:
        if args.report:
            check_known(args.report, fetched_reports(con))
            return args.report
        return failed_reports(con)


def _run(args: argparse.Namespace, paths: Paths, display: logging.Handler | None = None) -> int:
    t0 = time.perf_counter()
    progress = logging.getLogger("sitrep.progress")
    what = f"{len(args.source)} source(s)" if args.command == "run" and args.source else \
        "the sample reports" if args.command == "run" else f"{args.stage} and later stages"
    progress.info(f"sitrep {args.command}: {what} -> {paths.warehouse}")  # at once: the rest takes seconds
    if args.verbose:
        import os

        os.environ.setdefault("SITREP_PREFECT_LOG_LEVEL", "INFO")
    set_environment(paths, verbose=args.verbose)  # before Prefect is imported (creates nothing)
    if args.command == "rerun" and not _preflight(args, paths):
        progress.info("nothing to rerun: no report's last run failed")
        return 0
    if args.command == "run":
        from sitrep.preflight import check_paths

        _preflight(args, paths)
        check_paths(args.command, paths)
    prepare_environment(paths, verbose=args.verbose)  # the data folder and Prefect's home
    summary = None
    if args.command == "run":
        from flows.precheck import check_sources

        check_sources(args.source)  # configuration errors exit 2 before anything starts
    if args.command == "run" and not args.force and paths.warehouse.exists():
        from flows.precheck import unchanged_run

        summary = unchanged_run(args.source, paths)  # nothing new: recorded without starting Prefect
    if summary is None:
        from flows.api import TemporaryServer

        server = TemporaryServer(paths.prefect_home).start()  # starts while the pipeline imports
        from flows import workers

        if args.command == "run" or args.stage in ("extract", "validate"):
            workers.warm()  # the worker processes import the extractors while the server starts
        from flows.pipeline import monthly_pipeline, rerun_stage, summary_of
        from flows.runners import shared_api
        from flows.tasks import warm_validator

        if args.command == "run" or args.stage in ("extract", "validate"):
            warm_validator(str(paths.dq_dir))  # Great Expectations starts while the server does

        # Dask workers share this process's Prefect API
        with server.using(), shared_api(monthly_pipeline.task_runner):
            if args.command == "run":
                state = monthly_pipeline(sources=args.source, warehouse=str(paths.warehouse), force=args.force,
                                         return_state=True)
            else:
                state = rerun_stage(stage=args.stage, reports=args.report, warehouse=str(paths.warehouse),
                                    return_state=True)
        summary = summary_of(state)  # a flow that broke (not a report that failed) raises here
    if display is not None:
        display.close()  # the progress bars end before the summary
    took = time.perf_counter() - t0
    loaded = sum(r.status == "ok" for r in summary.reports)
    skipped = sum(r.status == "skipped" for r in summary.reports)
    if args.quiet and not summary.failed:
        return 0
    print(f"\n{len(summary.reports)} report(s): {loaded} loaded, {skipped} unchanged, "
          f"{len(summary.failed)} failed in {took:.1f}s -> {summary.warehouse}")
    for report in summary.failed:
        print(f"  {report.source_file}: {report.stage} failed: {report.error}", file=sys.stderr)
    if summary.data_docs and not args.quiet:
        print(f"Data Docs: {summary.data_docs}")
    return 1 if summary.failed else 0


def entry() -> None:
    """The `sitrep` command."""
    leave(main())


def leave(code: int) -> NoReturn:
    """Exit with `code` once the exit handlers have run (Prefect sends its last events, the temporary
    server and the worker processes stop), without the interpreter's teardown of every loaded module
    and thread: over a second of a short run, for nothing."""
    import atexit
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
