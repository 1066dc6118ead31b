"""Fetch stage: turn `--source` values into report files in the raw store.

`resolve(source)` lists what a source holds (cheap: no downloads) as `FetchItem`s, one per report;
`fetch(item, store)` gets one report's bytes and stores them. The flow runs one fetch task per item,
so one bad URL never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from extractors.document import sniff_media_type
from sitrep.errors import ConfigError, FetchError

from .http import download
from .names import name_from_url, safe_name
from .store import RawFile, RawStore

REPORT_SUFFIXES = (".pdf", ".html", ".htm")
CATALOG_SUFFIXES = (".yaml", ".yml", ".toml")

__all__ = ["FetchItem", "RawFile", "RawStore", "resolve", "fetch", "REPORT_SUFFIXES"]


@dataclass(frozen=True)
class FetchItem:
    source: str  # the source it was listed from (for the manifest)
    location: str  # path or URL of the file itself
    source_file: str  # the report's ID: file name as fetched, no folders

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))


def resolve(source: str, chain: tuple[Path, ...] = (), remote: bool = True) -> list[FetchItem]:
    """The report files a source holds: a folder, a file, an http(s) URL or a catalog file (`chain`: the
    catalogs that included it, for cycle detection; `remote` False: skip ReliefWeb searches)."""
    if source.startswith(("http://", "https://")):
        return [FetchItem(source, source, name_from_url(source))]
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES)
        return [FetchItem(source, str(p.absolute()), safe_name(p.name)) for p in files]
    if path.is_file() and path.suffix.lower() in CATALOG_SUFFIXES:
        from .catalog import resolve_catalog

        return resolve_catalog(path, chain, remote)
    if path.is_file():
        return [FetchItem(source, str(path.absolute()), safe_name(path.name))]
    raise ConfigError(f"source not found: {source!r} (expected a folder, a file, an http(s) URL or a catalog)")


def fetch(item: FetchItem, store: RawStore, **http_options) -> RawFile:
    """Read or download one report and keep its bytes in the raw store. `http_options` go to
    fetchers.http.download (e.g. `stage_deadline`, the run's fetch-stage limit)."""
    if item.is_url:
        data, _final_url = download(item.location, name=item.source_file, **http_options)
    else:
        try:
            data = Path(item.location).read_bytes()
        except OSError as exc:
            raise FetchError(f"cannot read {item.location}: {exc.strerror}", report=item.source_file) from exc
    return store.put(data, source_file=item.source_file, media_type=sniff_media_type(data),
                     source=item.source, location=item.location)
