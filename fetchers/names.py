"""Safe report IDs from untrusted names (URLs, catalogs, API responses).

A report's ID is its file name as fetched, with no folders. Names that come from outside
must never escape the data folder or carry odd characters into paths and logs.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")


def safe_name(name: str, fallback: str = "report") -> str:
    """The last path segment, reduced to [A-Za-z0-9._+-]; never '', '.', '..' or hidden."""
    name = unquote(name).replace("\\", "/")
    last = PurePosixPath(name).name
    last = unicodedata.normalize("NFKD", last).encode("ascii", "ignore").decode("ascii")
    last = _UNSAFE.sub("-", last).strip("-.")
    if not last or set(last) <= {"."}:
        return fallback
    return last[:200]


def name_from_url(url: str) -> str:
    """File name for a URL: its last path segment, or the host when the path is empty."""
    parts = urlsplit(url)
    return safe_name(parts.path, fallback=safe_name(parts.netloc, "download"))
