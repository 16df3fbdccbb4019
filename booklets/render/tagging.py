"""Tagged-PDF stage: finish the structure tree WeasyPrint 70 writes, so the PDF is valid PDF/UA-1.

WeasyPrint tags a PDF well enough for most content, but leaves four things a validator (and a
screen-reader user) trips over, which HTML and CSS cannot express. This stage rewrites them with
pikepdf after the render, for editions with a `pdf_variant`:

* **Running heads and feet are artifacts.** WeasyPrint builds structure elements for the page-margin
  boxes (section title, "Page 4 of 20", document number) but never links them into the tree: their
  marked content is tagged, yet belongs to no element a reader can reach. Any marked content whose
  element is not in the document's tree becomes `/Artifact` (`/Pagination`, `/Header` or `/Footer`
  by where it sits), and the orphaned elements are dropped.
* **One link, one Link element.** Every box inside an `<a>` (a span, a pseudo-element) gets its
  own link annotation, some held by a Span instead of a Link, and Link elements nest in Link
  elements. Nested Links are merged into the outermost one, every annotation's object reference
  moves to it, and an annotation whose rectangle lies inside another of the same link (same target)
  is removed: one tab stop per line of link text instead of six per contents entry. An `<a>`
  without href, which WeasyPrint also tags Link, holds no annotation and becomes a Span.
* **Descriptive link annotations.** WeasyPrint puts the raw target ("s-zero-tolerance",
  "source-prea-115-31") in each annotation's /Contents. It becomes the link's text, and where that
  text has no letters (a citation number), the text at the link's destination is added.
  Annotations get the Print flag, so print and screen present the same annotations.
* **No empty elements.** Elements with no content, no children and no alternative text (an empty
  form line, the contents leader's box) are removed.

Marked-content ids are renumbered per page in content order, the parent tree is rebuilt from the
final tree, and the file is saved deterministically: the same input bytes give the same output bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

from booklets.render.pagecontent import Marked, read_page, rewrite_page

# A link's description is cut at a word boundary near this many characters.
DESCRIPTION_CHARS = 160
_WORDS = re.compile(r"\s+")


@dataclass(frozen=True)
class Mcid:
    """A marked-content sequence: page index and its id on that page."""

    page: int
    mcid: int


@dataclass(eq=False)
class Objr:
    """An object reference to an annotation, held by a structure element."""

    annot: Any  # pikepdf.Dictionary of the annotation
    page: int


@dataclass(eq=False)
class Elem:
    """A structure element, with its kids in order."""

    obj: Any  # pikepdf.Dictionary of the StructElem
    type: str
    page: int | None
    kids: list[Elem | Mcid | Objr] = field(default_factory=list)
    parent: Elem | None = None

    def walk(self) -> Iterator[Elem]:
        yield self
        for kid in self.kids:
            if isinstance(kid, Elem):
                yield from kid.walk()

    def mcids(self) -> Iterator[Mcid]:
        for kid in self.kids:
            if isinstance(kid, Mcid):
                yield kid
            elif isinstance(kid, Elem):
                yield from kid.mcids()


def running_heads(data: bytes) -> dict[int, list[str]]:
    """Page index -> the text of each /Pagination artifact on it that repeats a heading of the
    document's structure tree (a running head: the section title, said once as its heading)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/StructTreeRoot" not in pdf.Root:
            return {}
        reader = _Finisher(pdf)
        headings = [_squash(reader.text(e)) for doc in reader.read_tree() for e in doc.walk()
                    if re.fullmatch(r"H[1-6]?", e.type)]
        out: dict[int, list[str]] = {}
        for index, page in enumerate(pdf.pages):
            texts = [a.text for a in read_page(page).artifacts if a.kind.startswith("Pagination")
                     and _squash(a.text) and any(h.endswith(_squash(a.text)) for h in headings)]
            if texts:
                out[index] = texts
        return out


def _squash(text: str) -> str:
    return _WORDS.sub(" ", text).strip()


def finish_tagged(data: bytes) -> bytes:
    """The tagged PDF `data` (from WeasyPrint) made valid PDF/UA-1; same bytes in, same bytes out."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/StructTreeRoot" not in pdf.Root:
            return data
        _Finisher(pdf).run()
        out = io.BytesIO()
        # deterministic_id: the /ID is a hash of the content, never of the time or a random number.
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


class _Finisher:
    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.root = pdf.Root.StructTreeRoot
        self.pages = list(pdf.pages)
        self.page_index = {page.obj.objgen: i for i, page in enumerate(self.pages)}
        self.streams = [pikepdf.parse_content_stream(page) for page in self.pages]  # read here, rewritten by _write
        self.marked = [read_page(page, stream).marked for page, stream in zip(self.pages, self.streams, strict=True)]
        self.renumbered: dict[Mcid, int] = {}  # old id -> new id, filled while writing

    def read_tree(self) -> list[Elem]:
        """The structure tree below the root (the Document element)."""
        top = [self._elem(kid, None) for kid in _kids(self.root.get("/K"))]
        return [e for e in top if isinstance(e, Elem)]

    def run(self) -> None:
        tree = self.read_tree()
        for doc in tree:
            self._merge_links(doc)
        for doc in tree:
            _drop_empty(doc)
        self._describe_links(tree)
        self._write(tree)

    # --- reading the tree ------------------------------------------------------------------------

    def _elem(self, obj: Any, parent: Elem | None) -> Elem | Mcid | Objr | None:
        """The in-memory form of one kid of the structure tree."""
        if isinstance(obj, int):  # pikepdf gives PDF integers as Python ints: a marked-content id
            page = parent.page if parent is not None else None
            return Mcid(page, int(obj)) if page is not None else None
        if not isinstance(obj, Dictionary):
            return None
        kind = obj.get("/Type")
        if kind == "/OBJR":
            page = self._page_of(obj, parent)
            annot = obj.get("/Obj")
            return Objr(annot, page) if isinstance(annot, Dictionary) and page is not None else None
        if kind == "/MCR" or "/MCID" in obj:
            page = self._page_of(obj, parent)
            return Mcid(page, int(obj.MCID)) if page is not None else None
        elem = Elem(obj, str(obj.get("/S", "/NonStruct"))[1:], self._page_of(obj, parent), parent=parent)
        for kid in _kids(obj.get("/K")):
            child = self._elem(kid, elem)
            if child is not None:
                elem.kids.append(child)
        return elem

    def _page_of(self, obj: Any, parent: Elem | None) -> int | None:
        pg = obj.get("/Pg")
        if isinstance(pg, Dictionary):
            return self.page_index.get(pg.objgen)
        return parent.page if parent is not None else None

    # --- links ---------------------------------------------------------------------------------

    def _merge_links(self, elem: Elem) -> None:
        """Fold Link elements inside a Link into it, with every annotation any of them holds."""
        if elem.type == "Link":
            kids: list[Elem | Mcid | Objr] = []
            objrs: list[Objr] = []
            _flatten_link(elem, kids, objrs)
            elem.kids = [*_dedupe_annotations(objrs), *kids]
            if not objrs:  # an <a> without href: a Link element must hold a link annotation
                elem.type = "Span"
            for kid in elem.kids:
                if isinstance(kid, Elem):
                    kid.parent = elem
            return
        for kid in elem.kids:
            if isinstance(kid, Elem):
                self._merge_links(kid)

    def _describe_links(self, tree: list[Elem]) -> None:
        dests = _named_destinations(self.pdf, self.page_index)
        holder = {kid: e for doc in tree for e in doc.walk() for kid in e.kids if isinstance(kid, Mcid)}
        for doc in tree:
            for elem in doc.walk():
                if elem.type != "Link":
                    continue
                text = self.text(elem)
                for kid in elem.kids:
                    if not isinstance(kid, Objr):
                        continue
                    annot = kid.annot
                    description = text
                    if not any(ch.isalpha() for ch in text):
                        # A citation number says nothing alone: say what it points at. The source
                        # entry starts with the same number ("3. Ministry of Justice, ..."), so its
                        # text is enough then.
                        target = self._target_text(annot, dests, holder)
                        if target.startswith(text):
                            description = target
                        elif target:
                            description = f"{text}: {target}" if text else target
                    if description:
                        annot.Contents = pikepdf.String(_clip(description))
                    annot.F = int(annot.get("/F", 0)) | 4  # Print: what is shown is also printed

    def text(self, elem: Elem) -> str:
        """The text of an element's marked content, in tree order, spaces collapsed."""
        parts = [self.marked[m.page].get(m.mcid, Marked()).text for m in elem.mcids()]
        return _WORDS.sub(" ", " ".join(parts)).strip()

    def _target_text(self, annot: Any, dests: dict[str, tuple[int, float]], holder: dict[Mcid, Elem]) -> str:
        """The text of the block at an internal link's destination (a heading, a source entry)."""
        dest = annot.get("/Dest")
        if dest is None:
            action = annot.get("/A")
            if isinstance(action, Dictionary) and action.get("/S") == "/URI":
                return str(action.get("/URI", ""))
            return ""
        if not isinstance(dest, pikepdf.String) or str(dest) not in dests:
            return ""
        page, top = dests[str(dest)]
        # The first marked content at or below the destination's top, in reading order.
        candidates = [(m, mk) for m, mk in self.marked[page].items() if mk.y is not None and mk.y <= top + 1]
        if not candidates:
            return ""
        mcid = max(candidates, key=lambda item: (item[1].y or 0, -item[0]))[0]
        owner = holder.get(Mcid(page, mcid))
        while owner is not None and owner.type in ("Span", "NonStruct", "Link", "Lbl") and owner.parent is not None:
            owner = owner.parent
        return self.text(owner) if owner is not None else ""

    # --- writing -------------------------------------------------------------------------------

    def _write(self, tree: list[Elem]) -> None:
        pdf = self.pdf
        # Which element holds each marked-content sequence and each annotation, in the final tree.
        owner: dict[Mcid, Elem] = {}
        annots: list[tuple[Objr, Elem]] = []
        for doc in tree:
            for elem in doc.walk():
                for kid in elem.kids:
                    if isinstance(kid, Mcid):
                        owner[kid] = elem
                    elif isinstance(kid, Objr):
                        annots.append((kid, elem))
        # Rewrite each page's content: held content renumbered in order, the rest artifacts.
        nums = Array()
        for index, page in enumerate(self.pages):
            held = sorted(m.mcid for m in owner if m.page == index)
            renumber = {old: new for new, old in enumerate(held)}
            self.renumbered.update({Mcid(index, old): new for old, new in renumber.items()})
            rewrite_page(pdf, page, renumber, self.marked[index], self.streams[index])
            page.obj.StructParents = index
            nums.append(index)
            nums.append(Array([owner[Mcid(index, m)].obj for m in held]))
        # Annotations no Link holds any more (merged duplicates) leave their pages.
        kept_objgens = {objr.annot.objgen for objr, _ in annots}
        for page in self.pages:
            if "/Annots" not in page.obj:
                continue
            remaining = [a for a in page.obj.Annots
                         if not (isinstance(a, Dictionary) and a.get("/Subtype") == "/Link"
                                 and "/StructParent" in a and a.objgen not in kept_objgens)]
            if remaining:
                page.obj.Annots = Array(remaining)
            else:
                del page.obj.Annots
        key = len(self.pages)
        for objr, elem in annots:
            objr.annot.StructParent = key
            nums.append(key)
            nums.append(elem.obj)
            key += 1
        # Kids and parents written back from the in-memory tree.
        for doc in tree:
            doc.obj.P = self.root
            for elem in doc.walk():
                elem.obj.S = Name("/" + elem.type)
                elem.obj.K = Array([self._kid(elem, kid) for kid in elem.kids])
                for kid in elem.kids:
                    if isinstance(kid, Elem):
                        kid.obj.P = elem.obj
        self.root.K = Array([doc.obj for doc in tree])
        self.root.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
        self.root.ParentTreeNextKey = key

    def _kid(self, elem: Elem, kid: Elem | Mcid | Objr) -> Any:
        if isinstance(kid, Elem):
            return kid.obj
        if isinstance(kid, Objr):
            return self.pdf.make_indirect(Dictionary(
                Type=Name.OBJR, Obj=kid.annot, Pg=self.pages[kid.page].obj))
        mcid = self.renumbered[kid]
        if kid.page == elem.page:
            return mcid
        return Dictionary(Type=Name.MCR, Pg=self.pages[kid.page].obj, MCID=mcid)


def _kids(k: Any) -> list[Any]:
    if k is None:
        return []
    return list(k) if isinstance(k, Array) else [k]


def _flatten_link(elem: Elem, kids: list[Elem | Mcid | Objr], objrs: list[Objr]) -> None:
    """The content of a Link with nested Links spliced in, and every annotation reference in it."""
    for kid in elem.kids:
        if isinstance(kid, Objr):
            objrs.append(kid)
        elif isinstance(kid, Elem) and kid.type == "Link":
            _flatten_link(kid, kids, objrs)
        elif isinstance(kid, Elem):
            _collect_objrs(kid, objrs)
            kids.append(kid)
        else:
            kids.append(kid)


def _collect_objrs(elem: Elem, objrs: list[Objr]) -> None:
    """Take annotation references out of a Link's non-Link descendants (a span inside <a>)."""
    rest: list[Elem | Mcid | Objr] = []
    for kid in elem.kids:
        if isinstance(kid, Objr):
            objrs.append(kid)
            continue
        if isinstance(kid, Elem):
            if kid.type == "Link":
                inner: list[Elem | Mcid | Objr] = []
                _flatten_link(kid, inner, objrs)
                for item in inner:
                    if isinstance(item, Elem):
                        item.parent = elem
                rest.extend(inner)
                continue
            _collect_objrs(kid, objrs)
        rest.append(kid)
    elem.kids = rest


def _rect(annot: Any) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in annot.Rect)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _target(annot: Any) -> str:
    dest = annot.get("/Dest")
    if dest is not None:
        return f"dest:{dest}"
    action = annot.get("/A")
    return f"uri:{action.get('/URI')}" if isinstance(action, Dictionary) else ""


def _dedupe_annotations(objrs: list[Objr]) -> list[Elem | Mcid | Objr]:
    """One annotation per area of a link: drop those inside another with the same target.

    Larger rectangles are considered first, so of two equal ones the first is kept; what is kept
    stays in its original order (the order of the link's lines).
    """
    unique = list({objr.annot.objgen: objr for objr in reversed(objrs)}.values())[::-1]

    def area(objr: Objr) -> float:
        x0, y0, x1, y1 = _rect(objr.annot)
        return (x1 - x0) * (y1 - y0)

    def inside(a: Objr, b: Objr) -> bool:
        (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = _rect(a.annot), _rect(b.annot)
        return (a.page == b.page and _target(a.annot) == _target(b.annot) and ax0 >= bx0 - 0.01
                and ay0 >= by0 - 0.01 and ax1 <= bx1 + 0.01 and ay1 <= by1 + 0.01)

    kept: list[Objr] = []
    for objr in sorted(unique, key=lambda o: -area(o)):  # sorted() is stable: ties keep their order
        if not any(inside(objr, other) for other in kept):
            kept.append(objr)
    return [objr for objr in unique if objr in kept]


# An empty cell or row still holds its place in a table's grid.
_TABLE_PARTS = frozenset({"Table", "THead", "TBody", "TFoot", "TR", "TH", "TD"})


def _drop_empty(elem: Elem) -> bool:
    """Remove elements with no content, no kids and no alternative text; True if `elem` is empty."""
    elem.kids = [k for k in elem.kids if not (isinstance(k, Elem) and _drop_empty(k))]
    has_alt = any(k in elem.obj for k in ("/Alt", "/ActualText"))
    return not elem.kids and not has_alt and elem.parent is not None and elem.type not in _TABLE_PARTS


def _clip(text: str) -> str:
    if len(text) <= DESCRIPTION_CHARS:
        return text
    cut = text.rfind(" ", 0, DESCRIPTION_CHARS)
    return text[: cut if cut > 0 else DESCRIPTION_CHARS].rstrip(" ,;:") + "…"


def _named_destinations(pdf: pikepdf.Pdf, page_index: dict[Any, int]) -> dict[str, tuple[int, float]]:
    """Named destination -> (page index, top y) for /XYZ destinations."""
    names = pdf.Root.get("/Names")
    if not isinstance(names, Dictionary) or "/Dests" not in names:
        return {}
    out: dict[str, tuple[int, float]] = {}
    for name, value in pikepdf.NameTree(names.Dests).items():
        dest = value.get("/D") if isinstance(value, Dictionary) else value
        if isinstance(dest, Array) and len(dest) >= 4 and dest[0].objgen in page_index and dest[1] == "/XYZ":
            out[str(name)] = (page_index[dest[0].objgen], float(dest[3]))
    return out
