"""Batch writer: the merged print-shop PDF, written person by person in constant memory.

pikepdf (qpdf) holds every object of a document in memory until it saves, and a batch of 1,000
people is some 25,000 pages: memory would grow with the roster. So the shared part - each distinct
booklet's pages once, the fonts - is saved by pikepdf as a complete PDF, and each person's pages
are appended after it as a PDF incremental update (ISO 32000-1, 7.5.6): small page dictionaries
pointing at the shared content and resources, the person's stamp, and one page-tree node per
person. Each object is written as soon as it is made.

Nothing grows with the roster in memory: byte offsets are kept only until every lower object number
is written and then go, as cross-reference lines, to a temporary file that is copied after the
objects; each outline item is written when the next person's is known; the page tree has one node
per CHUNK people, each written when it is full. Only one (number, count) per CHUNK people is kept.

`imposed=True` writes the same stamped pages as 2-up saddle-stitch sheets for an office printer
(render/impose.py's order and placement): each page of the shared part becomes a form XObject once,
and a sheet side draws two of them and, over each, that page's stamp. Each person's part is whole
sheets, so a stack folds and staples person by person.

The update's catalog replaces the shared part's, so its page tree (one copy of each booklet) is
left unreferenced. Output bytes depend only on the inputs.
"""

from __future__ import annotations

import hashlib
import io
import re
import tempfile
import zlib
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

import pikepdf

from booklets.packets.stamp import Fonts
from booklets.render.impose import page_form, place, saddle_stitch_order, sheet_box, trim_box

SHEET = 4  # pages per folded sheet
CHUNK = 1000  # people per page-tree node under the root
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
    form: bytes  # the page as a form XObject (imposed batches only), e.g. b"17 0 R"
    trim: tuple[float, float, float, float]


def _text(value: str) -> bytes:
    """A PDF string: literal for printable ASCII (dates must be), else UTF-16BE with a byte order mark."""
    if value.isascii() and value.isprintable():
        return b"(" + value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode() + b")"
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"


class BatchWriter:
    """Write `shared` booklets once, then `add()` each person's copy, then `finish()`."""

    def __init__(self, out: BinaryIO, booklets: Mapping[Any, bytes], fonts: Fonts,
                 info: Mapping[str, str], pad_to: int = SHEET, imposed: bool = False) -> None:
        """`booklets` maps a key to a booklet PDF; `fonts` are drawn with by the stamps; `info` is
        the document information dictionary (e.g. Title, Creator, CreationDate); each person's part
        is padded to a multiple of `pad_to` pages (the edition's rule: 4 for folded sheets);
        `imposed` writes 2-up saddle-stitch sheets (needs `pad_to` a multiple of 4)."""
        if imposed and pad_to % SHEET:
            raise ValueError(f"imposed sheets need parts of a multiple of 4 pages, not {pad_to}")
        self.out = out
        self.pad_to = pad_to
        self.imposed = imposed
        self.digest = hashlib.sha256()
        self.pos = 0
        shared, keys = self._shared(booklets, fonts)
        self._write(shared)
        self._number(shared, keys)
        # Page-tree root and outline root: written last, so outside the streamed range.
        self.root, self.outline = self.size, self.size + 1
        self.heads = [0, 0]
        self.first = self.next = self.size + 2
        self.window = array("Q")  # offsets of objects first + flushed ...; 0: reserved, not yet written
        self.flushed = 0
        self.spill = tempfile.TemporaryFile()  # noqa: SIM115 - closed by finish()
        self.info = info
        self.chunk = 0  # the page-tree node of the current CHUNK people
        self.chunk_kids: list[int] = []
        self.chunk_pages = 0
        self.chunks: list[tuple[int, int]] = []  # (node, pages) of each full chunk: one per CHUNK people
        self.mark: tuple[int, str, int, int] | None = None  # the outline item not yet written
        self.marks = 0
        self.first_mark = 0
        self.pages = 0

    # -- the shared part ------------------------------------------------------------------------

    def _shared(self, booklets: Mapping[Any, bytes], fonts: Fonts) -> tuple[bytes, list[object]]:
        base = pikepdf.new()
        keys: list[object] = []
        sources = []
        for key, data in booklets.items():
            src = pikepdf.open(io.BytesIO(data))
            sources.append(src)
            for page in src.pages:
                base.pages.append(page)
                keys.append(key)
        forms = []
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
            if self.imposed:
                forms.append(base.make_indirect(page_form(page)))
        made = {str(Fonts.resource_name(w)): obj for w, obj in fonts.objects(base).items()}
        # Kept reachable from the shared part's catalog, so that pikepdf writes them.
        base.Root.PktBatch = base.make_indirect(pikepdf.Dictionary(
            Fonts=pikepdf.Dictionary(made), Opener=base.make_stream(b"q\n"), Blank=base.make_stream(b""),
            Forms=pikepdf.Array(forms)))
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
            forms = [f.unparse() for f in batch.Forms] or [b""] * len(keys)
            self.booklets: dict[object, list[_Page]] = {}
            for key, page, form in zip(keys, pdf.pages, forms, strict=True):
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
                self.booklets.setdefault(key, []).append(
                    _Page(refs, resources.unparse(), entries, fonts, boxes, form, trim_box(page)))

    # -- writing --------------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.digest.update(data)
        self.pos += len(data)

    def _reserve(self) -> int:
        num = self.next
        self.next += 1
        self.window.append(0)
        return num

    def _object(self, body: bytes, num: int | None = None) -> int:
        if num is None:
            num = self._reserve()
        if num in (self.root, self.outline):
            self.heads[num - self.root] = self.pos
        else:
            self.window[num - self.first - self.flushed] = self.pos
        self._write(b"%d 0 obj\n%s\nendobj\n" % (num, body))
        return num

    def _flush(self) -> None:
        """Move the cross-reference lines of every object below the lowest unwritten one to the spill."""
        try:
            done = self.window.index(0)
        except ValueError:
            done = len(self.window)
        if done:
            self.spill.write(b"".join(b"%010d 00000 n \n" % offset for offset in self.window[:done]))
            del self.window[:done]
            self.flushed += done

    def _stream(self, data: bytes) -> int:
        packed = zlib.compress(data, 6)
        return self._object(b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed))

    # -- people ---------------------------------------------------------------------------------

    def add(self, title: str, key: object, stamps: Mapping[int, bytes]) -> int:
        """Append one person's copy of booklet `key`, with `stamps` (ops per page index) drawn on
        top; blank pages before the back cover make it a whole number of `pad_to` pages (of
        sheets, when imposed). Returns the number of pages (sheet sides) added."""
        if not self.chunk_kids:
            self.chunk = self._reserve()
        pages = self.booklets[key]
        node = self._reserve()
        order: list[int | None] = list(range(len(pages)))
        for _ in range(-len(order) % self.pad_to):
            order.insert(len(order) - 1, None)
        if self.imposed:
            kids = [self._sheet(node, pages, order[left - 1], order[right - 1], stamps)
                    for left, right in saddle_stitch_order(len(order))]
        else:
            kids = [self._page(node, pages, i, stamps) for i in order]
        self._object(b"<< /Type /Pages /Parent %d 0 R /Kids [%s] /Count %d >>" % (
            self.chunk, b" ".join(b"%d 0 R" % k for k in kids), len(kids)), node)
        self._outline_item(title, kids[0])
        self.chunk_kids.append(node)
        self.chunk_pages += len(kids)
        self.pages += len(kids)
        if len(self.chunk_kids) == CHUNK:
            self._close_chunk()
        self._flush()
        return len(kids)

    def _page(self, node: int, pages: list[_Page], index: int | None, stamps: Mapping[int, bytes]) -> int:
        if index is None:
            return self._object(b"<< /Type /Page /Parent %d 0 R %s /Resources << >> /Contents %s >>" % (
                node, pages[-1].boxes, self.blank))
        page = pages[index]
        if index in stamps:
            stamp = self._stream(b"\nQ\n" + stamps[index])
            resources = self._object(b"<< %s /Font << %s %s >> >>" % (page.entries, page.fonts, self.font_entries))
            return self._object(b"<< /Type /Page /Parent %d 0 R %s /Resources %d 0 R /Contents [%s %s %d 0 R] >>" % (
                node, page.boxes, resources, self.opener, page.contents, stamp))
        return self._object(b"<< /Type /Page /Parent %d 0 R %s /Resources %s /Contents [%s] >>" % (
            node, page.boxes, page.resources, page.contents))

    def _sheet(self, node: int, pages: list[_Page], left: int | None, right: int | None,
               stamps: Mapping[int, bytes]) -> int:
        """One sheet side: booklet pages `left` and `right` (None: a blank page), each with its stamp."""
        x0, y0, x1, y1 = pages[0].trim
        width, height = x1 - x0, y1 - y0
        ops, names = [], []
        for side, index in enumerate((left, right)):
            if index is None:
                continue
            page = pages[index]
            name = b"/B%d" % index
            names.append(name + b" " + page.form)
            # q/Q around the page although Do restores the state itself: pdfminer (pdfplumber) keeps
            # the form's last matrix until the next Q, and would read the stamp upside down.
            drawn = f"q {name.decode()} Do Q" + (f"\n{stamps[index].decode('latin-1')}" if index in stamps else "")
            ops.append(place(side, width, height, page.trim[0], page.trim[1], drawn))
        content = self._stream("\n".join(ops).encode("latin-1"))
        return self._object(b"<< /Type /Page /Parent %d 0 R /MediaBox %s /Resources << /XObject << %s >> "
                            b"/Font << %s >> >> /Contents %d 0 R >>" % (
                                node, sheet_box(width, height).unparse(), b" ".join(names), self.font_entries,
                                content))

    def _outline_item(self, title: str, page: int) -> None:
        """Reserve this person's outline item and write the previous one, now that its /Next is known."""
        num = self._reserve()
        if self.mark is None:
            self.first_mark = num
        else:
            self._write_mark(next_num=num)
        self.mark = (num, title, page, self.mark[0] if self.mark else 0)
        self.marks += 1

    def _write_mark(self, next_num: int) -> None:
        assert self.mark is not None
        num, title, page, prev = self.mark
        links = (b" /Prev %d 0 R" % prev if prev else b"") + (b" /Next %d 0 R" % next_num if next_num else b"")
        self._object(b"<< /Title %s /Parent %d 0 R /Dest [%d 0 R /Fit]%s >>" % (
            _text(title), self.outline, page, links), num)

    def _close_chunk(self) -> None:
        self._object(b"<< /Type /Pages /Parent %d 0 R /Kids [%s] /Count %d >>" % (
            self.root, b" ".join(b"%d 0 R" % k for k in self.chunk_kids), self.chunk_pages), self.chunk)
        self.chunks.append((self.chunk, self.chunk_pages))
        self.chunk_kids, self.chunk_pages = [], 0

    def finish(self) -> int:
        """Write the page tree root, outline, catalog, information, cross-reference section and
        trailer. Returns the number of pages."""
        if self.chunk_kids:
            self._close_chunk()
        self._object(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
            b" ".join(b"%d 0 R" % n for n, _ in self.chunks), self.pages), self.root)
        if self.mark is not None:
            last = self.mark[0]
            self._write_mark(next_num=0)
            self._object(b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (
                self.first_mark, last, self.marks), self.outline)
        else:
            self._object(b"<< /Type /Outlines /Count 0 >>", self.outline)
        catalog = self._object(b"<< /Type /Catalog /Pages %d 0 R /Outlines %d 0 R /PageMode /UseOutlines >>" % (
            self.root, self.outline))
        info = self._object(b"<< %s >>" % b" ".join(
            pikepdf.Name("/" + k).unparse() + b" " + _text(v) for k, v in self.info.items()))
        self._flush()
        assert not self.window, "every reserved object is written"
        xref = self.pos
        # The free-list head (object 0) again, as many writers do: some readers expect a section to start at 0.
        self._write(b"xref\n0 1\n0000000000 65535 f \n%d 2\n%s%d %d\n" % (
            self.root, b"".join(b"%010d 00000 n \n" % h for h in self.heads), self.first, self.flushed))
        self.spill.seek(0)
        while block := self.spill.read(1 << 20):
            self._write(block)
        self.spill.close()
        id1 = self.digest.hexdigest()[:32].encode()
        self._write(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /Prev %d /ID [<%s> <%s>] >>\n"
                    b"startxref\n%d\n%%%%EOF\n" % (self.next, catalog, info, self.prev, self.id0.hex().encode(),
                                                  id1, xref))
        return self.pages
