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


def toc_entries(path: Path) -> list[tuple[str, int]]:
    """(title, printed page number) from the contents page."""
    for text in page_texts(path)[:5]:
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
