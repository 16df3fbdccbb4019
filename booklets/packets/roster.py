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
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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
    """The good rows in roster order, and one problem per bad cell (rows with problems are left out)."""

    path: Path
    name: str  # how messages name the roster (the path as the user typed it)
    people: list[Person]
    problems: list[Problem]
    columns: dict[str, int]  # column name -> 1-based position, to locate later problems with a row


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
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BookletError([Problem(name, message=f"cannot read the roster: {exc.strerror}")]) from None
    if len(data) > MAX_BYTES:
        raise BookletError([Problem(name, message=f"the roster is {len(data):,} bytes, more than the "
                                    f"{MAX_BYTES:,} a roster can be; check that this is the right file")])
    # surrogateescape keeps undecodable bytes as markers, so the row holding them can be named.
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")
    rows = _records(text, name)
    if not rows:
        raise BookletError([Problem(name, message="the roster is empty; the first row must name the columns "
                                    + ", ".join(COLUMNS))])
    header_row, header = rows[0]
    columns = _columns(header, header_row, name)
    checker = _RowChecker(project, name, columns, len(header), printable)
    people = []
    for row, cells in rows[1:]:
        if all(not c.strip() for c in cells):
            continue  # blank lines at the end of spreadsheet exports
        person = checker.check(row, cells)
        if person is not None:
            people.append(person)
    if not people and not checker.problems:
        raise BookletError([Problem(name, message="the roster has a header but no people; add one row per person")])
    return Roster(path, name, people, checker.problems, {k: i + 1 for k, i in columns.items()})


def _records(text: str, name: str) -> list[tuple[int, list[str]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    out: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            # Spreadsheet row number: quoted line breaks inside a cell do not start a new row.
            out.append((len(out) + 1, cells))
    except csv.Error as exc:
        raise BookletError([Problem(name, len(out) + 1, 1, "", f"cannot read this row as CSV ({exc}); "
                                    "check its quotes: a cell with a comma or quote must be quoted, "
                                    "and a quote inside it doubled")]) from None
    return out


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
                 printable: Callable[[str], str] | None) -> None:
        self.project = project
        self.name = name
        self.columns = columns
        self.printable = printable
        self.width = width
        self.seen_ids: dict[str, tuple[int, str]] = {}
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
        elif pid:
            first = self.seen_ids.get(pid.casefold())
            if first is not None:
                also = f" as {first[1]!r}" if first[1] != pid else ""
                self.problem(row, "id", f"duplicate ID {pid!r} (first on row {first[0]}{also}); "
                             "give each person a unique ID")
            else:
                self.seen_ids[pid.casefold()] = (row, pid)
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
