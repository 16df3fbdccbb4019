"""Packets: one personalised booklet per person on a roster, merged for the print shop.

Top to bottom (make_packets): load the project -> read and check the roster -> the distinct
booklets it needs (facility x language x audience, one edition) -> one normal build of exactly
those (the build's own freshness: inputs hash and build record; its worker pool) -> measure each
booklet's form once (formlayout, cached) -> per person, copy the booklet's pages and stamp their
details on its form page (stamp) -> write the merged batch (and its 2-up imposed sheets, for an
edition that imposes), and one file per person if asked, in the roster's own folder (outputs).

No booklet is laid out per person: a person's part is the built booklet plus a few hundred bytes
of drawing. Nothing is written until every row has passed (or was skipped on request), and each
file is written atomically.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pikepdf

from booklets import __version__, paths
from booklets.content.load import load_project
from booklets.content.project import Project
from booklets.engine.output import open_atomic
from booklets.engine.pipeline import BuildOptions, TargetResult, build
from booklets.errors import BookletError, Problem
from booklets.packets.batchpdf import BatchWriter
from booklets.packets.formlayout import FormLayout, StaleBooklet, form_layout
from booklets.packets.outputs import PacketPaths, Staged, private_mode, roster_lock, safe_name
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
    jobs: int = 1  # worker processes for the booklets that must be built
    imposed: bool = False  # also the 2-up sheets for duplex office printing (editions that impose)


@dataclass
class PacketResult:
    """What a run wrote, and what it reused, built and skipped on the way."""

    batch: Path
    imposed: Path | None = None  # the 2-up sheets, for an edition that imposes
    people: int = 0
    pages: int = 0
    sheets: int = 0  # sides of the imposed batch
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
    if not roster.count:
        raise BookletError([*roster.problems, Problem(name, message="no row is good, so nothing was written")])

    edition = project.editions[options.edition]
    if options.imposed and edition.impose is None:
        raise BookletError([Problem("command line", message=f"--imposed: the {options.edition} edition is not "
                                    f"printed as folded sheets ({paths.edition_file(options.edition)} has no "
                                    "`impose:`); leave out --imposed, or use an edition that imposes")])
    where = PacketPaths.of(options.out_dir, options.roster, options.edition)
    imposed = where.derived(edition.impose.suffix) if options.imposed and edition.impose else None
    result = PacketResult(where.batch, imposed)
    result.skipped = list(roster.problems)
    targets = sorted(Target(f, lang, a, options.edition) for a, lang, f in roster.booklets)
    sheets = _ready(project, options, targets, result)

    dates = (effective_date_text(d, project.languages[lang].strings.locale) for lang, d in roster.dates)
    fonts = Fonts.for_text({s.weight for b in sheets.values() for s in b.layout.fields.values()},
                           "".join(sorted(roster.letters)) + "".join(dates), _cache(options))
    with roster_lock(where.folder):
        _write(project, sheets, fonts, options, roster, result, where)
    return result


def _target(person: Person, edition: str) -> Target:
    return Target(person.facility, person.language, person.audience, edition)


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

def _ready(project: Project, options: PacketOptions, targets: list[Target],
           result: PacketResult) -> dict[Target, _FormBooklet]:
    """The built booklet of every target and its form layout. One normal build brings them up to
    date (the build decides by its inputs hash and records, as for any build); a booklet whose form
    does not match a fresh layout (its PDF replaced behind the record's back with the same size
    and time) is rendered again, all of them in one more build."""
    outcome = _build(options, targets, result, force=False)
    result.reused = [r.target.name for r in outcome if r.status == "up to date"]
    result.built = [r.target.name for r in outcome if r.status == "built"]
    cache, allowed = _cache(options), allowed_roots(project)
    layouts: dict[Target, FormLayout] = {}
    stale: list[Target] = []
    for target in targets:
        try:
            layouts[target] = form_layout(project, target, _pdf(options, target), allowed, cache)
        except StaleBooklet:
            stale.append(target)
    if stale:
        _build(options, stale, result, force=True)
        for target in stale:
            if target.name in result.reused:
                result.reused.remove(target.name)
                result.built.append(target.name)
            try:
                layouts[target] = form_layout(project, target, _pdf(options, target), allowed, cache)
            except StaleBooklet as exc:
                raise BookletError([Problem(str(_pdf(options, target)), message=f"{exc}; the form layout cannot "
                                            "be measured (report this with the booklet)")]) from None
    return {t: _FormBooklet(t, _pdf(options, t), layouts[t], _pdf(options, t).read_bytes()) for t in targets}


def _pdf(options: PacketOptions, target: Target) -> Path:
    return options.out_dir.resolve() / paths.booklet_pdf(target)


def _build(options: PacketOptions, targets: list[Target], result: PacketResult, force: bool) -> list[TargetResult]:
    """One build of exactly `targets`, with the normal worker pool."""
    selection = Selection(*(tuple(sorted({getattr(t, k) for t in targets}))
                            for k in ("audience", "language", "edition", "facility")))
    outcome = build(BuildOptions(root=options.root, out_dir=options.out_dir, selection=selection, force=force,
                                 jobs=options.jobs, only=tuple(targets)))
    result.warnings += [w for w in outcome.warning_lines() if w not in result.warnings]
    failed = [r for r in outcome.results if not r.ok]
    if failed or len(outcome.results) != len(targets):
        raise BookletError([Problem(r.target.name, message=f"the booklet could not be built: {r.error}")
                            for r in failed] or [Problem(paths.BOOKLET, message="the booklets were not planned")])
    return outcome.results


# --- assembly ------------------------------------------------------------------------------------

def _stamps(project: Project, people: Iterator[Person], sheets: dict[Target, _FormBooklet], fonts: Fonts,
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


def _write(project: Project, sheets: dict[Target, _FormBooklet], fonts: Fonts,
           options: PacketOptions, roster: Roster, result: PacketResult, where: PacketPaths) -> None:
    """Stream the batch (and its imposed sheets, and stage the per-person files); commit only if
    every person was drawn, or the bad ones are to be skipped."""
    effective = f"D:{project.booklet.effective_date:%Y%m%d}000000Z"
    info = {"Title": f"{project.booklet.document_number} acknowledgement packets",
            "Creator": f"booklets {__version__}", "CreationDate": effective, "ModDate": effective}
    pad = project.editions[options.edition].pad_to_multiple
    problems: list[Problem] = []
    mode = private_mode()
    booklets = {t: b.data for t, b in sheets.items()}
    with ExitStack() as stack:
        out = options.out_dir.resolve()
        writers = [BatchWriter(_open(stack, result.batch, out, mode), booklets, fonts, info, pad)]
        if result.imposed is not None:
            writers.append(BatchWriter(_open(stack, result.imposed, out, mode), booklets, fonts, info, pad,
                                       imposed=True))
        staged = Staged(where.people) if options.per_person else None
        if staged is not None:
            stack.callback(staged.discard)
        width = len(str(roster.last_row))
        for person, ops in _stamps(project, roster.each(), sheets, fonts, roster, options.edition, problems):
            target = _target(person, options.edition)
            for writer in writers:
                writer.add(f"{person.id} – {person.name}", target, ops)
            result.people += 1
            if staged is not None:
                staged.write(f"{person.row:0{width}d}-{safe_name(person.id)}.pdf",
                             _personal(sheets[target], fonts, ops, pad))
        if problems and not options.skip_bad_rows:
            raise BookletError(problems)
        if not result.people:
            raise BookletError([*result.skipped, *problems, Problem(roster.name, message="no row is good, so nothing "
                                                                    "was written")])
        result.pages = writers[0].finish()
        result.sheets = writers[-1].finish() if len(writers) > 1 else 0
        if staged is not None:
            staged.commit()
            result.per_person = staged.written
    result.skipped += problems


def _open(stack: ExitStack, path: Path, out: Path, mode: int) -> BinaryIO:
    # base=out: every folder from the output folder down to the batch is opened without following
    # links (output.py), so a link swapped in after PacketPaths checked the path is refused.
    return stack.enter_context(open_atomic(path, base=out, mode=mode))


def _personal(sheet: _FormBooklet, fonts: Fonts, ops: dict[int, bytes], pad: int) -> bytes:
    """One person's file: their booklet (outline, links, metadata intact) with the form filled in,
    padded as the edition pads."""
    with pikepdf.open(io.BytesIO(sheet.data)) as pdf:
        opener = pdf.make_stream(b"q\n")
        font_objects = fonts.objects(pdf)
        for index, page_ops in ops.items():
            apply(pdf, pdf.pages[index].obj, page_ops, font_objects, opener)
        last = pdf.pages[-1].obj
        for _ in range(-len(pdf.pages) % pad):
            blank = pikepdf.Dictionary(Type=pikepdf.Name.Page, Resources=pikepdf.Dictionary(),
                                       Contents=pdf.make_stream(b""))
            for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
                if box in last:
                    blank[box] = last[box]
            pdf.pages.insert(len(pdf.pages) - 1, pikepdf.Page(blank))
        buf = io.BytesIO()
        pdf.save(buf, deterministic_id=True)
    return buf.getvalue()
