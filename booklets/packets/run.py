"""Packets: one personalised booklet per person on a roster, merged for the print shop.

Top to bottom (make_packets): load the project -> read and check the roster -> the distinct
booklets it needs (facility x language x audience, one edition) -> reuse each from dist/ when it is
up to date, else build it with the normal pipeline -> measure each booklet's form once (formlayout,
cached) -> per person, copy the booklet's pages and stamp their details on its form page (stamp) ->
write the merged batch, and one file per person if asked, under dist/personal/.

No booklet is laid out per person: a person's part is the built booklet plus a few hundred bytes
of drawing. Nothing is written until every row has passed (or was skipped on request), and each
file is written atomically.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pikepdf

import booklets
from booklets import __version__, paths
from booklets.content.load import load_project
from booklets.content.project import Project
from booklets.engine.output import open_atomic, safe_join
from booklets.engine.pipeline import BuildOptions, build
from booklets.errors import BookletError, Problem
from booklets.packets.batchpdf import SHEET, BatchWriter
from booklets.packets.formlayout import FormLayout, StaleBooklet, form_layout
from booklets.packets.roster import Person, Roster, read_roster
from booklets.packets.stamp import Fonts, StampError, apply, not_in_font, qr_payload, stamp_ops
from booklets.plan import Selection, Target
from booklets.render.context import effective_date_text
from booklets.render.target import allowed_roots


@dataclass(frozen=True)
class PacketOptions:
    """What one packets run was asked to do."""

    root: Path
    out_dir: Path
    roster: Path
    roster_name: str = ""  # how to name the roster in messages (the path as typed)
    edition: str = "print"
    per_person: bool = False
    skip_bad_rows: bool = False


@dataclass
class PacketResult:
    """What a run wrote, and what it reused, built and skipped on the way."""

    batch: Path
    people: int = 0
    pages: int = 0
    per_person: list[Path] = field(default_factory=list)
    built: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _FormBooklet:
    target: Target
    path: Path
    layout: FormLayout
    data: bytes


def make_packets(options: PacketOptions) -> PacketResult:
    """Run the whole packets job. Raises BookletError for bad input before writing anything."""
    project = load_project(options.root)
    if options.edition not in project.booklet.editions:
        raise BookletError([Problem("command line", message=f"--edition {options.edition!r} is not in "
                                    f"{paths.BOOKLET}; known: {', '.join(project.booklet.editions)}")])
    if options.edition in project.web_editions():  # a form is stamped onto a PDF page
        pdfs = [e for e in project.booklet.editions if e not in project.web_editions()]
        raise BookletError([Problem("command line", message=f"--edition {options.edition!r} makes web pages, "
                                    f"not PDFs to print and sign; use one of: {', '.join(pdfs)}")])
    name = options.roster_name or str(options.roster)
    roster = read_roster(options.roster, project, printable=not_in_font, display=name)
    if roster.problems and not options.skip_bad_rows:
        raise BookletError(roster.problems)
    people = roster.people
    if not people:
        raise BookletError([*roster.problems, Problem(name, message="no row is good, so nothing was written")])

    stem = _safe(options.roster.stem)
    result = PacketResult(safe_join(options.out_dir, PurePosixPath(paths.PERSONAL, f"batch-{stem}.pdf")))
    result.skipped = list(roster.problems)
    targets = sorted({_target(p, options.edition) for p in people})
    newest = _newest_source(project.root)
    sheets = {t: _ready(project, options, t, newest, result) for t in targets}

    fonts = Fonts.for_text({s.weight for b in sheets.values() for s in b.layout.fields.values()},
                           "".join(v for p in people for v in _values(project, p).values()), _cache(options))
    _write(project, people, sheets, fonts, options, roster, result)
    return result


def _target(person: Person, edition: str) -> Target:
    return Target(person.facility, person.language, person.audience, edition)


def _safe(text: str) -> str:
    """A file-name part from free text: letters, digits, dot, hyphen and underscore only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "roster"


def _values(project: Project, person: Person) -> dict[str, str]:
    """The person's details as printed on the form, the date in their language."""
    locale = project.languages[person.language].strings.locale
    date = effective_date_text(person.date, locale) if person.date else ""
    return {"name": person.name, "id": person.id, "date": date}


def _cache(options: PacketOptions) -> Path:
    """Form layouts and font subsets: derived data, safe to delete, kept with the build's own cache
    in the output folder (never in the project, which may be read-only or shared)."""
    return options.out_dir / paths.CACHE_DIR / "packets"


# --- booklets: reuse the normal build, build what is missing, measure each form once --------------

def _newest_source(root: Path) -> float:
    """The newest content, template or code file: a booklet older than this may be out of date."""
    files = [p for d in (root / paths.CONTENT, root / paths.TEMPLATES) for p in d.rglob("*") if p.is_file()]
    files += list(Path(booklets.__file__).parent.rglob("*.py"))
    return max((p.stat().st_mtime for p in files), default=0.0)


def _ready(project: Project, options: PacketOptions, target: Target, newest: float,
           result: PacketResult) -> _FormBooklet:
    """The built booklet of `target` and its form layout: reused when newer than every source."""
    path = safe_join(options.out_dir, paths.booklet_pdf(target))
    if not path.is_file() or path.stat().st_mtime < newest:
        _build(options, target, result)
    else:
        result.reused.append(target.name)
    cache = _cache(options)
    allowed = allowed_roots(project)
    try:
        layout = form_layout(project, target, path, allowed, cache)
    except StaleBooklet:
        # Older than it looks (a checkout keeps file times): build it again, then it must match.
        if target.name in result.reused:
            result.reused.remove(target.name)
        _build(options, target, result, force=True)  # render it, even if its inputs look unchanged
        try:
            layout = form_layout(project, target, path, allowed, cache)
        except StaleBooklet as exc:
            raise BookletError([Problem(str(path), message=f"{exc}; the form layout cannot be measured "
                                        "(report this with the booklet)")]) from None
    return _FormBooklet(target, path, layout, path.read_bytes())


def _build(options: PacketOptions, target: Target, result: PacketResult, force: bool = False) -> None:
    selection = Selection((target.audience,), (target.language,), (target.edition,), (target.facility,))
    outcome = build(BuildOptions(root=options.root, out_dir=options.out_dir, selection=selection, force=force))
    result.warnings += [w for w in outcome.warning_lines() if w not in result.warnings]
    failed = [r for r in outcome.results if not r.ok]
    if failed or not outcome.results:
        raise BookletError([Problem(target.name, message=f"the booklet could not be built: "
                                    f"{failed[0].error if failed else 'nothing was planned'}")])
    result.built.append(target.name)


# --- assembly ------------------------------------------------------------------------------------

def _stamps(project: Project, people: list[Person], sheets: dict[Target, _FormBooklet], fonts: Fonts,
            roster: Roster, edition: str, problems: list[Problem]) -> Iterator[tuple[Person, dict[int, bytes]]]:
    """Each person's drawing, per booklet page; a person whose details cannot be drawn is a problem."""
    booklet = project.booklet
    for person in people:
        sheet = sheets[_target(person, edition)]
        try:
            ops = stamp_ops(fonts, sheet.layout, _values(project, person),
                            qr_payload(booklet.document_number, booklet.revision, person.id))
        except StampError as exc:
            problems.append(Problem(roster.name, person.row, roster.columns[exc.key], exc.key, str(exc)))
            continue
        yield person, ops


def _write(project: Project, people: list[Person], sheets: dict[Target, _FormBooklet], fonts: Fonts,
           options: PacketOptions, roster: Roster, result: PacketResult) -> None:
    """Stream the batch (and stage the per-person files); commit only if every person was drawn,
    or the bad ones are to be skipped."""
    effective = f"D:{project.booklet.effective_date:%Y%m%d}000000Z"
    info = {"Title": f"{project.booklet.document_number} acknowledgement packets",
            "Creator": f"booklets {__version__}", "CreationDate": effective, "ModDate": effective}
    problems: list[Problem] = []
    folder = safe_join(options.out_dir, PurePosixPath(paths.PERSONAL, _safe(options.roster.stem)))
    with open_atomic(result.batch) as fh, _Staged(folder if options.per_person else None) as staged:
        writer = BatchWriter(fh, {t: b.data for t, b in sheets.items()}, fonts, info)
        width = len(str(max(p.row for p in people)))
        for person, ops in _stamps(project, people, sheets, fonts, roster, options.edition, problems):
            target = _target(person, options.edition)
            writer.add(f"{person.id} – {person.name}", target, ops)
            result.people += 1
            if staged is not None:
                staged.write(f"{person.row:0{width}d}-{_safe(person.id)}.pdf", _personal(sheets[target], fonts, ops))
        if problems and not options.skip_bad_rows:
            raise BookletError(problems)
        if not result.people:
            raise BookletError([*result.skipped, *problems, Problem(roster.name, message="no row is good, so nothing "
                                                                    "was written")])
        result.pages = writer.finish()
    result.skipped += problems
    if staged is not None:
        result.per_person = staged.written


def _personal(sheet: _FormBooklet, fonts: Fonts, ops: dict[int, bytes]) -> bytes:
    """One person's file: their booklet (outline, links, metadata intact) with the form filled in."""
    with pikepdf.open(io.BytesIO(sheet.data)) as pdf:
        opener = pdf.make_stream(b"q\n")
        font_objects = fonts.objects(pdf)
        for index, page_ops in ops.items():
            apply(pdf, pdf.pages[index].obj, page_ops, font_objects, opener)
        last = pdf.pages[-1].obj
        for _ in range(-len(pdf.pages) % SHEET):
            blank = pikepdf.Dictionary(Type=pikepdf.Name.Page, Resources=pikepdf.Dictionary(),
                                       Contents=pdf.make_stream(b""))
            for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
                if box in last:
                    blank[box] = last[box]
            pdf.pages.insert(len(pdf.pages) - 1, pikepdf.Page(blank))
        buf = io.BytesIO()
        pdf.save(buf, deterministic_id=True)
    return buf.getvalue()


class _Staged:
    """Per-person files written to a hidden folder beside `folder`, moved in only on success; files
    of people no longer on the roster are then removed, so no one keeps a stale personal file."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.written: list[Path] = []

    def __enter__(self) -> _Staged | None:
        if self.folder is None:
            return None
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.folder.name}.", dir=self.folder.parent))
        return self

    def write(self, filename: str, data: bytes) -> None:
        (self.tmp / filename).write_bytes(data)
        self.written.append(self.folder / filename)  # type: ignore[operator]

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self.folder is None:
            return
        try:
            if kind is None:
                self.folder.mkdir(exist_ok=True)
                for path in self.written:
                    os.replace(self.tmp / path.name, path)
                keep = {p.name for p in self.written}
                for old in self.folder.glob("*.pdf"):
                    if old.name not in keep:
                        old.unlink()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
