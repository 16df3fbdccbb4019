"""Form layout stage: where a booklet's form page wants a person's name, ID and date, and where the
records QR code fits. Measured once per booklet and cached, so a warm run never starts WeasyPrint.

A personalised page is the booklet's own form page from the normal build with the person's details
drawn on it (stamp.py): the blank booklet is reused byte for byte, so page count, page numbers and
saddle-stitch padding stay exactly as built. To learn where the details go we lay the form out once
with marker values (a "probe"): the booklet's own HTML with every other part hidden and the form
starting on a page of the same side (print margins differ left and right). The probe PDF tells us
each marker's position, size, weight and colour, as a reader of the PDF would see them.

Nothing is trusted unchecked: every word of the probe's form must sit where the booklet's form page
has it. If one moved, the probe is repeated with the form set tight (the build's second layout,
render/target.py), then on the whole booklet; if the words still differ, the booklet in dist/ was
built from other templates or content and the caller rebuilds it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pikepdf
from markupsafe import Markup

from booklets import paths
from booklets.content.project import Project
from booklets.engine.output import write_atomic
from booklets.errors import BookletError, Problem
from booklets.packets.pageink import font_weights, ink, level, upright
from booklets.plan import Target
from booklets.render.html import render_html
from booklets.render.target import body_class

PROBE_VERSION = "9"
TOKENS = {"name": "XQNAMEQX", "id": "XQIDQX", "date": "XQDATEQX"}
MM = 72 / 25.4
PX = 0.75  # WeasyPrint anchors are in CSS px; PDF user space is in points
QR_BOX = 14 * MM  # the square reserved for the code, quiet zone included
QR_GAP = 2 * MM  # between the end of the form and the code
EDGE = 6 * MM  # never closer than this to the trimmed edge of the page
TOLERANCE = 0.6  # points: a filled-in line is 0.03 mm taller than an empty one
LABEL_GAP = 0.4  # em: at least this much space between the end of a label and its value

# A value is drawn where the filled-in form would show it relative to its line, but out of the flow,
# so the form keeps the blank booklet's layout (a filled line can be taller than an empty one).
_VALUE_CSS = """<style>
.form-fields .field-value { position: relative; }
.probe-value { position: absolute; left: 0; bottom: 0; white-space: nowrap; }
</style>
"""
# The layouts render/target.py may have given the booklet, most likely first: the form as written
# (booklet.html.j2 sets it tight); on any page (form-anywhere) matters only when it is not isolated.
_ATTEMPTS = ((True, ()), (False, ()), (False, ("form-anywhere",)))
_ISOLATE_CSS = """<style>
body > :not(#form):not(#content-end):not(#probe-pad) { display: none !important; }
#form { break-before: %s !important; }
</style>
"""


@dataclass(frozen=True)
class Spot:
    """Where one value is drawn: PDF points, origin at the bottom left of booklet page `page`."""

    page: int
    x: float
    baseline: float
    size: float
    weight: int
    color: tuple[float, ...]
    right: float  # the value must end before this x (the right edge of the form)


@dataclass(frozen=True)
class QrSpot:
    """The free square (quiet zone included) on booklet page `page` that holds the records QR code."""

    page: int
    x: float
    y: float
    size: float


@dataclass(frozen=True)
class FormLayout:
    """Everything stamping needs to know about one booklet."""

    pages: int
    fields: dict[str, Spot]
    qr: QrSpot

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> FormLayout:
        data = json.loads(text)
        fields = {k: Spot(**{**v, "color": tuple(v["color"])}) for k, v in data["fields"].items()}
        return cls(data["pages"], fields, QrSpot(**data["qr"]))


class StaleBooklet(Exception):
    """The booklet's form pages do not match a fresh layout of the current templates and content."""


def form_layout(project: Project, target: Target, booklet: Path, allowed: list[Path],
                cache_dir: Path | None) -> FormLayout:
    """The form layout of `booklet` (the normal build's PDF of `target`), from the cache when the
    booklet and the form's HTML are unchanged. Raises StaleBooklet or BookletError."""
    markers = {k: Markup('<span class="probe-value">{}</span>').format(t) for k, t in TOKENS.items()}
    html = render_html(project, target, person=dict(markers))
    data = booklet.read_bytes()
    key = hashlib.sha256(b"\0".join([PROBE_VERSION.encode(), html.encode(), data])).hexdigest()
    cached = cache_dir / f"{key}.json" if cache_dir else None
    if cached is not None and cached.is_file():
        with suppress(ValueError, KeyError, TypeError):  # an unreadable cache entry is measured again
            return FormLayout.from_json(cached.read_text(encoding="utf-8"))
    layout = _measure(project, target, html, data, allowed)
    if cached is not None:
        write_atomic(cached, layout.to_json().encode())
    return layout


def _measure(project: Project, target: Target, html: str, data: bytes, allowed: list[Path]) -> FormLayout:
    import pdfplumber  # imported late, like WeasyPrint: a warm run needs neither

    form_pages = _form_pages(data)
    side = "right" if form_pages[0] % 2 == 0 else "left"
    with pdfplumber.open(io.BytesIO(data)) as booklet, pikepdf.open(io.BytesIO(data)) as booklet_pdf:
        for isolate, classes in _ATTEMPTS:
            probe_html = _probe_html(functools.reduce(body_class, classes, html), side, isolate)
            if probe_html is None:
                continue
            probe_pdf, boxes = _probe(project, probe_html, allowed)
            if len(boxes) != len(form_pages):
                continue
            with pdfplumber.open(io.BytesIO(probe_pdf)) as probe, pikepdf.open(io.BytesIO(probe_pdf)) as probe_doc:
                pages = [_FormPage(probe.pages[p], _Frame.of(probe.pages[p], probe_doc.pages[p]),
                                   booklet.pages[b], _Frame.of(booklet.pages[b], booklet_pdf.pages[b]), boxes[p], b)
                         for p, b in zip(boxes, form_pages, strict=True)]
                if all(_same_form(page) for page in pages):
                    fields = _fields(probe_pdf, pages)
                    qr = _qr_spot(project, target, pages[-1].booklet, pages[-1].booklet_frame, pages[-1].box,
                                  pages[-1].index)
                    return FormLayout(len(booklet.pages), fields, qr)
    raise StaleBooklet(f"the form pages of the {target.name} booklet differ from a fresh layout")


@dataclass(frozen=True)
class _Frame:
    """One page's coordinate systems, so nothing is compared across them by mistake: PDF user space
    (where stamps are drawn), pdfplumber's (x0 and top of what it extracts; its origin moves with the
    MediaBox, e.g. with bleed), pdfminer's glyph matrices (relative to the MediaBox origin) and the
    layout's (CSS px from the top left of the trim box: WeasyPrint anchors)."""

    dx: float  # PDF x = pdfplumber x0 + dx
    k: float  # PDF y = k - pdfplumber top
    media: tuple[float, float]  # the MediaBox origin in PDF user space
    trim: tuple[float, float, float, float]  # the TrimBox in PDF user space

    @classmethod
    def of(cls, page: Any, pdf_page: Any) -> _Frame:
        def box(key: str) -> tuple[float, float, float, float]:
            a, b, c, d = (float(v) for v in pdf_page.obj.get(key, pdf_page.obj.MediaBox))
            return min(a, c), min(b, d), max(a, c), max(b, d)

        media, trim = box("/MediaBox"), box("/TrimBox")
        # A level character (a form page always has one): a turned one's origin is not its box's left.
        char = next((c for c in page.chars if level(c)), page.chars[0])
        x = float(char["matrix"][4]) + media[0]
        top = float(char["y1"]) + media[1]
        return cls(x - float(char["x0"]), top + float(char["top"]), media[:2], trim)

    def pdf(self, x0: float, top: float) -> tuple[float, float]:
        """pdfplumber -> PDF user space."""
        return x0 + self.dx, self.k - top

    def plumber(self, x: float, y: float) -> tuple[float, float]:
        """PDF user space -> pdfplumber."""
        return x - self.dx, self.k - y

    def css(self, x_px: float, y_px: float) -> tuple[float, float]:
        """Layout (CSS px from the trim box's top left) -> PDF user space."""
        return self.trim[0] + x_px * PX, self.trim[3] - y_px * PX

    def glyph(self, char: dict[str, Any]) -> tuple[float, float]:
        """Where a character's baseline starts, in PDF user space."""
        return float(char["matrix"][4]) + self.media[0], float(char["matrix"][5]) + self.media[1]


@dataclass(frozen=True)
class _FormPage:
    """One page of the form in the probe and in the booklet."""

    probe: Any
    probe_frame: _Frame
    booklet: Any
    booklet_frame: _Frame
    box: tuple[float, float, float, float]  # the form on this page, CSS px from the trim box's top left
    index: int  # the booklet page index


def _form_pages(data: bytes) -> list[int]:
    """Booklet page indexes from the `form` anchor to the `content-end` anchor (named destinations)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        names: dict[str, Any] = {}
        if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
            for name, dest in _name_tree(pdf.Root.Names.Dests):
                names[name] = dest
        index = {page.objgen: i for i, page in enumerate(pdf.pages)}
        try:
            first, last = (index[names[n][0].objgen] for n in ("form", "content-end"))
        except KeyError:
            raise StaleBooklet("the booklet has no form page anchors") from None
    return list(range(first, last + 1))


def _name_tree(node: Any) -> Iterator[tuple[str, Any]]:
    if "/Names" in node:
        items = list(node.Names)
        for i in range(0, len(items), 2):
            yield str(items[i]), items[i + 1]
    for kid in node.get("/Kids", []):
        yield from _name_tree(kid)


def _probe_html(html: str, side: str, isolate: bool) -> str | None:
    """The booklet HTML with the markers out of the flow and, if `isolate`, only the form shown,
    starting on a `side` page; None if the HTML is not laid out as expected."""
    if "</head>" not in html or not re.search(r"<body\b[^>]*>", html):
        return None
    if not isolate:
        return html.replace("</head>", _VALUE_CSS + "</head>", 1)
    html = html.replace("</head>", _VALUE_CSS + _ISOLATE_CSS % side + "</head>", 1)
    return re.sub(r"(<body\b[^>]*>)", r'\1<div id="probe-pad"></div>', html, count=1)


Box = tuple[float, float, float, float]


def _probe(project: Project, html: str, allowed: list[Path]) -> tuple[bytes, dict[int, Box]]:
    """Render the probe; returns the PDF of its pages that hold the form (only those: writing the
    whole booklet took as long as laying it out) and, per page of that PDF, the form's box (CSS px
    from the trim box's top left)."""
    import weasyprint

    from booklets.render.pdf import ProjectFetcher, weasyprint_log

    # The booklet itself rendered without warnings; hidden parts may only lose their targets here,
    # so the probe's warnings are collected and dropped.
    with weasyprint_log():
        document = weasyprint.HTML(string=html, base_url=project.templates_dir.as_uri() + "/",
                                   url_fetcher=ProjectFetcher(allowed)).render()
        boxes: dict[int, Box] = {}
        kept: list[Any] = []  # weasyprint Page objects
        for page in document.pages:
            if "form" in page.anchors:
                x0, y0, x1, y1 = page.anchors["form"]
                end = page.anchors.get("content-end", (x0, y1))[1]
                boxes[len(kept)] = (x0, y0, x1, max(y1, end))
                kept.append(page)
        if not kept:
            return b"", boxes
        pdf = document.copy(kept).write_pdf()
    return bytes(pdf), boxes


def _markers(page: Any) -> dict[str, dict[str, Any]]:
    """The first character of each marker on a probe page (found in the text, even where it runs
    into a label that overflows its column; a draft's turned DRAFT mark across it is left out)."""
    found, shown = {}, upright(page)
    for key, token in TOKENS.items():
        matches = shown.search(token, regex=False, return_chars=True)
        if matches:
            found[key] = matches[0]["chars"][0]
    return found


def _same_form(page: _FormPage) -> bool:
    """Every character of the form sits at the same place (PDF user space) on both pages, and the
    probe has nothing else but its markers."""
    x0, y0, x1, y1 = page.box
    _, top = page.probe_frame.css(x0, y0 - TOLERANCE / PX)
    _, bottom = page.probe_frame.css(x1, y1 + TOLERANCE / PX)

    def chars(plumber: Any, frame: _Frame) -> list[tuple[str, float, float]]:
        out = []
        for c in plumber.chars:
            x, y = frame.pdf(float(c["x0"]), float(c["top"]))
            if bottom <= y <= top and c["text"].strip():
                out.append((c["text"], x, y))
        return out

    waiting: dict[str, list[tuple[str, float, float]]] = {}
    for c in chars(page.probe, page.probe_frame):
        waiting.setdefault(c[0], []).append(c)
    for text, x, y in chars(page.booklet, page.booklet_frame):
        same = next((i for i, (_, px, py) in enumerate(waiting.get(text, []))
                     if abs(px - x) <= TOLERANCE and abs(py - y) <= TOLERANCE), None)
        if same is None:
            return False
        waiting[text].pop(same)
    left = sorted(c[0] for group in waiting.values() for c in group)
    expected = sorted("".join(TOKENS[k] for k in _markers(page.probe)))
    return left == expected


def _fields(probe_pdf: bytes, pages: list[_FormPage]) -> dict[str, Spot]:
    weights = font_weights(probe_pdf)
    fields: dict[str, Spot] = {}
    for page in pages:
        right, _ = page.booklet_frame.css(page.box[2], page.box[1])
        for key, char in _markers(page.probe).items():
            drawn = char.get("non_stroking_color") or (0,)
            simple = isinstance(drawn, (tuple, list)) and len(drawn) in (1, 3, 4)
            color = tuple(float(c) for c in drawn) if simple else (0.0,)
            x, baseline = page.probe_frame.glyph(char)
            size = float(char["size"])
            rule = _rule_under(page.probe, char)  # the value's own line (fields may share a row)
            end = rule[1] if rule else None
            label_end = _label_end(page.probe, char, page.probe_frame, end)
            if label_end is not None:  # a long label (another language's) may run past the value's box
                x = max(x, label_end + LABEL_GAP * size)
            line_right = min(right, page.probe_frame.pdf(end, 0.0)[0]) if end is not None else right
            fields[key] = Spot(page.index, x, baseline, size, weights.get(char["fontname"], 400), color, line_right)
    missing = [k for k in TOKENS if k not in fields]
    if missing:
        raise StaleBooklet(f"the form shows no {', '.join(missing)} field")
    return fields


def _rule_under(probe: Any, marker: dict[str, Any]) -> tuple[float, float] | None:
    """(x0, x1) in pdfplumber's coordinates of the rule the value is written on: the thin rectangle or
    line just below the marker's glyphs that reaches under its start, or the value's box when the
    rule is drawn as that box's outline (WeasyPrint may fill a bottom border as the box minus its
    inside); never a box much taller than the line. None if there is none."""
    found, height = [], marker["bottom"] - marker["top"]
    for o in (*probe.rects, *probe.lines):
        if (marker["bottom"] - 3 <= o["bottom"] <= marker["bottom"] + 12
                and (o["bottom"] - o["top"] < 3 or o["top"] >= marker["top"] - 2 * height)
                and o["x0"] <= marker["x0"] + 1 and o["x1"] > marker["x0"] + 10):
            found.append((float(o["bottom"]), float(o["x0"]), float(o["x1"])))
    return min(found)[1:] if found else None


def _label_end(probe: Any, marker: dict[str, Any], frame: _Frame, line_end: float | None) -> float | None:
    """Where the text on the marker's line ends (PDF x): the end of the field's label, measured, not
    assumed from the stylesheet's label width. With two fields on a row, text right of the value's
    own rule (`line_end`, pdfplumber x) belongs to the next field and is left out, as is turned text."""
    tokens = {(round(c["x0"], 2), round(c["top"], 2)) for t in TOKENS.values()
              for m in upright(probe).search(t, regex=False, return_chars=True) for c in m["chars"]}
    ends = [float(c["x1"]) for c in probe.chars
            if c["text"].strip() and level(c) and (round(c["x0"], 2), round(c["top"], 2)) not in tokens
            and c["top"] < marker["bottom"] and c["bottom"] > marker["top"]
            and (line_end is None or c["x1"] <= line_end)]
    return frame.pdf(max(ends), 0.0)[0] if ends else None


def _qr_spot(project: Project, target: Target, page: Any, frame: _Frame, box: tuple[float, float, float, float],
             index: int) -> QrSpot:
    """The first free square below the form's last ink on its last page, inside the trim: right-aligned
    with the form, else the nearest free place within its width (a full page: in the foot, between its
    texts). Found in pdfplumber's coordinates, returned in PDF user space."""
    tx0, ty0, tx1, ty1 = frame.trim
    trim_left, trim_top = frame.plumber(tx0, ty1)
    trim_right, trim_bottom = frame.plumber(tx1, ty0)
    big = 0.9 * (trim_right - trim_left) * (trim_bottom - trim_top)
    taken = [(a, b, c, d) for a, b, c, d in ink(page) if (c - a) * (d - b) < big]
    left, start = frame.plumber(*frame.css(box[0], box[1]))
    right, end = frame.plumber(*frame.css(box[2], box[3]))
    # The form's box may end below its last rule (a section's padding): what counts is its ink.
    last = max((d for a, b, c, d in taken if a >= left - 1 and c <= right + 1 and b >= start - 1 and d <= end + 1),
               default=end)
    top = min(last, end) + QR_GAP
    across = [right - QR_BOX - i * MM for i in range(max(0, int((right - QR_BOX - left) / MM)) + 1)] + [left]
    while top + QR_BOX <= trim_bottom - EDGE:
        band = [(a, c) for a, b, c, d in taken if b < top + QR_BOX and d > top]
        for x in across:
            if x >= trim_left + EDGE and x + QR_BOX <= trim_right - EDGE and not any(
                    a < x + QR_BOX and c > x for a, c in band):
                pdf_x, pdf_y = frame.pdf(x, top + QR_BOX)
                return QrSpot(index, round(pdf_x, 3), round(pdf_y, 3), round(QR_BOX, 3))
        top += MM
    form = project.languages[target.language].audiences[target.audience].form
    raise BookletError([Problem.at(form.title if form else None, key="form", file=paths.audience_file(
        target.language, target.audience), message=f"the last page of the form in the {target.edition} booklet "
        "has no free 14 mm square below the form for the records QR code; shorten the form's intro or "
        "statements so it ends higher on its page")])
