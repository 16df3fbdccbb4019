"""The whole build, top to bottom: content -> plan -> HTML -> PDF -> write -> report.

Each stage lives in its own module; this function only sequences them. Bad input (content,
templates) stops the build before any PDF is written, so earlier PDFs are never touched by a build
that cannot succeed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from booklets import release
from booklets.content import Project, load_project, placeholders
from booklets.errors import BookletError, Problem
from booklets.lock import build_lock
from booklets.output import safe_join, write_atomic
from booklets.plan import Selection, Target, plan, unknown_selectors
from booklets.templating import render_html


@dataclass(frozen=True)
class BuildOptions:
    """What one build run was asked to do."""

    root: Path
    out_dir: Path
    selection: Selection = Selection()
    release: bool = False
    draft: bool = False  # missing translations fall back to the source language, marked


@dataclass
class TargetResult:
    """The outcome of one target: a written PDF, or the reason it failed."""

    target: Target
    path: Path
    pages: int = 0
    size: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class BuildResult:
    """Everything a build produced, for the summary table and the exit status."""

    results: list[TargetResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


def allowed_roots(project: Project) -> list[Path]:
    """Folders WeasyPrint may read from: the project's templates and content, and the font package."""
    from booklets.templating import font_dir

    return [project.templates_dir, project.content_dir, font_dir()]


@dataclass(frozen=True)
class RenderedFile:
    """One file a target writes: its booklet PDF, or a file made from that same render."""

    relpath: PurePosixPath
    data: bytes
    pages: int


def render_target(project: Project, target: Target, html: str) -> list[RenderedFile]:
    """HTML -> the target's files: its PDF and, for an edition with `impose`, the 2-up sheets
    made from that same PDF (one layout pass). Raises RenderError; nothing is written here."""
    # Imported late: WeasyPrint is slow to import.
    from booklets.impose import ImposeError, impose
    from booklets.render import PdfOptions, RenderError, render_pdf

    edition = project.editions[target.edition]
    effective = project.booklet.effective_date
    options = PdfOptions(
        pdf_variant=edition.pdf_variant,
        pad_to_multiple=edition.pad_to_multiple,
        notes_pages=edition.pad_to_multiple - 1 if edition.notes_pages else 0,
        epoch=int(dt.datetime(effective.year, effective.month, effective.day, tzinfo=dt.UTC).timestamp()),
        bleed_mm=edition.bleed_mm,
    )
    pdf, pages = render_pdf(html, project.templates_dir, allowed_roots(project), options)
    files = [RenderedFile(target.relpath, pdf, pages)]
    if edition.impose is not None:
        try:
            sheets = impose(pdf)
        except ImposeError as exc:
            raise RenderError(f"cannot impose {target.relpath}: {exc}") from None
        name = f"{target.relpath.stem}-{edition.impose.suffix}.pdf"
        files.append(RenderedFile(target.relpath.with_name(name), sheets, pages // 2))
    return files


def build(options: BuildOptions) -> BuildResult:
    """Build every selected target. Raises BookletError for bad input, before writing anything."""
    from booklets.render import RenderError

    with build_lock(options.out_dir):
        project = load_project(options.root, draft=options.draft)
        result = BuildResult()
        found = placeholders(project)
        released = release.check(project, found, options.draft) if options.release else None
        result.warnings += [f"warning: {p}" for p in (*found, *project.warnings)]

        bad = unknown_selectors(project.booklet, options.selection)
        if bad:
            raise BookletError([Problem("command line", message=m) for m in bad])
        targets = plan(project.booklet, options.selection)

        # All HTML first: a template error is the same for every target and must stop the build
        # before any PDF is replaced.
        pages_html = {target: render_html(project, target) for target in targets}

        for target in targets:
            try:
                files = render_target(project, target, pages_html[target])
            except RenderError as exc:
                path = safe_join(options.out_dir, target.relpath)
                result.results.append(TargetResult(target, path, error=str(exc)))
                continue
            for file in files:
                path = safe_join(options.out_dir, file.relpath)
                outcome = TargetResult(target, path)
                try:
                    write_atomic(path, file.data)
                    outcome.pages, outcome.size = file.pages, len(file.data)
                except OSError as exc:
                    outcome.error = f"cannot write {path}: {exc.strerror}"
                result.results.append(outcome)
        if released is not None and result.ok:
            result.warnings += release.record(project.root, released)
        return result
