"""Reading built PDFs as a reader and a print shop see them: fonts, page boxes, named destinations,
text per page and text sizes. Used by the preflight (check/pdf.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf

from booklets.check import pdfchars
from booklets.check.pdfchars import Char

MM = 72 / 25.4
BOX_TOLERANCE = 0.5  # points: WeasyPrint writes boxes with six decimals
RUNNING_BAND = 0.15  # running headers and footers live in the top and bottom 15% of a page
Box = tuple[float, float, float, float]


def fonts(pdf: pikepdf.Pdf) -> Iterator[tuple[int, str, pikepdf.Dictionary]]:
    """Every font a page uses: its resources, its form XObjects, its annotations' appearances."""
    for page_no, page in enumerate(pdf.pages, 1):
        seen: set[tuple[int, int]] = set()
        stack: list[Any] = [page.obj.get("/Resources")]
        for annot in page.obj.get("/Annots", []):
            ap = annot.get("/AP")
            if isinstance(ap, pikepdf.Dictionary):
                stack += [v.get("/Resources") for v in ap.values() if isinstance(v, pikepdf.Stream)]
        while stack:
            res = stack.pop()
            if not isinstance(res, pikepdf.Dictionary):
                continue
            if res.objgen != (0, 0):
                if res.objgen in seen:
                    continue
                seen.add(res.objgen)
            for name, font in (res.get("/Font") or {}).items():
                if isinstance(font, pikepdf.Dictionary):
                    yield page_no, str(name), font
                    stack.append(font.get("/Resources"))  # Type 3 glyphs may use fonts too
            for xobj in (res.get("/XObject") or {}).values():
                if isinstance(xobj, pikepdf.Stream) and xobj.get("/Subtype") == "/Form":
                    stack.append(xobj.get("/Resources"))


def descriptor(font: pikepdf.Dictionary) -> pikepdf.Dictionary | None:
    simple: Any = font
    if font.get("/Subtype") == "/Type0":
        descendants = font.get("/DescendantFonts")
        if not isinstance(descendants, pikepdf.Array) or not len(descendants):
            return None
        simple = descendants[0]
    fd = simple.get("/FontDescriptor")
    return fd if isinstance(fd, pikepdf.Dictionary) else None


def box_problem(page: pikepdf.Dictionary, bleed_mm: float) -> str:
    """What is wrong with one page's boxes ("" if nothing); missing boxes default as in the spec."""
    media = box(page, "/MediaBox")
    if media is None:
        return "has no MediaBox"
    crop = box(page, "/CropBox") or media
    bleed = box(page, "/BleedBox") or crop
    trim = box(page, "/TrimBox") or crop
    if not inside(trim, bleed):
        return f"TrimBox {fmt(trim)} is not inside BleedBox {fmt(bleed)}"
    if not inside(bleed, media):
        return f"BleedBox {fmt(bleed)} is not inside MediaBox {fmt(media)}"
    if not bleed_mm:
        return ""
    if "/TrimBox" not in page or "/BleedBox" not in page:
        return f"the edition declares {bleed_mm:g} mm bleed but the page has no TrimBox/BleedBox"
    margins = (trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
    if any(abs(m - bleed_mm * MM) > BOX_TOLERANCE for m in margins):
        got = ", ".join(f"{m / MM:.1f}" for m in margins)
        return f"bleed is {got} mm (left, bottom, right, top), expected {bleed_mm:g} mm each side"
    return ""


def box(page: pikepdf.Dictionary, name: str) -> Box | None:
    box = page.get(name)
    if not isinstance(box, pikepdf.Array) or len(box) != 4:
        return None
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def inside(inner: Box, outer: Box) -> bool:
    t = BOX_TOLERANCE
    return (inner[0] >= outer[0] - t and inner[1] >= outer[1] - t
            and inner[2] <= outer[2] + t and inner[3] <= outer[3] + t)


def fmt(box: Box) -> str:
    return "[" + " ".join(f"{v:.1f}" for v in box) + "]"


def destinations(pdf: pikepdf.Pdf) -> dict[str, int]:
    """Named destinations (the HTML ids) -> 0-based page index."""
    names = pdf.Root.get("/Names")
    if not isinstance(names, pikepdf.Dictionary) or "/Dests" not in names:
        return {}
    index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    out: dict[str, int] = {}
    for name, value in pikepdf.NameTree(names.Dests).items():
        dest: Any = value.get("/D") if isinstance(value, pikepdf.Dictionary) else value
        if isinstance(dest, pikepdf.Array) and len(dest) and dest[0].objgen in index:
            out[str(name)] = index[dest[0].objgen]
    return out


def squash(text: str) -> str:
    """Letters and digits only, lower case: extraction drops spaces at line ends, quotes change."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def page_texts(path: Path, only: list[int] | None) -> dict[int, str]:
    """Text of pages in content-stream order (the order copy-paste and untagged readers use)."""
    return {page.number: "".join(c["text"] for c in page.chars) for page in pdfchars.pages(path, only)}


def small_lines(path: Path, minimum: float) -> Iterator[tuple[float, int, str, str]]:
    """(size, page, text, its line) of text smaller than `minimum`, running header/footer aside."""
    lines: list[tuple[int, float, float, float, str, str]] = []  # page, top, bottom, size, text, line
    edge: set[tuple[int, float, float]] = set()  # page, top, size of the outermost lines
    for page_no, page in enumerate(pdfchars.pages(path), 1):
        mine = []
        for (top, size), chars in group_lines(page.chars).items():
            bottom = max(float(c["bottom"]) for c in chars)
            mine.append((page_no, top, bottom, size, "".join(c["text"] for c in chars),
                         line_around(page.chars, top, bottom) if size < minimum else ""))
        # A running header or footer is the outermost text of its page, near the edge.
        first = min((t for _, t, _, _, _, _ in mine), default=0.0)
        last = max((b for _, _, b, _, _, _ in mine), default=0.0)
        edge.update({(page_no, t, z) for _, t, b, z, _, _ in mine
                     if (t <= first + 1.5 and t < page.height * RUNNING_BAND)
                     or (b >= last - 1.5 and b > page.height * (1 - RUNNING_BAND))})
        lines += mine
    for page_no, top, _, size, text, around in lines:
        if size >= minimum - 0.05:
            continue
        # ... and it repeats: the same size at the same height on another page.
        running = (page_no, top, size) in edge and any(
            p != page_no and abs(t - top) < 1.5 and abs(z - size) < 0.05 for p, t, z in edge)
        if not running:
            yield round(size, 1), page_no, text.strip(), around


def line_around(chars: list[Char], top: float, bottom: float) -> str:
    """The visual line a piece of small text sits in (a superscript shows with its sentence)."""
    near = [c for c in chars if float(c["top"]) < bottom and float(c["bottom"]) > top]
    return " ".join("".join(c["text"] for c in sorted(near, key=lambda c: float(c["x0"]))).split())


def group_lines(chars: list[Char]) -> dict[tuple[float, float], list[Char]]:
    out: dict[tuple[float, float], list[Char]] = {}
    for c in chars:
        key = (float(round(float(c["top"]))), round(float(c["size"]), 1))
        out.setdefault(key, []).append(c)
    return {key: group for key, group in out.items() if any(c["text"].strip() for c in group)}


