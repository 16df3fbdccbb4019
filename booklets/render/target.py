"""One target rendered: its HTML laid out into its booklet PDF, and the PDFs made from that render.

The unit of work a worker process runs (engine/workers.py). Nothing is written here: the engine
writes the files atomically and records them.

A worker gets a `RenderSetup` (plain data: the folders WeasyPrint may read and what each edition
asks of the PDF) rather than the validated Project, so it never imports the schema: unpickling a
Project would import pydantic and every model in every worker.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from booklets import paths
from booklets.plan import Target
from booklets.render.fonts import font_dir

if TYPE_CHECKING:
    from booklets.content.project import Project


def allowed_roots(project: Project) -> list[Path]:
    """Folders WeasyPrint may read: the project's templates and content, and the font package."""
    return [project.templates_dir, project.content_dir, font_dir()]


@dataclass(frozen=True)
class RenderedFile:
    """One file a target writes: its booklet PDF, or a file made from that same render."""

    relpath: PurePosixPath
    data: bytes
    pages: int


@dataclass(frozen=True)
class EditionSetup:
    """What one edition asks of the PDF writer (render.pdf.PdfOptions), and its imposed copy."""

    pdf_variant: str | None
    pad_to_multiple: int
    notes_pages: int
    bleed_mm: float
    impose_suffix: str | None


@dataclass(frozen=True)
class RenderSetup:
    """Everything render_prepared needs besides the HTML: plain data, cheap to send to a worker."""

    templates_dir: Path
    allowed: tuple[Path, ...]
    epoch: int  # SOURCE_DATE_EPOCH: the effective date, so font subsets are reproducible
    editions: dict[str, EditionSetup]


def prepare(project: Project) -> RenderSetup:
    """The render setup of a validated project."""
    effective = project.booklet.effective_date
    return RenderSetup(
        templates_dir=project.templates_dir,
        allowed=tuple(allowed_roots(project)),
        epoch=int(dt.datetime(effective.year, effective.month, effective.day, tzinfo=dt.UTC).timestamp()),
        editions={
            eid: EditionSetup(
                pdf_variant=e.pdf_variant,
                pad_to_multiple=e.pad_to_multiple,
                notes_pages=e.pad_to_multiple - 1 if e.notes_pages else 0,
                bleed_mm=e.bleed_mm,
                impose_suffix=e.impose.suffix if e.impose is not None else None,
            )
            for eid, e in project.editions.items()
        },
    )


def render_target(project: Project, target: Target, html: str) -> list[RenderedFile]:
    """HTML -> the target's files: its PDF and, for an edition with `impose`, the 2-up sheets
    made from that same PDF (one layout pass). Raises RenderError; nothing is written here."""
    return render_prepared(prepare(project), target, html)


def render_prepared(setup: RenderSetup, target: Target, html: str) -> list[RenderedFile]:
    """render_target from a RenderSetup (what worker processes call)."""
    # Imported late: WeasyPrint is slow to import.
    from booklets.render.impose import ImposeError, impose
    from booklets.render.pdf import PdfOptions, RenderError, render_pdf

    edition = setup.editions[target.edition]
    options = PdfOptions(
        pdf_variant=edition.pdf_variant,
        pad_to_multiple=edition.pad_to_multiple,
        notes_pages=edition.notes_pages,
        epoch=setup.epoch,
        bleed_mm=edition.bleed_mm,
    )
    pdf, pages = render_pdf(html, setup.templates_dir, list(setup.allowed), options)
    files = [RenderedFile(paths.booklet_pdf(target), pdf, pages)]
    if edition.impose_suffix is not None:
        try:
            sheets = impose(pdf)
        except ImposeError as exc:
            raise RenderError(f"cannot impose {paths.booklet_pdf(target)}: {exc}") from None
        files.append(RenderedFile(paths.derived_pdf(target, edition.impose_suffix), sheets, pages // 2))
    return files
