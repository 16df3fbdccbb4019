"""PDF preflight (`python build.py check --pdf`): are the built PDFs fit to print and to post?

Which PDF is which comes from its path, `<out>/<facility>/<lang>/<audience>-<edition>.pdf`, and
what each edition promises from `content/editions/<id>.yaml`, so a new edition is checked by what
its YAML declares:

* every booklet: all fonts embedded, each one of the project's (never a system font), and none of
  Type 3 (printers substitute or rasterise those); page boxes nested (TrimBox inside BleedBox
  inside MediaBox), with the declared bleed on every side; the first section's heading extracted
  before its first paragraph (text in reading order);
* `pad_to_multiple` > 1 (saddle-stitched print): the page count is a multiple of it;
* `pdf_variant` set (screen, large print): tagged (/StructTreeRoot, /MarkInfo /Marked true), /Lang
  of the booklet's language, and the document title displayed instead of the file name; and, when
  they are installed, what two PDF/UA-1 validators report (validators.py: page-validation and
  outloud, check `pdfua`); a notice says how to install them when they are not;
* `min_body_pt` (large print): no smaller text, except the running header and footer, which are
  smaller by design (lines at the same height on several pages, in the top or bottom band);
* layout (check/layout.py), on every booklet and its imposed sheets: near-empty body pages,
  headings stranded at the foot of a page, a form split over pages, pages holding only a running
  head or footer (overflow), and lines running past the text block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pikepdf

from booklets import paths
from booklets.check import validators
from booklets.check.findings import CheckReport, Finding, PdfResult, Severity
from booklets.check.layout import Issue, check_booklet, check_sheets
from booklets.check.pdfscan import box_problem, descriptor, destinations, fonts, page_texts, small_lines, squash
from booklets.check.readability import blocks
from booklets.content import schema as models
from booklets.content.markup import plain_text
from booklets.content.project import Project
from booklets.content.sections import resolve_sections
from booklets.errors import BookletError, Problem
from booklets.plan import Selection, Target, plan
from booklets.render.fonts import font_name, project_font_names


@dataclass(frozen=True)
class FoundPdf:
    """A booklet PDF found in the output folder, and the target it was built for."""

    path: Path
    target: Target
    planned: bool  # False: a booklet path, but not in content/booklet.yaml's matrix (stale)


@dataclass
class Found:
    """What the output folder holds for a selection."""

    booklets: list[FoundPdf]
    missing: list[Target]
    others: int  # PDFs that are not booklets (packets, files left by hand...): not checked
    imposed: list[tuple[Path, Path]] = field(default_factory=list)  # (sheets, the booklet they fold)


def find_pdfs(project: Project, out_dir: Path, selection: Selection) -> Found:
    """The booklet PDFs to check (selected targets, and stale booklets) and the targets missing."""
    found = {p.resolve() for p in out_dir.rglob("*.pdf")}
    result = Found([], [], 0)
    web = project.web_editions()  # their booklets are web pages, checked in a browser (tests/test_web.py)
    for target in plan(project.booklet, selection):
        if target.edition in web:
            continue
        path = out_dir / paths.booklet_pdf(target)
        if path.resolve() in found:
            result.booklets.append(FoundPdf(path, target, True))
            found.discard(path.resolve())
        else:
            result.missing.append(target)
        impose = project.editions[target.edition].impose
        sheets = path.with_name(f"{path.stem}-{impose.suffix}.pdf") if impose is not None else None
        if sheets is not None and sheets.resolve() in found:
            result.imposed.append((sheets, path))
            found.discard(sheets.resolve())
    suffixes = {f"-{e.impose.suffix}.pdf" for e in project.editions.values() if e.impose is not None}
    for path in sorted(found):
        parsed = _parse(project, out_dir.resolve(), path)
        folded = next((path.with_name(path.name[: -len(x)] + ".pdf") for x in suffixes if path.name.endswith(x)), None)
        if parsed is None and folded is not None and _parse(project, out_dir.resolve(), folded) is not None:
            continue  # imposed sheets of a booklet outside the selection
        if parsed is None:
            result.others += 1
        elif _selected(parsed, selection):
            result.booklets.append(FoundPdf(path, parsed, False))
    return result


def _parse(project: Project, out_dir: Path, path: Path) -> Target | None:
    return paths.parse_booklet(PurePosixPath(path.relative_to(out_dir).as_posix()), project.editions)


def _selected(target: Target, s: Selection) -> bool:
    return all(not chosen or value in chosen for value, chosen in (
        (target.facility, s.facilities), (target.language, s.languages),
        (target.audience, s.audiences), (target.edition, s.editions)))


class _Pdf:
    """Checks of one PDF, collecting findings located by file and page."""

    def __init__(self, project: Project, booklet: FoundPdf, rel: str) -> None:
        self.project = project
        self.path = booklet.path
        self.target = booklet.target
        self.planned = booklet.planned
        self.rel = rel
        self.findings: list[Finding] = []

    def add(self, severity: Severity, check: str, key: str, message: str) -> None:
        self.findings.append(Finding.of(severity, check, self.rel, 0, 0, key, message))

    def run(self) -> PdfResult:
        target = self.target
        edition = self.project.editions[target.edition]
        if not self.planned:
            self.add("warning", "stale", "", f"{target.name} is not in the matrix of "
                     "content/booklet.yaml: left from an earlier build? Delete it before sending")
        try:
            pdf = pikepdf.open(self.path)
        except (pikepdf.PdfError, OSError) as exc:
            self.add("error", "pdf", "", f"cannot be opened as a PDF: {exc}")
            return PdfResult(self.rel, target.edition, 0)
        with pdf:
            pages = len(pdf.pages)
            self.fonts(pdf)
            self.boxes(pdf, edition)
            if edition.pad_to_multiple > 1 and pages % edition.pad_to_multiple:
                self.add("error", "page-count", f"{pages} pages",
                         f"{pages} pages is not a multiple of {edition.pad_to_multiple} "
                         f"(pad_to_multiple of edition {target.edition!r}); rebuild it")
            if edition.pdf_variant:
                self.tagged(pdf, target)
            dests = destinations(pdf)
        if edition.pdf_variant and not validators.missing():
            self.pdfua()
        if target.language in self.project.languages:
            self.reading_order(target, dests)
        if edition.min_body_pt:
            self.text_size(edition.min_body_pt)
        for issue in check_booklet(self.path):
            self.add(_severity(issue), issue.check, issue.where, issue.message)
        return PdfResult(self.rel, target.edition, pages)

    def fonts(self, pdf: pikepdf.Pdf) -> None:
        seen: set[Any] = set()
        for page_no, name, font in fonts(pdf):
            base = str(font.get("/BaseFont", name)).lstrip("/")
            # Pages often share one font object: report each font once, at its first page.
            identity = font.objgen if font.objgen != (0, 0) else (name, base)
            if identity in seen:
                continue
            seen.add(identity)
            where = f"page {page_no} font {name}"
            if font.get("/Subtype") == "/Type3":
                self.add("error", "fonts", where, f"Type 3 font {base!r}: print workflows "
                         "rasterise or reject it; use an OpenType/TrueType font via @font-face")
                continue
            fd = descriptor(font)
            if fd is None or not any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                self.add("error", "fonts", where, f"font {base!r} is not embedded, so printers and "
                         "readers substitute another; give it an @font-face src the renderer reads")
                continue
            program = next(fd[k] for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in fd)
            embedded = font_name(program.read_bytes()) if isinstance(program, pikepdf.Stream) else None
            if embedded is not None and embedded not in project_font_names():
                self.add("error", "fonts", where, f"font {base!r} ({embedded[0]}) is not one of the "
                         "project's fonts: it came from this machine's system fonts, so another "
                         "machine makes another PDF; rebuild the booklet")

    def boxes(self, pdf: pikepdf.Pdf, edition: models.Edition | None) -> None:
        bleed_mm = edition.bleed_mm if edition else 0
        bad: list[tuple[int, str]] = []
        for page_no, page in enumerate(pdf.pages, 1):
            problem = box_problem(page.obj, bleed_mm)
            if problem:
                bad.append((page_no, problem))
        if bad:
            page_no, message = bad[0]
            more = f" (and {len(bad) - 1} more page(s))" if len(bad) > 1 else ""
            self.add("error", "boxes", f"page {page_no}", message + more)

    def tagged(self, pdf: pikepdf.Pdf, target: Target) -> None:
        root = pdf.Root
        if "/StructTreeRoot" not in root:
            self.add("error", "tagged", "/StructTreeRoot", "not tagged: screen readers cannot "
                     "follow it; render it with the edition's pdf_variant")
        mark = root.get("/MarkInfo")
        if not isinstance(mark, pikepdf.Dictionary) or not bool(mark.get("/Marked", False)):
            self.add("error", "tagged", "/MarkInfo", "/MarkInfo /Marked is not true: not tagged")
        lang = str(root.get("/Lang", "")).strip()
        if not lang:
            self.add("error", "tagged", "/Lang", "no /Lang: screen readers cannot pick the voice "
                     f"for {target.language!r}; set <html lang>")
        elif lang.lower().split("-")[0] != target.language.lower().split("-")[0]:
            self.add("error", "tagged", "/Lang",
                     f"/Lang is {lang!r} but the booklet is in {target.language!r}")
        prefs = root.get("/ViewerPreferences")
        if not isinstance(prefs, pikepdf.Dictionary) or not bool(prefs.get("/DisplayDocTitle")):
            self.add("error", "tagged", "/ViewerPreferences", "DisplayDocTitle is not true: "
                     "viewers show the file name instead of the title")
        info = pdf.trailer.get("/Info")
        title = str(info.get("/Title", "")).strip() if isinstance(info, pikepdf.Dictionary) else ""
        if not title:
            self.add("error", "tagged", "/Info/Title", "no document title to display; set <title>")

    def pdfua(self) -> None:
        """What the PDF/UA validators find: errors and warnings as they grade them."""
        for f in validators.validate(self.path):
            times = f" ({f.count} times)" if f.count > 1 else ""
            self.add(f.severity, "pdfua", f"page {f.page}" if f.page else "",
                     f"{f.validator} {f.rule}: {f.message}{times}")

    def reading_order(self, target: Target, dests: dict[str, int]) -> None:
        language = self.project.languages[target.language]
        if target.audience not in language.audiences:
            return
        place = self.project.place(target.facility, target.language)  # `{{words}}` as printed there
        sid, section = resolve_sections(language, target.audience, place)[0]
        first_block = next(blocks(section.body), (0, ""))[1]
        heading, paragraph = squash(section.title), squash(plain_text(first_block))[:40]
        anchor = f"s-{sid}"
        texts = page_texts(self.path, [dests[anchor]] if anchor in dests else None)
        if not any(t.strip() for t in texts.values()):
            self.add("error", "text", f"page {min(texts, default=0) + 1}", "no extractable text: "
                     "readers cannot search, copy or listen to it")
            return
        for index, text in texts.items():
            flat = squash(text)
            at_paragraph = flat.find(paragraph)
            if at_paragraph < 0:
                continue
            if 0 <= flat.find(heading) < at_paragraph:
                return
            self.add("error", "reading-order", f"page {index + 1}",
                     f"the first paragraph of section {sid!r} comes before its heading "
                     f"{section.title!r} in the extracted text; screen readers and copy-paste "
                     "read it out of order")
            return
        self.add("error", "reading-order", anchor,
                 f"the first paragraph of section {sid!r} ({first_block[:50]!r}) is not in the "
                 "extracted text; check the fonts' ToUnicode maps and that the section rendered")

    def text_size(self, minimum: float) -> None:
        small = sorted(small_lines(self.path, minimum))
        if small:
            size, page_no, text, around = small[0]
            pages = sorted({p for _, p, _, _ in small})
            listed = ", ".join(map(str, pages[:12])) + ("…" if len(pages) > 12 else "")
            context = f" in {around[:60]!r}" if around.strip() != text else ""
            self.add("error", "text-size", f"page {page_no}",
                     f"text at {size:g} pt is below the edition's min_body_pt {minimum:g}: "
                     f"{text[:40]!r}{context}; {len(small)} piece(s) of text too small, on "
                     f"page(s) {listed}")


_PROJECT: Project | None = None  # in a preflight worker: the project, sent once when it starts


def _start_worker(project: Project) -> None:
    global _PROJECT
    _PROJECT = project


def _check_one(booklet: FoundPdf, rel: str) -> tuple[PdfResult, list[Finding]]:
    """Preflight one booklet in a worker process (every check of a PDF reads only that PDF)."""
    assert _PROJECT is not None
    checker = _Pdf(_PROJECT, booklet, rel)
    return checker.run(), checker.findings


def _check_all(project: Project, booklets: list[tuple[FoundPdf, str]],
               jobs: int) -> list[tuple[PdfResult, list[Finding]]]:
    """Every booklet's result, in the order given, on up to `jobs` processes.

    A preflight is CPU-bound (text extraction, the validators) and each PDF is independent, so
    it spreads over the cores like the build. Workers start from the build's fork server, never
    from a plain fork of this process: a fork copies only the forking thread, so a lock that
    another thread (a validator's thread pool, a test runner) held at that moment stays locked
    in the child for ever, and the preflight hangs. The loaded project is sent to each worker
    once (a few hundred KB, pickled) and only the findings travel back."""
    if jobs <= 1 or len(booklets) <= 1:
        _start_worker(project)
        return [_check_one(booklet, rel) for booklet, rel in booklets]
    from concurrent.futures import ProcessPoolExecutor

    from booklets.engine.workers import context

    with ProcessPoolExecutor(max_workers=min(jobs, len(booklets)), mp_context=context(),
                             initializer=_start_worker, initargs=(project,)) as pool:
        return list(pool.map(_check_one, *zip(*booklets, strict=True)))


def check_pdfs(project: Project, out_dir: Path, selection: Selection, report: CheckReport,
               jobs: int = 1) -> None:
    """Preflight every selected PDF under `out_dir` into `report` on up to `jobs` processes;
    BookletError if there is no such folder."""
    root = project.root

    def rel(path: Path) -> str:
        path = path.resolve()
        return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)

    if not out_dir.is_dir():
        raise BookletError([Problem(rel(out_dir), message="no built booklets to check: the folder "
                                    "does not exist; build first (python build.py) or pass --out")])
    found = find_pdfs(project, out_dir, selection)
    for target in found.missing:
        report.findings.append(Finding.of(
            "error", "missing", rel(out_dir / paths.booklet_pdf(target)), 0, 0, "",
            f"{target.name} is not built; run python build.py before check --pdf"))
    if found.others:
        report.findings.append(Finding.of(
            "notice", "pdf", rel(out_dir), 0, 0, "", f"{found.others} other PDF(s) are not at a "
            "booklet path (<facility>/<lang>/<audience>-<edition>.pdf) and were not checked"))
    absent = validators.missing()
    if absent and any(project.editions[b.target.edition].pdf_variant for b in found.booklets
                      if b.target.edition in project.editions):
        report.findings.append(Finding.of(
            "notice", "pdfua", rel(out_dir), 0, 0, "", f"tagged PDFs were not run through the PDF/UA "
            f"validators: {' and '.join(absent)} not installed; install them with: {validators.INSTALL}"))
    for sheets, booklet_path in found.imposed:
        report.findings += _check_imposed(rel(sheets), sheets, booklet_path)
    for result, findings in _check_all(project, [(b, rel(b.path)) for b in found.booklets], jobs):
        report.pdfs.append(result)
        report.findings += findings


def _severity(issue: Issue) -> Severity:
    return "warning" if issue.severity == "warning" else "error"


def _check_imposed(rel_path: str, sheets: Path, booklet: Path) -> list[Finding]:
    """Imposed sheets: half as many pages as the booklet, each two trims wide and one trim high,
    and each half laid out as well as the booklet page it shows (check/layout.py)."""
    out = [Finding.of(_severity(issue), issue.check, rel_path, 0, 0, issue.where, issue.message)
           for issue in check_sheets(sheets, booklet)]
    with pikepdf.open(sheets) as imposed, pikepdf.open(booklet) as pages:
        if not pages.pages:
            return out
        trim = pages.pages[0].get("/TrimBox", pages.pages[0].MediaBox)
        width, height = float(trim[2]) - float(trim[0]), float(trim[3]) - float(trim[1])
        if len(imposed.pages) * 2 != len(pages.pages):
            out.append(Finding.of("error", "imposed", rel_path, 0, 0, "", f"{len(imposed.pages)} sheets for a "
                               f"{len(pages.pages)}-page booklet, expected {len(pages.pages) // 2}; rebuild"))
        for number, sheet in enumerate(imposed.pages, 1):
            box = [float(v) for v in sheet.MediaBox]
            if abs((box[2] - box[0]) - 2 * width) > 0.5 or abs((box[3] - box[1]) - height) > 0.5:
                out.append(Finding.of("error", "imposed", rel_path, 0, 0, f"sheet {number}",
                                   f"sheet is {box[2] - box[0]:.1f} x {box[3] - box[1]:.1f} pt, expected "
                                   f"{2 * width:.1f} x {height:.1f} pt (two pages side by side); rebuild"))
                break
    return out
