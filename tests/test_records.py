"""Issue 16 B: `build.py records SCANS… --roster roster.csv`, signed forms scanned back into a record.

One scratch project (the packets tests' project) and one 200-person roster are made per module;
`packets` prints their forms, and the forms are "scanned" (tests/scans.py: drawn at 150-300 dpi in
grey, turned 90/180/270°, skewed 2-4°, with sensor noise, saved as JPEG in PDFs, a multi-page TIFF,
PNG and JPEG files), with blank and booklet pages, a missing person, unknown IDs, duplicates, old
revisions, another document's form and a damaged code among them. The checks read the CSV and the
JSON as a coordinator's spreadsheet or script would.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image, ImageOps

from booklets.cli.main import main
from booklets.packets.outputs import PacketPaths
from booklets.packets.scan import PageRead, Source, open_sources, read_chunk, read_pages
from booklets.packets.stamp import qr_payload
from tests.scans import Scanner, blank_page, damage_code, render, replace_code, scan, scan_page, write_pdf
from tests.test_packets import ODD_NAMES, Person, make_scratch, texts, write_roster

DOC, REV = "T-1", "2.0"  # the scratch project's document number and revision
COMBOS = [("staff", "en", "north"), ("residents", "es", "south")]  # two booklets: a cheap build

# Who is in which state (indexes into the 200 people).
MISSING = {5, 77, 150, 199}
DAMAGED = 90  # their only page has a scribbled-over code: missing, and an `unreadable` row
DUPLICATES = {10: 2, 60: 2, 130: 3}
OLD = {20, 70, 140, 180}
ALSO_OLD = 30  # a current page and an old one: returned
OTHER_DOCUMENT = 40  # also a page of another document with their ID: still returned on their own page
NEGATIVE = 111  # scanned as a negative (white on black)
UNKNOWN_IDS = ["X-901", "X-902", "=1+1"]


def call(*args: str) -> tuple[int, str, str]:
    """The command line in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def people_200() -> list[Person]:
    people = []
    for i in range(200):
        audience, language, facility = COMBOS[i % 2]
        name = ODD_NAMES[i] if i < len(ODD_NAMES) else f"Person {i + 1:03d} Example"
        pid = "+44-200" if i == 3 else f"R{i + 1:03d}"  # an ID a spreadsheet would take for a formula
        people.append(Person(name, pid, audience, language, facility, "2026-12-01"))
    return people


@dataclass(frozen=True)
class Sheet:
    """One sheet of the scanned stack: whose form (or what else) it is, and how it was scanned."""

    what: str  # form, old, unknown, other, damaged, blank, body, negative
    person: int | None
    scanner: Scanner
    payload: str = ""


@dataclass
class World:
    root: Path
    roster: Path
    people: list[Person]
    batch: Path
    form_pages: list[int]  # each person's form page in the batch
    body_pages: list[int]  # booklet pages without a form
    files: list[Path] = field(default_factory=list)
    where: dict[int, list[tuple[str, int, Sheet]]] = field(default_factory=dict)  # person -> (file, page, sheet)
    extras: list[tuple[str, int, Sheet]] = field(default_factory=list)  # unknown, other, damaged, blank, body
    result: tuple[int, str, str] = (0, "", "")

    @property
    def csv(self) -> Path:
        return self.root / "dist" / "records" / "roster-records.csv"


def find_pages(batch: Path, people: list[Person]) -> tuple[list[int], list[int]]:
    pages = texts(batch)
    forms = []
    for person in people:
        pattern = re.compile(rf"(?<![\w+-]){re.escape(person.id)}(?![\w-])")
        forms.append(next(i for i, text in enumerate(pages) if pattern.search(text)))
    body = [i for i, text in enumerate(pages) if text.strip() and i not in set(forms)]
    return forms, body


def stack_sheets() -> list[Sheet]:
    """The 200-person stack, in scan order. Scanners vary sheet by sheet: turned 0/90/180/270°,
    skewed 0 to 4° either way, noise 3 or 8 grey levels (the file's dpi is set when written)."""
    turns, skews, noises = (0, 90, 180, 270), (0.0, 2.0, -3.0, 4.0, -2.5), (3.0, 8.0)
    sheets: list[tuple[str, int | None, str]] = []
    for i in range(200):
        if i in MISSING:
            continue
        if i == DAMAGED:
            sheets.append(("damaged", i, ""))
        elif i in OLD:
            sheets.append(("old", i, qr_payload(DOC, "1.0", f"R{i + 1:03d}")))
        elif i == NEGATIVE:
            sheets.append(("negative", i, ""))
        else:
            sheets.append(("form", i, ""))
        if i == ALSO_OLD:
            sheets.append(("old", i, qr_payload(DOC, "1.9", f"R{i + 1:03d}")))
        if i == OTHER_DOCUMENT:
            sheets.append(("other", i, qr_payload("T-9", REV, f"R{i + 1:03d}")))
        if i % 50 == 25:  # a booklet page and a blank page every 50 people
            sheets += [("body", None, ""), ("blank", None, "")]
    for i, copies in DUPLICATES.items():
        sheets += [("form", i, "")] * (copies - 1)  # the copies come back at the end of the stack
    for n, pid in enumerate(UNKNOWN_IDS):
        sheets.insert(33 + 40 * n, ("unknown", 0, qr_payload(DOC, REV, pid)))
    return [Sheet(what, person, Scanner(0, turns[k % 4], skews[k % 5], noises[k % 2], seed=k), payload)
            for k, (what, person, payload) in enumerate(sheets)]


# The stack's files: name, dpi, how it is written, and how many sheets it takes.
FILES = [("stack-a.pdf", 150, "jpeg-pdf", 120), ("stack-b.pdf", 150, "pillow-pdf", 30),
         ("stack-c.tif", 150, "tiff", 40), ("late-1.png", 300, "png", 1), ("late-2.jpg", 200, "jpeg", 1),
         ("late-3.pdf", 200, "jpeg-pdf", None)]


def make_image(world: World, pdf: pypdfium2.PdfDocument, sheet: Sheet, dpi: int) -> Image.Image:
    scanner = Scanner(dpi, sheet.scanner.turn, sheet.scanner.skew, sheet.scanner.noise, sheet.scanner.seed)
    if sheet.what == "blank":
        return scan(blank_page(154, 216, dpi), scanner)
    if sheet.what == "body":
        return scan_page(pdf, world.body_pages[sheet.scanner.seed % len(world.body_pages)], scanner)
    assert sheet.person is not None
    page = world.form_pages[sheet.person]
    if sheet.what in ("form", "negative"):
        image = scan_page(pdf, page, scanner)
        return ImageOps.invert(image) if sheet.what == "negative" else image
    clean = render(pdf, page, dpi)
    changed = damage_code(clean) if sheet.what == "damaged" else replace_code(clean, sheet.payload)
    return scan(changed, scanner)


def write_stack(world: World, folder: Path, sheets: list[Sheet]) -> None:
    pdf = pypdfium2.PdfDocument(world.batch)
    rest = list(sheets)
    try:
        for name, dpi, kind, count in FILES:
            part, rest = (rest[:count], rest[count:]) if count else (rest, [])
            path = folder / name
            images: Iterator[Image.Image] = (make_image(world, pdf, s, dpi) for s in part)
            if kind == "jpeg-pdf":
                write_pdf(path, images)
            elif kind == "pillow-pdf":
                first, *others = list(images)
                first.save(path, save_all=True, append_images=others, resolution=dpi)
            elif kind == "tiff":
                first, *others = list(images)
                first.save(path, save_all=True, append_images=others, compression="tiff_deflate", dpi=(dpi, dpi))
            else:
                next(images).convert("RGB").save(path, dpi=(dpi, dpi))
            world.files.append(path)
            for number, sheet in enumerate(part, 1):
                entry = (name, number, sheet)
                if sheet.what in ("form", "old", "negative"):
                    world.where.setdefault(sheet.person or 0, []).append(entry)
                else:
                    world.extras.append(entry)
    finally:
        pdf.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    base = tmp_path_factory.mktemp("records")
    root = make_scratch(base / "project")
    people = people_200()
    roster = base / "roster.csv"
    write_roster(roster, people)
    code, _, err = call("packets", str(roster), "--project", str(root))
    assert code == 0, err
    batch = PacketPaths.of(root / "dist", roster, "print").batch
    forms, body = find_pages(batch, people)
    w = World(root, roster, people, batch, forms, body)
    scans = base / "scans"
    scans.mkdir()
    write_stack(w, scans, stack_sheets())
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(scans)  # the files as a coordinator names them: `records stack-a.pdf stack-b.pdf …`
        w.result = call("records", *(f.name for f in w.files), "--roster", str(roster), "--project", str(root),
                        "--jobs", "2")
    return w


def read_csv(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so Excel reads accents right"
    return list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def unquote(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:2] in ("=", "+", "-", "@") else cell


# --- the 200-person stack ------------------------------------------------------------------------

def test_the_200_person_stack_reports_every_state(world: World) -> None:
    code, _, err = world.result
    assert code == 1, err
    assert err == ""
    rows = read_csv(world.csv)
    people = rows[:200]
    assert [unquote(r["id"]) for r in people] == [p.id for p in world.people], "one row per person, roster order"
    for i, (person, row) in enumerate(zip(world.people, people, strict=True)):
        assert unquote(row["name"]) == person.name and row["audience"] == person.audience
        seen = world.where.get(i, [])
        current = [(f, n, s) for f, n, s in seen if s.what in ("form", "negative")]
        if i in MISSING or i == DAMAGED:
            assert row["state"] == "missing", (i, row)
            assert row["scan_file"] == row["scan_page"] == row["document"] == ""
        elif i in DUPLICATES:
            assert row["state"] == "duplicate", (i, row)
            assert len(current) == DUPLICATES[i]
            for file, number, _ in current:
                assert f"{file} page {number}" in row["note"], (i, row["note"])
        elif i in OLD:
            (file, number, sheet), = seen
            assert row["state"] == "old revision", (i, row, str(sheet.scanner))
            assert (row["document"], row["revision"], row["scan_file"], row["scan_page"]) == (DOC, "1.0", file,
                                                                                               str(number))
        else:
            (file, number, sheet), = current
            assert row["state"] == "returned", (i, row, file, number, str(sheet.scanner))
            assert (row["document"], row["revision"], row["scan_file"], row["scan_page"]) == (DOC, REV, file,
                                                                                               str(number))
    assert "revision 1.9" in people[ALSO_OLD]["note"]

    extras = rows[200:]
    unknown = [r for r in extras if r["state"] == "unknown"]
    assert [unquote(r["id"]) for r in unknown] == UNKNOWN_IDS
    assert all(r["name"] == "" and r["revision"] == REV for r in unknown)
    other, = (r for r in extras if r["state"] == "other document")
    assert (other["id"], other["document"], unquote(other["name"])) == ("R041", "T-9", world.people[40].name)
    unreadable, = (r for r in extras if r["state"] == "unreadable")
    damaged, = ((f, n) for f, n, s in world.extras if s.what == "damaged")
    assert (unreadable["scan_file"], unreadable["scan_page"]) == (damaged[0], str(damaged[1]))
    assert len(extras) == len(UNKNOWN_IDS) + 2
    order = [(FILES_ORDER[r["scan_file"]], int(r["scan_page"])) for r in extras]
    assert order == sorted(order), "odd pages follow the people, in scan order"


FILES_ORDER = {name: n for n, (name, *_) in enumerate(FILES)}


def test_summary_counts_pages_and_names_every_row_to_follow_up(world: World) -> None:
    _, out, _ = world.result
    flat = " ".join(out.split())
    returned = 200 - len(MISSING) - 1 - len(DUPLICATES) - len(OLD)
    assert f"{returned} of 200 people returned their form" in flat
    for state, count in (("missing", len(MISSING) + 1), ("duplicate", 3), ("old revision", 4), ("unknown", 3),
                         ("other document", 1), ("unreadable", 1)):
        assert re.search(rf"{state}\s+{count}\b", out), state
    blanks = sum(s.what == "blank" for _, _, s in world.extras)
    bodies = [(f, n) for f, n, s in world.extras if s.what == "body"]
    assert f"{blanks} blank, {len(bodies)} without a code" in flat
    for file, number in bodies:
        assert re.search(rf"{re.escape(file)}\s+{number}\s+print but no records code", out)
    assert "records/roster-records.csv" in flat


def test_json_has_the_same_rows_as_the_csv(world: World, tmp_path: Path) -> None:
    late = [f for f in world.files if f.name.startswith("late-")]  # the last 23 pages: a cheap second run
    code, out, _ = call("records", *map(str, late), "--roster", str(world.roster), "--project", str(world.root),
                        "--out", str(tmp_path), "--format", "json", "--jobs", "1")
    assert code == 1
    data = json.loads(out)
    rows = read_csv(tmp_path / "records" / "roster-records.csv")
    assert data["ok"] is False and data["people"] == 200 and data["document"] == DOC and data["revision"] == REV
    assert data["csv"] == str(tmp_path / "records" / "roster-records.csv")
    assert [(r["id"], r["name"], r["state"], r["scan_file"], r["scan_page"], r["note"]) for r in data["rows"]] == [
        (unquote(r["id"]), unquote(r["name"]), r["state"], r["scan_file"],
         int(r["scan_page"]) if r["scan_page"] else None, r["note"]) for r in rows]
    assert data["counts"]["returned"] == sum(r["state"] == "returned" for r in rows) > 10
    assert sum(data["counts"].values()) == len(rows)
    assert data["pages"]["read"] == sum(len(pypdfium2.PdfDocument(f)) if f.suffix == ".pdf" else 1 for f in late)


def test_cells_a_spreadsheet_would_run_are_quoted(world: World) -> None:
    raw = world.csv.read_bytes()[3:].decode("utf-8")
    cells = [c for row in csv.reader(io.StringIO(raw, newline="")) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    for value in ("=HYPERLINK(\"http://x\",\"y\")", "+1 Plus", "-Minus Dash", "@At Sign", "+44-200", "=1+1"):
        assert "'" + value in cells, value
    assert "José Núñez" in cells
    assert raw.count("\r\n") == len(raw.splitlines()), "CRLF line ends, as spreadsheets write CSV"


# --- exit status 0, formats -----------------------------------------------------------------------

def test_everyone_returned_is_exit_status_0(world: World, tmp_path: Path) -> None:
    few = [p for i, p in enumerate(world.people) if i in (0, 1, 2)]
    roster = tmp_path / "few.csv"
    write_roster(roster, few)
    pdf = pypdfium2.PdfDocument(world.batch)
    try:
        pages = [scan_page(pdf, world.form_pages[i], Scanner(200, 180, -4, 6)) for i in (2, 0, 1)]
    finally:
        pdf.close()
    tiff = tmp_path / "scans.tiff"
    pages[0].save(tiff, save_all=True, append_images=pages[1:])
    code, out, err = call("records", str(tiff), "--roster", str(roster), "--project", str(world.root),
                          "--out", str(tmp_path / "out"), "--jobs", "1")
    assert code == 0, out + err
    assert "3 of 3 people returned their form" in " ".join(out.split())
    rows = read_csv(tmp_path / "out" / "records" / "few-records.csv")
    assert [(r["state"], r["scan_page"]) for r in rows] == [("returned", "2"), ("returned", "3"), ("returned", "1")]


# --- unusable input: exit status 2, one line each, nothing written ---------------------------------

def test_unusable_inputs_are_all_reported_at_once_and_nothing_is_written(world: World, tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    blank_page(148, 210, 150).save(good)
    text = tmp_path / "notes.txt"
    text.write_text("not a scan\n")
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    broken_pdf = tmp_path / "broken.pdf"
    broken_pdf.write_bytes(world.files[0].read_bytes()[:3000])
    broken_tiff = tmp_path / "broken.tif"
    frames = [blank_page(148, 210, 100), blank_page(148, 210, 100).transpose(Image.Transpose.ROTATE_90)]
    frames[0].save(broken_tiff, save_all=True, append_images=frames[1:])  # uncompressed, 480 kB a page
    data = broken_tiff.read_bytes()
    broken_tiff.write_bytes(data[: len(data) - 100_000])  # the second page's pixels cut short
    folder = tmp_path / "a-folder"
    folder.mkdir()
    roster = tmp_path / "roster.csv"
    roster.write_text("name,id,audience,language,facility,date\nAna,A1,staff,en,north,2026-13-01\n")
    out = tmp_path / "out"
    previous = out / "records" / "roster-records.csv"
    previous.parent.mkdir(parents=True)
    previous.write_bytes(b"earlier record\r\n")
    code, stdout, err = call("records", str(good), str(text), str(empty), str(broken_pdf), str(broken_tiff),
                             str(folder), str(tmp_path / "gone.pdf"), "--roster", str(roster), "--project",
                             str(world.root), "--out", str(out), "--jobs", "1")
    assert code == 2, err
    lines = err.splitlines()
    assert stdout == "" and "Traceback" not in err
    expected = [
        f"error: {roster}:2:6: date: '2026-13-01' is not a real date",
        f"error: {text}: is not a PDF or an image (PNG, JPEG, TIFF); found a file starting b'not a sc'",
        f"error: {empty}: is not a PDF or an image (PNG, JPEG, TIFF); found an empty file",
        f"error: {broken_pdf}: cannot be opened as a PDF",
        f"error: {folder}: is not a file",
        f"error: {tmp_path / 'gone.pdf'}: no such file; check the path",
    ]
    for start in expected:
        assert sum(line.startswith(start) for line in lines) == 1, (start, lines)
    assert len(lines) == len(expected), lines
    assert previous.read_bytes() == b"earlier record\r\n", "an earlier record is never lost"

    # With the roster and the files fixed, the damaged page inside the TIFF is found while reading.
    write_roster(roster, world.people[:2])
    code, _, err = call("records", str(good), str(broken_tiff), "--roster", str(roster), "--project",
                        str(world.root), "--out", str(out), "--jobs", "1")
    assert code == 2
    assert re.fullmatch(rf"error: {re.escape(str(broken_tiff))}: page 2: cannot be read \(.+\); the image is "
                        r"damaged: scan it again\n", err), err
    assert previous.read_bytes() == b"earlier record\r\n"


def test_a_damaged_compressed_tiff_page_is_one_line_with_the_decoders_words(
        world: World, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    tiff = tmp_path / "scans.tif"
    frames = [scan(blank_page(100, 100, 100), Scanner(100, noise=20, seed=s)) for s in range(3)]
    frames[0].save(tiff, save_all=True, append_images=frames[1:], compression="tiff_deflate")
    with Image.open(tiff) as image:
        image.seek(1)
        start = image.tag_v2[273][0] + 10  # the second page's compressed pixels
    data = bytearray(tiff.read_bytes())
    data[start:start + 2816] = bytes(range(256)) * 11
    tiff.write_bytes(bytes(data))
    code, _, err = call("records", str(tiff), "--roster", str(world.roster), "--project", str(world.root),
                        "--out", str(tmp_path), "--jobs", "1")
    assert code == 2
    assert re.fullmatch(rf"error: {re.escape(str(tiff))}: page 2: cannot be read \(.+\); the image is damaged: "
                        r"scan it again \(the decoder says: ZIPDecode: .+\)\n", err), err
    assert capfd.readouterr().err == "", "libtiff's own lines never reach the terminal"


def test_the_same_file_twice_is_refused(world: World, tmp_path: Path) -> None:
    scan_file = str(world.files[3])
    code, _, err = call("records", scan_file, scan_file, "--roster", str(world.roster), "--project",
                        str(world.root), "--out", str(tmp_path))
    assert code == 2
    assert err == f"error: {scan_file}: is the same file as {scan_file}; give each scan once\n"


def test_a_password_protected_pdf_says_so(world: World, tmp_path: Path) -> None:
    import pikepdf

    locked = tmp_path / "locked.pdf"
    with pikepdf.open(world.files[-1]) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(owner="o", user="secret"))
    code, _, err = call("records", str(locked), "--roster", str(world.roster), "--project", str(world.root),
                        "--out", str(tmp_path))
    assert code == 2
    assert err.startswith(f"error: {locked}: cannot be opened as a PDF (") and "password" in err
    assert err.count("\n") == 1


# --- where the record goes ------------------------------------------------------------------------

def test_the_record_is_only_under_records_and_never_in_the_gallery(world: World) -> None:
    out = world.root / "dist"
    assert sorted(p.name for p in (out / "records").iterdir()) == ["roster-records.csv"], "no temporary files left"
    code, _, err = call("build", "--project", str(world.root), "--audience", "staff", "--lang", "en",
                        "--edition", "print", "--facility", "north")
    assert code == 0, err
    for listing in ("index.html", "manifest.json"):
        text = (out / listing).read_text(encoding="utf-8")
        assert "records" not in text and "R001" not in text, listing


def test_a_records_folder_that_is_a_link_is_refused(world: World, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "records").symlink_to(elsewhere, target_is_directory=True)
    code, _, err = call("records", str(world.files[3]), "--roster", str(world.roster), "--project",
                        str(world.root), "--out", str(out))
    assert code == 2
    assert "records: is a link or a file, not a folder" in err
    assert list(elsewhere.iterdir()) == []


def test_a_link_in_place_of_the_csv_is_replaced_not_written_through(world: World, tmp_path: Path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    out = tmp_path / "out"
    (out / "records").mkdir(parents=True)
    link = out / "records" / "roster-records.csv"
    link.symlink_to(target)
    code, _, _ = call("records", str(world.files[3]), "--roster", str(world.roster), "--project",
                      str(world.root), "--out", str(out))
    assert code == 1
    assert target.read_text() == "keep me"
    assert not link.is_symlink()
    assert read_csv(link)[0]["id"] == "R001"


# --- reading pages --------------------------------------------------------------------------------

def crashing_reader(source: Source, index: int, first: int, stop: int) -> list[PageRead]:
    """Reads like read_chunk, but its worker process dies on page 5 (a page that crashes PDFium)."""
    if first <= 4 < stop:
        os._exit(3)
    return read_chunk(source, index, first, stop)


def test_a_page_that_kills_its_worker_is_reported_and_the_others_are_read(tmp_path: Path) -> None:
    path = tmp_path / "pages.tif"
    frames = [blank_page(60, 80, 100) for _ in range(20)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    sources, problems = open_sources([path], ["pages.tif"])
    assert problems == [] and sources[0].pages == 20
    reads = sorted(read_pages(sources, 2, crashing_reader), key=lambda r: r.page)
    assert [r.page for r in reads] == list(range(1, 21))
    assert [r.page for r in reads if r.problem] == [5]
    assert "stopped its worker process" in reads[4].problem
    assert all(r.blank for r in reads if not r.problem)


def test_decoding_finds_the_code_however_the_page_was_scanned(world: World) -> None:
    """The decoder's own range, page by page (the stack above mixes these at random)."""
    from booklets.packets.qrdecode import decode

    pdf = pypdfium2.PdfDocument(world.batch)
    person = 8
    try:
        failures = []
        for dpi in (150, 300):
            for turn in (0, 90, 180, 270):
                for skew in (-4.0, 3.0):
                    scanner = Scanner(dpi, turn, skew, 10, seed=dpi + turn)
                    codes, undecodable = decode(scan_page(pdf, world.form_pages[person], scanner))
                    if codes != (qr_payload(DOC, REV, world.people[person].id),) or undecodable:
                        failures.append((str(scanner), codes, undecodable))
    finally:
        pdf.close()
    assert failures == []
