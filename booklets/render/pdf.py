"""PDF stage: HTML to PDF with WeasyPrint, restricted to the project's own files, deterministic.

* Resources load only through :class:`ProjectFetcher`: files under the allowed folders (templates,
  content/assets, the font package); no network, no `file://` elsewhere, symlinks resolved first,
  no hidden file, device or FIFO, nothing over MAX_RESOURCE_BYTES.
* WeasyPrint logs (rather than raises) missing images, refused URLs and bad CSS and still writes a
  PDF; we capture its log during a render and fail the target on any warning or error.
* Bytes are reproducible: creation dates come from the content (`dcterms.created`), the PDF /ID
  is a hash of the content, fonts come only from the project and are subset by fontTools on every
  machine (render/pinned.py), pinned with SOURCE_DATE_EPOCH.
* A problem WeasyPrint only logs (a stylesheet mistake, a link that leads nowhere, a character no
  font has, an image it cannot use) fails the target, at the file and line that has it when that
  can be found (render/diagnose.py).
* Print editions pad to a multiple of pages with notes pages before the back cover, in one layout
  pass: the template always lays out the maximum number of notes pages and we drop the extra ones
  from the end of that run (their neighbours keep correct page numbers).
* With bleed, the PDF BleedBox is exactly the edition's bleed beyond the TrimBox (WeasyPrint would
  put it up to 10 pt out, into the crop-mark area); set while writing, in the same pass.
* Tagged editions (a `pdf_variant`) get their structure tree finished by tagging.py, in the same
  finisher, before WeasyPrint writes the file: running heads and feet as artifacts, one described
  Link element per link, no empty elements (PDF/UA-1).
* Parts that must stay on one page (the form: from its `form` anchor to `content-end`) are checked
  in the layout itself; NotOnePage says which did not fit, and the caller decides (target.py). A
  part that ends the booklet (the back cover) and has a tighter setting is first laid out again by
  itself with it (alone.py): one page, not the whole booklet, for a second layout.
* Each page records its text block (the page area the stylesheet's margins leave) in its
  /PieceInfo, the PDF's place for a program's own data, so `check --pdf` can tell a line that runs
  into the margin without guessing the margins (check/layout.py).
"""

from __future__ import annotations

import logging
import mimetypes
import os
import re
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, NoReturn
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from booklets import paths
from booklets.errors import BookletError, Problem
from booklets.render import diagnose, pinned
from booklets.render.alone import lay_out_alone
from booklets.render.marks import registration_marks
from booklets.render.pagination import MissingPages, pad, pages_spanned, right_form_costs_a_sheet
from booklets.render.tagging import finish_tags


class ResourceRefused(FatalURLFetchingError):  # type: ignore[misc]
    """Raised by the fetcher: WeasyPrint lets FatalURLFetchingError through instead of logging."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"refused to load {url}: {reason}")
        self.url = url


class ProjectFetcher(URLFetcher):  # type: ignore[misc]
    """Serves only local files inside the allowed folders; everything else stops the render."""

    def __init__(self, allowed: list[Path]) -> None:
        super().__init__(allowed_protocols={"file"}, fail_on_errors=True)
        self.allowed = [p.resolve() for p in allowed]
        # WeasyPrint catches some fetch errors itself (an <image> inside SVG, for one) and only
        # logs a vague line; remembering every refusal lets the render report the real reason.
        self.refused: list[ResourceRefused] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        try:
            return self._fetch(url)
        except ResourceRefused as exc:
            self.refused.append(exc)
            raise

    def _fetch(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ResourceRefused(url, "only files inside the project are used, never the network")
        # Resolve links first: a link inside the project that points outside is outside.
        path = Path(unquote(parts.path)).resolve()
        home = next((root for root in self.allowed if path.is_relative_to(root)), None)
        if home is None:
            raise ResourceRefused(url, f"{path} is outside the project's templates/ and content/assets/")
        # The inputs hash counts exactly what may be read here (paths.renderer_may_read).
        if not paths.renderer_may_read(PurePosixPath(path.relative_to(home).as_posix())):
            raise ResourceRefused(url, f"{path} is a hidden file or an editor's backup; give the "
                                  "resource a plain name")
        data = read_resource(path, lambda why: ResourceRefused(url, why))
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, data, headers={"Content-Type": mime})


MAX_RESOURCE_BYTES = 64 * 1024 * 1024  # an image or font far larger is a wrong file


def read_resource(path: Path, refuse: Callable[[str], Exception]) -> bytes:
    """A plain file's bytes, read without blocking or without bound: a FIFO, a device or a file
    over MAX_RESOURCE_BYTES raises refuse(reason) before anything is read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise refuse(f"cannot read {path}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise refuse(f"{path} is not a plain file (a device, FIFO or folder)")
        if st.st_size > MAX_RESOURCE_BYTES:
            raise refuse(f"{path} is {st.st_size:,} bytes, over the {MAX_RESOURCE_BYTES:,} byte limit")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_RESOURCE_BYTES + 1)
    except OSError as exc:
        raise refuse(f"cannot read {path}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_RESOURCE_BYTES:  # it grew while we read
        raise refuse(f"{path} is over the {MAX_RESOURCE_BYTES:,} byte limit")
    return data


class RenderError(Exception):
    """A target could not be rendered; the message says why in one line."""


class FormCostsASheet(RenderError):
    """A right-hand form with Notes on its back would need one more sheet than a form on the next
    page (raised only when the edition asks for `right-if-free`)."""


class NotOnePage(RenderError):
    """A part that must be one page ran onto the next (`anchor` is where it starts)."""

    def __init__(self, anchor: str, pages: int) -> None:
        super().__init__(f"#{anchor} runs over {pages} pages; it must fit on one")
        self.anchor = anchor
        self.pages = pages


# WeasyPrint's advice to install HarfBuzz-subset: fontTools is our choice (render/pinned.py).
_BENIGN = ("Using fontTools instead of HarfBuzz-Subset",)


# WeasyPrint's CSS warnings (they say `at line:column` but not in which stylesheet).
_CSS_WARNING = re.compile(r"^(Ignored `|Parse error at|Unknown empty rule|Invalid or unsupported selector|"
                          r"Deprecated `|@import rule|Missing \S+ descriptor)")


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self.missing_glyphs: dict[int, None] = {}  # code points, in order of first use
        self.css: list[tuple[str, str | None]] = []  # (message, stylesheet being read)
        self.anchors: dict[str, None] = {}  # links to #anchors that lead nowhere
        self.images: list[tuple[str, Any]] = []  # (url, exception) of images that failed

    def emit(self, record: logging.LogRecord) -> None:
        text, template = record.getMessage(), str(record.msg)
        args = record.args if isinstance(record.args, tuple) else ()
        if text.startswith(_BENIGN):
            return
        if template.startswith(".notdef glyph") and args and isinstance(args[-1], int):
            self.missing_glyphs[args[-1]] = None
        elif _CSS_WARNING.match(text):
            self.css.append((text.splitlines()[0], pinned.current_stylesheet()))
        elif template.startswith("No anchor #") and args:
            self.anchors[str(args[0])] = None
        elif template.startswith("Failed to load image at") and len(args) == 2:
            self.images.append((str(args[0]), args[1]))
        else:
            self.messages.append(text.splitlines()[0])


@contextmanager
def weasyprint_log() -> Iterator[_Capture]:
    """WeasyPrint's warnings during one render, collected instead of logged.

    The one place that touches WeasyPrint's logger, and only for the duration of the call: its
    level, handlers and propagation are put back afterwards, so nothing leaks to the caller's
    logging (a test run, a preview server) and no later render inherits a changed logger.
    """
    logger = logging.getLogger("weasyprint")
    handler = _Capture()
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


@contextmanager
def source_date_epoch(epoch: int) -> Iterator[None]:
    """SOURCE_DATE_EPOCH for the duration of one render, then as it was.

    fontTools stamps the current time into subset fonts unless it is set (when WeasyPrint subsets
    with fontTools rather than HarfBuzz); the environment is process-wide, so it is set only
    around the call that needs it.
    """
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


@dataclass(frozen=True)
class PdfOptions:
    """What an edition asks of the PDF writer."""

    pdf_variant: str | None = None
    pad_to_multiple: int = 1
    notes_pages: int = 0
    epoch: int = 0
    bleed_mm: float = 0
    min_notes: int = 0
    """Notes pages always kept (1 when the form's back must be a Notes page)."""
    one_page: tuple[tuple[str, str], ...] = ()
    """(start, end) anchors that must be on one page, e.g. ("form", "content-end")."""
    form_right_if_free: bool = False
    """Raise FormCostsASheet if the right-hand form makes the booklet a sheet longer."""
    tight: tuple[tuple[str, str], ...] = ()
    """(start anchor, class on <body>) of a one-page part that ends the booklet: when it runs over,
    it is laid out again by itself with that class (alone.py), e.g. ("back-cover", "back-fill")."""


def render_pdf(
    html: str, base_dir: Path, allowed: list[Path], options: PdfOptions
) -> tuple[bytes, int]:
    """Render one booklet. Returns the PDF bytes and its page count; raises RenderError."""
    pinned.pin()  # only the project's fonts, one subsetter: whatever else changed the settings
    fetcher = ProjectFetcher(allowed)
    with source_date_epoch(options.epoch), weasyprint_log() as log:
        try:
            source = weasyprint.HTML(
                string=html, base_url=base_dir.as_uri() + "/", url_fetcher=fetcher)
            # One image cache for the layouts of this booklet: an image a second layout shows
            # again (the logo on the back cover) is then the same image, written once.
            render: dict[str, Any] = {"pdf_variant": options.pdf_variant, "cache": {}}
            document = source.render(**render)
            pages = document.pages
            alone = []  # second layouts whose pages are used: kept until written (their fonts)
            for start, end in options.one_page:
                if (spanned := pages_spanned(pages, start, end)) in (None, 1):
                    continue
                tight = dict(options.tight).get(start)
                second = None if tight is None else lay_out_alone(source, pages, start, tight, **render)
                if second is None or pages_spanned(second[0], start, end) not in (None, 1):
                    raise NotOnePage(start, spanned)
                pages = second[0]
                alone.append(second[1])
            if options.form_right_if_free and options.notes_pages and right_form_costs_a_sheet(
                    pages, options.pad_to_multiple, options.min_notes):
                raise FormCostsASheet("a right-hand form would cost a sheet")
            if options.notes_pages:
                pages = pad(pages, options.pad_to_multiple, options.notes_pages, options.min_notes)
            if pages is not document.pages:
                document = document.copy(pages)
            data = document.write_pdf(pdf_identifier=True, pdf_variant=options.pdf_variant,
                                      finisher=_finish(options.bleed_mm, options.epoch))
        except FatalURLFetchingError as exc:
            if _refusal(exc) is None:
                raise RenderError(str(exc)) from None
            # else our own refusal, already in fetcher.refused
        except MissingPages as exc:
            raise BookletError([diagnose.missing_pages(exc.anchor, base_dir)]) from None
        except Exception as exc:  # WeasyPrint failing on an input (a stylesheet it cannot read)
            where = diagnose.declaration_crash(exc, base_dir)
            if where is None:
                raise
            raise BookletError([where]) from None
    if fetcher.refused:
        _report_refusal(fetcher.refused[0], base_dir)
    _report_located(log, base_dir)
    if log.messages:
        raise RenderError("; ".join(dict.fromkeys(log.messages)))
    return bytes(data), len(pages)


def _report_located(log: _Capture, templates_dir: Path) -> None:
    """Raise every problem found while rendering that is the input's (a character no project font
    has, a stylesheet mistake, a link that leads nowhere, an image that cannot be shown) at the
    line that has it; what cannot be located stays a message for the booklet."""
    root = templates_dir.parent
    found: list[Problem | None] = []
    unlocated: list[str] = []
    for cp in log.missing_glyphs:
        found.append(diagnose.missing_character(chr(cp), root / paths.CONTENT))
        if found[-1] is None:
            unlocated.append(f"the character {chr(cp)!r} (U+{cp:04X}) is in none of the booklet's "
                             "fonts, so the PDF would show an empty box; remove it or write it another way")
    for message, sheet in log.css:
        found.append(diagnose.stylesheet_problem(message, sheet, templates_dir))
        if found[-1] is None:
            unlocated.append(message)
    for anchor in log.anchors:
        found.append(diagnose.anchor_problem(anchor, root))
        if found[-1] is None:
            unlocated.append(f"a link to #{anchor} leads nowhere in this booklet")
    for url, exc in log.images:
        found.append(diagnose.image_problem(url, exc, root))
        if found[-1] is None:
            unlocated.append(f"the image {url} cannot be shown")
    problems = [p for p in found if p is not None]
    if problems:
        raise BookletError(problems)
    log.messages[:0] = unlocated


def _report_refusal(refused: ResourceRefused, templates_dir: Path) -> NoReturn:
    """Raise the refusal: as bad input at its template line if it is written in a template (the
    same mistake in every booklet), else as this target's render error."""
    where = diagnose.locate_reference(refused.url, templates_dir)
    if where is None:
        raise RenderError(str(refused))
    raise BookletError([Problem(where.file, where.line, where.column, "", str(refused))])


def _refusal(exc: BaseException) -> ResourceRefused | None:
    """Our own refusal, which WeasyPrint may have wrapped in another FatalURLFetchingError."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ResourceRefused):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _finish(bleed_mm: float, epoch: int) -> Any:
    """A WeasyPrint finisher: BleedBox = TrimBox + bleed, crop marks in registration colour (drawn only
    with a bleed), the text block in each page's /PieceInfo (read back by check/layout.py), and a tagged
    PDF's structure finished (tagging.py)."""
    import datetime as dt

    import pydyf
    bleed = bleed_mm * 72 / 25.4
    stamp = pydyf.String(dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("D:%Y%m%d%H%M%SZ"))

    def finish(document: Any, pdf: Any) -> None:
        if bleed:
            registration_marks(pdf)
        page_dicts = [obj for obj in pdf.objects if isinstance(obj, dict) and obj.get("Type") == "/Page"]
        for obj, page in zip(page_dicts, document.pages, strict=True):
            if bleed and "TrimBox" in obj:
                x0, y0, x1, y1 = obj["TrimBox"]
                box = [x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed]
                obj["BleedBox"] = type(obj["TrimBox"])(box)  # a pydyf.Array, like the TrimBox
            area = text_block(page)
            if area is not None:
                obj["LastModified"] = stamp  # required with /PieceInfo
                obj["PieceInfo"] = pydyf.Dictionary({PIECE: pydyf.Dictionary({
                    "LastModified": stamp,
                    "Private": pydyf.Dictionary({"TextBlock": pydyf.Array([round(v, 3) for v in area])}),
                })})
        finish_tags(pdf)  # last: it reads the pages as they will be written

    return finish


PIECE = "Booklets"
"""The /PieceInfo key this program's page data is stored under."""


def text_block(page: Any) -> tuple[float, float, float, float] | None:
    """A laid-out page's content area (inside its margins) in PDF points, origin at the bottom left
    of the trim: (x0, y0, x1, y1)."""
    box = getattr(page, "_page_box", None)
    if box is None:
        return None
    pt = 0.75  # CSS px -> PDF points
    height = page.height * pt
    x, y = box.content_box_x() * pt, box.content_box_y() * pt
    return x, height - y - box.height * pt, x + box.width * pt, height - y
