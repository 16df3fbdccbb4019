"""The pages of a booklet's layout, found by their anchors: how many a part spans, which Notes
pages a print edition keeps, and whether a right-hand form would cost a sheet (render/pdf.py).

Pages are WeasyPrint's laid-out pages (`page.anchors`: the ids of the elements on them); nothing
here lays anything out.
"""

from __future__ import annotations

from typing import Any


def pages_spanned(pages: list[Any], start: str, end: str) -> int | None:
    """Pages from where the `start` anchor begins to where `end` does (None: either absent)."""
    where: dict[str, int] = {}  # an anchor is on every page its element reaches: keep the first
    for i, name in ((i, n) for i, page in enumerate(pages) for n in (start, end) if n in page.anchors):
        where.setdefault(name, i)
    return where[end] - where[start] + 1 if start in where and end in where else None


class MissingPages(Exception):
    """A stylesheet hid the pages a booklet is padded around (`anchor`: the one not found)."""

    def __init__(self, anchor: str) -> None:
        super().__init__(anchor)
        self.anchor = anchor


def first_page(pages: list[Any], anchor: str) -> int:
    """The index of the first page the element `id=anchor` is on; MissingPages if it is on none
    (a stylesheet hid it: diagnose.missing_pages says so, where it is written)."""
    found = next((i for i, page in enumerate(pages) if anchor in page.anchors), None)
    if found is None:
        raise MissingPages(anchor)
    return found


def pad(pages: list[Any], multiple: int, notes: int, min_notes: int = 0) -> list[Any]:
    """Keep just enough of the notes pages (between the content and the back cover) to fill the
    sheets, and at least `min_notes` of them.

    Pages are found by their anchors (`notes-1`, `back-cover`), so a back cover that runs to two
    pages still ends the booklet and the kept notes pages keep their printed numbers.
    """
    notes_start, back_start = first_page(pages, "notes-1"), first_page(pages, "back-cover")
    body, back = notes_start, len(pages) - back_start
    needed = min(min_notes + (-(body + back + min_notes)) % multiple, back_start - notes_start)
    return pages[: notes_start + needed] + pages[back_start:]


def right_form_costs_a_sheet(pages: list[Any], multiple: int, min_notes: int) -> bool:
    """Would the booklet be shorter with the form on the next page (no blank page before it, no
    Notes page required behind it) than on a right-hand page with Notes behind it? (`multiple`: the
    pages a booklet is padded to a multiple of; `min_notes`: Notes pages always kept.)"""
    form = next((i for i, page in enumerate(pages) if "form" in page.anchors), None)
    if form is None:
        return False
    notes = first_page(pages, "notes-1")
    back = len(pages) - first_page(pages, "back-cover")
    blank = form > 0 and bool(getattr(getattr(pages[form - 1], "_page_box", None), "page_type", None)
                              and pages[form - 1]._page_box.page_type.blank)
    right = notes + min_notes + (-(notes + back + min_notes)) % multiple + back
    plain = notes - blank + (-(notes - blank + back)) % multiple + back
    return right > plain
