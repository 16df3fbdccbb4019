"""A tiny bilingual (en + es) scratch project for the language, facility and release tests: the
overrides `bilingual()` gives make_project (tests/scratch.py holds the Spanish translation)."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pypdf

from tests.scratch import TRANSLATIONS

REPO = Path(__file__).resolve().parent.parent
ES_STRINGS = (REPO / "content/es/strings.yaml").read_text(encoding="utf-8")
RIVERSIDE = (REPO / "tests/data/facilities/riverside.yaml").read_text(encoding="utf-8")

BOOKLET = """\
    organisation: Test Unit
    document_number: "T-7"
    revision: "2.0"
    effective_date: 2026-12-01
    supersedes: "1.0"
    source_language: en
    languages: [en, es]
    audiences: [staff]
    editions: [screen]
    facilities: [north]
    """

NORTH = """\
    name: {en: North Site, es: Centro Norte}
    address: ["1 North Road", "Northtown"]
    calls_monitored:
      en: "Support calls are not recorded."
      es: "Las llamadas de apoyo no se graban."
    contacts:
      internal_line:
        name: {en: "Inside line", es: "Línea interna"}
        phone: "0100 000 001"
      outside_body:
        name: {en: "Outside body", es: "Organismo externo"}
        phone: "0100 000 002"
    """

ES_SOURCES = TRANSLATIONS["es"]["content/es/sources.yaml"]
ES_SHARED = TRANSLATIONS["es"]["content/es/shared.yaml"]
ES_STAFF = TRANSLATIONS["es"]["content/es/audiences/staff.yaml"]


def bilingual(**overrides: str | None) -> dict[str, str | None]:
    """Files for make_project: the minimal English project plus its Spanish translation."""
    files: dict[str, str | None] = {
        "content/booklet.yaml": BOOKLET,
        "content/facilities/north.yaml": NORTH,
        "content/es/strings.yaml": ES_STRINGS,
        "content/es/sources.yaml": ES_SOURCES,
        "content/es/shared.yaml": ES_SHARED,
        "content/es/audiences/staff.yaml": ES_STAFF,
    }
    files.update(overrides)
    return files


def pages_text(pdf: Path) -> list[str]:
    """The text a reader sees on each page, whitespace (and no-break spaces) collapsed."""
    return [re.sub(r"\s+", " ", page.extract_text()).strip() for page in pypdf.PdfReader(pdf).pages]


def pdf_lang(pdf: Path) -> str:
    """The document language in the PDF catalog (/Lang)."""
    with pikepdf.open(pdf) as doc:
        return str(doc.Root.Lang)


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line starting with `needle` (to state expected positions)."""
    return next(
        i for i, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith(needle)
    )
