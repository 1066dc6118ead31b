"""Per-report stage outputs, kept on disk so any stage can be rerun from the one before it.

Layout: `stages/<source_file>/<sha256[:16]>/` holds `extract.parquet` + `extract.json` (family,
period, title, warnings) and `dq_results.parquet` + `quarantine.parquet`. Keyed by report and
content hash, so a new version of a report never overwrites the outputs of the old one.
Files are written under a temporary name and renamed: a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from extractors.records import FIGURE_COLUMNS, ExtractResult

FIGURE_DTYPES = {"value": "float64", "page": "Int64"}


class StageStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, source_file: str, sha256: str) -> Path:
        return self.root / source_file / sha256[:16]

    def _atomic(self, path: Path, write) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        write(tmp)
        os.replace(tmp, path)

    # extract -----------------------------------------------------------------------------
    def save_extract(self, source_file: str, sha256: str, result: ExtractResult) -> Path:
        folder = self.folder(source_file, sha256)
        frame = figures_frame(result)
        self._atomic(folder / "extract.parquet", lambda p: frame.to_parquet(p, index=False))
        meta = {"family": result.family, "report_period": result.report_period, "title": result.title,
                "warnings": result.warnings, "figures": len(frame)}
        self._atomic(folder / "extract.json", lambda p: p.write_text(json.dumps(meta, indent=1)))
        return folder

    def has_extract(self, source_file: str, sha256: str) -> bool:
        folder = self.folder(source_file, sha256)
        return (folder / "extract.parquet").exists() and (folder / "extract.json").exists()

    def load_extract(self, source_file: str, sha256: str) -> tuple[dict, pd.DataFrame]:
        folder = self.folder(source_file, sha256)
        meta = json.loads((folder / "extract.json").read_text())
        return meta, pd.read_parquet(folder / "extract.parquet")

    # validate ----------------------------------------------------------------------------
    def save_validation(self, source_file: str, sha256: str, results: pd.DataFrame,
                        quarantine: pd.DataFrame) -> None:
        folder = self.folder(source_file, sha256)
        self._atomic(folder / "dq_results.parquet", lambda p: results.to_parquet(p, index=False))
        self._atomic(folder / "quarantine.parquet", lambda p: quarantine.to_parquet(p, index=False))

    def has_validation(self, source_file: str, sha256: str) -> bool:
        folder = self.folder(source_file, sha256)
        return (folder / "dq_results.parquet").exists() and (folder / "quarantine.parquet").exists()

    def load_validation(self, source_file: str, sha256: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        folder = self.folder(source_file, sha256)
        return pd.read_parquet(folder / "dq_results.parquet"), pd.read_parquet(folder / "quarantine.parquet")


def figures_frame(result: ExtractResult) -> pd.DataFrame:
    """The figures as a frame with every Figure column, in a fixed dtype."""
    frame = pd.DataFrame([f.as_row() for f in result.figures], columns=list(FIGURE_COLUMNS))
    for column in FIGURE_COLUMNS:
        frame[column] = frame[column].astype(FIGURE_DTYPES.get(column, "string"))
    return frame
