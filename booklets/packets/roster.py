"""Roster stage: read a coordinator's CSV of people and check every row before anything is written.

A roster has a header row naming the columns `name`, `id`, `audience`, `language`, `facility` and
`date` (any order, any case; other columns are ignored). It is UTF-8, with or without a BOM, and may
use `,`, `;` or tab between cells (whatever the header line uses). Every row is checked and every
problem is reported with the row and column a spreadsheet shows (the header is row 1), so a
coordinator fixes the whole file in one pass.

Cells are only ever text: a cell starting with `=`, `+`, `-` or `@` is printed as written and never
evaluated (it would only be dangerous if we wrote it back into a spreadsheet, which we never do).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import os
import re
import stat
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from booklets import paths
from booklets.content.project import Project
from booklets.errors import BookletError, Problem

COLUMNS = ("name", "id", "audience", "language", "facility", "date")
MAX_NAME = 80
MAX_ID = 32
MAX_BYTES = 20_000_000  # a roster of 100,000 people is ~5 MB; anything far larger is a wrong file
ID_FORBIDDEN = "|"  # separates the fields of the QR payload
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Person:
    """One good roster row. `row` is the spreadsheet row number (the header is row 1)."""

    row: int
    name: str
    id: str
    audience: str
    language: str
    facility: str
    date: dt.date | None  # None: the date line is left blank, to be written by hand


@dataclass
class Roster:
    """The checked roster: one problem per bad cell, and the good rows, read again from the roster's
    bytes each time they are walked (`each()`), so a roster of 100,000 people is never held as
    100,000 objects. What a run needs to know before it starts - how many, which booklets, which
    characters - is gathered in the checking pass."""

    path: Path
    name: str  # how messages name the roster (the path as the user typed it)
    problems: list[Problem]
    columns: dict[str, int]  # column name -> 1-based position, to locate later problems with a row
    count: int = 0  # good rows
    last_row: int = 0  # the last good row's number
    booklets: set[tuple[str, str, str]] = field(default_factory=set)  # (audience, language, facility)
    letters: set[str] = field(default_factory=set)  # every character of the good rows' names and IDs
    dates: set[tuple[str, dt.date]] = field(default_factory=set)  # (language, date) of the good rows
    walk: Callable[[], Iterator[Person]] | None = None

    def each(self) -> Iterator[Person]:
        """The good rows in roster order."""
        return self.walk() if self.walk is not None else iter(())

    @property
    def people(self) -> list[Person]:
        return list(self.each())


def read_roster(path: Path, project: Project, printable: Callable[[str], str] | None = None,
                display: str | None = None) -> Roster:
    """Read and check `path`. A header problem (or an unreadable file) raises BookletError at once;
    row problems are collected in Roster.problems so the caller decides whether to stop or skip.

    `printable(text)` returns the characters of `text` that the booklet font cannot draw.
    """
    name = display or str(path)
    if path.suffix.lower() in (".xlsx", ".xls", ".ods"):
        raise BookletError([Problem(name, message="a spreadsheet file cannot be read; save it as "
                                    "CSV UTF-8 (File > Save As > CSV UTF-8) and pass the .csv file")])
    data = _read_bounded(path, name).removeprefix(b"\xef\xbb\xbf")
    rows = _records(data, name)
    first = next(rows, None)
    if first is None:
        raise BookletError([Problem(name, message="the roster is empty; the first row must name the columns "
                                    + ", ".join(COLUMNS))])
    header_row, header = first
    columns = _columns(header, header_row, name)
    checker = _RowChecker(project, name, columns, len(header), printable, _Ids(data.count(b"\n") + 1))
    roster = Roster(path, name, checker.problems, {k: i + 1 for k, i in columns.items()})
    for row, cells in rows:
        if all(not c.strip() for c in cells):
            continue  # blank lines at the end of spreadsheet exports
        person = checker.check(row, cells)
        if person is not None:
            roster.booklets.add((person.audience, person.language, person.facility))
            roster.letters.update(person.name, person.id)
            if person.date is not None:
                roster.dates.add((person.language, person.date))
            roster.last_row = row
            roster.count += 1
    bad = checker.duplicates(_records(data, name))
    roster.count -= len(bad)
    if not roster.count and not checker.problems:
        raise BookletError([Problem(name, message="the roster has a header but no people; add one row per person")])
    checker.problems.sort(key=lambda p: (p.line, p.column))
    skip = {p.line for p in checker.problems}

    booklet = project.booklet
    ids = {k: {v.casefold(): v for v in known} for k, known in (
        ("audience", booklet.audiences), ("language", booklet.languages), ("facility", booklet.facilities))}
    where = {k: columns[k] for k in COLUMNS}

    def walk() -> Iterator[Person]:
        # The rows were checked above: only their values are taken again, normalised the same way.
        for row, cells in _records(data, name):
            if row == header_row or row in skip or all(not c.strip() for c in cells):
                continue
            v = {k: unicodedata.normalize("NFC", cells[i].strip()) if i < len(cells) else "" for k, i in where.items()}
            yield Person(row, v["name"], v["id"], ids["audience"][v["audience"].casefold()],
                         ids["language"][v["language"].casefold()], ids["facility"][v["facility"].casefold()],
                         dt.date.fromisoformat(v["date"]) if v["date"] else None)

    roster.walk = walk
    if roster.last_row in skip:  # the last row was a duplicate
        roster.last_row = max((p.row for p in walk()), default=0)
    return roster


def _read_bounded(path: Path, name: str) -> bytes:
    """The roster's bytes, refused before reading when it could never end or is far too large: a
    device (a link to /dev/zero), a FIFO (whose read would wait for ever) or a folder, or a file
    over MAX_BYTES. Opened without blocking, checked on the opened file, read at most to the limit."""
    def refuse(message: str) -> BookletError:
        return BookletError([Problem(name, message=message)])

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise refuse(f"cannot read the roster: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise refuse("is not a plain file (a device, a FIFO or a folder), so it could never be read to "
                         "its end; pass the roster's CSV file")
        if st.st_size > MAX_BYTES:
            raise refuse(f"the roster is {st.st_size:,} bytes, more than the {MAX_BYTES:,} a roster can be; "
                         "check that this is the right file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise refuse(f"cannot read the roster: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:  # it grew while we read
        raise refuse(f"the roster is more than the {MAX_BYTES:,} bytes a roster can be; check that this is "
                     "the right file")
    return data


def _records(data: bytes, name: str) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) of each record, parsed as it is read: quoted line breaks
    inside a cell do not start a new row."""
    first_line = data.split(b"\n", 1)[0].decode("utf-8", errors="surrogateescape")
    delimiter = max((",", ";", "\t"), key=first_line.count)
    # surrogateescape keeps undecodable bytes as markers, so the row holding them can be named.
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape", newline="")
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    row = 0
    try:
        for cells in reader:
            row += 1
            yield row, cells
    except csv.Error as exc:
        raise BookletError([Problem(name, row + 1, 1, "", f"cannot read this row as CSV ({exc}); "
                                    "check its quotes: a cell with a comma or quote must be quoted, "
                                    "and a quote inside it doubled")]) from None


class _Ids:
    """The IDs seen so far, in 12 bytes a person: an open-addressing table of the 64-bit hashes of
    the case-folded IDs and the row of each. A hash seen before is a duplicate to confirm (the
    spelling of the first is read again then; a mere hash collision is let through)."""

    def __init__(self, most: int) -> None:
        size = 1 << max(4, (2 * most).bit_length())
        self.hashes = array("q", bytes(8 * size))
        self.rows = array("I", bytes(4 * size))
        self.mask = size - 1

    def add(self, key: str, row: int) -> int | None:
        """Remember `key` at `row`; the row of an earlier key with the same hash, if any."""
        h = hash(key) or 1
        i = h & self.mask
        while True:
            seen = self.hashes[i]
            if seen == 0:
                self.hashes[i], self.rows[i] = h, row
                return None
            if seen == h:
                return int(self.rows[i])
            i = (i + 1) & self.mask


def _columns(header: list[str], row: int, name: str) -> dict[str, int]:
    problems = []
    columns: dict[str, int] = {}
    for i, raw in enumerate(header):
        key = raw.strip().lower()
        if _undecodable(raw):
            problems.append(Problem(name, row, i + 1, "", "the header has bytes that are not UTF-8; "
                                    "save the roster as CSV UTF-8"))
        elif key in COLUMNS and key in columns:
            problems.append(Problem(name, row, i + 1, key, f"column {key!r} appears twice (first in column "
                                    f"{columns[key] + 1}); keep one"))
        elif key in COLUMNS:
            columns[key] = i
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        found = ", ".join(repr(h.strip()) for h in header if h.strip()) or "nothing"
        problems.append(Problem(name, row, 1, "", f"the header must name the columns {', '.join(COLUMNS)}; "
                                f"missing {', '.join(missing)} (found {found})"))
    if problems:
        raise BookletError(problems)
    return columns


def _undecodable(text: str) -> str:
    """The bytes that were not UTF-8, as \\xNN escapes ('' if none)."""
    return "".join(f"\\x{ord(ch) - 0xDC00:02x}" for ch in text if 0xDC80 <= ord(ch) <= 0xDCFF)


def _canonical(value: str, known: Iterable[str]) -> str | None:
    """The id `value` names, in any case: ids are lower-case (the schema allows nothing else), and a
    spreadsheet's `Staff` or `ES` means the same as the headers' `Name` does `name`."""
    folded = value.casefold()
    return next((k for k in known if k.casefold() == folded), None)


def _close(value: str, known: Iterable[str]) -> str:
    known = list(known)
    match = difflib.get_close_matches(value.lower(), known, n=1)
    hint = f"did you mean {match[0]!r}? " if match else ""
    return f"{hint}known: {', '.join(known)}"


class _RowChecker:
    """Checks one row at a time, remembering IDs already seen so duplicates name the first row."""

    def __init__(self, project: Project, name: str, columns: dict[str, int], width: int,
                 printable: Callable[[str], str] | None, ids: _Ids | None) -> None:
        """`ids`: where to look for duplicate IDs (None: the rows were checked for them already)."""
        self.project = project
        self.name = name
        self.columns = columns
        self.printable = printable
        self.width = width
        self.ids = ids
        self.pending: list[tuple[int, str, int]] = []  # (row, ID, row of the first with its hash)
        self.problems: list[Problem] = []
        self.broken: set[str] = set()  # this row's cells already reported as unreadable

    def problem(self, row: int, key: str, message: str) -> None:
        column = self.columns[key] + 1 if key in self.columns else 1
        self.problems.append(Problem(self.name, row, column, key, message))

    def check(self, row: int, cells: list[str]) -> Person | None:
        before = len(self.problems)
        values: dict[str, str] = {}
        self.broken = set()
        for key, index in self.columns.items():
            raw = cells[index] if index < len(cells) else ""
            bad = _undecodable(raw)
            if bad:
                self.problem(row, key, f"has bytes that are not UTF-8 ({bad}); save the roster as CSV UTF-8")
                self.broken.add(key)
                raw = ""
            values[key] = unicodedata.normalize("NFC", raw.strip())
        if any(c.strip() for c in cells[self.width:]):
            self.problem(row, "", f"the row has {len(cells)} cells but the header names {self.width}; "
                         "quote a value that contains the separator")
        name = self._text(row, "name", values["name"], MAX_NAME, "give the person's name as it should be printed")
        pid = self._text(row, "id", values["id"], MAX_ID, "give the person's staff, volunteer or custody number")
        if pid and ID_FORBIDDEN in pid:
            self.problem(row, "id", f"{pid!r} contains {ID_FORBIDDEN!r}, which separates the fields of the QR "
                         "code; use another character")
        elif pid and self.ids is not None:
            first = self.ids.add(pid.casefold(), row)
            if first is not None:
                self.pending.append((row, pid, first))
        booklet = self.project.booklet
        audience, language, facility = values["audience"], values["language"], values["facility"]
        for key, value, known in (("audience", audience, booklet.audiences),
                                  ("language", language, booklet.languages),
                                  ("facility", facility, booklet.facilities)):
            if key in self.broken:
                continue
            if not value:
                self.problem(row, key, f"is empty; give one of: {', '.join(known)}")
            elif _canonical(value, known) is None:
                self.problem(row, key, f"unknown {key} {value!r}; {_close(value, known)}")
            else:
                values[key] = _canonical(value, known) or value
        audience, language, facility = values["audience"], values["language"], values["facility"]
        language_text = self.project.languages.get(language)
        if audience in booklet.audiences and language_text and language_text.audiences[audience].form is None:
            self.problem(row, "audience", f"the {audience!r} booklet has no form page to sign "
                         f"({paths.audience_file(language, audience)} has no `form:`); give this "
                         "person an audience whose booklet has one, or add the form")
        date = self._date(row, values["date"])
        if len(self.problems) > before:
            return None
        return Person(row, name, pid, audience, language, facility, date)

    def duplicates(self, rows: Iterator[tuple[int, list[str]]]) -> set[int]:
        """Confirm the possible duplicates against the first row's ID (read again): each is a
        problem; returns their rows."""
        if not self.pending:
            return set()
        firsts = {first for _, _, first in self.pending}
        index = self.columns["id"]
        spelled = {row: unicodedata.normalize("NFC", cells[index].strip()) for row, cells in rows
                   if row in firsts and index < len(cells)}
        bad = set()
        counted = {row for row, _, _ in self.pending} - {p.line for p in self.problems}  # else bad already
        for row, pid, first in self.pending:
            earlier = spelled.get(first, "")
            if earlier.casefold() == pid.casefold():
                also = f" as {earlier!r}" if earlier != pid else ""
                self.problem(row, "id", f"duplicate ID {pid!r} (first on row {first}{also}); "
                             "give each person a unique ID")
                bad.add(row)
        return bad & counted

    def _text(self, row: int, key: str, value: str, limit: int, what: str) -> str:
        if key in self.broken:
            return ""
        if not value:
            self.problem(row, key, f"is empty; {what}")
            return ""
        controls = sorted({f"U+{ord(ch):04X}" for ch in value if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")})
        if controls:
            self.problem(row, key, f"contains a line break or control character ({', '.join(controls)}); "
                         "keep the value on one line of plain text")
            return ""
        if len(value) > limit:
            self.problem(row, key, f"is {len(value)} characters long, more than the {limit} that fit on the "
                         "form; shorten it")
            return ""
        missing = self.printable(value) if self.printable else ""
        if missing:
            self.problem(row, key, f"{value!r} has characters the booklet font cannot print ({missing}); "
                         "write them in Latin, Greek or Cyrillic letters")
            return ""
        return value

    def _date(self, row: int, value: str) -> dt.date | None:
        if not value or "date" in self.broken:
            return None
        if not _ISO_DATE.match(value):
            self.problem(row, "date", f"expected a date written YYYY-MM-DD (e.g. 2026-12-01), found {value!r}; "
                         "rewrite it, or leave it empty to date the form by hand")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.problem(row, "date", f"{value!r} is not a real date; check the month and day")
            return None
