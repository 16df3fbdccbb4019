"""Crop marks in registration colour, written in the PDF as WeasyPrint finishes it (render/pdf.py)."""

from __future__ import annotations

from typing import Any

# What WeasyPrint writes for the crop marks (an SVG stroked "black", so in RGB) and what a print
# shop expects them in: registration colour, on every plate, as the rest of a print PDF is CMYK.
_RGB_BLACK = {b"0 0 0 rg": b"1 1 1 1 k", b"0 0 0 RG": b"1 1 1 1 K"}
_PATH_OPS = frozenset(b"q Q cm gs w d J j M m l c v y h re B B* b b* S s f f* F n W W*".split())


def registration_marks(pdf: Any) -> None:
    """Crop marks in registration colour. They are the Form XObjects that reach past the trim on
    every side (their /BBox starts below and left of the page's origin: the bleed's painting area)
    and hold nothing but paths; an image or a logo never does both."""
    import pydyf

    for obj in pdf.objects:
        if not (isinstance(obj, pydyf.Stream) and obj.extra.get("Subtype") == "/Form"):
            continue
        bbox = obj.extra.get("BBox")
        if not bbox or not (float(bbox[0]) < 0 and float(bbox[1]) < 0):
            continue
        items = [item if isinstance(item, bytes) else str(item).encode() for item in obj.stream]
        if not all(item in _RGB_BLACK or item.split()[-1:][0] in _PATH_OPS for item in items if item.split()):
            continue
        obj.stream = [_RGB_BLACK.get(item, item) for item in items]
