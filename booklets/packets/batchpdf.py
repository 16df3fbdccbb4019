"""Batch writer: the merged print-shop PDF, written person by person in constant memory.

pikepdf (qpdf) holds every object of a document in memory until it saves, and a batch of 1,000
people is some 25,000 pages: memory would grow with the roster. So the shared part - each distinct
booklet's pages once, the fonts - is saved by pikepdf as a complete PDF, and each person's pages
are appended after it as a PDF incremental update (ISO 32000-1, 7.5.6): small page dictionaries
pointing at the shared content and resources, the person's stamp, and one page-tree node per
person. Each object is written as soon as it is made; only byte offsets are kept.

The update's catalog replaces the shared part's, so its page tree (one copy of each booklet) is
left unreferenced. Output bytes depend only on the inputs.
"""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from typing import BinaryIO

import pikepdf

from booklets.packets.stamp import Fonts

SHEET = 4  # pages per folded sheet: each person's part is a whole number of sheets
_DROP = ("/Annots", "/StructParents")  # links name destinations the batch does not have
_BOXES = ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox")


@dataclass(frozen=True)
class _Page:
    """One booklet page as numbered in the shared part: what a person's copy of it refers to."""

    contents: bytes  # references, e.g. b"12 0 R 13 0 R"
    resources: bytes  # b"14 0 R"
    entries: bytes  # the resources' entries other than /Font, unparsed
    fonts: bytes  # the /Font entries, unparsed
    boxes: bytes  # b"/MediaBox 15 0 R /TrimBox 16 0 R"


def _text(value: str) -> bytes:
    """A PDF string: literal for printable ASCII (dates must be), else UTF-16BE with a byte order mark."""
    if value.isascii() and value.isprintable():
        return b"(" + value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode() + b")"
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"


class BatchWriter:
    """Write `shared` booklets once, then `add()` each person's copy, then `finish()`."""

    def __init__(self, out: BinaryIO, booklets: Mapping[object, bytes], fonts: Fonts,
                 info: Mapping[str, str]) -> None:
        """`booklets` maps a key to a booklet PDF; `fonts` are drawn with by the stamps; `info` is
        the document information dictionary (e.g. Title, Creator, CreationDate)."""
        self.out = out
        self.digest = hashlib.sha256()
        self.pos = 0
        shared, keys = self._shared(booklets, fonts)
        self._write(shared)
        self._number(shared, keys)
        self.first = self.next = self.size
        self.offsets = array("Q")
        self.root = self._reserve()
        self.info = info
        self.marks: list[tuple[str, int]] = []
        self.nodes: list[int] = []
        self.pages = 0

    # -- the shared part ------------------------------------------------------------------------

    def _shared(self, booklets: Mapping[object, bytes], fonts: Fonts) -> tuple[bytes, list[object]]:
        base = pikepdf.new()
        keys: list[object] = []
        sources = []
        for key, data in booklets.items():
            src = pikepdf.open(io.BytesIO(data))
            sources.append(src)
            for page in src.pages:
                base.pages.append(page)
                keys.append(key)
        for page in base.pages:
            obj = page.obj
            for drop in _DROP:
                if drop in obj:
                    del obj[drop]
            if "/Resources" not in obj:
                obj.Resources = pikepdf.Dictionary()
            if not obj.Resources.is_indirect:
                obj.Resources = base.make_indirect(obj.Resources)
            for box in _BOXES:
                if box in obj and not obj[box].is_indirect:
                    obj[box] = base.make_indirect(obj[box])
        made = {str(Fonts.resource_name(w)): obj for w, obj in fonts.objects(base).items()}
        # Kept reachable from the shared part's catalog, so that pikepdf writes them.
        base.Root.PktBatch = base.make_indirect(pikepdf.Dictionary(
            Fonts=pikepdf.Dictionary(made), Opener=base.make_stream(b"q\n"), Blank=base.make_stream(b"")))
        buf = io.BytesIO()
        version = max((src.pdf_version for src in sources), default="1.7")
        base.save(buf, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable,
                  min_version=version)
        for src in sources:
            src.close()
        data = buf.getvalue()
        return data if data.endswith(b"\n") else data + b"\n", keys

    def _number(self, shared: bytes, keys: list[object]) -> None:
        """Read back the object numbers pikepdf gave the shared part."""
        match = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", shared)
        if match is None:  # pragma: no cover - pikepdf always writes one
            raise ValueError("the shared part has no startxref")
        self.prev = int(match.group(1))
        with pikepdf.open(io.BytesIO(shared)) as pdf:
            self.size = int(pdf.trailer.Size)
            self.id0 = bytes(pdf.trailer.ID[0])
            batch = pdf.Root.PktBatch
            self.font_entries = b" ".join(pikepdf.Name(k).unparse() + b" " + v.unparse()
                                          for k, v in batch.Fonts.items())
            self.opener = batch.Opener.unparse()
            self.blank = batch.Blank.unparse()
            self.booklets: dict[object, list[_Page]] = {}
            for key, page in zip(keys, pdf.pages, strict=True):
                obj = page.obj
                contents = obj.get("/Contents")
                refs = b" ".join(c.unparse() for c in contents) if isinstance(contents, pikepdf.Array) else (
                    contents.unparse() if contents is not None else b"")
                resources = obj.Resources
                entries = b" ".join(pikepdf.Name(k).unparse() + b" " + v.unparse()
                                    for k, v in resources.items() if k != "/Font")
                fonts = b" ".join(pikepdf.Name(k).unparse() + b" " + v.unparse()
                                  for k, v in resources.get("/Font", pikepdf.Dictionary()).items())
                boxes = b" ".join(pikepdf.Name(b).unparse() + b" " + obj[b].unparse() for b in _BOXES if b in obj)
                self.booklets.setdefault(key, []).append(_Page(refs, resources.unparse(), entries, fonts, boxes))

    # -- writing --------------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.digest.update(data)
        self.pos += len(data)

    def _reserve(self) -> int:
        num = self.next
        self.next += 1
        self.offsets.append(0)
        return num

    def _object(self, body: bytes, num: int | None = None) -> int:
        if num is None:
            num = self._reserve()
        self.offsets[num - self.first] = self.pos
        self._write(b"%d 0 obj\n%s\nendobj\n" % (num, body))
        return num

    def _stream(self, data: bytes) -> int:
        packed = zlib.compress(data, 6)
        return self._object(b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed))

    # -- people ---------------------------------------------------------------------------------

    def add(self, title: str, key: object, stamps: Mapping[int, bytes]) -> int:
        """Append one person's copy of booklet `key`, with `stamps` (ops per page index) drawn on
        top; blank pages before the back cover make it whole sheets. Returns its page count."""
        pages = self.booklets[key]
        node = self._reserve()
        order: list[_Page | None] = list(pages)
        for _ in range(-len(order) % SHEET):
            order.insert(len(order) - 1, None)
        kids = []
        for i, page in enumerate(order):
            if page is None:
                boxes = pages[-1].boxes
                body = b"<< /Type /Page /Parent %d 0 R %s /Resources << >> /Contents %s >>" % (node, boxes, self.blank)
            elif i in stamps:
                stamp = self._stream(b"\nQ\n" + stamps[i])
                resources = self._object(b"<< %s /Font << %s %s >> >>" % (page.entries, page.fonts, self.font_entries))
                body = b"<< /Type /Page /Parent %d 0 R %s /Resources %d 0 R /Contents [%s %s %d 0 R] >>" % (
                    node, page.boxes, resources, self.opener, page.contents, stamp)
            else:
                body = b"<< /Type /Page /Parent %d 0 R %s /Resources %s /Contents [%s] >>" % (
                    node, page.boxes, page.resources, page.contents)
            kids.append(self._object(body))
        self._object(b"<< /Type /Pages /Parent %d 0 R /Kids [%s] /Count %d >>" % (
            self.root, b" ".join(b"%d 0 R" % k for k in kids), len(kids)), node)
        self.nodes.append(node)
        self.marks.append((title, kids[0]))
        self.pages += len(kids)
        return len(kids)

    def finish(self) -> int:
        """Write the page tree root, outline, catalog, information, cross-reference section and
        trailer. Returns the number of pages."""
        self._object(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
            b" ".join(b"%d 0 R" % n for n in self.nodes), self.pages), self.root)
        outline = self._reserve()
        items = [self._reserve() for _ in self.marks]
        for i, (title, page) in enumerate(self.marks):
            links = b""
            if i:
                links += b" /Prev %d 0 R" % items[i - 1]
            if i + 1 < len(items):
                links += b" /Next %d 0 R" % items[i + 1]
            self._object(b"<< /Title %s /Parent %d 0 R /Dest [%d 0 R /Fit]%s >>" % (
                _text(title), outline, page, links), items[i])
        if items:
            self._object(b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (
                items[0], items[-1], len(items)), outline)
        else:
            self._object(b"<< /Type /Outlines /Count 0 >>", outline)
        catalog = self._object(b"<< /Type /Catalog /Pages %d 0 R /Outlines %d 0 R /PageMode /UseOutlines >>" % (
            self.root, outline))
        info = self._object(b"<< %s >>" % b" ".join(
            pikepdf.Name("/" + k).unparse() + b" " + _text(v) for k, v in self.info.items()))
        xref = self.pos
        # The free-list head (object 0) again, as many writers do: some readers expect a section to start at 0.
        lines = [b"xref\n0 1\n0000000000 65535 f \n%d %d\n" % (self.first, len(self.offsets))]
        lines += [b"%010d 00000 n \n" % offset for offset in self.offsets]
        self._write(b"".join(lines))
        id1 = self.digest.hexdigest()[:32].encode()
        self._write(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /Prev %d /ID [<%s> <%s>] >>\n"
                    b"startxref\n%d\n%%%%EOF\n" % (self.next, catalog, info, self.prev, self.id0.hex().encode(),
                                                  id1, xref))
        return self.pages
