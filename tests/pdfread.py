"""Helpers to read what a person sees in a PDF: text per page, outline, fonts, metadata."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pypdf

TOC_LINE = re.compile(r"^(?:\d+\s+)?(?P<title>.+?)[\s.]*\s(?P<page>\d+)$")  # leaders are drawn, not text


def reader(path: Path) -> pypdf.PdfReader:
    return pypdf.PdfReader(path)


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in reader(path).pages]


def all_text(path: Path) -> str:
    return "\n".join(page_texts(path))


def outline(path: Path) -> list[tuple[str, int]]:
    """Top-level bookmarks as (title, 1-based page number)."""
    r = reader(path)
    out = []
    for item in r.outline:
        if isinstance(item, list):
            continue
        out.append((str(item.title), r.get_destination_page_number(item) + 1))
    return out


DRAFT_MARK = re.compile(r"^\s*(DRAFT|BORRADOR) — [^\n]*\n")
"""The draft mark a build with placeholder values prints on every page (read first)."""


def without_draft_mark(text: str) -> str:
    """A page's text as readers of a released booklet see it: the draft mark's line left out."""
    return DRAFT_MARK.sub("", text, count=1)


def toc_entries(path: Path) -> list[tuple[str, int]]:
    """(title, printed page number) from the contents page."""
    for text in map(without_draft_mark, page_texts(path)[:5]):
        if text.lstrip().startswith(("Contents", "Índice", "Contenido")):
            entries = []
            for line in text.splitlines()[1:]:
                m = TOC_LINE.match(line.strip())
                if m:
                    entries.append((m["title"].strip(), int(m["page"])))
            return entries
    raise AssertionError(f"no contents page in {path}")


def fonts(path: Path) -> dict[str, dict[str, Any]]:
    """Every font used on any page: name -> {embedded, subtype}."""
    found: dict[str, dict[str, Any]] = {}
    for page in reader(path).pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        for font in (resources.get_object().get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            base = descendants[0].get_object() if descendants else font
            descriptor = base.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[str(font.get("/BaseFont"))] = {"embedded": embedded, "subtype": str(font.get("/Subtype"))}
    return found


def catalog(path: Path) -> Any:
    return reader(path).trailer["/Root"]


class Tagged:
    """A tagged PDF as assistive technology reads it: the structure tree in order, each element with
    the text of its marked content (pdfplumber's characters, grouped by page and MCID)."""

    def __init__(self, path: Path) -> None:
        import pdfplumber
        import pikepdf

        texts: dict[tuple[int, int], str] = {}
        with pdfplumber.open(path) as plumb:
            for index, page in enumerate(plumb.pages):
                for char in page.chars:
                    if char.get("mcid") is not None:
                        key = (index, int(char["mcid"]))
                        texts[key] = texts.get(key, "") + char["text"]
        self.pieces: list[str] = []  # marked-content text in reading (tree) order
        self.elements: list[tuple[str, str]] = []  # (structure type, its text), tree order
        self.mcids: list[tuple[int, int]] = []  # (page, mcid) in tree order
        with pikepdf.open(path) as pdf:
            index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
            self.pages = len(pdf.pages)
            root = pdf.Root.StructTreeRoot

            def walk(node: Any, page: int | None) -> str:
                if isinstance(node, int):
                    assert page is not None
                    self.mcids.append((page, node))
                    self.pieces.append(texts.get((page, node), ""))
                    return self.pieces[-1]
                if not isinstance(node, pikepdf.Dictionary) or node.get("/Type") == "/OBJR":
                    return ""
                if "/Pg" in node:
                    page = index[node.Pg.objgen]
                if node.get("/Type") == "/MCR":
                    return walk(int(node.MCID), page)
                slot = len(self.elements)
                self.elements.append((str(node.get("/S"))[1:], ""))
                kids = node.get("/K")
                parts = [walk(kid, page) for kid in (kids if isinstance(kids, pikepdf.Array) else [kids])
                         if kid is not None]
                text = " ".join(" ".join(p.split()) for p in parts if p.strip())
                self.elements[slot] = (self.elements[slot][0], text)
                return text

            kids = root.K
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                walk(kid, None)

    @property
    def text(self) -> str:
        return " ".join(" ".join(p.split()) for p in self.pieces if p.strip())

    def headings(self) -> list[tuple[str, str]]:
        return [(kind, text) for kind, text in self.elements if re.fullmatch(r"H[1-6]", kind)]


def unturned(obj: dict[str, Any]) -> bool:
    """A pdfplumber filter: not a rotated character (the draft mark's; pdfplumber calls those
    `upright` too, only a quarter turn counts for it)."""
    matrix = obj.get("matrix") or (1, 0, 0, 1)
    return obj.get("object_type") != "char" or (abs(matrix[1]) < 0.01 and abs(matrix[2]) < 0.01)
