"""Facility and organisation text in every language.

Every value a booklet prints from booklet.yaml or a facility file (organisation name, phone,
address lines, notes...) may be written per language, and a missing translation of one is the same
error as any other missing translation, or a marked fallback with --draft. A phrase that stays in
another language is marked `[words]{lang=en}` and printed in a span with that language.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest

from booklets.cli.main import main
from booklets.content.load import load_project
from booklets.plan import Target
from booklets.render.html import render_html
from tests.i18n_project import BOOKLET, NORTH, bilingual, line_of, pages_text

Make = Callable[..., Path]
LOCAL_BOOKLET = BOOKLET.replace("organisation: Test Unit", "organisation: {en: Test Unit, es: Unidad de Prueba}")
LOCAL_NORTH = NORTH.replace(
    'address: ["1 North Road", "Northtown"]',
    'address: [{en: "North Site", es: "Centro Norte"}, {en: "1 North Road", es: "[1 North Road]{lang=en}"}]')
LOCAL_NORTH = LOCAL_NORTH.replace('phone: "0100 000 001"', 'phone: {en: "Extension 0101", es: "Extensión 0101"}')


def test_organisation_and_facility_values_print_in_the_booklets_language(
        make_project: Make, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(bilingual(**{"content/booklet.yaml": LOCAL_BOOKLET,
                                     "content/facilities/north.yaml": LOCAL_NORTH}))
    assert main(["--project", str(root)]) == 0, capsys.readouterr().err
    es = " ".join(pages_text(root / "dist/north/es/staff-screen.pdf"))
    en = " ".join(pages_text(root / "dist/north/en/staff-screen.pdf"))
    assert "Unidad de Prueba" in es and "Test Unit" not in es and "Extensión 0101" in es and "Extension" not in es
    assert "Test Unit" in en and "Extension 0101" in en
    assert pypdf.PdfReader(root / "dist/north/es/staff-screen.pdf").metadata.author == "Unidad de Prueba"
    project = load_project(root)
    html = render_html(project, Target("north", "es", "staff", "screen"))
    assert '<span lang="en">1 North Road</span>' in html and "{lang=en}" not in html


def test_a_missing_translation_of_a_facility_or_organisation_value(
        make_project: Make, capsys: pytest.CaptureFixture[str]) -> None:
    booklet = LOCAL_BOOKLET.replace(", es: Unidad de Prueba", "")
    north = LOCAL_NORTH.replace(', es: "Extensión 0101"', "")
    root = make_project(bilingual(**{"content/booklet.yaml": booklet, "content/facilities/north.yaml": north}))
    capsys.readouterr()
    assert main(["--project", str(root), "--lang", "es"]) == 2
    err = capsys.readouterr().err.splitlines()
    b_line = line_of(textwrap.dedent(booklet), "organisation:")
    n_line = line_of(textwrap.dedent(north), "phone: {en")
    n_col = textwrap.dedent(north).splitlines()[n_line - 1].index("{") + 1
    assert err == [
        f"error: content/booklet.yaml:{b_line}:15: organisation: no 'es' text: missing translation (present in "
        f"content/booklet.yaml:{b_line}); translate it or build with --draft",
        f"error: content/facilities/north.yaml:{n_line}:{n_col}: contacts.internal_line.phone: no 'es' text: missing "
        f"translation (present in content/facilities/north.yaml:{n_line}); translate it or build with --draft",
    ]
    assert main(["--project", str(root), "--lang", "es", "--draft"]) == 0
    es = " ".join(pages_text(root / "dist/north/es/staff-screen.pdf"))
    assert "[EN] Test Unit" in es and "[EN] Extension 0101" in es
