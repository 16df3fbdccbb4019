"""Stamping stage: a person's name, ID, date and records QR code drawn onto a booklet's form page.

Drawing uses PDF operators through pikepdf, in microseconds per person, instead of a WeasyPrint
layout per person (about 15 ms a page even for a page of three lines). Text is set in the booklet's
own typeface: the font files the templates use, subset once per run to the characters of the whole
roster, embedded once per output file as a Type 0 font with a ToUnicode map, so the values are
searchable and extractable like the rest of the page. The QR code is filled squares: nothing to
fetch, no image, identical bytes every run.

The original page content is wrapped in q/Q and left untouched; the stamp is appended after it.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pikepdf
import segno

from booklets.engine.output import write_atomic
from booklets.packets.formlayout import MM, FormLayout, QrSpot, Spot
from booklets.render.fonts import font_path

QR_MODULE_MAX = 0.40 * MM  # a 300 dpi office scanner reads 0.3 mm modules; larger is kinder to photocopies
QR_MODULE_MIN = 0.25 * MM
QR_QUIET = 4  # modules of white around the symbol (ISO/IEC 18004)
QR_MASK = 4
SUBSET_VERSION = 2  # 2: cache entries end with their SHA-256
_DARK = re.compile(b"\x01+")  # a run of dark modules in a row of the QR matrix
SHRINK_LIMIT = 0.6  # a long name may be set down to 60% of the form's size before it is refused


@cache
def _cmap(path: Path) -> dict[int, str]:
    from fontTools.ttLib import TTFont

    return dict(TTFont(path, lazy=True).getBestCmap())


def not_in_font(text: str) -> str:
    """The characters of `text` the booklet font cannot draw on its own (missing, or combining marks)."""
    cmap = _cmap(font_path(400))
    bad = [ch for ch in text if ord(ch) not in cmap or unicodedata.category(ch) in ("Mn", "Mc", "Me")]
    return " ".join(dict.fromkeys(repr(ch) for ch in bad))


def qr_payload(document_number: str, revision: str, person_id: str) -> str:
    """What the records QR code carries: `document|revision|ID`, e.g. `PB-001|1.0|A12`."""
    return f"{document_number}|{revision}|{person_id}"


def _subset_program(path: Path, text: str, cache_dir: Path | None) -> bytes:
    """The font file cut down to the characters of `text` (cached: subsetting takes about a second)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    unicodes = sorted({ord(ch) for ch in text} | {0x20})
    source = path.read_bytes()
    key = hashlib.sha256(source + repr((SUBSET_VERSION, unicodes)).encode()).hexdigest()
    cached = cache_dir / f"font-{key}.ttf" if cache_dir else None
    if cached is not None and cached.is_file():
        # The file's own SHA-256 ends it: a truncated or damaged entry is made again, never used.
        data = cached.read_bytes()
        if len(data) > 32 and hashlib.sha256(data[:-32]).digest() == data[-32:]:
            return data[:-32]
    font = TTFont(io.BytesIO(source), recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [1, 2, 3, 4, 6]
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "DSIG", "kern"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    if cached is not None:
        write_atomic(cached, buf.getvalue() + hashlib.sha256(buf.getvalue()).digest())
    return buf.getvalue()


class SubsetFont:
    """One weight of the booklet typeface, cut down to the characters a run needs."""

    def __init__(self, path: Path, text: str, cache_dir: Path | None = None) -> None:
        from fontTools.ttLib import TTFont

        self.program = _subset_program(path, text, cache_dir)
        font = TTFont(io.BytesIO(self.program))
        scale = 1000 / font["head"].unitsPerEm
        cmap = font.getBestCmap()
        self.gids = {cp: font.getGlyphID(name) for cp, name in cmap.items()}
        self.widths = {font.getGlyphID(name): round(font["hmtx"][name][0] * scale) for name in font.getGlyphOrder()}
        head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
        self.bbox = [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
        self.ascent, self.descent = round(hhea.ascent * scale), round(hhea.descent * scale)
        self.cap_height = round(getattr(os2, "sCapHeight", hhea.ascent) * scale)
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(self.program).digest()[:6])
        self.name = f"{tag}+{font['name'].getDebugName(6) or path.stem}"

    def encode(self, text: str) -> bytes:
        """Glyph ids as 2-byte codes (Identity-H), as hex for a content stream."""
        return b"<" + "".join(f"{self.gids[ord(ch)]:04X}" for ch in text).encode() + b">"

    def width(self, text: str, size: float) -> float:
        return float(sum(self.widths[self.gids[ord(ch)]] for ch in text) * size / 1000)

    def pdf_font(self, pdf: pikepdf.Pdf) -> pikepdf.Object:
        """The Type 0 font dictionary for this subset, made inside `pdf`."""
        program = pikepdf.Stream(pdf, self.program)
        program.Length1 = len(self.program)
        descriptor = pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/" + self.name), Flags=32,
            FontBBox=self.bbox, ItalicAngle=0, Ascent=self.ascent, Descent=self.descent,
            CapHeight=self.cap_height, StemV=80, FontFile2=program)
        widths: list[object] = []
        for gid in sorted(self.widths):
            widths += [gid, [self.widths[gid]]]
        cid = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2, BaseFont=pikepdf.Name("/" + self.name),
            CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"),
                                             Supplement=0),
            FontDescriptor=pdf.make_indirect(descriptor), W=pikepdf.Array(widths), DW=1000,
            CIDToGIDMap=pikepdf.Name.Identity)
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name("/" + self.name),
            Encoding=pikepdf.Name("/Identity-H"), DescendantFonts=[pdf.make_indirect(cid)],
            ToUnicode=pikepdf.Stream(pdf, self._to_unicode()))
        return pdf.make_indirect(font)

    def _to_unicode(self) -> bytes:
        pairs = sorted({gid: cp for cp, gid in sorted(self.gids.items(), reverse=True)}.items())
        lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
                 "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
                 "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
                 "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange"]
        for start in range(0, len(pairs), 100):
            chunk = pairs[start:start + 100]
            lines.append(f"{len(chunk)} beginbfchar")
            lines += [f"<{gid:04X}> <{chr(cp).encode('utf-16-be').hex().upper()}>" for gid, cp in chunk]
            lines.append("endbfchar")
        lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
        return "\n".join(lines).encode()


@dataclass(frozen=True)
class Fonts:
    """The subset fonts of a run, one per weight the form uses."""

    subsets: dict[int, SubsetFont]

    @classmethod
    def for_text(cls, weights: set[int], text: str, cache_dir: Path | None = None) -> Fonts:
        return cls({w: SubsetFont(font_path(w), text, cache_dir) for w in sorted(weights)})

    @staticmethod
    def resource_name(weight: int) -> pikepdf.Name:
        return pikepdf.Name(f"/PktF{weight}")

    def objects(self, pdf: pikepdf.Pdf) -> dict[int, pikepdf.Object]:
        """The font objects inside `pdf`: make them once per output file and pass them to apply()."""
        return {w: s.pdf_font(pdf) for w, s in self.subsets.items()}


class StampError(ValueError):
    """A value cannot be drawn on the form (too long for its line, QR payload too long)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _num(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _text_ops(fonts: Fonts, spot: Spot, text: str, what: str) -> bytes:
    font = fonts.subsets[spot.weight]
    size = spot.size
    room = spot.right - spot.x
    if font.width(text, size) > room:
        size = spot.size * room / font.width(text, spot.size)
        if size < spot.size * SHRINK_LIMIT:
            raise StampError(what, f"{text!r} is too long for its line on the form, even in smaller type; shorten it")
    color = " ".join(_num(c) for c in spot.color) + {1: " g", 3: " rg", 4: " k"}[len(spot.color)]
    return (f"q {color} BT {fonts.resource_name(spot.weight)} {_num(size)} Tf 1 0 0 1 {_num(spot.x)} "
            f"{_num(spot.baseline)} Tm ").encode() + font.encode(text) + b" Tj ET Q\n"


def qr_ops(payload: str, spot: QrSpot) -> bytes:
    """The QR code as filled squares, top-right in the reserved square, on a white quiet zone."""
    # A fixed mask: any of the eight is valid for every decoder, and letting segno score all eight
    # costs 3-7 ms a person, half of the time budget of a 1,000-person batch.
    matrix = segno.make(payload, error="m", micro=False, mask=QR_MASK).matrix
    count = len(matrix) + 2 * QR_QUIET
    module = min(QR_MODULE_MAX, spot.size / count)
    if module < QR_MODULE_MIN:
        raise StampError("id", f"the QR payload {payload!r} is too long for a small printed code; shorten the ID")
    left, bottom = spot.x + spot.size - module * count, spot.y + spot.size - module * count
    # In module units (origin at the quiet zone's bottom left, y up), every rectangle is whole numbers.
    ops = [f"q {_num(module)} 0 0 {_num(module)} {_num(left)} {_num(bottom)} cm 1 g 0 0 {count} {count} re f 0 g"]
    for r, row in enumerate(matrix):
        y = count - QR_QUIET - r - 1
        ops += [f"{QR_QUIET + m.start()} {y} {m.end() - m.start()} 1 re" for m in _DARK.finditer(bytes(row))]
    ops.append("f Q\n")
    return "\n".join(ops).encode()


def stamp_ops(fonts: Fonts, layout: FormLayout, values: dict[str, str], payload: str) -> dict[int, bytes]:
    """Content to append, per booklet page index: each non-empty value on its line, and the QR code."""
    pages: dict[int, bytes] = {}
    for key, text in values.items():
        if text:
            spot = layout.fields[key]
            pages[spot.page] = pages.get(spot.page, b"") + _text_ops(fonts, spot, text, key)
    pages[layout.qr.page] = pages.get(layout.qr.page, b"") + qr_ops(payload, layout.qr)
    return pages


def apply(pdf: pikepdf.Pdf, page: pikepdf.Dictionary, ops: bytes, font_objects: dict[int, pikepdf.Object],
          opener: pikepdf.Object) -> None:
    """Append `ops` to `page` of `pdf`. The page gets its own /Resources (others may share the old one);
    `opener` is a stream holding `q`, shared by every stamped page of the file."""
    resources = pikepdf.Dictionary({k: v for k, v in page.get("/Resources", pikepdf.Dictionary()).items()})
    font_dict = pikepdf.Dictionary({k: v for k, v in resources.get("/Font", pikepdf.Dictionary()).items()})
    for weight, obj in font_objects.items():
        font_dict[Fonts.resource_name(weight)] = obj
    resources.Font = font_dict
    page.Resources = resources
    contents = page.get("/Contents")
    original = list(contents) if isinstance(contents, pikepdf.Array) else ([contents] if contents is not None else [])
    # The booklet's content may leave its coordinate system changed; q/Q around it restores ours.
    page.Contents = pikepdf.Array([opener, *original, pdf.make_stream(b"\nQ\n" + ops)])
