"""The structure tree of a tagged PDF in memory, and the rules the tagging stage applies to it.

tagging.py reads WeasyPrint's tree into these classes, applies the rules (one Link element per link,
one annotation per area of it, no empty elements, descriptions of a bounded length) and writes the
tree back. Nothing here knows how a PDF is held: an element's `obj` and an annotation are the
writer's dictionaries, read only through their keys (Rect, Dest, A, Alt, ActualText).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pydyf

# A link's description is cut at a word boundary near this many characters.
DESCRIPTION_CHARS = 160


@dataclass(frozen=True)
class Mcid:
    """A marked-content sequence: page index and its id on that page."""

    page: int
    mcid: int


@dataclass(eq=False)
class Objr:
    """An object reference to an annotation, held by a structure element."""

    obj: Any  # the /OBJR dictionary
    annot: Any  # the annotation's dictionary
    page: int


@dataclass(eq=False)
class Elem:
    """A structure element, with its kids in order."""

    obj: Any  # pydyf.Dictionary of the StructElem
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


def merge_links(elem: Elem) -> None:
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
            merge_links(kid)


def string(value: Any) -> str:
    """The text of a pydyf.String (or of anything else, as str)."""
    return str(value.string) if isinstance(value, pydyf.String) else str(value or "")


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
    x0, y0, x1, y1 = (float(v) for v in annot["Rect"])
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _target(annot: Any) -> str:
    dest = annot.get("Dest")
    if dest is not None:
        return f"dest:{string(dest)}"
    action = annot.get("A")
    return f"uri:{string(action.get('URI'))}" if isinstance(action, dict) else ""


def _dedupe_annotations(objrs: list[Objr]) -> list[Elem | Mcid | Objr]:
    """One annotation per area of a link: drop those inside another with the same target.

    Larger rectangles are considered first, so of two equal ones the first is kept; what is kept
    stays in its original order (the order of the link's lines).
    """
    unique = list({id(objr.annot): objr for objr in reversed(objrs)}.values())[::-1]

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


def drop_empty(elem: Elem) -> bool:
    """Remove elements with no content, no kids and no alternative text; True if `elem` is empty."""
    elem.kids = [k for k in elem.kids if not (isinstance(k, Elem) and drop_empty(k))]
    has_alt = any(k in elem.obj for k in ("Alt", "ActualText"))
    return not elem.kids and not has_alt and elem.parent is not None and elem.type not in _TABLE_PARTS


def clip(text: str) -> str:
    if len(text) <= DESCRIPTION_CHARS:
        return text
    cut = text.rfind(" ", 0, DESCRIPTION_CHARS)
    return text[: cut if cut > 0 else DESCRIPTION_CHARS].rstrip(" ,;:") + "…"
