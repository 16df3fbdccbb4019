"""The characters of a PDF's pages, where a reader sees them, read with PDFium.

Every preflight that looks at text (the layout checks, large-print text size, reading order)
works from this one list, in the frame the checks were written for (pdfplumber's): x as in the
PDF, y measured down from the top of the MediaBox (`top`, `bottom`), `size` the size a reader
sees (the font size scaled by the text and page matrices), `matrix` the character's full matrix
(turned text, the draft mark, is found by it), `non_stroking_color` its fill colour as RGB 0-1
(PDFium converts CMYK, so a print booklet's colours compare like a screen booklet's).

Why PDFium and not pdfplumber (which the checks used at first): the same characters in about a
seventh of the time (a 22-page large-print booklet: 0.41 s against 2.73 s), and the preflight of
the default build spent most of its time there. Characters come in content-stream order, the
order copy-paste and untagged readers use; the spaces and line ends PDFium makes up are left out.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict


class Char(TypedDict):
    """One character drawn on a page (pdfplumber's field names)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    fontname: str
    non_stroking_color: tuple[float, float, float]
    matrix: tuple[float, float, float, float, float, float]


@dataclass(frozen=True)
class PageChars:
    """A page's characters and its MediaBox height (the `top` of the frame); `number` is 0-based."""

    number: int
    chars: list[Char]
    height: float


def pages(source: Path | bytes, only: list[int] | None = None) -> Iterator[PageChars]:
    """The characters of every page (or of the 0-based page numbers in `only`, in that order;
    numbers past the end are skipped)."""
    import pypdfium2
    import pypdfium2.raw as c

    pdf = pypdfium2.PdfDocument(source)
    try:
        numbers = range(len(pdf)) if only is None else [n for n in only if 0 <= n < len(pdf)]
        rect, matrix = c.FS_RECTF(), c.FS_MATRIX()
        name, flags = ctypes.create_string_buffer(256), ctypes.c_int()
        r, g, b, a = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
        for number in numbers:
            page = pdf[number]
            text = page.get_textpage()
            try:
                _, y0, _, y1 = page.get_mediabox()
                # pdfplumber's frame: y measured down from the MediaBox's height (not its top edge: a
                # MediaBox that starts below 0, for crop marks, moves y by its offset), x as in the PDF.
                chars: list[Char] = []
                for i in range(c.FPDFText_CountChars(text)):
                    if c.FPDFText_IsGenerated(text, i) != 0:  # a space or line end PDFium made up
                        continue
                    c.FPDFText_GetLooseCharBox(text, i, rect)
                    c.FPDFText_GetMatrix(text, i, matrix)
                    c.FPDFText_GetFontInfo(text, i, name, len(name), flags)
                    c.FPDFText_GetFillColor(text, i, r, g, b, a)
                    # GetFontSize is in text space; the y scale of the character's matrix (the page's
                    # px-to-pt scale, a transform) makes it the size on paper.
                    size = c.FPDFText_GetFontSize(text, i) * math.hypot(matrix.c, matrix.d)
                    bottom = y1 - y0 - rect.bottom
                    chars.append(Char(
                        text=chr(c.FPDFText_GetUnicode(text, i)), x0=rect.left, x1=rect.right,
                        top=bottom - size, bottom=bottom, size=size,
                        fontname=name.value.decode("latin-1"),
                        non_stroking_color=(r.value / 255, g.value / 255, b.value / 255),
                        matrix=(matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)))
                yield PageChars(number, chars, y1 - y0)
            finally:
                text.close()
                page.close()
    finally:
        pdf.close()
