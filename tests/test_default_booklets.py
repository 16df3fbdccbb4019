"""The shipped content: every default English booklet, as a reader of the PDF sees it."""

from __future__ import annotations

from pathlib import Path

import pytest

from booklets.content.i18n import name_text
from booklets.content.load import load_project
from booklets.content.sections import resolve_sections
from tests.pdfread import all_text, catalog, fonts, outline, page_texts, reader, toc_entries

REPO = Path(__file__).resolve().parent.parent
PROJECT = load_project(REPO)
AUDIENCES = PROJECT.booklet.audiences
FACILITY = PROJECT.booklet.facilities[0]


def pdf(dist: Path, audience: str, edition: str = "screen", lang: str = "en") -> Path:
    return dist / FACILITY / lang / f"{audience}-{edition}.pdf"


def test_the_five_audiences_of_the_brief_are_built(default_build: Path) -> None:
    assert set(AUDIENCES) == {"staff", "residents", "families", "volunteers", "supervisors"}
    for audience in AUDIENCES:
        for edition in PROJECT.booklet.editions:
            if edition in PROJECT.web_editions():  # its booklet is a web page (tests/test_web.py)
                assert (default_build / FACILITY / "en" / f"{audience}.html").stat().st_size > 10_000
            else:
                assert pdf(default_build, audience, edition).stat().st_size > 10_000


@pytest.mark.parametrize("audience", AUDIENCES)
def test_metadata_title_author_lang(default_build: Path, audience: str) -> None:
    path = pdf(default_build, audience)
    meta = reader(path).metadata
    title = PROJECT.languages["en"].audiences[audience].title
    assert meta is not None
    assert meta.title is not None and meta.title.startswith(title)
    assert meta.author == name_text(PROJECT.booklet.organisation, "en", "en")
    assert catalog(path)["/Lang"] == "en"


@pytest.mark.parametrize("audience", AUDIENCES)
def test_outline_has_every_section(default_build: Path, audience: str) -> None:
    titles = [title for title, _ in outline(pdf(default_build, audience))]
    for _, section in resolve_sections(PROJECT.languages["en"], audience):
        assert section.title in titles


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("edition", ["screen", "print", "large-print"])
def test_all_fonts_embedded(default_build: Path, audience: str, edition: str) -> None:
    used = fonts(pdf(default_build, audience, edition))
    assert used, "no fonts found"
    assert all(f["embedded"] for f in used.values()), used
    assert all("Source-Sans-Pro" in name for name in used), used  # the packaged font, nothing from the system


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("edition", ["screen", "print", "large-print"])
def test_contents_page_numbers_are_where_sections_start(default_build: Path, audience: str, edition: str) -> None:
    path = pdf(default_build, audience, edition)
    texts = page_texts(path)
    entries = toc_entries(path)
    sections = resolve_sections(PROJECT.languages["en"], audience)
    assert len(entries) >= len(sections)
    bookmarks = dict(outline(path))
    for (_, section), (toc_title, printed) in zip(sections, entries, strict=False):
        assert section.title.startswith(toc_title[:20])
        # the printed number is the physical page, and that page begins with the section heading
        assert bookmarks[section.title] == printed
        first_line = texts[printed - 1].strip().splitlines()[0]
        assert section.title.split()[0] in first_line


HARMS = {
    "staff": [
        "psychological trauma",
        "loss of trust",
        "re-traumatisation",
        "rehabilitation",
        "power imbalance",
        "other people in custody",
        "legal and professional consequences",
        "re-entry",
    ],
}


@pytest.mark.parametrize("audience", ["staff", "residents"])
def test_the_eight_harms_appear(default_build: Path, audience: str) -> None:
    text = " ".join(all_text(pdf(default_build, audience)).split()).lower()
    shared = PROJECT.languages["en"].shared["eight-harms"]
    variant = shared.variants.get(audience)
    body = variant.body if variant is not None and variant.body else shared.body
    # Each harm is a numbered item whose name is in bold: all eight names must reach the reader.
    names = [
        line.split("**")[1].rstrip(".").lower()
        for line in body.splitlines()
        if line.strip()[:2].rstrip(".").isdigit() and "**" in line
    ]
    assert len(names) == 8, names
    for name in names:
        assert " ".join(name.split()) in text
    if audience in HARMS:
        for harm in HARMS[audience]:
            assert harm in text


def test_no_placeholder_language_leaks_into_text(default_build: Path) -> None:
    for audience in AUDIENCES:
        text = all_text(pdf(default_build, audience)).lower()
        assert "lorem" not in text and "todo" not in text
        if audience == "residents":
            assert "inmate" not in text
