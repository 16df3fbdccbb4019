"""One page image to QR texts: greyscale, blank and negative pages recognised, up to three decoder passes.

scan.py turns files into page images and runs the pool; this module is what a worker does with one
image. The pass order and why it is so are in scan.py's docstring.
"""

from __future__ import annotations

import math
from typing import Any

MAX_PIXELS = 40_000_000  # a page larger than A3 at 300 dpi is drawn smaller, never without bound
BLANK_DARK = 0.0001  # at most this share of dark pixels: a blank page (a printed code is ~0.2%)


def to_grey(image: Any) -> Any:
    """Greyscale, transparent parts white (a transparent PNG's hidden pixels are often black)."""
    from PIL import Image

    image.load()
    if image.width * image.height > MAX_PIXELS:
        scale = math.sqrt(MAX_PIXELS / (image.width * image.height))
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    if image.mode.startswith("I;16"):
        return image.point(lambda v: v / 256, "L")  # 16-bit greyscale: keep the top 8 bits
    return image.convert("L")


def inspect(image: Any) -> tuple[Any, bool]:
    """(image, blank): nearly every pixel light is a blank page (scanner noise and dust are a few
    pixels; a printed code alone is ~0.2%); a page mostly dark is a negative (an inverted scan, or
    a PDF image with an inverting /Decode, which its raw pixels do not apply) and is turned back."""
    from PIL import ImageOps

    small = image.reduce(2) if min(image.size) >= 4 else image
    histogram = small.histogram()
    dark = sum(histogram[:128])
    if dark > small.width * small.height / 2:
        return ImageOps.invert(image), False
    return image, dark <= BLANK_DARK * small.width * small.height


# --- decoding ------------------------------------------------------------------------------------

def _passes() -> tuple[tuple[float, Any], ...]:
    import zxingcpp

    return ((1.0, zxingcpp.Binarizer.FixedThreshold), (1.0, zxingcpp.Binarizer.LocalAverage),
            (1.5, zxingcpp.Binarizer.FixedThreshold))


def decode(image: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The QR texts decoded on `image`, and zxing's reason for each symbol no pass could decode."""
    import zxingcpp
    from PIL import Image

    codes: dict[str, tuple[float, float, float, float]] = {}
    failed: list[tuple[str, tuple[float, float, float, float]]] = []
    qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    for scale, binarizer in _passes():
        if scale != 1 and not failed:
            break  # enlarging costs more than both other passes: only where a symbol was seen but not read
        work = image if scale == 1 else image.resize((round(image.width * scale), round(image.height * scale)),
                                                      Image.Resampling.BILINEAR)
        found = zxingcpp.read_barcodes(work, formats=qr, try_rotate=False, try_downscale=True, try_invert=False,
                                       binarizer=binarizer, is_pure=False, return_errors=True)
        for symbol in found:
            box = _box(symbol.position, scale)
            if symbol.valid:
                codes.setdefault(symbol.text, box)
            else:
                failed.append((str(symbol.error) or "not decodable", box))
        failed = [(why, box) for why, box in failed if not any(_overlap(box, b) for b in codes.values())]
        if codes and not failed:
            break
    reasons = _distinct(failed)
    return tuple(codes), tuple(reasons)


def _box(position: Any, scale: float) -> tuple[float, float, float, float]:
    points = (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    xs, ys = [p.x / scale for p in points], [p.y / scale for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _distinct(failed: list[tuple[str, tuple[float, float, float, float]]]) -> list[str]:
    """One reason per place: the passes find the same broken symbol again and again."""
    kept: list[tuple[str, tuple[float, float, float, float]]] = []
    for why, box in failed:
        if not any(_overlap(box, other) for _, other in kept):
            kept.append((why, box))
    return [why for why, _ in kept]
