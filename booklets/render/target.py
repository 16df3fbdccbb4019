"""One target rendered: its HTML laid out into its booklet PDF, and the PDFs made from that render.

The unit of work a worker process runs (engine/workers.py). Nothing is written here: the engine
writes the files atomically and records them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from booklets import paths
from booklets.content.project import Project
from booklets.errors import BookletError, Problem
from booklets.plan import Target
from booklets.render.fonts import font_dir

FORM = ("form", "content-end")
"""The form runs from its anchor to the end of the numbered pages (booklet.html.j2)."""


def allowed_roots(project: Project) -> list[Path]:
    """Folders WeasyPrint may read: the project's templates and content/assets (the only content
    a booklet shows as a file), and the font package; engine/inputs.py hashes exactly these."""
    return [project.templates_dir, project.root / paths.ASSETS, font_dir()]


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
    from booklets.render.context import notes_pages
    from booklets.render.impose import ImposeError, impose
    from booklets.render.pdf import FormCostsASheet, NotOnePage, PdfOptions, RenderError, render_pdf

    edition = project.editions[target.edition]
    effective = project.booklet.effective_date
    form = project.languages[target.language].audiences[target.audience].form
    right = form is not None and edition.notes_pages and edition.form_page != "page"
    options = PdfOptions(
        pdf_variant=edition.pdf_variant,
        pad_to_multiple=edition.pad_to_multiple,
        notes_pages=notes_pages(edition, form is not None),
        epoch=int(dt.datetime(effective.year, effective.month, effective.day, tzinfo=dt.UTC).timestamp()),
        bleed_mm=edition.bleed_mm,
        min_notes=1 if right else 0,  # the back of a right-hand form is a Notes page
        one_page=(FORM,),
        form_right_if_free=right and edition.form_page == "right-if-free",
    )

    def render(text: str) -> tuple[bytes, int]:
        try:
            return render_pdf(text, project.templates_dir, allowed_roots(project), options)
        except FormCostsASheet:
            # Cheaper on paper to set the form on the next page, left or right (it can still be
            # photocopied): a second layout, for the booklets where it saves a sheet.
            plain = replace(options, min_notes=0, form_right_if_free=False)
            return render_pdf(_body_class(text, "form-anywhere"), project.templates_dir, allowed_roots(project),
                              plain)

    try:
        pdf, pages = render(html)
    except NotOnePage as first:
        # The form must be one page, to sign, photocopy or cut out whole. A second layout sets it
        # tighter (less space; large print: text at its minimum size); if even that runs over,
        # the form's text is too long, and that is the content's to fix.
        try:
            pdf, pages = render(_body_class(html, "form-compact"))
        except NotOnePage:
            title = form.title if form is not None else None
            raise BookletError([Problem.at(title, file=paths.audience_file(
                target.language, target.audience), message=(
                    f"the form does not fit on one page of the {target.edition} edition even set tight "
                    f"(it runs over {first.pages} pages); shorten its intro or statements"))]) from None
    files = [RenderedFile(paths.booklet_pdf(target), pdf, pages)]
    if edition.impose is not None:
        try:
            sheets = impose(pdf)
        except ImposeError as exc:
            raise RenderError(f"cannot impose {paths.booklet_pdf(target)}: {exc}") from None
        files.append(RenderedFile(paths.derived_pdf(target, edition.impose.suffix), sheets, pages // 2))
    return files


def _body_class(html: str, name: str) -> str:
    """The same booklet with a class on <body> (booklet.css: `form-compact` sets the form tight,
    `form-anywhere` lets it start on any page)."""
    return re.sub(r'<body class="', f'<body class="{name} ', html, count=1)
