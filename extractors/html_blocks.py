"""General web-page reading for the web-page families: structure in, plain labelled pieces out.

Reports published as web pages carry their figures in a few shapes: sentences under headings,
headline cards ("label + value"), tables (sectors as columns or as rows), definition lists
(year -> total) and chart data embedded as JSON. These functions find those shapes by structure
(tags, roles, scoped headings, JSON shape) so family extractors only add their own wording rules.
Nothing here knows a particular page: no values, no file names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .decided import CHART_LABEL, DOCUMENT, HEADING, LABEL, TABLE_HEADER, TABLE_TITLE, decide
from .numbers import MoneyStatement, current_locale, money_statement, parse_number, restate, word_number_re
from .periods import year_period
from .records import Figure
from .vocab import metric_for

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", *HEADINGS,
})
# Page furniture, never report content: chrome by tag/role, and the usual class/id names of
# cookie banners, menus, breadcrumbs, share bars and skip links.
NOISE_SELECTOR = (
    "nav, form[role=search], noscript, template, iframe, svg, button, style, link, meta, time, "
    "[role=banner], [role=navigation], [role=contentinfo], [role=dialog], [role=alertdialog], "
    "[role=search], [role=tablist], [aria-hidden=true]"
)
NOISE_HINT = re.compile(
    r"cookie|consent|gdpr|popup|breadcrumb|skip-link|share|social|lang(uage)?-?switch|menu|navbar|"
    r"\bsearch|sidebar-related|newsletter",
    re.I,
)
CARD_ZONE_HINT = re.compile(r"key[-_ ]?fig|keyfig", re.I)
CARD_HINT = re.compile(r"^key[-_]?figure(--[\w-]+)?$", re.I)
CARD_ZONE_HEADING = re.compile(r"^\s*(key figures|cifras clave|in numbers|en cifras)\b", re.I)
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|ene|abr|ago|set|dic)[a-z]*\.?"
_YEAR = r"(19|20)\d{2}"
_DATE_TOKEN = re.compile(
    rf"\b(\d{{1,2}}[-/. ]{_MONTH}[-/. ]+{_YEAR}|\d{{1,2}}[-/.]\d{{1,2}}[-/.]({_YEAR}|\d{{2}})"
    rf"|{_YEAR}-\d{{2}}-\d{{2}}|{_MONTH}\s+\d{{1,2}},?\s+{_YEAR}|{_YEAR})\b", re.I)
_CODE = re.compile(r"^[a-z]{1,3}\d{1,2}[a-z]?$", re.I)

# Measure wording of card and table labels (English and Spanish), first match wins.
MEASURE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("people_reached", re.compile(r"assist|reached|beneficiar|atendid|alcanzad", re.I)),
    ("requirement", re.compile(r"requir|requerim|appeal|llamamiento", re.I)),
    ("funds_available", re.compile(r"funds available|fondos disponibles", re.I)),
    ("funded", re.compile(r"\bfund(ed|ing)\b|financ", re.I)),
    ("budget", re.compile(r"budget|presupuesto", re.I)),
    ("expenditure", re.compile(r"expenditure|spent|gasto|gastado", re.I)),
    ("target", re.compile(r"\btargets?\b|\bmeta\b", re.I)),
    ("baseline", re.compile(r"baseline|l[ií]nea de base", re.I)),
)
_PCT_MEASURES = {"funded", "funds_available", "expenditure"}


def measure_for(label: str | None, unit: str | None = None) -> str | None:
    """Measure named by a card/table/chart label; a percent of a money measure is its *_pct."""
    if not label:
        return None
    for measure, pattern in MEASURE_RULES:
        if pattern.search(label):
            return f"{measure}_pct" if unit == "percent" and measure in _PCT_MEASURES else measure
    return None


# ---------------------------------------------------------------- tree and text


def _hint(node: LexborNode) -> str:
    attrs = node.attributes
    return f"{attrs.get('id') or ''} {attrs.get('class') or ''}"


def content_root(html_text: str) -> LexborNode | None:
    """The page's main content as a fresh tree (the shared Document tree stays untouched).

    Takes <main>/[role=main] when the page marks one, else <body>, then drops page furniture:
    header, footer, navigation, cookie banners, forms, scripts and styles.
    """
    tree = LexborHTMLParser(html_text)
    root = tree.css_first("main, [role=main]") or tree.body
    if root is None:
        return None
    noise = root.css(f"script, {NOISE_SELECTOR}")
    # site header/footer; an article's own header is content
    noise += [n for n in root.css("header, footer") if not any(a.tag in ("article", "section")
                                                                for a in _ancestors(n))]
    noise += [n for n in root.css("[id], [class]") if NOISE_HINT.search(_hint(n))]
    ids = {n.mem_id for n in noise}
    for node in noise:  # outermost only: a removed subtree's nodes must not be touched again
        if node.mem_id != root.mem_id and not any(a.mem_id in ids for a in _ancestors(node)):
            node.decompose()
    return root


def _ancestors(node: LexborNode) -> Iterator[LexborNode]:
    cur = node.parent
    while cur is not None:
        yield cur
        cur = cur.parent


def node_text(node: LexborNode) -> str:
    """Text with block boundaries and <br> as spaces, inline tags glued: 'a <b>1,9</b>67' stays whole."""
    return " ".join(_text_parts(node, "\n").split())


def lines(node: LexborNode) -> list[str]:
    """Block-level lines of an element (a card's label, value and sub-lines), white space folded."""
    return [" ".join(line.split()) for line in _text_parts(node, "\n").split("\n") if line.strip()]


def _text_parts(node: LexborNode, sep: str) -> str:
    out: list[str] = []
    for child in node.iter(include_text=True):
        if child.tag == "-text":
            out.append(child.text_content or "")
        elif child.tag == "br":
            out.append(sep)
        elif child.tag in BLOCKS:
            out.append(sep + _text_parts(child, sep) + sep)
        elif child.tag not in ("script", "style", "-comment"):
            out.append(_text_parts(child, sep))
    return "".join(out)


def is_date_only(text: str) -> bool:
    """A block whose only digits are dates or years ('25-NOV-2021 Germany', 'Published 26 October
    2023', '2020') and no number words: no figure in it. ('reached over three million people in 2020'
    has one.)"""
    return not _has_digit(_DATE_TOKEN.sub(" ", text)) and not word_number_re(current_locale()).search(text)


def inside(node: LexborNode, ancestor: LexborNode) -> bool:
    return any(a.mem_id == ancestor.mem_id for a in _ancestors(node))


def heading_for(node: LexborNode) -> LexborNode | None:
    """The heading a node sits under, scoped by nesting: the nearest preceding heading sibling of the
    node or of one of its ancestors (a heading inside an earlier sibling block does not apply)."""
    if is_heading(node):
        return node
    cur = node
    while cur is not None:
        sib = cur.prev
        while sib is not None:
            if is_heading(sib):
                return sib
            sib = sib.prev
        cur = cur.parent
    return None


def is_heading(node: LexborNode) -> bool:
    """<h1>..<h6>, or a short paragraph that is all bold ('<p><strong>Health</strong></p>', '<p><b>October
    2023</b></p>': a date may be part of it), the way WYSIWYG page bodies print sub-headings. A heading of any
    kind ends the sector of the heading before it (heading_for takes the nearest)."""
    if node.tag in HEADINGS:
        return True
    if node.tag not in ("p", "div"):
        return False
    kids = [c for c in node.iter(include_text=True)
            if not (c.tag == "-text" and not (c.text_content or "").strip())]
    if len(kids) != 1 or kids[0].tag not in ("strong", "b"):
        return False
    text = node_text(node)
    return 0 < len(text.split()) <= 8 and not _has_digit(_DATE_TOKEN.sub(" ", text))


def heading_text(node: LexborNode) -> str | None:
    heading = heading_for(node)
    return node_text(heading) if heading is not None else None


def own_text(node: LexborNode) -> str:
    """Text of a block outside its child blocks ('25-NOV-2021 Germany' of an <li> that also holds a <p>)."""
    parts = [(c.text_content or "") if c.tag == "-text" else node_text(c)
             for c in node.iter(include_text=True) if c.tag not in BLOCKS and c.tag != "br"]
    return " ".join(" ".join(parts).split())


def text_blocks(root: LexborNode, skip: list[LexborNode] = ()) -> Iterator[tuple[LexborNode, str]]:
    """(block, text) for every piece of running text in page order: leaf blocks (p, li, headings,
    leaf divs) whole, and the loose inline text of blocks that also hold blocks. Tables, definition
    lists and the `skip` subtrees (cards already read) are left out."""
    skip_ids = {n.mem_id for n in skip}
    for node in root.traverse():
        if node.tag not in BLOCKS or node.tag in ("table", "dl", "ul", "ol", "hr"):
            continue
        if node.mem_id in skip_ids or any(a.mem_id in skip_ids or a.tag in ("table", "dl")
                                          for a in _ancestors(node)):
            continue
        leaf = not any(c.tag in BLOCKS for c in node.traverse() if c.mem_id != node.mem_id)
        text = node_text(node) if leaf else own_text(node)
        if text:
            yield node, text


def lead_in(block: LexborNode) -> str | None:
    """For a list item, the sentence that introduces its list ('In 2020, UNHCR will:')."""
    if block.tag != "li" or block.parent is None:
        return None
    prev = block.parent.prev
    while prev is not None and prev.tag == "-text":
        prev = prev.prev
    if prev is not None and prev.tag == "p":
        text = node_text(prev)
        if text.endswith(":"):
            return text
    return None


# ---------------------------------------------------------------- cards


def card_zones(root: LexborNode) -> list[LexborNode]:
    """Headline-figure areas: elements named key-figures, or a panel whose first heading says so."""
    zones: list[LexborNode] = []
    for node in root.traverse():
        if node.tag in HEADINGS:
            continue
        named = CARD_ZONE_HINT.search(_hint(node)) is not None
        if not named:
            first = next((h for h in node.iter() if h.tag in HEADINGS), None)
            named = first is not None and CARD_ZONE_HEADING.match(node_text(first)) is not None
        if named and not any(inside(node, z) for z in zones):
            zones.append(node)
    return zones


def cards(zone: LexborNode) -> list[LexborNode]:
    """The units of a card zone: list items, else elements named as one key figure, else the zone."""
    items = zone.css("li")
    if items:
        return items
    named = [n for n in zone.traverse() if any(CARD_HINT.match(c) for c in _hint(n).split())]
    named = [n for n in named if not any(inside(n, m) for m in named if m is not n)]
    return named or [zone]


@dataclass
class CardLine:
    """One value line of a card: its own text, the label it belongs to, and whether it is a sentence."""

    text: str
    label: str
    sentence: bool


# what a value line may hold besides its label: numbers, currency, scale and percent words
_NUMBERISH = re.compile(r"[$€£%]|\bUS\$|\bS/|[\d.,]+(\s*[KMB](?![a-z]))?|"
                        r"\b(USD|PEN|soles|dollars?|d[oó]lares|per ?cent|percent|"
                        r"millions?|millones|billions?|thousands?|mil|bn|[KMB])\b", re.I)


def card_lines(card: LexborNode, has_figure) -> list[CardLine]:
    """Value lines of a card with their labels. A line with words of its own ('FUNDED: $44.8M',
    '300,000 refugees received ...') is its own label; a bare value ('1.54M') takes the label lines
    printed just before it, or else just after it (cards that print the value first)."""
    items: list[tuple[str, bool]] = []  # (line, is a value line)
    for line in lines(card):
        if has_figure(line):
            items.append((line, True))
        elif not re.match(r"^\s*(source|fuente)\b", line, re.I):
            items.append((line, False))
    out = []
    for i, (line, is_value) in enumerate(items):
        if not is_value:
            continue
        own = " ".join(_NUMBERISH.sub(" ", line).split()).strip(" :*-")
        if re.search(r"[^\W\d_]{2,}", own):
            sentence = ":" not in line and len(own.split()) > 4
            out.append(CardLine(line, line if sentence else own, sentence))
            continue
        before = _label_run(items[i - 1::-1] if i else [])[::-1]
        label = " ".join(before or _label_run(items[i + 1:]))
        out.append(CardLine(line, label, len(label.split()) > 8))  # a long label is a sentence
    return out


def _label_run(items: list[tuple[str, bool]]) -> list[str]:
    run = []
    for line, is_value in items:
        if is_value:
            break
        run.append(line)
    return run


# ---------------------------------------------------------------- tables


@dataclass
class Cell:
    """A data cell with the labels of its row and column (either may carry the sector)."""

    text: str
    row_label: str | None
    col_label: str | None
    row: int
    col: int


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def table_cells(table: LexborNode) -> list[Cell]:
    """Every value cell of a table with its row and column labels, whatever the orientation.

    Header rows are <thead> rows, rows of only <th> or rows with no digits (a header row after value
    rows starts a new band); the row label is a row's leading <th> or first cell without digits.
    Colspans are expanded.
    """
    grid: list[list[tuple[str, str]]] = []
    for tr in table.css("tr"):
        row: list[tuple[str, str]] = []
        for cell in tr.iter():
            if cell.tag not in ("td", "th"):
                continue
            try:
                span = max(1, min(int(cell.attributes.get("colspan") or 1), 50))
            except ValueError:
                span = 1
            row += [(cell.tag, node_text(cell))] * span
        if row:
            in_head = tr.parent is not None and tr.parent.tag == "thead"
            grid.append([("head" if in_head else tag, text) for tag, text in row])
    return grid_cells(grid)


def grid_cells(grid: list[list[tuple[str, str]]]) -> list[Cell]:
    """Value cells of a table given as rows of (tag, text), tag "head" / "th" for header cells and "td" for
    others (a web table's cells, or a PDF table's as camelot reads them): see table_cells."""
    headers: list[list[str]] = []
    rows: list[tuple[list[list[str]], list[tuple[str, str]]]] = []  # (headers in force, body row)
    last_was_head = False
    for row in grid:
        all_head = all(tag in ("head", "th") for tag, _ in row)
        if all_head or (len(row) > 1 and not any(_has_digit(t) for _, t in row)):
            # header rows stack; a label row after value rows starts a new band (a wrapped table)
            headers = [*headers, [t for _, t in row]] if last_was_head else [[t for _, t in row]]
            last_was_head = True
        else:
            rows.append((headers, row))
            last_was_head = False
    out = []
    for r, (headers, row) in enumerate(rows):
        first_tag, first_text = row[0]
        label_first = len(row) > 1 and (first_tag in ("th", "head") or not _has_digit(first_text))
        row_label = first_text if label_first else None
        for c, (_tag, text) in enumerate(row):
            if (label_first and c == 0) or not text:
                continue
            col_label = " ".join(h[c] for h in headers if c < len(h) and h[c]) or None
            out.append(Cell(text, row_label, col_label, r, c))
    return out


def table_caption(table: LexborNode) -> str:
    cap = table.css_first("caption")
    return node_text(cap) if cap is not None else ""


# ---------------------------------------------------------------- definition lists


def definition_pairs(root: LexborNode) -> list[tuple[str, str]]:
    """(term, value) pairs of <dl> lists: a <dt> and the <dd> that follows it."""
    pairs = []
    for dl in ([root] if root.tag == "dl" else root.css("dl")):
        term = None
        for child in dl.iter():
            if child.tag == "dt":
                term = node_text(child)
            elif child.tag == "dd" and term is not None:
                pairs.append((term, node_text(child)))
    return pairs


# ---------------------------------------------------------------- chart data

_SCALES = (
    (re.compile(r"\bbillions?\b|\bbn\b|\bmil millones\b", re.I), Decimal(10) ** 9),
    (re.compile(r"\bmillions?\b|\bmillones\b|\bmln\b|\bmio\b|\b(US\$|USD|\$)\s?M\b|\bM\s?(USD|US\$)", re.I),
     Decimal(10) ** 6),
    (re.compile(r"\bthousands?\b|\bmiles\b|\b(US\$|USD|\$)\s?K\b|\bK\s?(USD|US\$)", re.I), Decimal(10) ** 3),
)


def chart_scale(meta: str) -> tuple[str, Decimal]:
    """Unit class and multiplier a chart's own labels state: 'USD millions' -> ('usd', 10**6)."""
    unit = "number"
    if re.search(r"US\$|\bUSD\b|\$|dollars?|d[oó]lares", meta, re.I):
        unit = "usd"
    elif re.search(r"%|\bper ?cent\b|\bpercentage\b|porcentaje", meta, re.I):
        unit = "percent"
    elif re.search(r"\bPEN\b|\bS/|\bsoles\b", meta):
        unit = "pen"
    for pattern, factor in _SCALES:
        if pattern.search(meta):
            return unit, factor
    return unit, Decimal(1)


@dataclass
class ChartPoint:
    """One value behind a chart: its series and category labels, the chart's own metadata text."""

    value: Decimal
    series: str | None
    category: str | None
    meta: str
    raw: str


@dataclass
class Chart:
    meta: str
    points: list[ChartPoint] = field(default_factory=list)


def _num(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return None


def _label(value) -> str | None:
    return None if value is None else str(value)


def _chart_points(data) -> Iterator[tuple[str | None, str | None, Decimal]]:
    """(series, category, value) from the JSON shapes charts are fed with."""
    if isinstance(data, list):
        for item in data:
            if isinstance(item, list) and len(item) == 2 and _num(item[1]) is not None:
                yield None, _label(item[0]), _num(item[1])
            elif isinstance(item, dict):
                name = item.get("name") or item.get("label")
                val = _num(item.get("value", item.get("y")))
                if name is not None and val is not None:
                    yield None, _label(name), val
        return
    if not isinstance(data, dict):
        return
    axis = data.get("xAxis") if isinstance(data.get("xAxis"), dict) else {}
    cats = data.get("categories") or data.get("labels") or axis.get("categories") or []
    series: list[tuple[str, list]] = []
    if isinstance(data.get("series"), list):
        series = [(str(s.get("name", "")), s.get("data") or [])
                  for s in data["series"] if isinstance(s, dict)]
    else:
        series = [(k, v) for k, v in data.items()
                  if k not in ("categories", "labels") and isinstance(v, list)
                  and v and all(x is None or _num(x) is not None for x in v)]
    for name, values in series:
        for i, raw in enumerate(values):
            if isinstance(raw, list) and len(raw) == 2:
                cat, raw = raw
            else:
                cat = cats[i] if i < len(cats) else None
            val = _num(raw)
            if val is not None:
                yield name, _label(cat), val


def _meta_strings(data) -> list[str]:
    """Scalar strings of a chart's JSON (its unit, title), not its series labels."""
    if isinstance(data, dict):
        return [f"{k} {v}" for k, v in data.items() if isinstance(v, str)] + [
            s for k, v in data.items() if isinstance(v, dict) and k != "series" for s in _meta_strings(v)]
    return []


def charts(html_text: str) -> list[Chart]:
    """Chart data embedded as JSON <script> blocks, each with the metadata of the script and of the
    elements that point at it (data-* attributes, titles). Settings JSON has no chart shape and
    yields no points."""
    tree = LexborHTMLParser(html_text)
    out = []
    for script in tree.css("script"):
        kind = (script.attributes.get("type") or "").lower()
        if kind != "application/json" or "settings" in " ".join(map(str, script.attributes.values())).lower():
            continue
        try:
            data = json.loads(script.text() or "", parse_float=Decimal)
        except (ValueError, InvalidOperation):
            continue
        meta = [v for k, v in script.attributes.items() if k.startswith("data-") and v]
        sid = script.attributes.get("id")
        if sid:
            meta.append(sid)
            for ref in tree.css("[data-chart-source], [data-source], [aria-describedby]"):
                pointers = ("data-chart-source", "data-source", "aria-describedby")
                if sid in {ref.attributes.get(a) for a in pointers}:
                    meta += [v for k, v in ref.attributes.items() if (k.startswith("data-") or k in
                             ("title", "aria-label")) and v and v != sid]
        meta += _meta_strings(data)
        chart = Chart(" | ".join(meta))
        for series, category, value in _chart_points(data):
            chart.points.append(ChartPoint(value, series, category, chart.meta, f"{value}"))
        if chart.points:
            out.append(chart)
    return out


def label_dims(label: str | None) -> dict[str, str]:
    """What a chart/table label names: a period (year), population, sector, measure, place or indicator code."""
    from .vocab import canonical_population, place_named

    if not label:
        return {}
    label = label.strip()
    if re.fullmatch(r"(19|20)\d{2}", label):
        return {"period": label}
    if (pop := canonical_population(label)) is not None:
        return {"population": pop}
    if (sector := sector_of(label)) is not None:
        return {"sector": sector}
    if (measure := measure_for(label)) is not None:
        return {"measure": measure}
    if (place := place_named(label)) is not None:
        return {"location": place}
    if _CODE.match(label):
        return {"indicator": label}
    return {}


def stated_year(text: str | None) -> str | None:
    return year_period(text) if text else None


# ---------------------------------------------------------------- figures


def sector_of(heading: str | None) -> str | None:
    """Canonical sector a heading names ('Food Security', 'Protección (VBG)', 'Shelter:'), else None; a short
    heading that opens with one sector's name and names no other ('Health sector', 'WASH response', 'Sector
    Salud') names it too."""
    from .vocab import canonical_sector, sector_names

    if not heading:
        return None
    for candidate in (heading, re.split(r"\s[(\[]", heading)[0], re.split(r"\s[-–:|]\s?", heading)[0]):
        if (sector := canonical_sector(candidate.strip(" *:"))) is not None:
            return sector
    words = re.sub(r"^\W*(?:the\s+|el\s+|la\s+)?(?:sector\s+(?:de\s+)?)?", "", heading.strip(), flags=re.I).split()
    if not 0 < len(words) <= 5 or len(named := sector_names(" ".join(words))) != 1:
        return None
    sector = named.pop()
    return sector if any(canonical_sector(" ".join(words[:n])) == sector for n in (1, 2, 3, 4)) else None


def _find(text: str, **kw) -> list[Figure]:
    from .prose import find_figures

    return find_figures(text, **kw)


def card_figures(root: LexborNode) -> tuple[list[Figure], list[LexborNode]]:
    """key_figure records of headline cards, and the zones read (so prose skips them).

    A labelled value ('FUNDED: $44.8M', or a card 'PEOPLE ASSISTED' + '25,290') takes its measure
    from the label; a sentence card ('300,000 refugees received ...') is read like prose. A year in
    a heading inside the zone ('2021 planning figures') is the period of the cards under it.
    """
    figures: list[Figure] = []
    zones = card_zones(root)
    for zone in zones:
        for card in cards(zone):
            heading = heading_for(card)
            own = heading is not None and inside(heading, zone)
            period = stated_year(node_text(heading)) if own else None
            for line in card_lines(card, lambda t: bool(_find(t))):
                section = (node_text(heading) if own else None) if line.sentence else line.label
                for fig in _find(line.text, kind="key_figure", period=period, section=section):
                    if not line.sentence:
                        fig.measure = measure_for(line.label, fig.unit) or fig.measure
                        decide(fig, measure=LABEL)
                        if line.label and line.label not in line.text:
                            fig.evidence = f"{line.label} {line.text}"
                    figures.append(fig)
    return figures, zones


def definition_figures(root: LexborNode) -> list[Figure]:
    """key_figure records of <dl> widgets: a year term is the period ('2019' -> '867,821'),
    another term is the label."""
    figures = []
    for dl in root.css("dl"):
        heading = heading_text(dl)
        for term, value in definition_pairs(dl):
            period = term if re.fullmatch(r"(19|20)\d{2}", term.strip()) else None
            for fig in _find(value, kind="key_figure", period=period, section=heading or term):
                if period is None:
                    fig.measure = measure_for(term, fig.unit) or fig.measure
                    decide(fig, measure=LABEL)
                else:  # a year term: what is counted is said by the widget's heading
                    fig.metric = metric_for(heading) or fig.metric
                fig.evidence = f"{term} {value}"
                figures.append(fig)
    return figures


_BARE_NUMBER = re.compile(r"^\d{1,3}(?:[,.\s]\d{3})+$|^\d+$")


def _note_before(table: LexborNode) -> str:
    """The short paragraph right before a table (where 'Todas las cifras en USD' is often printed)."""
    node = table.prev
    while node is not None and node.tag == "-text" and not (node.text_content or "").strip():
        node = node.prev
    if node is None or node.tag not in ("p", "div", "span", "em", "small"):
        return ""
    text = node_text(node)
    return text if len(text) <= 300 else ""


def table_figures(root: LexborNode, default_measure: str | None = None) -> list[Figure]:
    """table records: every value cell with the sector/population/measure its row and column name.
    A cell that is only a number is a value even where prose would read it as a year."""
    figures = []
    for table in root.css("table"):
        caption = table_caption(table)
        context = caption or heading_text(table)
        table_measure = measure_for(caption) or measure_for(heading_text(table))
        table_measure_from = TABLE_TITLE if measure_for(caption) else HEADING
        stated = money_statement(" \n".join(filter(None, (caption, heading_text(table), _note_before(table)))))
        for cell in table_cells(table):
            figures += cell_figures(cell, context or None, stated, table_measure, default_measure,
                                    table_measure_from)
    return figures


def cell_figures(cell: Cell, section: str | None, stated: MoneyStatement | None = None,
                 table_measure: str | None = None, default_measure: str | None = None,
                 table_measure_from: str | None = None, page: int | None = None,
                 whole: bool = False) -> list[Figure]:
    """The table figures of one value cell (web or PDF table): sector, population, measure, indicator and
    period from its row and column labels (vocabulary.toml), money restated by the table's or the labels'
    own currency statement; evidence "row label | column label | cell". A `whole` cell is one number as a
    whole (numbers.parse_number: '7.2' alone is a value, not an outline number as in running text)."""
    dims: dict[str, str] = {}
    for label in (cell.row_label, cell.col_label):
        for key, val in label_dims(label).items():
            dims.setdefault(key, val)
    if "period" in dims and not _has_digit(cell.text):
        return []
    parsed = parse_number(cell.text) if whole else None
    if parsed is not None:
        found = [Figure(kind="table", value=parsed.value, unit=parsed.unit, evidence=cell.text, raw=cell.text.strip(),
                        qualifier="lower_bound" if parsed.plus else None, section=section, page=page,
                        flags="malformed_number" if parsed.malformed else None)]
    else:
        found = _find(cell.text, kind="table", section=section, page=page)
    if not found and _BARE_NUMBER.match(cell.text):
        value = float(re.sub(r"[,.\s]", "", cell.text))
        found = [Figure(kind="table", value=value, unit="number", evidence=cell.text, raw=cell.text,
                        section=section, page=page)]
    labels = f"{cell.row_label or ''} \n{cell.col_label or ''}"
    cell_stated = money_statement(labels) or stated
    for fig in found:
        fig.value, fig.unit = restate(fig.value, fig.unit, fig.raw, cell_stated, labels)
        fig.sector = dims.get("sector") or fig.sector
        fig.population = dims.get("population") or fig.population
        fig.location = dims.get("location") or fig.location
        fig.indicator = dims.get("indicator") or fig.indicator
        fig.period = dims.get("period") or fig.period
        fig.measure = dims.get("measure") or table_measure or (
            default_measure if fig.sector or fig.population else None)
        decide(fig, **{dim: TABLE_HEADER for dim in ("sector", "population", "location") if dim in dims},
               measure=TABLE_HEADER if "measure" in dims else (table_measure_from or HEADING) if table_measure
               else DOCUMENT)
        fig.evidence = " | ".join(filter(None, (cell.row_label, cell.col_label, cell.text)))
    return found


def prose_figures(root: LexborNode, skip: list[LexborNode] = ()) -> list[Figure]:
    """prose records of running text, each with the sector of the heading it sits under; list items
    introduced by 'In 2020, ... will:' take that year as their period."""
    figures = []
    for block, text in text_blocks(root, skip):
        if is_date_only(text):
            continue
        heading = heading_text(block)
        intro = lead_in(block)
        period = stated_year(intro) if intro else None
        figures += _find(text, kind="prose", sector=sector_of(heading), section=heading, period=period)
    return figures


def chart_figures(html_text: str, default_period: str | None = None) -> tuple[list[Figure], list[str]]:
    """chart_data records: the scale and unit come from the chart's own labels ('USD millions');
    series and category labels give measure, indicator (pillar 'p1'), population and period."""
    figures, warnings = [], []
    for chart in charts(html_text):
        unit, factor = chart_scale(chart.meta)
        chart_measure = measure_for(chart.meta)
        if chart_measure in ("budget", "expenditure", "requirement", "funded") and unit == "number":
            warnings.append(f"chart {chart.meta[:60]!r} states no currency; values kept as numbers")
        for point in chart.points:
            dims = {**label_dims(point.category), **label_dims(point.series)}
            value = point.value * factor
            figures.append(decide(Figure(
                kind="chart_data", value=float(value), unit=unit, raw=point.raw,
                evidence=f"{' | '.join(filter(None, (point.series, point.category, point.raw)))} [{chart.meta[:80]}]",
                measure=dims.get("measure") or chart_measure, indicator=dims.get("indicator"),
                population=dims.get("population"), sector=dims.get("sector"),
                period=dims.get("period") or stated_year(chart.meta) or default_period,
                section=chart.meta[:120]), sector=CHART_LABEL, population=CHART_LABEL, measure=CHART_LABEL))
    return figures, warnings
