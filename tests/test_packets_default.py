"""Packets on the shipped content (issue 16A): every audience with a form, in every language, edition
and facility of the default matrix, gets a packet whose values sit on their lines clear of their
labels, with a records QR code that reads back, and padding only where the edition pads.

The booklets come from the session's default build (a copy, so its dist/ stays as the other tests
expect it): packets reuses them all and only measures each form.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp

from booklets.cli.main import main
from booklets.content.load import load_project
from booklets.packets.outputs import PacketPaths
from tests.scratch import REPO
from tests.test_packets import Person, texts, write_roster
from tests.test_packets_outputs import MIN_GAP, label_gaps

PROJECT = load_project(REPO)
BOOKLET = PROJECT.booklet
WEB = set(PROJECT.web_editions()) if hasattr(PROJECT, "web_editions") else set()  # web pages: nothing to sign
PDF_EDITIONS = [e for e in BOOKLET.editions if e not in WEB]
WITH_FORM = [(a, lang) for lang in BOOKLET.languages for a in BOOKLET.audiences
             if PROJECT.languages[lang].audiences[a].form is not None]


def people() -> list[Person]:
    """One person per audience with a form, language and facility; Spanish and accented names too."""
    out = []
    for facility in BOOKLET.facilities:
        for audience, lang in WITH_FORM:
            n = len(out) + 1
            # Long names too: with two fields on a row, a name must stop short of the next label.
            name = ("José Núñez-Ibáñez" if lang == "es" else "Ann O'Connor-Smith") + (
                " de la Cruz" if n % 3 == 0 else "")
            out.append(Person(f"{name} {n}", f"X{n:03d}", audience, lang, facility, f"2026-12-{n % 28 + 1:02d}"))
    return out


@pytest.fixture(scope="module")
def dist(default_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("default-packets") / "dist"
    shutil.copytree(default_build, copy, symlinks=True)
    return copy


def test_the_default_content_has_audiences_with_forms_in_every_language() -> None:
    assert {lang for _, lang in WITH_FORM} == set(BOOKLET.languages)
    assert len(PDF_EDITIONS) >= 3, PDF_EDITIONS


@pytest.mark.parametrize("edition", PDF_EDITIONS)
def test_every_audience_language_and_facility_gets_a_packet(edition: str, dist: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    roster = tmp_path / "roster.csv"
    everyone = people()
    write_roster(roster, everyone)
    capsys.readouterr()
    code = main(["packets", str(roster), "--project", str(REPO), "--out", str(dist), "--edition", edition,
                 "--per-person"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"booklets: {len(everyone)} reused from the build, 0 built" in out
    where = PacketPaths.of(dist, roster, edition)
    files = where.people_files()
    assert len(files) == len(everyone)
    pad = PROJECT.editions[edition].pad_to_multiple
    for person, file in zip(everyone, files, strict=True):
        booklet = dist / person.facility / person.language / f"{person.audience}-{edition}.pdf"
        what = f"{edition} {person.facility} {person.language} {person.audience}"
        pages = texts(file)
        plain = texts(booklet)
        blank = len(plain)
        assert len(pages) == blank + (-blank % pad), f"{what}: padded to {len(pages)} pages from {blank}"
        form = next((i for i, t in enumerate(pages) if person.id in t), None)
        assert form is not None, f"{what}: no page shows {person.id}"
        # Every page where something was written, read character by character (the others, page
        # for page the booklet's own text, have nothing to measure: reading them took 4 of 5 minutes).
        stamped = {i for i, (before, now) in enumerate(zip(plain, pages, strict=False)) if before != now}
        assert form in stamped, what
        gaps = label_gaps(booklet, file, stamped)
        assert {person.id, person.name.replace(" ", "")} <= {v for v, _ in gaps}, (what, gaps)
        for value, gap in gaps:
            assert gap >= MIN_GAP, f"{what}: {value!r} is {gap:.1f} pt from its label"
        # The code is below the form on its last page: the page with the ID or one of the next two.
        pdf = pypdfium2.PdfDocument(file)
        codes = []
        try:
            for index in range(form, min(form + 3, len(pdf))):
                image = pdf[index].render(scale=200 / 72).to_pil()
                codes += [c.text for c in zxingcpp.read_barcodes(image)
                          if c.format == zxingcpp.BarcodeFormat.QRCode]
        finally:
            pdf.close()
        assert codes == [f"{BOOKLET.document_number}|{BOOKLET.revision}|{person.id}"], what
