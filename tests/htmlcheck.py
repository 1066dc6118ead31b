"""What a generated HTML page links to: element ids, in-page links (#...) and other links, outside scripts,
plus the in-page links that chart specs carry (`"href": "#..."`), for tests that every link resolves."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.anchors: list[str] = []  # href="#x" -> "x"
        self.others: list[str] = []  # every other href or src
        self.assets: list[str] = []  # src of scripts/images and href of stylesheets

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        href = attrs.get("href")
        if href is not None:
            (self.anchors.append(href[1:]) if href.startswith("#") else self.others.append(href))
        if tag in ("script", "img", "iframe") and attrs.get("src"):
            self.assets.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.assets.append(attrs["href"])


def links(path: Path) -> Links:
    html = path.read_text(encoding="utf-8")
    parsed = Links()
    parsed.feed(html)
    parsed.anchors += re.findall(r'"href":\s*"#([^"]*)"', html)  # chart marks (in the JSON specs)
    return parsed


def dangling(path: Path) -> list[str]:
    """In-page links with no element of that id, and relative links to files that do not exist."""
    parsed = links(path)
    bad = [f"#{a}" for a in parsed.anchors if a not in parsed.ids]
    for href in parsed.others:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path:
            continue
        if not (path.parent / unquote(parts.path)).exists():
            bad.append(href)
    return bad
