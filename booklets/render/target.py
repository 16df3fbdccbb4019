"""One target rendered: its HTML laid out into its booklet PDF, and the PDFs made from that render.

The unit of work a worker process runs (engine/workers.py). Nothing is written here: the engine
writes the files atomically and records them.

A worker gets a `RenderSetup` (plain data: the folders WeasyPrint may read and what each edition
asks of the PDF) rather than the validated Project, so it never imports the schema: unpickling a
Project would import pydantic and every model in every worker.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from booklets import paths
from booklets.errors import BookletError, Problem
from booklets.plan import Target
from booklets.render.fonts import font_dir

if TYPE_CHECKING:
    from booklets.content.project import Project

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


@dataclass(frozen=True)
class EditionSetup:
    """What one edition asks of the PDF writer (render.pdf.PdfOptions), and its imposed copy."""

    pdf_variant: str | None
    pad_to_multiple: int
    notes_pages: int
    bleed_mm: float
    impose_suffix: str | None
    form_page: str  # where a form starts: "page", "right" or "right-if-free"


@dataclass(frozen=True)
class RenderSetup:
    """Everything render_prepared needs besides the HTML: plain data, cheap to send to a worker."""

    templates_dir: Path
    allowed: tuple[Path, ...]
    epoch: int  # SOURCE_DATE_EPOCH: the effective date, so font subsets are reproducible
    editions: dict[str, EditionSetup]
    forms: dict[str, Problem]  # "<lang>/<audience>" with a form: where its title is written


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
                form_page=e.form_page,
            )
            for eid, e in project.editions.items()
        },
        forms={
            f"{lang}/{aid}": Problem.at(audience.form.title, "", file=paths.audience_file(lang, aid))
            for lang, language in project.languages.items()
            for aid, audience in language.audiences.items()
            if audience.form is not None
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
    from booklets.render.pdf import FormCostsASheet, NotOnePage, PdfOptions, RenderError, render_pdf

    edition = setup.editions[target.edition]
    form = setup.forms.get(f"{target.language}/{target.audience}")
    right = form is not None and edition.notes_pages > 0 and edition.form_page != "page"
    options = PdfOptions(
        pdf_variant=edition.pdf_variant,
        pad_to_multiple=edition.pad_to_multiple,
        # as many as the template lays out (render/context.py notes_pages)
        notes_pages=edition.notes_pages + (1 if right else 0),
        epoch=setup.epoch,
        bleed_mm=edition.bleed_mm,
        min_notes=1 if right else 0,  # the back of a right-hand form is a Notes page
        one_page=(FORM,),
        form_right_if_free=right and edition.form_page == "right-if-free",
    )

    def render(text: str) -> tuple[bytes, int]:
        try:
            return render_pdf(text, setup.templates_dir, list(setup.allowed), options)
        except FormCostsASheet:
            # Cheaper on paper to set the form on the next page, left or right (it can still be
            # photocopied): a second layout, for the booklets where it saves a sheet.
            plain = replace(options, min_notes=0, form_right_if_free=False)
            return render_pdf(body_class(text, "form-anywhere"), setup.templates_dir, list(setup.allowed),
                              plain)

    try:
        pdf, pages = render(html)
    except NotOnePage as first:
        # The form must be one page, to sign, photocopy or cut out whole. A second layout sets it
        # tighter (less space; large print: text at its minimum size); if even that runs over,
        # the form's text is too long, and that is the content's to fix.
        try:
            pdf, pages = render(body_class(html, "form-compact"))
        except NotOnePage:
            where = form or Problem(paths.audience_file(target.language, target.audience), 0, 0, "form", "")
            raise BookletError([replace(where, message=(
                f"the form does not fit on one page of the {target.edition} edition even set tight "
                f"(it runs over {first.pages} pages); shorten its intro or statements"))]) from None
    files = [RenderedFile(paths.booklet_pdf(target), pdf, pages)]
    if edition.impose_suffix is not None:
        try:
            sheets = impose(pdf)
        except ImposeError as exc:
            raise RenderError(f"cannot impose {paths.booklet_pdf(target)}: {exc}") from None
        files.append(RenderedFile(paths.derived_pdf(target, edition.impose_suffix), sheets, pages // 2))
    return files


def body_class(html: str, name: str) -> str:
    """The same booklet with a class on <body> (booklet.css: `form-compact` sets the form tight,
    `form-anywhere` lets it start on any page)."""
    return re.sub(r'<body class="', f'<body class="{name} ', html, count=1)
