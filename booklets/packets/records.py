"""Records: signed forms scanned back, matched to the roster, written as a training record.

`python build.py records SCANS.pdf [more…] --roster roster.csv` reads every page of the scans
(scan.py), takes the records QR code that `packets` printed on each form page
(`document|revision|ID`, stamp.qr_payload) and writes OUT/records/<roster>-records.csv with one
row per person on the roster, in roster order, then one row per odd page:

* `returned`      exactly one page for the person, this booklet's document and current revision;
* `missing`       no page for them;
* `duplicate`     two or more pages of the current revision (all listed in the note);
* `old revision`  only pages of another revision than content/booklet.yaml's `revision`;
* `unknown`       a page whose ID is not on the roster (one row per page);
* `other document` a page whose document number is not this booklet's: it is another document's
                  form (scanned into the wrong stack), so it counts for no one, even when its ID is
                  on the roster (the row then names the person);
* `unreadable`    a QR code found on a page but not decoded: a person reads the ID on that page.

A QR code that is not a records code (a web address, text without the three fields), and pages
with print but no code, are listed apart: pages of a whole booklet scanned with its form are normal.

The CSV is opened in spreadsheets and holds text from scanned codes and the roster, both untrusted:
a cell beginning with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'` so it is never
run as a formula. It is UTF-8 with a BOM (Excel reads accents right) and CRLF line ends, written
atomically under OUT/records/ (never through a link), and nothing is written when any input is
unusable.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from booklets.content.load import load_project
from booklets.engine.output import write_atomic
from booklets.errors import BookletError, Problem
from booklets.packets.roster import Person, read_roster
from booklets.packets.scan import MAX_TEXT, PageRead, Source, open_sources, read_pages

RECORDS = "records"  # every records output lives under OUT/records/ and nowhere else
STATES = ("returned", "missing", "duplicate", "old revision", "unknown", "other document", "unreadable")
COLUMNS = ("id", "name", "audience", "document", "revision", "scan_file", "scan_page", "state", "note")
if TYPE_CHECKING:
    from rich.console import Console

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RecordsOptions:
    """What one records run was asked to do; names are the paths as the user typed them."""

    root: Path
    out_dir: Path
    roster: Path
    scans: tuple[Path, ...]
    roster_name: str = ""
    scan_names: tuple[str, ...] = ()
    jobs: int = 1


@dataclass(frozen=True)
class Row:
    """One row of the records CSV."""

    id: str
    name: str
    audience: str
    document: str
    revision: str
    scan_file: str
    scan_page: int | None
    state: str
    note: str = ""


@dataclass(frozen=True)
class LoosePage:
    """A page with print on it but no records code: a booklet page, or a form whose code is gone."""

    file: str
    page: int
    note: str


@dataclass
class RecordsResult:
    """What a run found and wrote."""

    csv: Path
    roster: str
    document: str
    revision: str
    people: int = 0
    rows: list[Row] = field(default_factory=list)
    pages: int = 0
    blank: int = 0
    with_code: int = 0
    loose: list[LoosePage] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.state == "returned" for r in self.rows)

    def counts(self) -> dict[str, int]:
        return {s: sum(r.state == s for r in self.rows) for s in STATES}


@dataclass(frozen=True)
class _Hit:
    """One records code read on one page."""

    order: tuple[int, int]  # (source, page): scan order
    where: str  # "scans.pdf page 3"
    file: str
    page: int
    document: str
    revision: str
    id: str


Progress = Callable[[int, int], None]


def make_records(options: RecordsOptions, progress: Progress | None = None) -> RecordsResult:
    """Read the scans, match them to the roster and write the CSV. Raises BookletError, writing
    nothing, when the roster, a scan file or a page cannot be used: every problem at once."""
    project = load_project(options.root)
    roster_name = options.roster_name or str(options.roster)
    problems: list[Problem] = []
    people: list[Person] = []
    try:
        roster = read_roster(options.roster, project, display=roster_name)
        problems += roster.problems
        people = roster.people
    except BookletError as exc:
        problems += exc.problems
    names = options.scan_names or tuple(str(p) for p in options.scans)
    sources, bad = open_sources(options.scans, names)
    problems += bad + _repeated(sources)
    try:
        csv_path = _csv_path(options.out_dir, options.roster.stem)
    except BookletError as exc:
        problems += exc.problems
    if problems:
        raise BookletError(problems)

    booklet = project.booklet
    result = RecordsResult(csv_path, roster_name, booklet.document_number, booklet.revision, people=len(people))
    total = sum(s.pages for s in sources)
    hits: list[_Hit] = []
    extra: list[tuple[tuple[int, int], Row]] = []
    for done, read in enumerate(read_pages(sources, options.jobs), 1):
        if read.problem:
            problems.append(Problem(sources[read.source].name, message=f"page {read.page}: {read.problem}"))
        else:
            _page(sources, read, result, hits, extra)
        if progress is not None:
            progress(done, total)
    if problems:
        raise BookletError(problems)
    result.pages = total
    result.loose.sort(key=lambda p: (names.index(p.file), p.page))
    result.rows = _rows(people, hits, extra, booklet.document_number, booklet.revision, roster_name)
    write_atomic(result.csv, to_csv(result.rows))
    return result


def _repeated(sources: list[Source]) -> list[Problem]:
    """The same scan file given twice would make everyone on it a duplicate."""
    seen: dict[Path, str] = {}
    problems = []
    for source in sources:
        key = source.path.resolve()
        if key in seen:
            problems.append(Problem(source.name, message=f"is the same file as {seen[key]}; give each scan once"))
        seen.setdefault(key, source.name)
    return problems


def _csv_path(out_dir: Path, roster_stem: str) -> Path:
    """OUT/records/<roster>-records.csv, refusing a records folder that is a link (it could lead
    anywhere). A link in the file's place is replaced, never written through (write_atomic)."""
    folder = out_dir.resolve() / RECORDS
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise BookletError([Problem(str(folder), message="is a link or a file, not a folder; personal records are "
                                    "only written into a real folder: remove it, or choose another --out")])
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", roster_stem).strip("._") or "roster"  # as packets names its batch
    return folder / f"{stem}-records.csv"


# --- matching ------------------------------------------------------------------------------------

def parse_payload(text: str) -> tuple[str, str, str] | None:
    """`document|revision|ID` as stamp.qr_payload writes it, or None for any other QR code."""
    parts = text.split("|")
    if len(parts) != 3 or len(text) > MAX_TEXT or not text.isprintable():
        return None
    document, revision, pid = (p.strip() for p in parts)
    return (document, revision, pid) if document and revision and pid else None


def shown(text: str) -> str:
    """Untrusted text (a decoded code) for a message: one line, control characters escaped, cut."""
    text = text if text.isprintable() else "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _page(sources: Sequence[Source], read: PageRead, result: RecordsResult, hits: list[_Hit],
          extra: list[tuple[tuple[int, int], Row]]) -> None:
    file = sources[read.source].name
    order = (read.source, read.page)
    where = f"{file} page {read.page}"
    if read.blank:
        result.blank += 1
        return
    ours = 0
    for text in read.codes:
        parsed = parse_payload(text)
        if parsed is None:
            result.loose.append(LoosePage(file, read.page, f"a QR code that is not a records code: {shown(text)!r}"))
            continue
        ours += 1
        hits.append(_Hit(order, where, file, read.page, *parsed))
    for reason in read.undecodable:
        ours += 1
        why = reason.split(" @ ")[0]  # zxing adds its source file and line, of no use here
        extra.append((order, Row("", "", "", "", "", file, read.page, "unreadable",
                                 f"a QR code is on this page but cannot be decoded ({why}); read the ID on the page")))
    if ours:
        result.with_code += 1
    elif not read.codes:
        result.loose.append(LoosePage(file, read.page, "print but no records code"))


def _rows(people: list[Person], hits: list[_Hit], extra: list[tuple[tuple[int, int], Row]], document: str,
          revision: str, roster_name: str) -> list[Row]:
    by_id = {p.id.casefold(): p for p in people}
    current: dict[str, list[_Hit]] = {}
    other: dict[str, list[_Hit]] = {}
    for hit in sorted(hits, key=lambda h: h.order):
        person = by_id.get(hit.id.casefold())
        if hit.document != document:
            name, audience = (person.name, person.audience) if person else ("", "")
            extra.append((hit.order, Row(hit.id, name, audience, hit.document, hit.revision, hit.file, hit.page,
                                         "other document", f"document {hit.document!r} is not this booklet "
                                         f"({document!r}); does this page belong to another stack?")))
        elif person is None:
            extra.append((hit.order, Row(hit.id, "", "", hit.document, hit.revision, hit.file, hit.page, "unknown",
                                         f"ID not on the roster {roster_name}")))
        else:
            (current if hit.revision == revision else other).setdefault(person.id.casefold(), []).append(hit)
    rows = [_person_row(p, current.get(p.id.casefold(), []), other.get(p.id.casefold(), []), revision)
            for p in people]
    return rows + [row for _, row in sorted(extra, key=lambda e: e[0])]


def _person_row(person: Person, current: list[_Hit], old: list[_Hit], revision: str) -> Row:
    def row(hit: _Hit | None, state: str, note: str) -> Row:
        if hit is None:
            return Row(person.id, person.name, person.audience, "", "", "", None, state, note)
        return Row(person.id, person.name, person.audience, hit.document, hit.revision, hit.file, hit.page,
                   state, note)

    olds = "; ".join(f"revision {h.revision}: {h.where}" for h in old)
    if len(current) == 1:
        return row(current[0], "returned", f"also signed {olds}" if old else "")
    if current:
        pages = "; ".join(h.where for h in current)
        return row(current[0], "duplicate", f"{len(current)} pages: {pages}" + (f"; also {olds}" if old else ""))
    if old:
        signed = ", ".join(dict.fromkeys(h.revision for h in old))
        pages = f" ({len(old)} pages: {'; '.join(h.where for h in old)})" if len(old) > 1 else ""
        return row(old[0], "old revision", f"signed revision {signed}, not the current {revision}{pages}; "
                   "have the current booklet signed")
    return row(None, "missing", "no page with their code in the scans")


# --- output --------------------------------------------------------------------------------------

def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text: formulas (=, +, -, @, tab, CR first) get a leading '."""
    return "'" + cell if cell.startswith(_FORMULA) else cell


def to_csv(rows: Sequence[Row]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in rows:
        cells = (r.id, r.name, r.audience, r.document, r.revision, r.scan_file,
                 "" if r.scan_page is None else str(r.scan_page), r.state, r.note)
        writer.writerow([spreadsheet_safe(c) for c in cells])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def as_json(result: RecordsResult, csv_shown: str) -> str:
    data = {
        "ok": result.ok,
        "roster": result.roster,
        "csv": csv_shown,
        "document": result.document,
        "revision": result.revision,
        "people": result.people,
        "counts": result.counts(),
        "pages": {"read": result.pages, "blank": result.blank, "with_code": result.with_code,
                  "without_code": len(result.loose)},
        "rows": [asdict(r) for r in result.rows],
        "pages_without_code": [asdict(p) for p in result.loose],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def print_summary(result: RecordsResult, csv_shown: str, console: Console | None = None) -> None:
    """The terminal view: a count per state, every row that is not `returned`, pages without a code."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # Not a terminal (CI, a log file): never wrap paths and notes at 80 columns.
    out = console or Console(highlight=False, width=None if sys.stdout.isatty() else 200)

    def table(title: str, columns: Sequence[str]) -> Table:
        out.print(Text(title, "bold"))  # above the table, not its title: a title wraps to a narrow table's width
        t = Table(box=None, pad_edge=False, header_style="bold")
        for name in columns:
            t.add_column(name, overflow="fold", justify="right" if name in ("people", "page") else "left")
        return t

    styles = {"returned": "green", "missing": "bold red", "unreadable": "bold red"}
    counts = table(f"Records: {result.document} revision {result.revision}, roster {result.roster}",
                   ("state", "people"))
    for state, n in result.counts().items():
        if n or state in ("returned", "missing"):
            counts.add_row(Text(state, styles.get(state, "yellow")), str(n))
    out.print(counts, "")
    odd = [r for r in result.rows if r.state != "returned"]
    if odd:
        rows = table("To follow up", ("state", "id", "name", "file", "page", "note"))
        for r in odd:
            # Text, not markup: names and decoded codes are untrusted and may hold [brackets].
            rows.add_row(Text(r.state, styles.get(r.state, "yellow")), Text(shown(r.id)), Text(r.name),
                         Text(r.scan_file), "" if r.scan_page is None else str(r.scan_page), Text(r.note))
        out.print(rows, "")
    if result.loose:
        pages = table("Pages with print but no records code (booklet pages, or a form to look at)",
                      ("file", "page", "note"))
        for p in result.loose:
            pages.add_row(Text(p.file), str(p.page), Text(p.note))
        out.print(pages, "")
    summary = (f"{result.pages} pages read: {result.with_code} with a records code, {result.blank} blank, "
               f"{len(result.loose)} without a code. {result.counts()['returned']} of {result.people} people "
               f"returned their form. Written: {csv_shown}")
    out.print(Text(summary, "green" if result.ok else "bold red"))
