"""Imposition stage: 2-up saddle-stitch sheets made from a finished booklet PDF.

A booklet of n pages (n a multiple of 4) becomes n/2 landscape sheet sides, each twice the page's
trim width: sheet k's front holds pages n-2k | 2k+1, its back 2k+2 | n-2k-1 (16 pages: 16|1, 2|15,
14|3, ...). Printed both sides with "flip on short edge", every back lands upright behind its
front, so no side is rotated. Each page is placed as a form XObject (pikepdf/qpdf: milliseconds a
page, and the page's fonts and images are shared, not copied per sheet) with its TrimBox exactly
on its half of the sheet: no gap or shift at the fold, and each half is clipped to the trim so
bleed and crop marks never reach the neighbouring page. The output is deterministic: a fresh PDF
with no dates, an /ID derived from the content, and the source's title and author.
"""

from __future__ import annotations

import io

import pikepdf


class ImposeError(ValueError):
    """The PDF cannot be imposed (page count or page sizes); the message says why."""


def saddle_stitch_order(pages: int) -> list[tuple[int, int]]:
    """(left, right) page numbers (1-based) of every sheet side, fronts and backs alternating."""
    if pages <= 0 or pages % 4:
        raise ImposeError(f"a saddle-stitched booklet needs a multiple of 4 pages, found {pages}")
    sides = []
    for k in range(pages // 4):
        sides.append((pages - 2 * k, 2 * k + 1))
        sides.append((2 * k + 2, pages - 2 * k - 1))
    return sides


def _trim(page: pikepdf.Page) -> tuple[float, float, float, float]:
    box = page.obj.get("/TrimBox", page.mediabox)
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _num(value: float) -> str:
    """A PDF number with fixed precision, so the same layout always gives the same bytes."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def impose(pdf: bytes) -> bytes:
    """The 2-up saddle-stitch sheets of a booklet PDF; raises ImposeError if it can't be imposed."""
    with pikepdf.open(io.BytesIO(pdf)) as src:
        pages = list(src.pages)
        order = saddle_stitch_order(len(pages))
        trims = [_trim(p) for p in pages]
        width, height = trims[0][2] - trims[0][0], trims[0][3] - trims[0][1]
        for number, (x0, y0, x1, y1) in enumerate(trims, start=1):
            if abs((x1 - x0) - width) > 0.01 or abs((y1 - y0) - height) > 0.01:
                raise ImposeError(
                    f"page {number} is {x1 - x0:.1f} x {y1 - y0:.1f} pt but page 1 is "
                    f"{width:.1f} x {height:.1f} pt; every page of a booklet must have one size")
            if int(pages[number - 1].obj.get("/Rotate", 0)) % 360:
                raise ImposeError(f"page {number} is rotated; booklet pages must be upright")

        out = pikepdf.new()
        # The form's BBox is the page's TrimBox (qpdf), which already clips the bleed; the explicit
        # clip below states it in the sheet's own coordinates too, for viewers that ignore BBox.
        forms = [out.copy_foreign(page_form(page)) for page in pages]
        for left, right in order:
            ops = []
            names = {}
            for side, number in enumerate((left, right)):
                x0, y0, _, _ = trims[number - 1]
                name = f"/P{number}"
                names[name] = forms[number - 1]
                ops.append(place(side, width, height, x0, y0, f"{name} Do"))
            sheet = pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=sheet_box(width, height),
                Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(names)),
                Contents=out.make_stream("\n".join(ops).encode("ascii")),
            )
            out.pages.append(pikepdf.Page(sheet))

        info = src.trailer.get("/Info")
        if info is not None:
            for key in ("/Title", "/Author", "/Subject", "/Keywords", "/Creator"):
                if key in info:
                    out.docinfo[key] = pikepdf.String(str(info[key]))
        if "/Lang" in src.Root:
            out.Root.Lang = pikepdf.String(str(src.Root.Lang))

        buffer = io.BytesIO()
        out.save(
            buffer,
            deterministic_id=True,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )
        return buffer.getvalue()


def place(side: int, width: float, height: float, x0: float, y0: float, draw: str) -> str:
    """Operators that draw a page (`draw`, in the page's own coordinates, e.g. `/P3 Do` and anything
    drawn on top of it) on half `side` (0 left, 1 right) of a sheet, its trim box's corner (x0, y0)
    exactly at the half's corner and everything outside the trim clipped."""
    dx = side * width
    return (f"q {_num(dx)} 0 {_num(width)} {_num(height)} re W n "
            f"1 0 0 1 {_num(dx - x0)} {_num(-y0)} cm {draw} Q")


def sheet_box(width: float, height: float) -> pikepdf.Array:
    """The MediaBox of a sheet side holding two pages of trim size width x height."""
    return pikepdf.Array([0, 0, _rounded(2 * width), _rounded(height)])


def trim_box(page: pikepdf.Page) -> tuple[float, float, float, float]:
    """The page's TrimBox (else MediaBox) as x0, y0, x1, y1."""
    return _trim(page)


def page_form(page: pikepdf.Page) -> pikepdf.Object:
    """The page as a form XObject, sharing the page's resource dictionary if it is shared."""
    form = page.as_form_xobject()
    resources = page.obj.get("/Resources")
    # qpdf gives each form its own copy of the resources; WeasyPrint pages all share one, and
    # keeping it shared saves some 600 bytes a page.
    if resources is not None and resources.is_indirect:
        form.Resources = resources
    return form


def _rounded(value: float) -> pikepdf.Object:
    return pikepdf.Object.parse(_num(value).encode("ascii"))
