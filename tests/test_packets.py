"""Issue 6: personalised acknowledgement packets from a roster (`build.py packets ROSTER.csv`).

One scratch project (two languages, two facilities, three audiences, print edition only) and one
50-row roster are built once per module; the checks read the PDFs as a reader would: text, page
counts, the outline, where the filled-in values sit, and the QR code decoded from a rendering.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pdfplumber
import pypdf
import pypdfium2
import pytest
import zxingcpp

from booklets.cli.main import main
from booklets.content.load import load_project
from booklets.errors import BookletError
from booklets.packets.formlayout import PX, _Frame, _qr_spot
from booklets.packets.outputs import PacketPaths
from booklets.packets.pageink import ink
from booklets.packets.roster import read_roster
from booklets.packets.stamp import not_in_font
from booklets.plan import Target
from tests.i18n_project import ES_SHARED
from tests.scratch import REPO, write_project

# --- the scratch project -------------------------------------------------------------------------

ES_STRINGS = {
    "locale": "es_ES", "for_audience": '"Para"', "contents": "Índice", "page": "Página", "of": "de",
    "notes": "Notas", "notes_hint": "Use esta página para sus notas.", "form_name": "Nombre",
    "form_id": "Número", "form_facility": "Centro", "form_signature": "Firma",
    "form_date": "Fecha", "sign_here": "Firme aquí", "sources": "Fuentes",
}

FILES: dict[str, str | None] = {
    "content/booklet.yaml": """\
        organisation: Test Unit
        document_number: "T-1"
        revision: "2.0"
        effective_date: 2026-01-15
        languages: [en, es]
        audiences: [staff, residents, families]
        editions: [print, large-print]
        facilities: [north, south]
        """,
    "content/editions/screen.yaml": None,
    "content/editions/print.yaml": """\
        name: Print
        size: {iso: A5, us: 5.5in 8.5in}
        stylesheets: [editions/print.css]
        pad_to_multiple: 4
        notes_pages: true
        bleed_mm: 3
        crop_marks: true
        """,
    "content/editions/large-print.yaml": """\
        name: Large print
        size: {iso: A4, us: letter}
        stylesheets: [editions/large-print.css]
        pdf_variant: pdf/ua-1
        """,
    "content/facilities/south.yaml": """\
        name: {en: South Site, es: Centro Sur}
        address: ["2 South Road"]
        calls_monitored: {en: "Support calls are not recorded.", es: "Las llamadas de apoyo no se graban."}
        contacts:
          internal_line: {name: {en: "Inside line", es: "Línea interna"}, phone: "0200 000 001"}
          outside_body: {name: {en: "Outside body", es: "Organismo externo"}, phone: "0200 000 002"}
        """,
    "content/en/audiences/residents.yaml": """\
        name: Residents
        title: Your safety
        summary: A test booklet for residents.
        reading_grade: 5
        sections:
          - id: tell
            title: Tell someone
            body: Tell a member of staff you trust.
            contacts: [internal_line]
        form:
          title: Receipt
          intro: Please sign this page.
          statements: ["I got this booklet."]
        """,
    "content/en/audiences/families.yaml": """\
        name: Families
        title: Keeping in touch
        summary: A test booklet for families.
        reading_grade: 6
        sections:
          - id: call
            title: Call us
            body: Call the line.
        """,
    "content/es/sources.yaml": """\
        fact-one: {text: "Fuente uno, 2020."}
        """,
    "content/es/shared.yaml": ES_SHARED,  # the same shared section as the i18n tests' project
    "content/es/audiences/staff.yaml": """\
        name: Personal
        title: Límites
        summary: Un folleto de prueba.
        keywords: [prueba]
        reading_grade: 10
        sections:
          - include: zero-tolerance
          - id: how-to-report
            title: Cómo denunciar
            body: Dígaselo a alguien.
            callout: {title: "Si necesita ayuda ahora", body: "Llame a la línea."}
            contacts: [internal_line, outside_body]
        form:
          title: Acuse de recibo
          intro: Firme abajo.
          statements: ["He leído este folleto."]
        """,
    "content/es/audiences/residents.yaml": """\
        name: Residentes
        title: Su seguridad
        summary: Un folleto de prueba para residentes.
        reading_grade: 5
        sections:
          - id: tell
            title: Dígaselo a alguien
            body: Hable con alguien del personal en quien confíe.
            contacts: [internal_line]
        form:
          title: Recibo
          intro: Firme esta página, por favor.
          statements: ["Recibí este folleto."]
        """,
    "content/es/audiences/families.yaml": """\
        name: Familias
        title: Mantener el contacto
        summary: Un folleto de prueba para familias.
        reading_grade: 6
        sections:
          - id: call
            title: Llámenos
            body: Llame a la línea.
        """,
}

#: What each booklet shows, to check a person got theirs: form title, name label, facility, cover audience.
BOOKLETS = {
    ("staff", "en", "north"): ("Acknowledgement", "Name", "North Site", "Staff"),
    ("residents", "es", "south"): ("Recibo", "Nombre", "Centro Sur", "Residentes"),
    ("staff", "es", "north"): ("Acuse de recibo", "Nombre", "North Site", "Personal"),
    ("residents", "en", "south"): ("Receipt", "Name", "South Site", "Residents"),
}
#: Names a spreadsheet would evaluate or that need more than ASCII: printed exactly as written.
ODD_NAMES = ["=HYPERLINK(\"http://x\",\"y\")", "+1 Plus", "-Minus Dash", "@At Sign", "José Núñez",
             "Zoë Łukasiewicz-O'Brien", "Ørjan Ñandú"]
HEADER = "id,Name,audience,language,facility,date,notes\n"


@dataclass
class Person:
    name: str
    id: str
    audience: str
    language: str
    facility: str
    date: str


def roster_people() -> list[Person]:
    combos = list(BOOKLETS)
    people = []
    for i in range(50):
        audience, language, facility = combos[i % len(combos)]
        name = ODD_NAMES[i] if i < len(ODD_NAMES) else f"Person {i + 1:02d} Example"
        people.append(Person(name, f"ID-{i + 1:03d}", audience, language, facility,
                             "" if i % 10 == 9 else f"2026-12-{1 + i % 28:02d}"))
    return people


def csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


def write_roster(path: Path, people: list[Person]) -> None:
    lines = [HEADER] + [",".join(csv_cell(v) for v in (p.id, p.name, p.audience, p.language, p.facility, p.date,
                                                        "ignored")) + "\n" for p in people]
    # With a BOM and CRLF, as spreadsheet programs save "CSV UTF-8".
    path.write_bytes(b"\xef\xbb\xbf" + "".join(lines).replace("\n", "\r\n").encode("utf-8"))


def make_scratch(root: Path) -> Path:
    es = (REPO / "content/en/strings.yaml").read_text(encoding="utf-8")
    for key, value in ES_STRINGS.items():
        es, count = re.subn(rf"^{key}: .*$", f"{key}: {value}", es, flags=re.M)
        assert count == 1, key
    return write_project(root, {**FILES, "content/es/strings.yaml": es})


@dataclass
class Run:
    root: Path
    out: Path
    roster: Path
    people: list[Person]
    stdout: str
    stderr: str

    @property
    def batch(self) -> Path:
        return batch_of(self.out, self.roster)

    def personal(self) -> list[Path]:
        return sorted(PacketPaths.of(self.out, self.roster, "print").people.glob("*.pdf"))


def batch_of(out: Path, roster: Path, edition: str = "print") -> Path:
    return PacketPaths.of(out, roster, edition).batch


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The 50-person roster, packets with --per-person, on a project whose booklets were never built."""
    base = tmp_path_factory.mktemp("packets")
    root = make_scratch(base / "project")
    roster = base / "roster.csv"
    people = roster_people()
    write_roster(roster, people)
    out = root / "dist"
    with pytest.MonkeyPatch.context() as mp:
        import io
        import sys
        fake_out, fake_err = io.StringIO(), io.StringIO()
        mp.setattr(sys, "stdout", fake_out)
        mp.setattr(sys, "stderr", fake_err)
        code = main(["packets", str(roster), "--project", str(root), "--per-person"])
    assert code == 0, fake_err.getvalue()
    yield Run(root, out, roster, people, fake_out.getvalue(), fake_err.getvalue())


def texts(path: Path) -> list[str]:
    """Each page's text as a reader's copy-and-paste gets it (PDFium: the 500 pages here in a second)."""
    pdf = pypdfium2.PdfDocument(path)
    try:
        return [page.get_textpage().get_text_range().replace("\r\n", "\n") for page in pdf]
    finally:
        pdf.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- a good roster -------------------------------------------------------------------------------

def test_each_person_gets_their_own_booklet_with_their_details(run: Run) -> None:
    files = run.personal()
    assert len(files) == 50
    batch = texts(run.batch)
    start = 0
    for person, file in zip(run.people, files, strict=True):
        part = texts(file)
        assert len(part) % 4 == 0, f"{file.name}: {len(part)} pages is not whole sheets"
        assert batch[start:start + len(part)] == part, f"{person.id}: batch pages differ from the personal file"
        start += len(part)
        text = "\n".join(part)
        form_title, name_label, facility, audience = BOOKLETS[(person.audience, person.language, person.facility)]
        assert person.name in text and person.id in text
        form_page = next(t for t in part if person.id in t)
        for expected in (form_title, name_label, facility):
            assert expected in form_page, f"{person.id}: {expected!r} not on the form page"
        assert audience in part[0], f"{person.id}: cover is not the {audience} booklet"
        others = [p.name for p in run.people if p.id != person.id and p.name not in person.name]
        assert not any(name in text for name in others), f"{person.id}'s file shows someone else"
    assert start == len(batch), "the batch page count is the sum of the parts"
    assert f"50 people, {len(batch)} pages" in run.stdout


def personal_file(run: Run, person: Person) -> Path:
    return next(f for f in run.personal() if f.name.endswith(f"-{person.id}.pdf"))


def form_text(run: Run, person: Person) -> str:
    return next(t for t in texts(personal_file(run, person)) if person.id in t)


def test_dates_are_written_in_the_persons_language(run: Run) -> None:
    es = next(p for p in run.people if p.language == "es" and p.date == "2026-12-02")
    en = next(p for p in run.people if p.language == "en" and p.date == "2026-12-01")
    undated = next(p for p in run.people if not p.date)
    assert "2 de diciembre de 2026" in form_text(run, es)
    assert "1 December 2026" in form_text(run, en)
    assert "2026" not in form_text(run, undated), "an empty date leaves the Date line for the pen"


def test_batch_outline_has_one_entry_per_person_in_roster_order(run: Run) -> None:
    reader = pypdf.PdfReader(run.batch)
    marks = [(str(m.title), reader.get_destination_page_number(m)) for m in reader.outline]
    assert [t for t, _ in marks] == [f"{p.id} – {p.name}" for p in run.people]
    starts = [page for _, page in marks]
    assert starts[0] == 0 and starts == sorted(starts)
    assert all((b - a) % 4 == 0 for a, b in itertools.pairwise(starts))


def _form_page(path: Path, person: Person) -> int:
    return next(i for i, t in enumerate(texts(path)) if person.id in t)


def test_values_sit_on_their_lines_in_the_booklet_typeface(run: Run) -> None:
    for person in (run.people[0], run.people[1]):  # one English, one Spanish booklet
        path = personal_file(run, person)
        _, name_label, facility, _ = BOOKLETS[(person.audience, person.language, person.facility)]
        with pdfplumber.open(path) as pdf:
            page = pdf.pages[_form_page(path, person)]
            words = page.extract_words(extra_attrs=["fontname", "size"])
            label = next(w for w in words if w["text"] == name_label)
            first = next(w for w in words if w["text"] == person.name.split()[0])
            pid = next(w for w in words if w["text"] == person.id)
            # The printed site name: the last word of its spelling on the form (the Spanish label,
            # "Centro", is the same word), and its own label the word just before it.
            site = max((w for w in words if w["text"] == facility.split()[0]), key=lambda w: w["x0"])
            site_label = max((w for w in words if abs(w["top"] - site["top"]) < 3 and w["x1"] <= site["x0"]),
                             key=lambda w: w["x1"])
        assert abs(first["bottom"] - label["bottom"]) < 1.5, "the name is not on the Name line"
        # Each value starts after its own label (labels are as wide as their text): the name is as far
        # from the end of its label as the printed site name is from the end of its own.
        assert abs((first["x0"] - label["x1"]) - (site["x0"] - site_label["x1"])) < 0.5, \
            "the name does not start where a printed value starts after its label"
        for value in (first, pid):
            assert value["fontname"].split("+")[1].startswith(("SourceSansPro", "Source-Sans-Pro"))
        # The ID is set at the form's size; the name shares its row with the ID, so a long one
        # ("=HYPERLINK(...)") is set smaller to end on its own line, never below 60% of it.
        assert pid["size"] == pytest.approx(site["size"])
        assert 0.6 * site["size"] <= first["size"] <= site["size"] + 1e-6


def test_qr_code_carries_document_revision_and_id(run: Run) -> None:
    for person in run.people[:4] + run.people[-2:]:  # every booklet, first and last people
        path = personal_file(run, person)
        pdf = pypdfium2.PdfDocument(path)
        try:
            image = pdf[_form_page(path, person)].render(scale=200 / 72).to_pil()
        finally:
            pdf.close()
        codes = [c.text for c in zxingcpp.read_barcodes(image) if c.format == zxingcpp.BarcodeFormat.QRCode]
        assert codes == [f"T-1|2.0|{person.id}"]


def test_a_second_run_reuses_the_booklets_and_gives_identical_bytes(run: Run,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    before = {p: digest(p) for p in [run.batch, *run.personal()]}
    booklets = sorted(p for p in run.out.glob("*/*/*-print.pdf") if "personal" not in p.parts)
    assert len(booklets) == 4, "only the four booklets the roster needs are built"
    mtimes = [p.stat().st_mtime_ns for p in booklets]
    code, out, _ = run_cli(capsys, "packets", str(run.roster), "--project", str(run.root), "--per-person")
    assert code == 0
    assert "booklets: 4 reused from the build, 0 built" in out
    assert [p.stat().st_mtime_ns for p in booklets] == mtimes
    assert {p: digest(p) for p in [run.batch, *run.personal()]} == before


def test_batch_is_a_valid_pdf_for_strict_readers(run: Run) -> None:
    import pikepdf

    with pikepdf.open(run.batch) as pdf:
        assert pdf.check_pdf_syntax() == []
        assert len(pdf.pages) == sum(len(pypdf.PdfReader(f).pages) for f in run.personal())
    reader = pypdf.PdfReader(run.batch, strict=True)
    assert reader.metadata is not None and reader.metadata.title == "T-1 acknowledgement packets"
    assert not any("/Annots" in page for page in reader.pages), "links to missing destinations"


def test_personal_outputs_stay_under_dist_personal(run: Run) -> None:
    personal = run.out / "personal"
    # What the normal build writes for the booklets packets needed: PDFs, cover thumbnails, build
    # records, the gallery and the manifest. Anything else belongs under dist/personal/.
    build_files = {"index.html", "manifest.json"}
    for path in run.out.rglob("*"):
        rel = path.relative_to(run.out)
        # dist/.lock is the build lock (booklets/engine/lock.py), not an output.
        if rel.parts[0] == ".booklets-cache" or rel.as_posix() in build_files or path.name == ".lock":
            continue
        if path.is_file() and not path.name.endswith(("-print.pdf", "-print.cover.png")):
            assert path.is_relative_to(personal), path
    assert [p.name for p in personal.rglob(".*")] == [".lock"], "no staging or temporary files are left behind"


def test_a_stale_booklet_in_dist_is_measured_again_and_rebuilt(run: Run, capsys: pytest.CaptureFixture[str]) -> None:
    # A booklet that looks up to date (newer than every source) but has another form: a checkout
    # that kept file times, or a hand-copied file. Its words do not match, so it is rebuilt.
    staff = run.out / "north/en/staff-print.pdf"
    good = staff.read_bytes()
    shutil.copy(run.out / "south/en/residents-print.pdf", staff)
    future = time.time() + 3600
    os.utime(staff, (future, future))
    code, out, err = run_cli(capsys, "packets", str(run.roster), "--project", str(run.root))
    assert code == 0, err
    assert "booklets: 3 reused from the build, 1 built" in out
    assert staff.read_bytes() == good


def test_a_name_too_long_for_its_line_is_refused(run: Run, capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    roster = tmp_path / "long.csv"
    long = Person("W" * 80, "LONG-1", "staff", "en", "north", "")
    # The name shares its row with the ID (a form fits one page): about 43 mm of line in print.
    fits = Person("Maximiliana Wolfeschlegel-Bergerdorff", "LONG-2", "staff", "en", "north", "")
    write_roster(roster, [long, fits])
    code, _, err = run_cli(capsys, "packets", str(roster), "--project", str(run.root))
    assert code == 2
    assert err.splitlines() == [f"error: {roster}:2:2: name: {long.name!r} is too long for its line on the form, "
                                "even in smaller type; shorten it"]
    assert not batch_of(run.out, roster).exists()
    code, _, err = run_cli(capsys, "packets", str(roster), "--project", str(run.root), "--skip-bad-rows")
    assert code == 0
    assert fits.name in "\n".join(texts(batch_of(run.out, roster)))


def test_large_print_packets_put_the_values_on_their_taller_lines(run: Run, capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    # In large print a filled line would be taller than an empty one; the values still sit on the
    # booklet's own lines, which keep their places.
    roster = tmp_path / "large.csv"
    person = Person("Ana Large", "LP-1", "residents", "es", "south", "2026-12-01")
    write_roster(roster, [person])
    code, _, err = run_cli(capsys, "packets", str(roster), "--project", str(run.root), "--edition", "large-print")
    assert code == 0, err
    path = batch_of(run.out, roster, "large-print")
    # Large print is not folded: no padding pages (the edition pads to 1), none blank.
    pages = texts(path)
    assert len(pages) == len(texts(run.out / "south/es/residents-large-print.pdf"))
    assert all(page.strip() for page in pages), "a blank padding page in a large-print packet"
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[_form_page(path, person)]
        words = page.extract_words()
        lines = [r for r in page.rects if r["width"] > 100]  # each value's box, its bottom edge the line
        for label, value in (("Nombre", "Ana"), ("Número", "LP-1"), ("Fecha", "1")):
            at = next(w for w in words if w["text"] == label)
            drawn = next(w for w in words if w["text"] == value and w["x0"] > at["x1"])
            line = next(r for r in lines if r["x0"] <= drawn["x0"] and r["top"] <= drawn["bottom"] <= r["bottom"])
            assert abs(drawn["bottom"] - at["bottom"]) < 1.0, f"{value} is not level with {label}"
            assert line["bottom"] - drawn["bottom"] < 4, f"{value} floats above its line"


def test_the_qr_code_goes_where_the_form_page_is_free_or_the_form_is_reported(run: Run) -> None:
    project = load_project(run.root)
    target = Target("north", "en", "staff", "print")
    # An A5 page without bleed: pdfplumber's coordinates are PDF user space turned upside down.
    frame = _Frame(dx=0.0, k=595.28, media=(0.0, 0.0), trim=(0.0, 0.0, 419.53, 595.28))
    form = (36.85 / PX, 51.0 / PX, 382.68 / PX, 300.0 / PX)  # the form's box on its last page, CSS px

    def page(*taken: tuple[float, float, float, float]) -> SimpleNamespace:
        boxes = [{"x0": a, "top": b, "x1": c, "bottom": d} for a, b, c, d in taken]
        return SimpleNamespace(chars=boxes, rects=[], lines=[], curves=[], images=[])

    free = _qr_spot(project, target, page(), frame, form, 6)
    assert (free.x + free.size, free.y + free.size) == pytest.approx((382.68, 595.28 - 300.0 - 2 * 72 / 25.4), abs=0.01)
    # Taken on the right: the free square nearest the right within the form's width (1 mm steps).
    right_taken = _qr_spot(project, target, page((200, 290, 400, 590)), frame, form, 6)
    assert 200 - 72 / 25.4 < right_taken.x + right_taken.size <= 200
    only_left = _qr_spot(project, target, page((77, 290, 400, 590)), frame, form, 6)
    assert only_left.x == pytest.approx(36.85, abs=0.01)
    with pytest.raises(BookletError) as err:
        _qr_spot(project, target, page((0, 290, 419, 590)), frame, form, 6)
    rel = "content/en/audiences/staff.yaml"
    title = project.languages["en"].audiences["staff"].form.title  # type: ignore[union-attr]
    line, column = title.line, title.column  # type: ignore[attr-defined]  # the form, located by its title
    assert [str(p) for p in err.value.problems] == [
        f"{rel}:{line}:{column}: form: the last page of the form in the print booklet has no free 14 mm square "
        "below the form for the records QR code; shorten the form's intro or statements so it ends higher on its page"]



def test_a_border_is_its_painted_strip_and_the_code_may_start_below_the_form_s_last_rule(run: Run) -> None:
    """WeasyPrint fills a border as its box minus the inside (two even-odd rectangles in a row): only
    the strip between them is ink. A full form page whose box ends below its last rule (a section's
    padding, a top border's box) still gets the code, just below that rule."""
    inner = {"x0": 36.85, "top": 400.8, "x1": 382.68, "bottom": 545.0, "evenodd": True}
    section = [inner, {**inner, "top": 400.0}]  # a section's top border, its box down to the form's end
    rule = [{**inner, "top": 510.0, "bottom": 529.2}, {**inner, "top": 510.0, "bottom": 530.0}]

    def page(*rects: dict[str, object]) -> SimpleNamespace:
        return SimpleNamespace(chars=[], rects=list(rects), lines=[], curves=[], images=[])

    assert ink(page(*section)) == [(36.85, 400.0, 382.68, 400.8)]
    assert ink(page(*rule)) == [(36.85, 529.2, 382.68, 530.0)]
    project = load_project(run.root)
    target = Target("north", "en", "staff", "print")
    frame = _Frame(dx=0.0, k=595.28, media=(0.0, 0.0), trim=(0.0, 0.0, 419.53, 595.28))
    form = (36.85 / PX, 51.0 / PX, 382.68 / PX, 545.0 / PX)  # 2 mm + 14 mm below 545 runs past the edge
    spot = _qr_spot(project, target, page(*section, *rule), frame, form, 6)
    assert (spot.x + spot.size, spot.y + spot.size) == pytest.approx((382.68, 595.28 - 530.0 - 2 * 72 / 25.4), abs=0.01)
    with pytest.raises(BookletError):  # the same rule drawn as one filled box: ink down to its bottom
        _qr_spot(project, target, page({**inner, "top": 540.0, "evenodd": False}), frame, form, 6)


# --- bad rosters ---------------------------------------------------------------------------------

BAD_ROWS = (
    b"name,id,audience,language,facility,date\n"
    b"Ana Good,G1,staff,en,north,2026-12-01\n"
    b",G2,staff,en,north,2026-12-01\n"
    b"Bea,,staff,en,north,\n"
    b"Cy,G1,staff,en,north,\n"
    b"Di,G5,staf,en,north,\n"
    b"Ed,G6,staff,fr,north,\n"
    b"Fi,G7,staff,en,east,\n"
    b"Gus,G8,staff,en,north,01/12/2026\n"
    b"Hal,G9,staff,en,north,2026-02-30\n"
    b"Ida,G10,families,en,north,\n"
    b"Jo \xe9,G11,staff,en,north,\n"
    b"=SUM(A1),G12,residents,es,south,2026-12-01\n"
    b"Kim,g1,residents,es,south,\n"
    + "Li 李,G14,staff,en,north,\n".encode()
    + b'"Mo\nLine",G15,staff,en,north,\n'
    b"Ny,A|B,staff,en,north,\n"
)
BAD_PROBLEMS = [
    "{r}:3:1: name: is empty; give the person's name as it should be printed",
    "{r}:4:2: id: is empty; give the person's staff, volunteer or custody number",
    "{r}:5:2: id: duplicate ID 'G1' (first on row 2); give each person a unique ID",
    "{r}:6:3: audience: unknown audience 'staf'; did you mean 'staff'? known: staff, residents, families",
    "{r}:7:4: language: unknown language 'fr'; known: en, es",
    "{r}:8:5: facility: unknown facility 'east'; known: north, south",
    "{r}:9:6: date: expected a date written YYYY-MM-DD (e.g. 2026-12-01), found '01/12/2026'; rewrite it, or "
    "leave it empty to date the form by hand",
    "{r}:10:6: date: '2026-02-30' is not a real date; check the month and day",
    "{r}:11:3: audience: the 'families' booklet has no form page to sign (content/en/audiences/families.yaml "
    "has no `form:`); give this person an audience whose booklet has one, or add the form",
    "{r}:12:1: name: has bytes that are not UTF-8 (\\xe9); save the roster as CSV UTF-8",
    "{r}:14:2: id: duplicate ID 'g1' (first on row 2 as 'G1'); give each person a unique ID",
    "{r}:15:1: name: 'Li 李' has characters the booklet font cannot print ('李'); write them in Latin, Greek "
    "or Cyrillic letters",
    "{r}:16:1: name: contains a line break or control character (U+000A); keep the value on one line of plain text",
    "{r}:17:2: id: 'A|B' contains '|', which separates the fields of the QR code; use another character",
]


def test_bad_rows_are_all_reported_and_nothing_is_written(run: Run, capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    roster = tmp_path / "bad.csv"
    roster.write_bytes(BAD_ROWS)
    out = tmp_path / "dist"
    code, stdout, err = run_cli(capsys, "packets", str(roster), "--project", str(run.root), "--out", str(out))
    assert code == 2
    assert err.splitlines() == ["error: " + p.format(r=roster) for p in BAD_PROBLEMS]
    assert stdout == ""
    assert not out.exists(), "no booklet built and no packet written while rows are bad"


def test_skip_bad_rows_writes_the_good_ones_and_lists_the_rest(run: Run, capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path) -> None:
    roster = tmp_path / "bad.csv"
    roster.write_bytes(BAD_ROWS)
    code, stdout, err = run_cli(capsys, "packets", str(roster), "--project", str(run.root), "--skip-bad-rows")
    assert code == 0, err
    assert err.splitlines() == [*("skipped: " + p.format(r=roster) for p in BAD_PROBLEMS),
                                "skipped 14 bad rows; the other 2 were written"]
    batch = "\n".join(texts(batch_of(run.out, roster)))
    assert "Ana Good" in batch and "=SUM(A1)" in batch, "a formula-like name is printed as written"
    for skipped in ("Bea", "Cy", "Kim", "Ny"):
        assert skipped not in batch
    assert stdout.startswith("2 people, ")


def test_a_failed_run_keeps_the_previous_batch(run: Run, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    previous = digest(run.batch)
    roster = tmp_path / "roster.csv"  # same name, so the same batch file
    roster.write_bytes(BAD_ROWS)
    code, _, _ = run_cli(capsys, "packets", str(roster), "--project", str(run.root))
    assert code == 2
    assert digest(run.batch) == previous


# --- reading the roster --------------------------------------------------------------------------

def test_roster_columns_in_any_order_bom_separator_and_extra_columns(run: Run, tmp_path: Path) -> None:
    project = load_project(run.root)
    path = tmp_path / "r.csv"
    path.write_bytes("\ufeffDATE;Facility;extra;ID;Language;audience;name\r\n"
                     "2026-12-01;south;x;A1;es;residents; José Núñez \r\n\r\n".encode())
    roster = read_roster(path, project, printable=not_in_font)
    assert roster.problems == []
    (person,) = roster.people
    assert (person.row, person.name, person.id, person.language, person.facility) == (2, "José Núñez", "A1", "es",
                                                                                      "south")
    assert str(person.date) == "2026-12-01"


def test_roster_header_problems_stop_at_once(run: Run, tmp_path: Path) -> None:
    project = load_project(run.root)
    path = tmp_path / "h.csv"
    path.write_text("name,ID,audience,name\nA,1,staff,B\n", encoding="utf-8")
    with pytest.raises(BookletError) as err:
        read_roster(path, project, display="h.csv")
    assert [str(p) for p in err.value.problems] == [
        "h.csv:1:1: the header must name the columns name, id, audience, language, facility, date; missing "
        "language, facility, date (found 'name', 'ID', 'audience', 'name')",
        "h.csv:1:4: name: column 'name' appears twice (first in column 1); keep one",
    ]


def test_a_spreadsheet_file_is_refused_with_how_to_save_csv(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "people.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(BookletError) as err:
        read_roster(path, load_project(run.root), display="people.xlsx")
    assert "save it as CSV UTF-8" in str(err.value)
