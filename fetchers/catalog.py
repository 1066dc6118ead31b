"""Source catalogs: a YAML (or TOML) file that lists where reports come from.

```yaml
sources:
  - path: reports/                 # a folder or a file, relative to the catalog
  - url: https://example.org/peru-sitrep-2024-01.pdf
    name: peru-sitrep-2024-01.pdf  # optional: the report ID to use instead of the URL's file name
  - reliefweb:                     # ReliefWeb API v2 /reports search (see fetchers/reliefweb.py)
      appname: sitrep
      query: "situation report"
      country: Peru
      organizations: [UNHCR, IOM, R4V]
      limit: 50
```

A `path:` entry may name another catalog (an include). Includes are followed at most MAX_DEPTH deep, and a
catalog that includes itself, directly or through others, is a configuration error naming the cycle.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from sitrep.errors import ConfigError

from .names import name_from_url, safe_name

if TYPE_CHECKING:
    from . import FetchItem


MAX_DEPTH = 8  # catalogs including catalogs


def load_catalog(path: Path) -> list[dict]:
    """The catalog's entries, checked for shape."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (OSError, yaml.YAMLError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read catalog {path}: {exc}") from exc
    except RecursionError:  # the parsers recurse once per nesting level
        raise ConfigError(f"cannot read catalog {path}: nested too deeply (thousands of levels of lists or "
                          "tables); a catalog is a flat 'sources:' list") from None
    entries = (data or {}).get("sources") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"catalog {path} needs a top-level 'sources:' list")
    for i, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not ({"path", "url", "reliefweb"} & entry.keys()):
            raise ConfigError(f"catalog {path}, entry {i}: needs one of path, url or reliefweb")
    return entries


def _check_include(path: Path, chain: tuple[Path, ...]) -> tuple[Path, ...]:
    """The include chain with `path` added; ConfigError for a cycle or past MAX_DEPTH."""
    real = path.resolve()
    names = " -> ".join(str(p) for p in (*chain, real))
    if real in chain:
        what = "includes itself" if chain[-1] == real else "is part of an include cycle"
        raise ConfigError(f"catalog {real} {what}: {names}")
    if len(chain) >= MAX_DEPTH:
        raise ConfigError(f"catalog {real}: includes nested more than {MAX_DEPTH} deep: {names}")
    return (*chain, real)


def resolve_catalog(path: Path, chain: tuple[Path, ...] = (), remote: bool = True) -> list[FetchItem]:
    """The report files a catalog lists; `chain` holds the catalogs that included this one. With `remote`
    False the ReliefWeb searches are not run (a check of the catalogs themselves)."""
    from . import FetchItem, resolve

    chain = _check_include(path, chain)
    items: list[FetchItem] = []
    for entry in load_catalog(path):
        if "path" in entry:
            target = (path.parent / str(entry["path"])).resolve()
            items += [FetchItem(str(path), i.location, i.source_file) for i in resolve(str(target), chain, remote)]
        elif "url" in entry:
            url = str(entry["url"])
            name = safe_name(str(entry["name"])) if entry.get("name") else name_from_url(url)
            items.append(FetchItem(str(path), url, name))
        elif remote:
            from .reliefweb import list_reports

            items += [FetchItem(str(path), url, name) for url, name in list_reports(entry["reliefweb"])]
    return items
