"""Layout preflight (`check --pdf`): pages as a print designer looks at them.

Read from the built PDF, the way a reader sees it (its characters and their positions, check/pdfchars.py):

* `near-empty`: a body page (from the first section to the back matter: form, Notes, back cover)
  less than a third full, except the last one before the back matter;
* `stranded-heading`: a heading with fewer than two lines of what follows it under it on its
  page, while the text goes on overleaf;
* `split-form`: the form (from its `form` anchor to `content-end`) on more than one page;
* `overflow`: a page holding only running heads or footers, or a back cover that runs onto a
  second page;
* `past-margin`: a line running past the text block into the margin (a long URL, an e-mail address).

Where a page's text block is: the renderer records it in each page's /PieceInfo (render/pdf.py);
a PDF without it (made elsewhere) is measured against its TrimBox. Imposed sheets are checked the
same way, each half of a sheet as the booklet page placed there (render/impose.py's order), so a
line that runs across the fold is found on the sheet that shows it.

What counts as what: the body text size is the commonest size on the body pages and its colour the
commonest colour; a heading is bold, coloured (not the body colour) and larger than the body text
(section titles, run-in headings and call-out titles). Turned characters (the draft mark) are not
text of the page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from booklets.check import pdfchars
from booklets.check.pdfchars import Char
from booklets.check.pdfscan import destinations

PIECE = "/Booklets"  # render/pdf.py PIECE: where the renderer records each page's text block
TOLERANCE = 1.0  # points: glyph bounding boxes are a little wider than their advance
MIN_FILL = 1 / 3  # a body page less full than this looks like a mistake
FOLLOWING_LINES = 2  # a heading keeps at least this many lines of what follows on its page

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in the frame of the page's characters


@dataclass(frozen=True)
class Issue:
    """One layout problem: the check that found it, where (`page 7`, `sheet 3 (page 14)`), and why."""

    check: str
    where: str
    message: str
    severity: str = "error"


@dataclass
class Line:
    """A line of text: characters at one height and size."""

    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    text: str
    bold: bool
    colour: tuple[float, ...]

    @property
    def words(self) -> str:
        return " ".join(self.text.split())


@dataclass
class Page:
    """One page (or one half of an imposed sheet) with its text block and lines."""

    label: str  # how findings name it
    number: int  # the booklet page number (1-based)
    block: Box | None  # the text block; None: not recorded
    trim: Box
    lines: list[Line] = field(default_factory=list)

    def inside(self) -> list[Line]:
        """Lines in the text block (running heads and footers live in the margins)."""
        if self.block is None:
            return self.lines
        _, top, _, bottom = self.block
        return [ln for ln in self.lines if ln.bottom > top - TOLERANCE and ln.top < bottom + TOLERANCE]


@dataclass(frozen=True)
class Parts:
    """Where the booklet's parts are, as 0-based page indexes (named destinations)."""

    first_body: int | None
    back_matter: int | None  # the first page of the form, the Notes or the back cover
    form: int | None
    form_end: int | None
    back_cover: int | None
    notes: frozenset[int]
    blank_ok: frozenset[int] = frozenset()

    @classmethod
    def of(cls, dests: dict[str, int]) -> Parts:
        sections = [i for name, i in dests.items() if name.startswith("s-")]
        notes = frozenset(i for name, i in dests.items() if name.startswith("notes-"))
        ends = [dests[n] for n in ("form", "back-cover") if n in dests] + list(notes)
        return cls(min(sections, default=None), min(ends, default=None), dests.get("form"),
                   dests.get("content-end"), dests.get("back-cover"), notes)

    def is_body(self, index: int) -> bool:
        return (self.first_body is not None and index >= self.first_body
                and (self.back_matter is None or index < self.back_matter))


def check_booklet(path: Path) -> list[Issue]:
    """Every layout issue of one booklet PDF."""
    with pikepdf.open(path) as pdf:
        dests = destinations(pdf)
        blocks = [_text_block(page) for page in pdf.pages]
        trims = [_box(page, "/TrimBox") or _box(page, "/MediaBox") or (0.0, 0.0, 0.0, 0.0) for page in pdf.pages]
        medias = [_box(page, "/MediaBox") or (0.0, 0.0, 0.0, 0.0) for page in pdf.pages]
    parts = Parts.of(dests)
    pages = []
    for index, plumbed in enumerate(pdfchars.pages(path)):
        frame = _Frame(medias[index], plumbed.height)
        trim = frame.box(trims[index])
        assert trim is not None
        pages.append(Page(f"page {index + 1}", index + 1, frame.box(blocks[index]), trim, _lines(plumbed.chars)))
    return _check(pages, parts)


def check_sheets(sheets: Path, booklet: Path) -> list[Issue]:
    """Every layout issue of imposed sheets, each half read as the booklet page placed there."""
    from booklets.render.impose import ImposeError, saddle_stitch_order

    with pikepdf.open(booklet) as pdf:
        dests = destinations(pdf)
        blocks = [_text_block(page) for page in pdf.pages]
        trims = [_box(page, "/TrimBox") or _box(page, "/MediaBox") or (0.0, 0.0, 0.0, 0.0) for page in pdf.pages]
    try:
        order = saddle_stitch_order(len(blocks))
    except ImposeError:
        return []  # the page-count check says so
    parts = Parts.of(dests)
    with pikepdf.open(sheets) as pdf:
        medias = [_box(page, "/MediaBox") or (0.0, 0.0, 0.0, 0.0) for page in pdf.pages]
    halves: dict[int, Page] = {}
    for sheet_index, plumbed in enumerate(pdfchars.pages(sheets)):
        if sheet_index >= len(order):
            break
        frame = _Frame(medias[sheet_index], plumbed.height)
        for side, number in enumerate(order[sheet_index]):
            tx0, ty0, tx1, _ = trims[number - 1]
            width = tx1 - tx0
            dx, dy = side * width - tx0, -ty0  # booklet page -> sheet (render/impose.py)

            def moved(box: Box | None, dx: float = dx, dy: float = dy) -> Box | None:
                return None if box is None else (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy)

            half = frame.box(moved(trims[number - 1]))
            assert half is not None
            chars = [c for c in plumbed.chars if half[0] <= (float(c["x0"]) + float(c["x1"])) / 2 < half[2]]
            side_name = "left" if side == 0 else "right"
            halves[number - 1] = Page(f"sheet {sheet_index // 2 + 1} {'front' if sheet_index % 2 == 0 else 'back'}"
                                      f" {side_name} (page {number})", number,
                                      frame.box(moved(blocks[number - 1])), half, _lines(chars))
    pages = [halves[i] for i in sorted(halves)]
    return _check(pages, parts)


# -- the checks ------------------------------------------------------------------------------------

def _check(pages: list[Page], parts: Parts) -> list[Issue]:
    issues: list[Issue] = []
    body = [p for p in pages if parts.is_body(p.number - 1)]
    size, colour = _body_style(body or pages)
    issues += _split_form(pages, parts)
    issues += _overflow(pages, parts)
    issues += _near_empty(body, parts)
    issues += _stranded_headings(body, size, colour)
    issues += _past_margin(pages)
    return issues


def _split_form(pages: list[Page], parts: Parts) -> Iterator[Issue]:
    if parts.form is None or parts.form_end is None or parts.form_end == parts.form:
        return
    label = next((p.label for p in pages if p.number == parts.form + 1), f"page {parts.form + 1}")
    yield Issue("split-form", label, f"the form runs over {parts.form_end - parts.form + 1} pages "
                f"({parts.form + 1}-{parts.form_end + 1}): its statements and the lines to sign must be on "
                "one page to be signed, copied or cut out whole")


def _overflow(pages: list[Page], parts: Parts) -> Iterator[Issue]:
    for page in pages:
        index = page.number - 1
        if parts.back_cover is not None and index > parts.back_cover:
            yield Issue("overflow", page.label, "the back cover runs onto a page of its own; it must fit on "
                        "one page (shorten the facility's contact details or make the back cover tighter)")
        elif page.block is not None and page.lines and not page.inside() and index not in parts.notes:
            yield Issue("overflow", page.label, "the page holds only its running head or footer "
                        f"({page.lines[0].words[:40]!r}): something ran over by a few lines")


def _near_empty(body: list[Page], parts: Parts) -> Iterator[Issue]:
    # The last page with text before the back matter may end short (a blank page for a right-hand
    # start may follow it).
    last = max((p.number for p in body if p.inside()), default=0)
    for page in body:
        if page.number == last:
            continue
        lines = page.inside()
        if not lines or page.block is None:
            continue  # a blank page (a right-hand start) carries nothing, on purpose
        _, top, _, bottom = page.block
        fill = (max(ln.bottom for ln in lines) - top) / (bottom - top)
        if fill < MIN_FILL:
            yield Issue("near-empty", page.label, f"the page is {fill:.0%} full ({len(lines)} line(s), "
                        f"ending {lines[-1].words[:40]!r}); a body page should be at least a third full",
                        "warning")


def _stranded_headings(body: list[Page], size: float, colour: tuple[float, ...]) -> Iterator[Issue]:
    for position, page in enumerate(body):
        lines = page.inside()
        headings = [ln for ln in lines if _is_heading(ln, size, colour)]
        goes_on = position + 1 < len(body) and body[position + 1].inside()
        for heading in headings:
            after = [ln for ln in lines if ln.top > heading.top + 0.5 and not _is_heading(ln, size, colour)]
            if len(after) < FOLLOWING_LINES and goes_on:
                yield Issue("stranded-heading", page.label, f"the heading {heading.words[:50]!r} has "
                            f"{len(after)} line(s) after it at the foot of the page; it must keep at least "
                            f"{FOLLOWING_LINES} lines of what follows", "warning")
                break


def _past_margin(pages: list[Page]) -> Iterator[Issue]:
    for page in pages:
        if page.block is None:
            x0, x1 = page.trim[0], page.trim[2]
            what = "the trimmed edge"
        else:
            x0, x1 = page.block[0], page.block[2]
            what = "the text block"
        past = [ln for ln in page.inside() if ln.x1 > x1 + TOLERANCE or ln.x0 < x0 - TOLERANCE]
        if past:
            line = past[0]
            by = max(line.x1 - x1, x0 - line.x0) / (72 / 25.4)
            yield Issue("past-margin", page.label, f"a line runs {by:.1f} mm past {what} into the margin: "
                        f"{line.words[:60]!r}; let it break (a long address or URL) or shorten it")


def _is_heading(line: Line, size: float, colour: tuple[float, ...]) -> bool:
    return line.bold and line.size >= size + 0.4 and not _same_colour(line.colour, colour)


def _body_style(pages: list[Page]) -> tuple[float, tuple[float, ...]]:
    """The commonest size and colour of text on these pages (weighted by characters)."""
    sizes: Counter[float] = Counter()
    colours: Counter[tuple[float, ...]] = Counter()
    for page in pages:
        for line in page.inside():
            sizes[line.size] += len(line.text)
            colours[line.colour] += len(line.text)
    size = sizes.most_common(1)[0][0] if sizes else 12.0
    colour = colours.most_common(1)[0][0] if colours else (0.0,)
    return size, colour


def _same_colour(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return len(a) == len(b) and all(abs(x - y) < 0.02 for x, y in zip(a, b, strict=True))


# -- reading the PDF --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Frame:
    """PDF user space -> the characters' frame: x as in the PDF, y measured down from the top, where
    `top` = the MediaBox's height - y (pdfplumber keeps a MediaBox's offset in x only)."""

    media: Box
    height: float

    def box(self, box: Box | None) -> Box | None:
        if box is None:
            return None
        x0, y0, x1, y1 = box
        return x0, self.height - y1, x1, self.height - y0


def _text_block(page: pikepdf.Page) -> Box | None:
    """The text block the renderer recorded for the page (PDF user space), if any."""
    info = page.obj.get("/PieceInfo")
    if not isinstance(info, pikepdf.Dictionary):
        return None
    mine = info.get(PIECE)
    private = mine.get("/Private") if isinstance(mine, pikepdf.Dictionary) else None
    block = private.get("/TextBlock") if isinstance(private, pikepdf.Dictionary) else None
    if not isinstance(block, pikepdf.Array) or len(block) != 4:
        return None
    x0, y0, x1, y1 = (float(v) for v in block)
    return x0, y0, x1, y1


def _box(page: pikepdf.Page, name: str) -> Box | None:
    box = page.obj.get(name)
    if not isinstance(box, pikepdf.Array) or len(box) != 4:
        return None
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _turned(char: Char) -> bool:
    """Rotated or skewed text (the draft mark), not part of the page's text."""
    a, b, c, d = (float(v) for v in char["matrix"][:4])
    return abs(b) > 0.01 or abs(c) > 0.01 or a <= 0 or d <= 0


def _lines(chars: Iterable[Char]) -> list[Line]:
    """Characters grouped into lines: same baseline region, in reading order, split at big gaps
    (two columns side by side are two lines)."""
    rows: dict[tuple[int, float], list[Char]] = {}
    for c in chars:
        if _turned(c) or not c["text"].strip():
            continue
        key = (round(float(c["bottom"])), round(float(c["size"]), 1))
        rows.setdefault(key, []).append(c)
    lines: list[Line] = []
    for (_, size), row in rows.items():
        row.sort(key=lambda c: float(c["x0"]))
        run: list[Char] = []
        for c in row:
            if run and float(c["x0"]) - float(run[-1]["x1"]) > 3 * size:
                lines.append(_line(run))
                run = []
            run.append(c)
        lines.append(_line(run))
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    return lines


def _line(chars: list[Char]) -> Line:
    colours = Counter(_colour(c) for c in chars)
    return Line(
        top=min(float(c["top"]) for c in chars),
        bottom=max(float(c["bottom"]) for c in chars),
        x0=min(float(c["x0"]) for c in chars),
        x1=max(float(c["x1"]) for c in chars),
        size=round(float(chars[0]["size"]), 1),
        text=_spaced(chars),
        bold=all("bold" in str(c["fontname"]).lower() or "black" in str(c["fontname"]).lower() for c in chars),
        colour=colours.most_common(1)[0][0],
    )


def _spaced(chars: list[Char]) -> str:
    """The line's text with a space where the characters leave a gap (PDFs rarely draw spaces)."""
    out = []
    for before, char in zip([None, *chars], chars, strict=False):
        if before is not None and float(char["x0"]) - float(before["x1"]) > 0.15 * float(char["size"]):
            out.append(" ")
        out.append(char["text"])
    return "".join(out)


def _colour(char: Char) -> tuple[float, ...]:
    value = char.get("non_stroking_color")
    if isinstance(value, (list, tuple)):
        return tuple(round(float(v), 3) for v in value if isinstance(v, (int, float)))
    if isinstance(value, (int, float)):
        return (round(float(value), 3),)
    return (0.0,)
