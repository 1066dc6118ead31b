"""Checks on the paths given on the command line, before any work starts.

A path that cannot work (a warehouse that is a folder, a data folder under a file, a read-only data folder
for a run, a report written over a folder, an export into a file) is a configuration error: one line naming
the path and the cause, exit status 2, instead of a Python traceback from deep inside the run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sitrep.config import Paths
from sitrep.errors import ConfigError

WRITING_COMMANDS = ("run", "rerun")


def _existing_ancestor(path: Path) -> Path:
    for parent in path.parents:
        if parent.exists():
            return parent
    return Path("/")


def _file_path(option: str, path: Path, example: str) -> None:
    """`path` must be usable as a file: not a folder, and no file where a folder above it should be."""
    if path.is_dir():
        raise ConfigError(f"{option} {path}: is a folder; give a file, e.g. {path / example}")
    ancestor = _existing_ancestor(path)
    if not ancestor.is_dir():
        raise ConfigError(f"{option} {path}: {ancestor} is a file, not a folder")


def _writable(folder: Path, option: str, path: Path) -> None:
    """Create `folder` if needed and write a probe file in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".sitrep-probe-"):
            pass
    except OSError as exc:
        raise ConfigError(f"{option} {path}: the data folder {folder} is not writable ({exc.strerror or exc}); "
                          "a run writes the raw store, stage outputs and the warehouse there: choose another "
                          "--warehouse") from None


def check_paths(command: str, paths: Paths, output: Path | None = None, export_dir: Path | None = None) -> None:
    """ConfigError for a path argument of `command` that cannot work."""
    warehouse = paths.warehouse
    _file_path("--warehouse", warehouse, "warehouse.duckdb")
    if command in WRITING_COMMANDS:
        _writable(paths.data_dir, "--warehouse", warehouse)
        target = warehouse.resolve().parent  # a symlinked warehouse is published beside its target
        if target != paths.data_dir:
            _writable(target, "--warehouse", warehouse)
    if output is not None:
        _file_path("--output", Path(output).absolute(), "report.html")
    if export_dir is not None and Path(export_dir).exists() and not Path(export_dir).is_dir():
        raise ConfigError(f"export {export_dir}: is a file, not a folder; give a folder for the Parquet files")
    if export_dir is not None:
        ancestor = _existing_ancestor(Path(export_dir).absolute())
        if not ancestor.is_dir():
            raise ConfigError(f"export {export_dir}: {ancestor} is a file, not a folder")


__all__ = ["check_paths"]
