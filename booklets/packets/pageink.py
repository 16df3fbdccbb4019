"""What a reader of a built PDF page sees, for placing a person's details on it (formlayout.py).

Three things pdfplumber reports differently from how the page looks:

- A draft's DRAFT mark is text turned across the page; its characters fall between the level text's
  in reading order (a marker `XQNAMEQX` reads `XQNAMEQxX` where the mark crosses it). `level` and
  `upright` leave it out.
- WeasyPrint paints a border as its box minus the box's inside: two rectangles filled even-odd.
  pdfplumber reports both rectangles, so a form's rule looks like a box as tall as its field, and a
  section's top border like a box over the whole section. `ink` gives the strips actually painted.
- The weight of each embedded font, read from the font program itself (`font_weights`).
"""

from __future__ import annotations

import io
from contextlib import suppress
from typing import Any

import pikepdf

from booklets.render.fonts import FONT_FILES

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in pdfplumber's coordinates
_EPSILON = 0.01  # points: thinner than this is no strip


def level(char: dict[str, Any]) -> bool:
    """Whether a character is set level (not turned, as a draft's DRAFT mark is)."""
    return abs(float(char["matrix"][1])) < 1e-3 and abs(float(char["matrix"][2])) < 1e-3


def upright(page: Any) -> Any:
    """The page without its turned text (searching it finds level words whole)."""
    return page.filter(lambda o: o.get("object_type") != "char" or level(o))


def ink(page: Any) -> list[Box]:
    """The boxes of everything drawn on the page: characters, lines, curves, images and rectangles,
    a box-minus-inside pair (two even-odd rectangles in a row, one within the other) as its strips."""
    boxes: list[Box] = [_box(o) for kind in ("chars", "lines", "curves", "images") for o in getattr(page, kind)]
    rects = list(page.rects)
    i = 0
    while i < len(rects):
        pair = rects[i : i + 2]
        if len(pair) == 2 and all(r.get("evenodd") for r in pair):
            inner, outer = sorted((_box(r) for r in pair), key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
            if _within(inner, outer):
                boxes += _ring(outer, inner)
                i += 2
                continue
        boxes.append(_box(rects[i]))
        i += 1
    return boxes


def _box(o: dict[str, Any]) -> Box:
    return float(o["x0"]), float(o["top"]), float(o["x1"]), float(o["bottom"])


def _within(inner: Box, outer: Box) -> bool:
    return (outer[0] - _EPSILON <= inner[0] and outer[1] - _EPSILON <= inner[1]
            and inner[2] <= outer[2] + _EPSILON and inner[3] <= outer[3] + _EPSILON)


def _ring(outer: Box, inner: Box) -> list[Box]:
    """The painted strips of `outer` minus `inner`: top, bottom, left and right, where not empty."""
    (ox0, otop, ox1, obottom), (ix0, itop, ix1, ibottom) = outer, inner
    strips = [(ox0, otop, ox1, itop), (ox0, ibottom, ox1, obottom),
              (ox0, itop, ix0, ibottom), (ix1, itop, ox1, ibottom)]
    return [s for s in strips if s[2] - s[0] > _EPSILON and s[3] - s[1] > _EPSILON]


def font_weights(pdf: bytes) -> dict[str, int]:
    """Font name -> weight class, read from each embedded font program (OS/2 usWeightClass), rounded
    to the nearest weight the booklet's typeface has."""
    from fontTools.ttLib import TTFont

    out: dict[str, int] = {}
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for font in page.Resources.get("/Font", pikepdf.Dictionary()).values():
                name = str(font.get("/BaseFont", "/"))[1:]
                if name in out:
                    continue
                base = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                program = base.get("/FontDescriptor", pikepdf.Dictionary()).get("/FontFile2")
                weight = 400
                if program is not None:
                    with suppress(Exception):  # a font without OS/2: treat as regular
                        weight = int(TTFont(io.BytesIO(program.read_bytes()))["OS/2"].usWeightClass)
                out[name] = min((w for _, w in FONT_FILES), key=lambda w: abs(w - weight))
    return out
