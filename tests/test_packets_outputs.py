"""Packets for the print room (issues 12.7-12.9, 16A): what a run reuses from the build and says it
did, where it writes (unique per roster and edition, private, swapped in whole, no leftovers),
padding by the edition's rule, the imposed 2-up batch, any-case roster ids, and the gap between
each label and its value on every language's form.

One small scratch project (staff and residents, en and es, print and large print, one facility)
is built once for the module; each test writes its rosters in its own folder.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from booklets.cli.main import main
from booklets.engine import pipeline
from booklets.packets import outputs, run
from booklets.packets.outputs import PacketPaths
from booklets.plan import Target
from booklets.render.impose import saddle_stitch_order
from tests.scratch import REPO, write_project
from tests.test_packets import ES_STRINGS, FILES, Person, run_cli, texts, write_roster

BOOKLET = """\
    organisation: Test Unit
    document_number: "T-1"
    revision: "2.0"
    effective_date: 2026-01-15
    languages: [en, es]
    audiences: [staff, residents]
    editions: [print, large-print]
    facilities: [north]
    """
#: The Spanish ID label as shipped: longer than the label column, so it runs past where the value's
#: line starts ("identificaciónA12" when values were placed at a fixed offset).
LONG_ES = {**ES_STRINGS, "form_id": "Número de identificación"}
PEOPLE = [
    Person("Ana Staff", "S-1", "staff", "en", "north", "2026-12-01"),
    Person("Berta Personal", "S-2", "staff", "es", "north", "2026-12-02"),
    Person("Carl Resident", "R-1", "residents", "en", "north", ""),
    Person("Dora Residente", "R-2", "residents", "es", "north", "2026-12-03"),
]
PRINT_TARGETS = sorted({Target(p.facility, p.language, p.audience, "print") for p in PEOPLE})


def scratch(root: Path) -> Path:
    es = (REPO / "content/en/strings.yaml").read_text(encoding="utf-8")
    for key, value in LONG_ES.items():
        es, count = re.subn(rf"^{key}: .*$", f"{key}: {value}", es, flags=re.M)
        assert count == 1, key
    edition = str(FILES["content/editions/print.yaml"]).rstrip(" ") + "        impose: {suffix: imposed}\n"
    return write_project(root, {**FILES, "content/booklet.yaml": BOOKLET, "content/es/strings.yaml": es,
                                "content/editions/print.yaml": edition, "content/facilities/south.yaml": None})


@dataclass
class Built:
    root: Path
    out: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """The print booklets built by a normal build, as a coordinator's dist/ would have them."""
    root = scratch(tmp_path_factory.mktemp("packets-out") / "project")
    assert main(["--project", str(root), "--edition", "print"]) == 0
    yield Built(root, root / "dist")


def roster_file(folder: Path, people: list[Person] = PEOPLE, name: str = "roster.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_roster(folder / name, people)
    return folder / name


def packets(capsys: pytest.CaptureFixture[str], built: Built, roster: Path, *extra: str) -> str:
    code, out, err = run_cli(capsys, "packets", str(roster), "--project", str(built.root), *extra)
    assert code == 0, err
    return out


# --- 12.7: the build's own freshness, one build with the worker pool -----------------------------

def test_right_after_a_build_every_booklet_is_reused(built: Built, capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    out = packets(capsys, built, roster_file(tmp_path))
    assert "booklets: 4 reused from the build, 0 built" in out


def test_what_is_stale_is_decided_by_the_inputs_hash_not_file_times(
        built: Built, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    roster = roster_file(tmp_path)
    staff = built.root / "content/es/audiences/staff.yaml"
    original = staff.read_bytes()
    try:
        # New text in a content file whose time is older than every PDF: a checkout or a copy
        # that kept file times. The Spanish staff booklet must be built again, and only it.
        staff.write_text(original.decode().replace("Dígaselo a alguien.", "Dígaselo hoy a alguien."),
                         encoding="utf-8")
        os.utime(staff, (1_000_000_000, 1_000_000_000))
        out = packets(capsys, built, roster)
        assert "booklets: 3 reused from the build, 1 built" in out
        # (a short word keeps the next one on its line: a no-break space after "a")
        text = "\n".join(texts(built.out / "north/es/staff-print.pdf")).replace("\xa0", " ")
        assert "Dígaselo hoy a alguien." in text
    finally:
        staff.write_bytes(original)
    assert "booklets: 3 reused from the build, 1 built" in packets(capsys, built, roster)


def test_a_booklet_replaced_by_hand_is_built_again(built: Built, capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    # Same pages and form, another title, and a file time newer than every source: only the
    # build record knows.
    path = built.out / "north/en/residents-print.pdf"
    good = path.read_bytes()
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        pdf.docinfo["/Title"] = "Not the booklet the build made"
        pdf.save(path)
    os.utime(path, (4_000_000_000, 4_000_000_000))
    out = packets(capsys, built, roster_file(tmp_path))
    assert "booklets: 3 reused from the build, 1 built" in out
    assert path.read_bytes() == good


def test_missing_booklets_are_built_in_one_build_with_the_worker_pool(
        built: Built, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[pipeline.BuildOptions] = []
    real = run.build

    def spy(options: pipeline.BuildOptions, progress: object = None) -> pipeline.BuildResult:
        calls.append(options)
        return real(options)

    monkeypatch.setattr(run, "build", spy)
    out_dir = tmp_path / "fresh"
    out = packets(capsys, built, roster_file(tmp_path), "--out", str(out_dir), "--jobs", "2")
    assert "booklets: 0 reused from the build, 4 built" in out
    assert len(calls) == 1, "one build for all the booklets, not one per target"
    assert sorted(calls[0].only) == PRINT_TARGETS and calls[0].jobs == 2
    built_pdfs = sorted(p.relative_to(out_dir).as_posix() for p in out_dir.glob("*/*/*.pdf")
                        if "personal" not in p.parts)
    assert built_pdfs == sorted(f"{t.facility}/{t.language}/{t.audience}-print{s}.pdf"
                                for t in PRINT_TARGETS for s in ("", "-imposed")), "exactly what the roster needs"


# --- 12.8 and 12.9: names, privacy, staging ------------------------------------------------------

def test_rosters_of_one_name_and_editions_of_one_roster_never_share_a_file(
        built: Built, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    north = roster_file(tmp_path / "north", PEOPLE[:2])
    south = roster_file(tmp_path / "south", PEOPLE[2:])
    packets(capsys, built, north, "--per-person")
    first = {p: p.read_bytes() for p in PacketPaths.of(built.out, north, "print").folder.rglob("*.pdf")}
    packets(capsys, built, south, "--per-person")
    packets(capsys, built, north, "--edition", "large-print")
    for path, data in first.items():
        assert path.read_bytes() == data, f"{path} of the north roster was changed or deleted"
    batches = {r: PacketPaths.of(built.out, r, "print").batch for r in (north, south)}
    assert batches[north] != batches[south]
    assert "Ana Staff" in "\n".join(texts(batches[north])) and "Carl Resident" in "\n".join(texts(batches[south]))
    large = PacketPaths.of(built.out, north, "large-print").batch
    assert large.is_file() and large != batches[north] and batches[north].is_file()
    assert len(PacketPaths.of(built.out, south, "print").people_files()) == 2


def test_personal_files_are_private(built: Built, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    roster = roster_file(tmp_path)
    old = os.umask(0o022)
    try:
        packets(capsys, built, roster, "--per-person", "--imposed")
    finally:
        os.umask(old)
    where = PacketPaths.of(built.out, roster, "print")
    assert stat.S_IMODE(where.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(where.people.stat().st_mode) == 0o700
    for path in [where.batch, where.derived("imposed"), *where.people_files()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_killed_runs_staging_is_removed_and_the_folder_is_swapped_whole(
        built: Built, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    roster = roster_file(tmp_path)
    where = PacketPaths.of(built.out, roster, "print")
    packets(capsys, built, roster, "--per-person")
    before = where.people.stat().st_ino
    # What `kill -9` during a run leaves: a hidden staging folder of personal PDFs.
    left = where.folder / ".print.staging-0badc0de"
    left.mkdir()
    (left / "2-S-1.pdf").write_bytes(b"%PDF-1.7 someone's packet")
    renames: list[tuple[Path, Path]] = []
    real = outputs._exchange

    def exchange(a: Path, b: Path) -> bool:
        renames.append((a, b))
        return real(a, b)

    monkeypatch.setattr(outputs, "_exchange", exchange)
    packets(capsys, built, roster_file(tmp_path, PEOPLE[1:]), "--per-person")
    assert not left.exists(), "the killed run's staging folder is still there"
    assert renames and renames[0][1] == where.people and len(renames) == 1, "one rename swaps the folder"
    assert where.people.stat().st_ino != before
    assert [p.name for p in where.people_files()] == ["2-S-2.pdf", "3-R-1.pdf", "4-R-2.pdf"]
    assert sorted(p.name for p in where.folder.iterdir() if p.name.startswith(".")) == [".lock"]


# --- 16A: padding, imposed sheets, roster ids, labels ----------------------------------------------

def test_large_print_packets_have_no_blank_padding_pages(built: Built, capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path) -> None:
    roster = roster_file(tmp_path)
    out = packets(capsys, built, roster, "--edition", "large-print", "--per-person")
    where = PacketPaths.of(built.out, roster, "large-print")
    booklets = [len(texts(built.out / f"north/{p.language}/{p.audience}-large-print.pdf")) for p in PEOPLE]
    assert len(texts(where.batch)) == sum(booklets)
    assert [len(texts(f)) for f in where.people_files()] == booklets
    assert all(page.strip() for page in texts(where.batch)), "a blank page in a large-print batch"
    assert not where.derived("imposed").exists() and "imposed" not in out, "large print is not imposed"
    code, _, err = run_cli(capsys, "packets", str(roster), "--project", str(built.root), "--edition", "large-print",
                           "--imposed")
    assert code == 2 and err.splitlines() == [
        "error: command line: --imposed: the large-print edition is not printed as folded sheets "
        "(content/editions/large-print.yaml has no `impose:`); leave out --imposed, or use an edition that imposes"]


def _chars(page: pdfplumber.page.Page, x0: float, top: float, width: float,
           height: float) -> list[tuple[str, float, float]]:
    """Characters inside a rectangle, relative to its corner: what a reader sees there."""
    return sorted((c["text"], c["x0"] - x0, c["top"] - top) for c in page.chars
                  if x0 - 0.5 <= c["x0"] and c["x1"] <= x0 + width + 0.5 and top - 0.5 <= c["top"]
                  and c["bottom"] <= top + height + 0.5 and c["text"].strip())


def same_chars(a: list[tuple[str, float, float]], b: list[tuple[str, float, float]]) -> bool:
    return len(a) == len(b) and all(ta == tb and abs(xa - xb) < 0.05 and abs(ya - yb) < 0.05
                                    for (ta, xa, ya), (tb, xb, yb) in zip(a, b, strict=True))


def test_the_imposed_batch_is_each_persons_stamped_pages_in_saddle_stitch_order(
        built: Built, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    roster = roster_file(tmp_path)
    out = packets(capsys, built, roster, "--imposed")
    where = PacketPaths.of(built.out, roster, "print")
    assert f"sheet sides: {where.derived('imposed').relative_to(built.root)}" in out
    with pdfplumber.open(where.batch) as batch, pdfplumber.open(where.derived("imposed")) as sheets, \
            pikepdf.open(where.derived("imposed")) as sheets_pdf:
        starts = [sheets_pdf.pages.index(pikepdf.Page(item.destination[0]))
                  for item in sheets_pdf.open_outline().root]
        assert len(starts) == len(PEOPLE)
        page, side = 0, 0
        for number, person in enumerate(PEOPLE):
            n = len(texts(built.out / f"north/{person.language}/{person.audience}-print.pdf"))
            assert n % 4 == 0 and starts[number] == side, f"{person.id} does not start on its own sheet"
            for left, right in saddle_stitch_order(n):
                sheet = sheets.pages[side]
                trim = batch.pages[page].trimbox
                width, height = trim[2] - trim[0], trim[3] - trim[1]
                assert (sheet.width, sheet.height) == pytest.approx((2 * width, height), abs=0.01)
                for half, number_on_page in enumerate((left, right)):
                    source = batch.pages[page + number_on_page - 1]
                    assert same_chars(_chars(sheet, half * width, 0, width, height), _chars(
                        source, source.trimbox[0], source.trimbox[1], width, height)), (
                        f"{person.id}: sheet side {side + 1} half {half} is not page {number_on_page}")
                side += 1
            page += n
        assert side == len(sheets.pages) and page == len(batch.pages)
    assert any("Berta Personal" in t for t in texts(where.derived("imposed"))), "the stamps are on the sheets"


def test_roster_ids_are_accepted_in_any_case(built: Built, capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    people = [Person("Eve Case", "C-1", "Staff", "ES", "North", ""),
              Person("Fay Case", "C-2", "RESIDENTS", "En", "NORTH", "")]
    roster = roster_file(tmp_path, people)
    out = packets(capsys, built, roster)
    assert "booklets: 2 reused from the build, 0 built" in out
    text = texts(PacketPaths.of(built.out, roster, "print").batch)
    assert any("Eve Case" in t and "Acuse de recibo" in t for t in text)
    assert any("Fay Case" in t and "Receipt" in t for t in text)


MIN_GAP = 2.0  # points between the end of a label and the start of its value (a space is ~2.5 pt)


def _key(c: dict[str, object]) -> tuple[object, float, float]:
    return c["text"], round(float(c["x0"]), 1), round(float(c["top"]), 1)  # type: ignore[arg-type]


def label_gaps(booklet: Path, stamped: Path, only: Collection[int] | None = None) -> list[tuple[str, float]]:
    """(value, gap to the nearest text of the booklet on its line) for every value drawn on the
    stamped copy of `booklet`: the values are what the stamped pages have and the booklet's have
    not; the text around is the booklet's on the value's line - its label before it, the next
    field's label after it when two share a row (negative: they overlap). `only`: the 0-based
    pages to look at (those whose text differs; pdfplumber reads a page only when asked)."""
    gaps = []
    with pdfplumber.open(booklet) as blank, pdfplumber.open(stamped) as filled:
        for index, (page, after) in enumerate(zip(blank.pages, filled.pages, strict=False)):
            if only is not None and index not in only:
                continue
            had = {_key(c) for c in page.chars}
            lines: dict[int, list[dict[str, object]]] = {}
            for c in after.chars:
                if c["text"].strip() and _key(c) not in had:
                    lines.setdefault(round(c["top"]), []).append(c)
            for line in lines.values():
                line.sort(key=lambda c: c["x0"])  # type: ignore[arg-type, return-value]
                # The booklet's level text on the line (not a draft's DRAFT mark, set across the page).
                around = [c for c in page.chars if c["text"].strip() and c["top"] < line[0]["bottom"]
                          and c["bottom"] > line[0]["top"] and not any(c["matrix"][1:3])]  # type: ignore[index]
                for chars in _values_on(line, around):
                    first = chars[0]
                    last = chars[-1]
                    before = [float(first["x0"]) - float(c["x1"]) for c in around  # type: ignore[arg-type]
                              if c["x0"] < first["x0"]]  # type: ignore[operator]
                    after = [float(c["x0"]) - float(last["x1"]) for c in around  # type: ignore[arg-type]
                             if c["x0"] >= first["x0"]]  # type: ignore[operator]
                    if before or after:
                        gaps.append(("".join(str(c["text"]) for c in chars), min([*before, *after])))
    return gaps


def _values_on(line: list[dict[str, object]], around: list[dict[str, object]]) -> list[list[dict[str, object]]]:
    """The drawn characters of one line, split into values where the booklet has text between them
    (two fields on a row: the name, then the ID's label, then the ID) or more than an em of space
    (the ID's label wrapped to the line above)."""
    values = [[line[0]]]
    for c in line[1:]:
        prev = values[-1][-1]
        x0, x1 = float(c["x0"]), float(prev["x1"])  # type: ignore[arg-type]
        if x0 - x1 > float(c["size"]) or any(  # type: ignore[arg-type]
                x1 <= float(b["x0"]) and float(b["x1"]) <= x0 for b in around):  # type: ignore[arg-type]
            values.append([])
        values[-1].append(c)
    return values


def test_every_language_s_form_leaves_a_gap_between_label_and_value(
        built: Built, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert "identificación" in "\n".join(texts(built.out / "north/es/staff-print.pdf"))
    roster = roster_file(tmp_path)
    packets(capsys, built, roster, "--per-person")
    files = PacketPaths.of(built.out, roster, "print").people_files()
    for person, file in zip(PEOPLE, files, strict=True):
        booklet = built.out / f"north/{person.language}/{person.audience}-print.pdf"
        gaps = label_gaps(booklet, file)
        values = {v for v, _ in gaps}
        assert person.id in values and person.name.replace(" ", "") in values, (person, gaps)
        for value, gap in gaps:
            assert gap >= MIN_GAP, f"{person.language} {person.audience}: {value!r} is {gap:.1f} pt from its label"
