"""How each dimension of a figure was decided, kept with the figure so analysts can filter on it.

A figure's sector may come from the table header over its cell, the heading it sits under, or its own
wording ("2,700 hygiene kits" -> WASH); analysts trust these differently. `Figure.dimensions_from` holds
one text, "sector=heading; location=wording", in a fixed order of dimensions, so SQL can split it
(`v_facts.sector_from`, ...). Only dimensions that have a value are named.
"""

from __future__ import annotations

from .records import Figure

DIMENSIONS = ("sector", "location", "population", "measure")

TABLE_HEADER = "table header"  # the row or column label of the figure's table cell or grid cell
TABLE_TITLE = "table title"  # the caption or title printed over the figure's table
HEADING = "heading"  # the section heading the figure sits under (until the next heading of any kind)
WORDING = "wording"  # the figure's own clause or sentence ("in Lima", "hygiene kits", "Integration (USD ...)")
PRECEDING_TEXT = "preceding text"  # an earlier sentence or paragraph ("In Lima, ..." opening the paragraph)
LABEL = "label"  # the label of a headline card or of a definition-list entry ("FUNDED: $44.8M")
CHART_LABEL = "chart label"  # a chart's series or category label, or its title
DOCUMENT = "document"  # what the document as a whole reports (an R4V sitrep's sector table counts people reached)
WAYS = (TABLE_HEADER, TABLE_TITLE, HEADING, WORDING, PRECEDING_TEXT, LABEL, CHART_LABEL, DOCUMENT)


def parse(text: str | None) -> dict[str, str]:
    """'sector=heading; location=wording' -> {'sector': 'heading', 'location': 'wording'}."""
    out: dict[str, str] = {}
    for part in (text or "").split(";"):
        key, sep, way = part.partition("=")
        if sep and key.strip() in DIMENSIONS:
            out[key.strip()] = way.strip()
    return out


def decide(fig: Figure, **ways: str | None) -> Figure:
    """Record how dimensions of `fig` were decided (decide(fig, sector=HEADING)); None forgets one."""
    known = parse(fig.dimensions_from)
    for dim, way in ways.items():
        if dim not in DIMENSIONS:
            raise ValueError(f"unknown dimension {dim!r}")
        if way is None:
            known.pop(dim, None)
        else:
            if way not in WAYS:
                raise ValueError(f"unknown way {way!r}: one of {WAYS}")
            known[dim] = way
    fig.dimensions_from = _text(known)
    return fig


def settle(fig: Figure) -> Figure:
    """Drop what is said of dimensions the figure no longer has (a sector set, then cleared)."""
    known = {dim: way for dim, way in parse(fig.dimensions_from).items() if getattr(fig, dim) is not None}
    fig.dimensions_from = _text(known)
    return fig


def way_of(fig: Figure, dim: str) -> str | None:
    return parse(fig.dimensions_from).get(dim)


def _text(known: dict[str, str]) -> str | None:
    return "; ".join(f"{dim}={known[dim]}" for dim in DIMENSIONS if dim in known) or None
