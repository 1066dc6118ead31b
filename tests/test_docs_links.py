"""The project's markdown (README.md, BENCHMARKS.md, docs/*.md): every relative link and every file path it
names resolves in the repository, and every #anchor names a heading of its target."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import ROOT

DOCS = [ROOT / "README.md", ROOT / "BENCHMARKS.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")
# a file path named in the text: at least one folder and a source or document suffix (`tests/data/score.py`)
PATH = re.compile(r"(?<![\w./:-])((?:\.\./|\./)?(?:[\w.-]+/)+[\w.-]+\.(?:md|py|sql|csv|toml|yaml|yml|j2))\b")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text("utf-8"))
    return {_slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", text, re.M)}


def _links(doc: Path) -> list[str]:
    return [a or b for a, b in LINK.findall(FENCE.sub("", doc.read_text("utf-8")))]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(doc):
    broken = []
    for target in _links(doc):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        path = (doc.parent / file).resolve() if file else doc
        if not path.exists():
            broken.append(f"{target}: no {path}")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{target}: no heading #{anchor} in {path.name}")
    assert not broken, f"{doc.name}: " + "; ".join(broken)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_named_files_exist(doc):
    """A path in the text (`tests/data/score.py`, `corpus/GOLD.md`, `../shared/tools/score.py`) names a file of
    the repository, read from the document's folder or from the repository root."""
    missing = []
    for match in PATH.finditer(doc.read_text("utf-8")):
        name = match.group(1)
        top = name.split("/")[0]
        if not (name.endswith(".md") or top in ("..", ".") or (ROOT / top).is_dir()):
            continue  # a library's file (`prefect/flows.py` in a profile), not the repository's
        if not ((doc.parent / name).exists() or (ROOT / name).exists()):
            missing.append(name)
    assert not missing, f"{doc.name} names files that are not in the repository: {sorted(set(missing))}"


def test_the_contract_links_the_vocabulary_gold_and_scoring_tool():
    links = _links(ROOT / "docs" / "CONTRACT.md")
    for name in ("VOCABULARY.md", "GOLD.md", "../tests/data/score.py", "../tests/data/gold_facts.csv"):
        assert name in links, links
