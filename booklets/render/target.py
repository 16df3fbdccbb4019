"""One target rendered: its HTML laid out into its booklet PDF, and the PDFs made from that render;
or, for a web edition (`format: html`), its HTML made into one self-contained page (render/web.py).

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
BACK = ("back-cover", "back-end")
"""The back cover (who to contact) is one page: the booklet's last (partials/back-cover.html.j2)."""
TIGHT = {"back-cover": "back-fill"}
"""The class on <body> (booklet.css) for a second layout of a one-page part that ran over, the part
laid out by itself (render/alone.py). The form has none: booklet.html.j2 sets it tight from the
start (`form-compact`)."""


def allowed_roots(project: Project) -> list[Path]:
    """Folders WeasyPrint may read: the project's templates and content/assets (the only content
    a booklet shows as a file), and the font package; engine/inputs.py hashes exactly these."""
    return [project.templates_dir, project.root / paths.ASSETS, font_dir()]


@dataclass(frozen=True)
class RenderedFile:
    """One file a target writes: its booklet PDF, a file made from that same render, or a web
    edition's page."""

    relpath: PurePosixPath
    data: bytes
    pages: int
    kind: str = "pdf"  # "pdf", or "html": a web edition's page


@dataclass(frozen=True)
class EditionSetup:
    """What one edition asks of the PDF writer (render.pdf.PdfOptions), and its imposed copy; or
    that it is a web edition."""

    pdf_variant: str | None
    pad_to_multiple: int
    notes_pages: int
    bleed_mm: float
    impose_suffix: str | None
    form_page: str  # where a form starts: "page", "right" or "right-if-free"
    format: str = "pdf"  # "html": the web edition, one self-contained page (render/web.py), no PDF


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
                format=e.format,
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
    made from that same PDF (one layout pass); for a web edition, its self-contained page.
    Raises RenderError; nothing is written here."""
    return render_prepared(prepare(project), target, html)


def render_prepared(setup: RenderSetup, target: Target, html: str) -> list[RenderedFile]:
    """render_target from a RenderSetup (what worker processes call)."""
    edition = setup.editions[target.edition]
    if edition.format == "html":
        return [_web_page(setup, target, html)]
    # Imported late: WeasyPrint is slow to import.
    from booklets.render.impose import ImposeError, impose
    from booklets.render.langtags import element_languages
    from booklets.render.pdf import FormCostsASheet, NotOnePage, PdfOptions, RenderError, render_pdf

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
        one_page=(FORM, BACK),
        tight=tuple(TIGHT.items()),
        form_right_if_free=right and edition.form_page == "right-if-free",
    )

    def render(text: str) -> tuple[bytes, int]:
        with element_languages():  # `lang` on an element -> /Lang on its structure element
            try:
                return render_pdf(text, setup.templates_dir, list(setup.allowed), options)
            except FormCostsASheet:
                # Cheaper on paper to set the form on the next page, left or right (it can still be
                # photocopied): a second layout, for the booklets where it saves a sheet.
                plain = replace(options, min_notes=0, form_right_if_free=False)
                return render_pdf(body_class(text, "form-anywhere"), setup.templates_dir, list(setup.allowed),
                                  plain)

    # The form must be one page, to sign, photocopy or cut out whole; the back cover must be one
    # page, the booklet's last. The form is laid out tight from the start (booklet.html.j2); a back
    # cover that runs over is laid out again by itself, its columns filled in turn, not balanced
    # (render/alone.py). A part that still runs over has too long a text, and that is the content's
    # to fix.
    try:
        pdf, pages = render(html)
    except NotOnePage as over:
        raise BookletError([_too_long(setup, target, over.anchor, over.pages)]) from None
    files = [RenderedFile(paths.booklet_pdf(target), pdf, pages)]
    if edition.impose_suffix is not None:
        try:
            sheets = impose(pdf)
        except ImposeError as exc:
            raise RenderError(f"cannot impose {paths.booklet_pdf(target)}: {exc}") from None
        files.append(RenderedFile(paths.derived_pdf(target, edition.impose_suffix), sheets, pages // 2))
    return files


def _too_long(setup: RenderSetup, target: Target, anchor: str, pages: int) -> Problem:
    """The problem for a one-page part that ran over even in its second layout, at its source
    (`pages`: how many its first layout took)."""
    if anchor == "form":
        where = setup.forms.get(f"{target.language}/{target.audience}") or Problem(
            paths.audience_file(target.language, target.audience), 0, 0, "form", "")
        return replace(where, message=(
            f"the form does not fit on one page of the {target.edition} edition even set tight "
            f"(it runs over {pages} pages); shorten its intro or statements"))
    return Problem(paths.facility_file(target.facility), 0, 0, "contacts", (
        f"the back cover (who to contact) does not fit on one page of the {target.edition} edition "
        f"in {target.language!r} (it runs over {pages} pages); list fewer contacts, or shorten their "
        "notes, the address or calls_monitored"))
def _web_page(setup: RenderSetup, target: Target, html: str) -> RenderedFile:
    """A web edition's page: its HTML with every stylesheet, image and font embedded."""
    from booklets.render.pdf import RenderError
    from booklets.render.web import PageError, self_contained

    try:
        page = self_contained(html, setup.templates_dir, list(setup.allowed))
    except PageError as exc:
        raise RenderError(f"cannot make {paths.web_page(target)}: {exc}") from None
    return RenderedFile(paths.web_page(target), page, 1, "html")


def body_class(html: str, name: str) -> str:
    """The same booklet with a class on <body> (booklet.css: `back-fill` fills the back cover's
    columns in turn, `form-anywhere` lets the form start on any page)."""
    return re.sub(r'<body class="', f'<body class="{name} ', html, count=1)
