"""One target rendered: its HTML laid out into its booklet PDF, and the PDFs made from that render.

The unit of work a worker process runs (engine/workers.py). Nothing is written here: the engine
writes the files atomically and records them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from booklets import paths
from booklets.content.project import Project
from booklets.plan import Target
from booklets.render.fonts import font_dir


def allowed_roots(project: Project) -> list[Path]:
    """Folders WeasyPrint may read: the project's templates and content, and the font package."""
    return [project.templates_dir, project.content_dir, font_dir()]


@dataclass(frozen=True)
class RenderedFile:
    """One file a target writes: its booklet PDF, or a file made from that same render."""

    relpath: PurePosixPath
    data: bytes
    pages: int
    kind: str = "pdf"  # "pdf", or "html": a web edition's page


def render_target(project: Project, target: Target, html: str) -> list[RenderedFile]:
    """HTML -> the target's files: its PDF and, for an edition with `impose`, the 2-up sheets
    made from that same PDF (one layout pass); for a web edition, its self-contained page.
    Raises RenderError; nothing is written here."""
    # Imported late: WeasyPrint is slow to import.
    from booklets.render.impose import ImposeError, impose
    from booklets.render.langtags import element_languages
    from booklets.render.pdf import PdfOptions, RenderError, render_pdf

    edition = project.editions[target.edition]
    if edition.format == "html":
        from booklets.render.web import PageError, self_contained

        try:
            page = self_contained(html, project.templates_dir, allowed_roots(project))
        except PageError as exc:
            raise RenderError(f"cannot make {paths.web_page(target)}: {exc}") from None
        return [RenderedFile(paths.web_page(target), page, 1, "html")]
    effective = project.booklet.effective_date
    options = PdfOptions(
        pdf_variant=edition.pdf_variant,
        pad_to_multiple=edition.pad_to_multiple,
        notes_pages=edition.pad_to_multiple - 1 if edition.notes_pages else 0,
        epoch=int(dt.datetime(effective.year, effective.month, effective.day, tzinfo=dt.UTC).timestamp()),
        bleed_mm=edition.bleed_mm,
    )
    with element_languages():  # `lang` on an element -> /Lang on its structure element
        pdf, pages = render_pdf(html, project.templates_dir, allowed_roots(project), options)
    files = [RenderedFile(paths.booklet_pdf(target), pdf, pages)]
    if edition.impose is not None:
        try:
            sheets = impose(pdf)
        except ImposeError as exc:
            raise RenderError(f"cannot impose {paths.booklet_pdf(target)}: {exc}") from None
        files.append(RenderedFile(paths.derived_pdf(target, edition.impose.suffix), sheets, pages // 2))
    return files
