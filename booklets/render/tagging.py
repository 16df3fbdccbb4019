"""Tagged-PDF stage: finish the structure tree WeasyPrint 70 writes, so the PDF is valid PDF/UA-1.

WeasyPrint tags a PDF well enough for most content, but leaves four things a validator (and a
screen-reader user) trips over, which HTML and CSS cannot express. This stage rewrites them in
WeasyPrint's finisher, for editions with a `pdf_variant`, on the objects WeasyPrint's writer (pydyf)
holds before it serialises them (the content of a page is still a list of operators, see
pagecontent.py): nothing is parsed back and the PDF is written once, by WeasyPrint. The tree's
rules are in tagtree.py; this module reads the writer's objects into it and writes it back.

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

Marked-content ids are renumbered per page in content order and the parent tree is rebuilt from the
final tree. Objects the final tree no longer reaches (the margin boxes' elements, merged Links and
their annotations) cannot be taken out of the writer's numbered list: they are emptied (``<<>>``).
Everything is visited in document order, so the same layout gives the same bytes.
"""

from __future__ import annotations

import re
from typing import Any

import pydyf

from booklets.render.pagecontent import Font, Marked, read_items, rewrite
from booklets.render.tagtree import Elem, Mcid, Objr, clip, drop_empty, merge_links, string

_WORDS = re.compile(r"\s+")
_REF = re.compile(rb"(\d+) 0 R")


def finish_tags(pdf: Any) -> None:
    """Make the tagged `pdf` (a pydyf.PDF in WeasyPrint's finisher, before it is written) valid
    PDF/UA-1. Does nothing to an untagged one."""
    if "StructTreeRoot" in pdf.catalog:
        _Finisher(pdf).run()


class _Finisher:
    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self.objects: list[Any] = pdf.objects
        self.root = self.deref(pdf.catalog["StructTreeRoot"])
        self.page_refs: tuple[bytes, ...] = pdf.page_references
        self.pages = [self.deref(ref) for ref in self.page_refs]
        self.page_index = {ref: i for i, ref in enumerate(self.page_refs)}
        self.items = [self.deref(page["Contents"]).stream for page in self.pages]
        self._font_cache: dict[int, dict[str, Font]] = {}  # by the fonts dictionary pages share
        self.marked = [read_items(items, self._fonts(page)) for page, items in zip(self.pages, self.items, strict=True)]
        self.renumbered: dict[Mcid, int] = {}  # old id -> new id, filled while writing

    def deref(self, value: Any) -> Any:
        """The object an indirect reference (b"12 0 R") points at; anything else as it is."""
        if isinstance(value, bytes) and (match := _REF.fullmatch(value)):
            return self.objects[int(match[1])]
        return value

    def _fonts(self, page: Any) -> dict[str, Font]:
        """The fonts of a page by resource name; read once for all pages sharing resources."""
        resources = self.deref(page.get("Resources"))
        fonts = self.deref(resources.get("Font")) if isinstance(resources, dict) else None
        if not isinstance(fonts, dict):
            return {}
        cache = self._font_cache.get(id(fonts))
        if cache is None:
            cache = self._font_cache[id(fonts)] = {}
            for name, ref in fonts.items():
                font = self.deref(ref)
                if isinstance(font, dict):
                    cmap = self.deref(font.get("ToUnicode"))
                    data = b"\n".join(cmap.stream) if isinstance(cmap, pydyf.Stream) else b""
                    cache[f"/{name}"] = Font(data, font.get("Subtype") == "/Type0")
        return cache

    def run(self) -> None:
        tree = self.read_tree()
        for doc in tree:
            merge_links(doc)
        for doc in tree:
            drop_empty(doc)
        self._describe_links(tree)
        self._write(tree)

    # --- reading the tree ------------------------------------------------------------------------

    def read_tree(self) -> list[Elem]:
        """The structure tree below the root (the Document element)."""
        top = [self._elem(kid, None) for kid in _kids(self.root.get("K"))]
        return [e for e in top if isinstance(e, Elem)]

    def _elem(self, value: Any, parent: Elem | None) -> Elem | Mcid | Objr | None:
        """The in-memory form of one kid of the structure tree."""
        if isinstance(value, int):  # a marked-content id on the parent's page
            page = parent.page if parent is not None else None
            return Mcid(page, value) if page is not None else None
        obj = self.deref(value)
        if not isinstance(obj, dict):
            return None
        kind = obj.get("Type")
        if kind == "/OBJR":
            page = self._page_of(obj, parent)
            annot = self.deref(obj.get("Obj"))
            return Objr(obj, annot, page) if isinstance(annot, dict) and page is not None else None
        if kind == "/MCR" or "MCID" in obj:
            page = self._page_of(obj, parent)
            return Mcid(page, int(obj["MCID"])) if page is not None else None
        elem = Elem(obj, str(obj.get("S", "/NonStruct"))[1:], self._page_of(obj, parent), parent=parent)
        for kid in _kids(obj.get("K")):
            child = self._elem(kid, elem)
            if child is not None:
                elem.kids.append(child)
        return elem

    def _page_of(self, obj: Any, parent: Elem | None) -> int | None:
        pg = obj.get("Pg")
        if pg is not None:
            return self.page_index.get(pg)
        return parent.page if parent is not None else None

    # --- links ---------------------------------------------------------------------------------

    def _describe_links(self, tree: list[Elem]) -> None:
        dests = self._named_destinations()
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
                        annot["Contents"] = pydyf.String(clip(description))
                    annot["F"] = int(annot.get("F", 0)) | 4  # Print: what is shown is also printed

    def text(self, elem: Elem) -> str:
        """The text of an element's marked content, in tree order, spaces collapsed."""
        parts = [self.marked[m.page].marked.get(m.mcid, Marked()).text for m in elem.mcids()]
        return _WORDS.sub(" ", " ".join(parts)).strip()

    def _target_text(self, annot: Any, dests: dict[str, tuple[int, float]], holder: dict[Mcid, Elem]) -> str:
        """The text of the block at an internal link's destination (a heading, a source entry)."""
        dest = annot.get("Dest")
        if dest is None:
            action = annot.get("A")
            if isinstance(action, dict) and action.get("S") == "/URI":
                return string(action.get("URI"))
            return ""
        name = string(dest)
        if name not in dests:
            return ""
        page, top = dests[name]
        # The first marked content at or below the destination's top, in reading order.
        candidates = [(m, mk) for m, mk in self.marked[page].marked.items() if mk.y is not None and mk.y <= top + 1]
        if not candidates:
            return ""
        mcid = max(candidates, key=lambda item: (item[1].y or 0, -item[0]))[0]
        owner = holder.get(Mcid(page, mcid))
        while owner is not None and owner.type in ("Span", "NonStruct", "Link", "Lbl") and owner.parent is not None:
            owner = owner.parent
        return self.text(owner) if owner is not None else ""

    def _named_destinations(self) -> dict[str, tuple[int, float]]:
        """Named destination -> (page index, top y) for /XYZ destinations."""
        names = self.deref(self.pdf.catalog.get("Names"))
        dests = self.deref(names.get("Dests")) if isinstance(names, dict) else None
        pairs = self.deref(dests.get("Names")) if isinstance(dests, dict) else None
        out: dict[str, tuple[int, float]] = {}
        if not isinstance(pairs, list):
            return out
        for name, value in zip(pairs[::2], pairs[1::2], strict=True):
            dest = self.deref(value)
            if isinstance(dest, dict):
                dest = self.deref(dest.get("D"))
            if isinstance(dest, list) and len(dest) >= 4 and dest[0] in self.page_index and dest[1] == "/XYZ":
                out[string(name)] = (self.page_index[dest[0]], float(dest[3]))
        return out

    # --- writing -------------------------------------------------------------------------------

    def _write(self, tree: list[Elem]) -> None:
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
        nums = pydyf.Array()
        for index, page in enumerate(self.pages):
            held = sorted(m.mcid for m in owner if m.page == index)
            renumber = {old: new for new, old in enumerate(held)}
            self.renumbered.update({Mcid(index, old): new for old, new in renumber.items()})
            rewrite(self.items[index], renumber, self.marked[index].marked, _page_middle(page))
            page["StructParents"] = index
            nums.extend([index, pydyf.Array([owner[Mcid(index, m)].obj.reference for m in held])])
        # Annotations no Link holds any more (merged duplicates) leave their pages.
        kept = {id(objr.annot) for objr, _ in annots}
        dropped: list[Any] = []
        for page in self.pages:
            if "Annots" not in page:
                continue
            remaining = []
            for ref in page["Annots"]:
                annot = self.deref(ref)
                if (isinstance(annot, dict) and annot.get("Subtype") == "/Link" and "StructParent" in annot
                        and id(annot) not in kept):
                    dropped.append(annot)
                else:
                    remaining.append(ref)
            if remaining:
                page["Annots"] = pydyf.Array(remaining)
            else:
                del page["Annots"]
        key = len(self.pages)
        for objr, elem in annots:
            objr.annot["StructParent"] = key
            nums.extend([key, elem.obj.reference])
            key += 1
        # Kids and parents written back from the in-memory tree.
        reached: set[int] = set()
        for doc in tree:
            doc.obj["P"] = self.root.reference
            for elem in doc.walk():
                reached.add(id(elem.obj))
                elem.obj["S"] = "/" + elem.type
                elem.obj["K"] = pydyf.Array([self._kid(elem, kid, reached) for kid in elem.kids])
                for kid in elem.kids:
                    if isinstance(kid, Elem):
                        kid.obj["P"] = elem.obj.reference
        self.root["K"] = pydyf.Array([doc.obj.reference for doc in tree])
        parent_tree = self.deref(self.root.get("ParentTree"))
        if not isinstance(parent_tree, pydyf.Dictionary):
            parent_tree = pydyf.Dictionary()
            self.pdf.add_object(parent_tree)
            self.root["ParentTree"] = parent_tree.reference
        parent_tree.clear()
        parent_tree["Nums"] = nums
        self.root["ParentTreeNextKey"] = key
        # What nothing reaches any more is emptied: the writer numbers its objects by position.
        for obj in self.objects:
            if (isinstance(obj, dict) and obj.get("Type") in ("/StructElem", "/OBJR")
                    and id(obj) not in reached):
                obj.clear()
        for annot in dropped:
            annot.clear()

    def _kid(self, elem: Elem, kid: Elem | Mcid | Objr, reached: set[int]) -> Any:
        if isinstance(kid, Elem):
            return kid.obj.reference
        if isinstance(kid, Objr):
            reached.add(id(kid.obj))
            return kid.obj.reference
        mcid = self.renumbered[kid]
        if kid.page == elem.page:
            return mcid
        return pydyf.Dictionary({"Type": "/MCR", "Pg": self.page_refs[kid.page], "MCID": mcid})


def _kids(k: Any) -> list[Any]:
    if k is None:
        return []
    return list(k) if isinstance(k, list) else [k]



def _page_middle(page: Any) -> float:
    box = page.get("MediaBox")
    return (float(box[1]) + float(box[3])) / 2 if isinstance(box, list) else 0.0
