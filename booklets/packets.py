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
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pikepdf

import booklets
from booklets import __version__
from booklets.content import Project, load_project
from booklets.errors import BookletError, Problem
from booklets.formlayout import FormLayout, StaleBooklet, form_layout
from booklets.output import safe_join, write_atomic
from booklets.pipeline import BuildOptions, allowed_roots, build
from booklets.plan import Selection, Target
from booklets.roster import Person, read_roster
from booklets.stamp import Fonts, StampError, apply, qr_payload, stamp_ops, unprintable
from booklets.templating import effective_date_text

PERSONAL = "personal"  # every personal output lives under dist/personal/ and nowhere else
SHEET = 4  # pages per folded sheet: each person's part is a whole number of sheets
_BATCH_DROP = ("/Parent", "/Annots", "/StructParents")  # links name destinations the batch does not have


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
class _Booklet:
    target: Target
    path: Path
    layout: FormLayout
    data: bytes


def make_packets(options: PacketOptions) -> PacketResult:
    """Run the whole packets job. Raises BookletError for bad input before writing anything."""
    project = load_project(options.root)
    if options.edition not in project.booklet.editions:
        raise BookletError([Problem("command line", message=f"--edition {options.edition!r} is not in "
                                    f"content/booklet.yaml; known: {', '.join(project.booklet.editions)}")])
    name = options.roster_name or str(options.roster)
    roster = read_roster(options.roster, project, printable=unprintable, display=name)
    if roster.problems and not options.skip_bad_rows:
        raise BookletError(roster.problems)
    people = roster.people
    if not people:
        raise BookletError([*roster.problems, Problem(name, message="no row is good, so nothing was written")])

    stem = _safe(options.roster.stem)
    result = PacketResult(safe_join(options.out_dir, PurePosixPath(PERSONAL, f"batch-{stem}.pdf")))
    result.skipped = list(roster.problems)
    targets = sorted({_target(p, options.edition) for p in people})
    sheets = {t: _ready(project, options, t, result) for t in targets}

    fonts = Fonts.for_text({s.weight for b in sheets.values() for s in b.layout.fields.values()},
                           "".join(v for p in people for v in _values(project, p).values()))
    batch, pages, stamps, late = _batch(project, people, sheets, fonts, name, options.edition, keep=options.per_person)
    if late and not options.skip_bad_rows:
        raise BookletError(late)
    result.skipped += late
    bad_rows = {p.line for p in late}
    people = [p for p in people if p.row not in bad_rows]
    if not people:
        raise BookletError([*result.skipped, Problem(name, message="no row is good, so nothing was written")])

    write_atomic(result.batch, batch)
    result.people, result.pages = len(people), pages
    if options.per_person:
        folder = safe_join(options.out_dir, PurePosixPath(PERSONAL, stem))
        result.per_person = _per_person(people, sheets, fonts, stamps, folder, options.edition)
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


# --- booklets: reuse the normal build, build what is missing, measure each form once --------------

def _newest_source(root: Path) -> float:
    """The newest content, template or code file: a booklet older than this may be out of date."""
    files = [p for d in (root / "content", root / "templates") for p in d.rglob("*") if p.is_file()]
    files += list(Path(booklets.__file__).parent.glob("*.py"))
    return max((p.stat().st_mtime for p in files), default=0.0)


def _ready(project: Project, options: PacketOptions, target: Target, result: PacketResult) -> _Booklet:
    path = safe_join(options.out_dir, target.relpath)
    if not path.is_file() or path.stat().st_mtime < _newest_source(project.root):
        _build(options, target, result)
    else:
        result.reused.append(target.name)
    cache = project.root / ".booklets-cache" / "packets"
    allowed = allowed_roots(project)
    try:
        layout = form_layout(project, target, path, allowed, cache)
    except StaleBooklet:
        # Older than it looks (a checkout keeps file times): build it again, then it must match.
        if target.name in result.reused:
            result.reused.remove(target.name)
        _build(options, target, result)
        try:
            layout = form_layout(project, target, path, allowed, cache)
        except StaleBooklet as exc:
            raise BookletError([Problem(str(path), message=f"{exc}; the form layout cannot be measured "
                                        "(report this with the booklet)")]) from None
    return _Booklet(target, path, layout, path.read_bytes())


def _build(options: PacketOptions, target: Target, result: PacketResult) -> None:
    selection = Selection((target.audience,), (target.language,), (target.edition,), (target.facility,))
    outcome = build(BuildOptions(root=options.root, out_dir=options.out_dir, selection=selection))
    result.warnings += [w for w in outcome.warnings if w not in result.warnings]
    failed = [r for r in outcome.results if not r.ok]
    if failed or not outcome.results:
        raise BookletError([Problem(target.name, message=f"the booklet could not be built: "
                                    f"{failed[0].error if failed else 'nothing was planned'}")])
    result.built.append(target.name)


# --- assembly ------------------------------------------------------------------------------------

def _stamps(project: Project, people: list[Person], sheets: dict[Target, _Booklet], fonts: Fonts,
            name: str, edition: str, problems: list[Problem]) -> Iterator[tuple[Person, dict[int, bytes]]]:
    """Each person's drawing, per booklet page; a person whose details cannot be drawn is a problem."""
    booklet = project.booklet
    for person in people:
        sheet = sheets[_target(person, edition)]
        try:
            ops = stamp_ops(fonts, sheet.layout, _values(project, person),
                            qr_payload(booklet.document_number, booklet.revision, person.id))
        except StampError as exc:
            problems.append(Problem(name, person.row, 1, "", str(exc)))
            continue
        yield person, ops


def _batch(project: Project, people: list[Person], sheets: dict[Target, _Booklet], fonts: Fonts, name: str,
           edition: str, keep: bool) -> tuple[bytes, int, dict[int, dict[int, bytes]], list[Problem]]:
    """The merged batch in roster order and its page count; the stamps (kept only when per-person
    files follow); the people whose details cannot be drawn."""
    out = pikepdf.new()
    tree = out.Root.Pages
    opener = out.make_stream(b"q\n")
    font_objects = fonts.objects(out)
    sources = {t: pikepdf.open(io.BytesIO(b.data)) for t, b in sheets.items()}
    pages = {t: [out.copy_foreign(page.obj) for page in pdf.pages] for t, pdf in sources.items()}
    kids: list[pikepdf.Object] = []
    marks: list[tuple[str, pikepdf.Object]] = []
    kept: dict[int, dict[int, bytes]] = {}
    problems: list[Problem] = []
    for person, ops in _stamps(project, people, sheets, fonts, name, edition, problems):
        part: list[pikepdf.Object] = []
        for i, source in enumerate(pages[_target(person, edition)]):
            page = pikepdf.Dictionary({k: v for k, v in source.items() if k not in _BATCH_DROP})
            page.Parent = tree
            if i in ops:
                apply(out, page, ops[i], font_objects, opener)
            part.append(out.make_indirect(page))
        _pad(out, part, tree)
        marks.append((f"{person.id} – {person.name}", part[0]))
        kids += part
        if keep:
            kept[person.row] = ops
    tree.Kids = pikepdf.Array(kids)
    tree.Count = len(kids)
    _outline(out, marks)
    effective = project.booklet.effective_date
    stamp = f"D:{effective:%Y%m%d}000000Z"
    out.docinfo = out.make_indirect(pikepdf.Dictionary(
        Title=pikepdf.String(f"{project.booklet.document_number} acknowledgement packets"),
        Creator=pikepdf.String(f"booklets {__version__}"), CreationDate=pikepdf.String(stamp),
        ModDate=pikepdf.String(stamp)))
    buf = io.BytesIO()
    out.save(buf, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for pdf in sources.values():
        pdf.close()
    return buf.getvalue(), len(kids), kept, problems


def _pad(pdf: pikepdf.Pdf, part: list[pikepdf.Object], tree: pikepdf.Object) -> None:
    """Blank pages before the back cover until the part fills whole sheets (the build already pads
    print booklets with notes pages; this keeps any edition foldable)."""
    while len(part) % SHEET:
        last = part[-1]
        blank = pikepdf.Dictionary(Type=pikepdf.Name.Page, Parent=tree, MediaBox=last.MediaBox,
                                   Resources=pikepdf.Dictionary(), Contents=pdf.make_stream(b""))
        for box in ("/TrimBox", "/BleedBox"):
            if box in last:
                blank[box] = last[box]
        part.insert(len(part) - 1, pdf.make_indirect(blank))


def _outline(pdf: pikepdf.Pdf, marks: list[tuple[str, pikepdf.Object]]) -> None:
    """One bookmark per person at the first page of their part (the batch is private output)."""
    if not marks:
        return
    root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines, Count=len(marks)))
    items = [pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String(title), Parent=root,
                                                  Dest=pikepdf.Array([page, pikepdf.Name.Fit])))
             for title, page in marks]
    for before, after in itertools.pairwise(items):
        before.Next, after.Prev = after, before
    root.First, root.Last = items[0], items[-1]
    pdf.Root.Outlines = root
    pdf.Root.PageMode = pikepdf.Name.UseOutlines


def _per_person(people: list[Person], sheets: dict[Target, _Booklet], fonts: Fonts,
                stamps: dict[int, dict[int, bytes]], folder: Path, edition: str) -> list[Path]:
    """One file per person: their booklet (outline, links, metadata intact) with the form filled in."""
    width = len(str(max(p.row for p in people)))
    written = []
    for person in people:
        sheet = sheets[_target(person, edition)]
        with pikepdf.open(io.BytesIO(sheet.data)) as pdf:
            opener = pdf.make_stream(b"q\n")
            font_objects = fonts.objects(pdf)
            for index, ops in stamps[person.row].items():
                apply(pdf, pdf.pages[index].obj, ops, font_objects, opener)
            for _ in range(-len(pdf.pages) % SHEET):
                pdf.pages.insert(len(pdf.pages) - 1, pikepdf.Page(pikepdf.Dictionary(
                    Type=pikepdf.Name.Page, MediaBox=pdf.pages[-1].MediaBox, Resources=pikepdf.Dictionary(),
                    Contents=pdf.make_stream(b""))))
            buf = io.BytesIO()
            pdf.save(buf, deterministic_id=True)
        path = folder / f"{person.row:0{width}d}-{_safe(person.id)}.pdf"
        write_atomic(path, buf.getvalue())
        written.append(path)
    # People taken off the roster must not keep a personal file from an earlier run.
    keep = {p.name for p in written}
    for old in folder.glob("*.pdf"):
        if old.name not in keep:
            old.unlink()
    return written
