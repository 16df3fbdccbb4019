"""Cover thumbnails for the build report: page 1 of a booklet PDF as a small PNG.

Rasterised with pypdfium2 (PDFium in a wheel: no system package, about 20 ms a page). WeasyPrint 70
cannot rasterise, and rendering the cover HTML a second time would cost far more and could drift
from what the PDF shows.
"""

from __future__ import annotations

import io

THUMB_WIDTH = 240  # pixels; shown at 160 CSS px so it stays sharp on high-density screens


def cover_png(pdf: bytes, width: int = THUMB_WIDTH) -> bytes:
    """Page 1 of a PDF, cut to its TrimBox (no bleed or crop marks), as a small PNG.

    Deterministic: no metadata, fixed size.
    """
    import pypdfium2  # imported here: only workers that just rendered a PDF need it

    doc = pypdfium2.PdfDocument(pdf)
    try:
        page = doc[0]
        left, bottom, right, top = page.get_cropbox()
        t_left, t_bottom, t_right, t_top = page.get_trimbox()
        crop = tuple(max(0.0, d) for d in (t_left - left, t_bottom - bottom, right - t_right, top - t_top))
        image = page.render(scale=width / (t_right - t_left), crop=crop).to_pil()
        page.close()
        if image.width != width:  # PDFium rounds the page and the crop apart: a pixel either way
            image = image.resize((width, round(image.height * width / image.width)))
    finally:
        doc.close()
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
