"""A part that ends the booklet laid out again by itself, for its second, tighter layout.

The back cover must be one page. Its first layout balances its two columns; when the contacts do
not fit that way, its second layout (a class on <body>: booklet.css `back-fill`) fills the columns
in turn and sets the cards closer. That second layout used to be the whole booklet again, about
0.9 s of a Spanish booklet's 1.6 s, for a change that touches the last page only.

:func:`lay_out_alone` lays out a copy of the document that holds only what the part's pages show:

* the part itself and everything after it in <body>;
* whatever else the first layout drew on the part's pages: the elements that repeat on every
  page (a fixed "DRAFT" mark), kept where they were in the tree;
* in place of everything before the part, one empty page each (`break-after: page`), so the part
  starts on the page it started on: the same left or right page, the same `:first`, the same
  `counter(page)`.

The booklet then has the first layout's pages before the part and this layout's pages from the
part on. The bytes are those of laying out the whole booklet again (all six shipped booklets that
need it were compared whole; tests/test_render_work.py compares two of them and a scratch document
with a left and a right page, a fixed element, a shared image, tagged and not), on this condition,
which the back cover meets:
the part starts on a page of its own and shows nothing that depends on what comes before it (no
running head, no counter other than the page's, no `target-counter` to an earlier element).
"""

from __future__ import annotations

import copy
from typing import Any

import cssselect2  # WeasyPrint's own dependency: the element wrapper it makes from a parsed tree


def lay_out_alone(source: Any, pages: list[Any], anchor: str, body_class: str,
                  **render: Any) -> tuple[list[Any], Any] | None:
    """The pages of the booklet with the part holding the element `id=anchor` (and what follows it)
    laid out again by itself with `body_class` on <body>: `pages` (the first layout of `source`, a
    weasyprint.HTML) before the part, the new layout's from it on. Returns those pages and the new
    weasyprint Document (keep it until the pages are written: their fonts are its own); None if the
    part is not on `pages` or not a child of <body>. `render` is passed to HTML.render (the PDF
    variant, the image cache)."""
    root = source.etree_element
    body = root.find("body")
    start = next((i for i, page in enumerate(pages) if anchor in page.anchors), None)
    if body is None or start is None:
        return None
    children = list(body)
    part = next((i for i, child in enumerate(children)
                 if child.get("id") == anchor or child.find(f".//*[@id='{anchor}']") is not None), None)
    if part is None:
        return None
    drawn = _elements(pages[start:])
    # Copied, not changed: the first layout's pages still refer to the original elements.
    copied = copy.deepcopy(root)
    new_body = copied.find("body")
    new_children = list(new_body)
    for original, child in zip(children[:part], new_children[:part], strict=True):
        if original not in drawn:
            new_body.remove(child)
    new_body.set("class", f"{body_class} {new_body.get('class', '')}".strip())
    at = list(new_body).index(new_children[part])
    for _ in range(start):
        new_body.insert(at, new_body.makeelement("div", {"style": "break-after: page"}))
    alone = copy.copy(source)  # the same base URL, fetcher and media type
    alone.wrapper_element = cssselect2.ElementWrapper.from_html_root(copied, content_language=None)
    alone.etree_element = copied
    document = alone.render(**render)
    return pages[:start] + document.pages[start:], document


def _elements(pages: list[Any]) -> set[Any]:
    """Every HTML element with a box on these pages."""
    seen: set[Any] = set()
    stack = [page._page_box for page in pages]
    while stack:
        box = stack.pop()
        box = getattr(box, "_box", box)  # an absolutely positioned box comes wrapped in a placeholder
        if getattr(box, "element", None) is not None:
            seen.add(box.element)
        stack.extend(getattr(box, "children", ()))
    return seen
