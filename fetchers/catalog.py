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


def load_catalog(path: Path) -> list[dict]:
    """The catalog's entries, checked for shape."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (OSError, yaml.YAMLError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read catalog {path}: {exc}") from exc
    entries = (data or {}).get("sources") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"catalog {path} needs a top-level 'sources:' list")
    for i, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not ({"path", "url", "reliefweb"} & entry.keys()):
            raise ConfigError(f"catalog {path}, entry {i}: needs one of path, url or reliefweb")
    return entries


def resolve_catalog(path: Path) -> list[FetchItem]:
    from . import FetchItem, resolve

    items: list[FetchItem] = []
    for entry in load_catalog(path):
        if "path" in entry:
            target = (path.parent / str(entry["path"])).resolve()
            items += [FetchItem(str(path), i.location, i.source_file) for i in resolve(str(target))]
        elif "url" in entry:
            url = str(entry["url"])
            name = safe_name(str(entry["name"])) if entry.get("name") else name_from_url(url)
            items.append(FetchItem(str(path), url, name))
        else:
            from .reliefweb import list_reports

            items += [FetchItem(str(path), url, name) for url, name in list_reports(entry["reliefweb"])]
    return items
