"""Fake scans of printed packet pages, for tests/test_records.py and benchmarks/records.py.

A "scan" here is what an office scanner makes of a printed page: the page drawn at the scanner's
resolution in grey (anti-aliased), fed in a few degrees askew and maybe upside down or sideways,
with sensor noise, saved as JPEG inside a PDF (or as PNG/TIFF). Everything is deterministic: the
noise comes from a seeded generator, so a failing page can be made again.
"""

from __future__ import annotations

import functools
import io
import math
import random
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2
import pypdfium2.raw as pdfium_c
import segno
import zxingcpp
from PIL import Image, ImageChops, ImageDraw

MM_PER_INCH = 25.4


@dataclass(frozen=True)
class Scanner:
    """How one page goes through the scanner."""

    dpi: int = 200
    turn: int = 0  # 0, 90, 180 or 270 degrees: the sheet fed sideways or upside down
    skew: float = 0.0  # degrees: fed askew
    noise: float = 6.0  # standard deviation of the sensor noise, in grey levels (0-255)
    seed: int = 0

    def __str__(self) -> str:
        return f"{self.dpi} dpi, turned {self.turn}°, skewed {self.skew}°, noise {self.noise}"


def render(pdf: pypdfium2.PdfDocument, index: int, dpi: int, skew: float = 0.0) -> Image.Image:
    """A page of a PDF as printed, in grey, at `dpi`, turned by `skew` degrees on a white ground.

    The skew is drawn by PDFium (FPDF_RenderPageBitmapWithMatrix), anti-aliased like a scanner's
    optics and five times faster than turning the bitmap with Pillow afterwards."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        scale, angle = dpi / 72, math.radians(skew)
        cos, sin = math.cos(angle), math.sin(angle)
        out_w = math.ceil((width * abs(cos) + height * abs(sin)) * scale)
        out_h = math.ceil((width * abs(sin) + height * abs(cos)) * scale)
        bitmap = pypdfium2.PdfBitmap.new_native(out_w, out_h, pdfium_c.FPDFBitmap_Gray)
        bitmap.fill_rect((255, 255, 255, 255), 0, 0, out_w, out_h)
        matrix = pdfium_c.FS_MATRIX(scale * cos, -scale * sin, scale * sin, scale * cos, 0, 0)
        # Move the page's centre to the bitmap's centre.
        matrix.e = out_w / 2 - (matrix.a * width / 2 + matrix.c * height / 2)
        matrix.f = out_h / 2 - (matrix.b * width / 2 + matrix.d * height / 2)
        clip = pdfium_c.FS_RECTF(0, 0, out_w, out_h)
        pdfium_c.FPDF_RenderPageBitmapWithMatrix(bitmap.raw, page.raw, matrix, clip, pdfium_c.FPDF_ANNOT)
        return bitmap.to_pil().convert("L")
    finally:
        page.close()


@functools.cache
def _noise_tile(sigma: float, seed: int) -> Image.Image:
    """Normally distributed grey offsets around 128 (uniform bytes through the inverse CDF, so no
    numpy is needed), on a tile with sides prime to each other so the pattern shows no grid."""
    normal = statistics.NormalDist(128, sigma)
    table = [min(255, max(0, round(normal.inv_cdf((i + 0.5) / 256)))) for i in range(256)]
    rng = random.Random(seed)
    return Image.frombytes("L", (509, 503), rng.randbytes(509 * 503)).point(table)


def scan(page: Image.Image, scanner: Scanner, skewed: bool = False) -> Image.Image:
    """`page` (drawn at scanner.dpi, and already skewed if `skewed`) as the scanner sees it."""
    image = page.convert("L")
    if scanner.skew and not skewed:
        image = image.rotate(scanner.skew, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    if scanner.turn:
        image = image.transpose({90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180,
                                 270: Image.Transpose.ROTATE_270}[scanner.turn])
    if scanner.noise:
        tile = _noise_tile(scanner.noise, scanner.seed % 16)
        noise = Image.new("L", image.size)
        for x in range(0, image.width, tile.width):
            for y in range(0, image.height, tile.height):
                noise.paste(tile, (x, y))
        image = ImageChops.add(image, noise, scale=1.0, offset=-128)
    image.info["dpi"] = (scanner.dpi, scanner.dpi)  # as scanners record it; write_pdf sizes the page by it
    return image


def scan_page(pdf: pypdfium2.PdfDocument, index: int, scanner: Scanner) -> Image.Image:
    """A printed page of `pdf` as the scanner sees it."""
    return scan(render(pdf, index, scanner.dpi, scanner.skew), scanner, skewed=True)


def blank_page(width_mm: float, height_mm: float, dpi: int) -> Image.Image:
    px = (round(width_mm / MM_PER_INCH * dpi), round(height_mm / MM_PER_INCH * dpi))
    return Image.new("L", px, 255)


def code_box(image: Image.Image) -> tuple[int, int, int, int]:
    """Where the records code is on a clean page image: (left, top, right, bottom) in pixels."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    assert len(found) == 1, f"expected one QR code on the page, found {len(found)}"
    p = found[0].position
    xs = [q.x for q in (p.top_left, p.top_right, p.bottom_left, p.bottom_right)]
    ys = [q.y for q in (p.top_left, p.top_right, p.bottom_left, p.bottom_right)]
    return min(xs), min(ys), max(xs) + 1, max(ys) + 1


def qr_image(payload: str, size: int) -> Image.Image:
    """A QR code (segno, error level M as packets prints it) drawn `size` pixels wide, without its
    quiet zone: sampled down from a sharp drawing, as a printer and scanner would."""
    buf = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buf, kind="png", scale=20, border=0)
    sharp = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return sharp.resize((size, size), Image.Resampling.BOX)


def replace_code(page: Image.Image, payload: str) -> Image.Image:
    """The clean page with its records code replaced by one carrying `payload` (another ID,
    revision or document), the same size and place, as if that form had been printed."""
    left, top, right, bottom = code_box(page)
    out = page.copy()
    out.paste(255, (left - 2, top - 2, right + 2, bottom + 2))
    out.paste(qr_image(payload, right - left), (left, top))
    return out


def damage_code(page: Image.Image) -> Image.Image:
    """The clean page with the middle of its code scribbled over (finder patterns intact): a decoder
    still finds the symbol but cannot read it (checked at 150-300 dpi, turned and skewed)."""
    left, top, right, _ = code_box(page)
    out = page.copy()
    draw = ImageDraw.Draw(out)
    size = right - left
    rng = random.Random(7)
    for _ in range(60):
        x, y = rng.uniform(left + size * 0.3, left + size * 0.7), rng.uniform(top + size * 0.3, top + size * 0.7)
        draw.rectangle((x, y, x + size / 12, y + size / 12), fill=rng.choice((0, 255)))
    return out


@dataclass(frozen=True)
class Encoded:
    """A scanned page as a scanner stores it in a PDF: JPEG bytes, pixel size and resolution."""

    jpeg: bytes
    width: int
    height: int
    dpi: int


def encode(image: Image.Image, quality: int = 75) -> Encoded:
    buf = io.BytesIO()
    image.convert("L").save(buf, format="JPEG", quality=quality)
    return Encoded(buf.getvalue(), image.width, image.height, int(image.info.get("dpi", (200, 200))[0]))


def write_pdf(path: Path, pages: Iterable[Image.Image | Encoded], quality: int = 75) -> int:
    """A PDF of JPEG page images, as scanners write them (one image per page, DCTDecode, the page
    sized by the image's dpi), made page by page so a long stack never sits in memory as bitmaps;
    returns the number of pages."""
    pdf = pikepdf.new()
    count = 0
    for item in pages:
        page = item if isinstance(item, Encoded) else encode(item, quality)
        stream = pikepdf.Stream(pdf, page.jpeg)
        stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        stream.Width, stream.Height = page.width, page.height
        stream.ColorSpace, stream.BitsPerComponent = pikepdf.Name.DeviceGray, 8
        stream.Filter = pikepdf.Name.DCTDecode
        width, height = page.width * 72 / page.dpi, page.height * 72 / page.dpi
        pdf.pages.append(pikepdf.Page(pikepdf.Dictionary(
            Type=pikepdf.Name.Page, MediaBox=[0, 0, width, height],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=stream)),
            Contents=pdf.make_stream(f"q {width:.3f} 0 0 {height:.3f} 0 0 cm /Im0 Do Q".encode()))))
        count += 1
    pdf.save(path, deterministic_id=True)
    return count
