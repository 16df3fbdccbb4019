"""/Lang on the structure elements of a tagged PDF, from the `lang` attributes of the HTML.

WeasyPrint 70 writes the document's language (/Lang in the catalog, from `<html lang>`) but not the
language of a part written in another one: `<span lang="en">Crown Court</span>` in a Spanish booklet
becomes a /Span structure element without /Lang, and a screen reader reads it with the Spanish
voice. While tagging, WeasyPrint makes the structure element of each box in
`weasyprint.pdf.tags._build_box_tree`, which calls itself for the children through the module's
global name. :func:`element_languages` wraps that function for the duration of one render, so the
element made for an HTML element with a `lang` attribute carries /Lang (ISO 32000-1 §14.9.2; its
descendants inherit it), and then puts the original back. WeasyPrint is pinned (its version is in
every target's inputs hash), and a test reads the /Lang back with pikepdf, so a WeasyPrint that
changes this function fails loudly rather than silently dropping the languages.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def _own_language(box: Any) -> str | None:
    """The `lang` attribute of the HTML element a box was made for; None for <html> and <body>,
    whose language is the document's (the catalog's /Lang), and for anonymous boxes."""
    box = getattr(box, "_box", box)  # an absolutely positioned box comes wrapped in a placeholder
    element = getattr(box, "element", None)
    if element is None or getattr(box, "element_tag", None) in ("html", "body"):
        return None
    lang = element.attrib.get("lang")
    return str(lang) if lang else None


@contextmanager
def element_languages() -> Iterator[None]:
    """While rendering, give each structure element of an element with `lang` that /Lang."""
    import pydyf  # WeasyPrint's PDF writer
    from weasyprint.pdf import tags

    original = tags._build_box_tree

    def build(box: Any, *args: Any) -> Iterator[Any]:
        lang = _own_language(box)
        for element in original(box, *args):
            # For <html> and <body> the elements yielded are their children's (lang is None).
            if lang is not None and "Lang" not in element:
                element["Lang"] = pydyf.String(lang)
            yield element

    tags._build_box_tree = build
    try:
        yield
    finally:
        tags._build_box_tree = original
