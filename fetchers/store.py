"""The raw store: every fetched file kept forever, content-addressed by sha256.

`raw/<aa>/<sha256>` holds the bytes; `raw/manifest.jsonl` gets one row per fetch (source,
url or path, fetched_at, bytes, sha256, media type, source_file). The same bytes fetched twice
are stored once (two manifest rows, one file). Files are written to a temporary name in the
same folder and renamed, so a crash never leaves a partial file under a real name.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

_manifest_lock = threading.Lock()


@dataclass(frozen=True)
class RawFile:
    """A report file as fetched: where from, what it is, and where its bytes are kept."""

    source_file: str  # file name as fetched, no folders: the report's ID
    sha256: str
    bytes: int
    media_type: str
    source: str  # the --source value (folder, file, URL, catalog) it came through
    location: str  # the file's own path or URL
    fetched_at: str  # ISO 8601, UTC
    path: str  # where the raw store keeps the bytes

    def read(self) -> bytes:
        return Path(self.path).read_bytes()


class RawStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.jsonl"

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes, *, source_file: str, media_type: str, source: str, location: str) -> RawFile:
        """Store bytes (once per content) and append a manifest row."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.path_for(sha)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        raw = RawFile(
            source_file=source_file,
            sha256=sha,
            bytes=len(data),
            media_type=media_type,
            source=source,
            location=location,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            path=str(target),
        )
        with _manifest_lock, self.manifest_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(raw)) + "\n")
        return raw

    def manifest(self) -> list[RawFile]:
        """Every manifest row, oldest first (rows torn by a crash are skipped)."""
        if not self.manifest_path.exists():
            return []
        rows = []
        for line in self.manifest_path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(RawFile(**json.loads(line)))
            except (json.JSONDecodeError, TypeError):
                continue
        return rows

    def forget(self, source_file: str) -> list[Path]:
        """Drop a report's manifest rows (the manifest is rewritten to a temporary name and renamed) and the
        stored files no other report's row names; the files removed."""
        with _manifest_lock:
            rows = self.manifest()
            keep = [raw for raw in rows if raw.source_file != source_file]
            if len(keep) == len(rows):
                return []
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".manifest-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.writelines(json.dumps(asdict(raw)) + "\n" for raw in keep)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.manifest_path)
        still = {raw.sha256 for raw in keep}
        removed = []
        for sha in sorted({raw.sha256 for raw in rows if raw.source_file == source_file} - still):
            path = self.path_for(sha)
            if path.exists():
                path.unlink()
                removed.append(path)
        return removed

    def latest(self, source_file: str) -> RawFile | None:
        """The most recently fetched version of a report."""
        for raw in reversed(self.manifest()):
            if raw.source_file == source_file:
                return raw
        return None
