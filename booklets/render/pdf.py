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
* Tagged editions (a `pdf_variant`) get their structure tree finished by tagging.py: running heads
  and feet as artifacts, one described Link element per link, no empty elements (PDF/UA-1).
* Parts that must stay on one page (the form: from its `form` anchor to `content-end`) are checked
  in the layout itself; NotOnePage says which did not fit, and the caller decides (target.py).
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
from booklets.render.marks import registration_marks
from booklets.render.tagging import finish_tagged


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
            document = source.render(pdf_variant=options.pdf_variant)
            pages = document.pages
            for start, end in options.one_page:
                if (spanned := pages_spanned(pages, start, end)) not in (None, 1):
                    raise NotOnePage(start, spanned)
            if options.form_right_if_free and _right_form_costs_a_sheet(pages, options):
                raise FormCostsASheet("a right-hand form would cost a sheet")
            if options.notes_pages:
                pages = _pad(pages, options.pad_to_multiple, options.notes_pages, options.min_notes)
                document = document.copy(pages)
            data = document.write_pdf(pdf_identifier=True, pdf_variant=options.pdf_variant,
                                      finisher=_finish(options.bleed_mm, options.epoch))
        except FatalURLFetchingError as exc:
            if _refusal(exc) is None:
                raise RenderError(str(exc)) from None
            # else our own refusal, already in fetcher.refused
        except _MissingPages as exc:
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
    if options.pdf_variant:
        # Tagged editions: the structure WeasyPrint cannot express (tagging.py).
        return finish_tagged(bytes(data)), len(pages)
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


def pages_spanned(pages: list[Any], start: str, end: str) -> int | None:
    """Pages from where the `start` anchor begins to where `end` does (None: either absent)."""
    where: dict[str, int] = {}  # an anchor is on every page its element reaches: keep the first
    for i, name in ((i, n) for i, page in enumerate(pages) for n in (start, end) if n in page.anchors):
        where.setdefault(name, i)
    return where[end] - where[start] + 1 if start in where and end in where else None


class _MissingPages(Exception):
    def __init__(self, anchor: str) -> None:
        super().__init__(anchor)
        self.anchor = anchor


def _pad(pages: list[Any], multiple: int, notes: int, min_notes: int = 0) -> list[Any]:
    """Keep just enough of the notes pages (between the content and the back cover) to fill the
    sheets, and at least `min_notes` of them.

    Pages are found by their anchors (`notes-1`, `back-cover`), so a back cover that runs to two
    pages still ends the booklet and the kept notes pages keep their printed numbers.
    """
    def first(anchor: str) -> int:
        found = next((i for i, page in enumerate(pages) if anchor in page.anchors), None)
        if found is None:  # a stylesheet hid them: say so, where they are written
            raise _MissingPages(anchor)
        return found

    notes_start, back_start = first("notes-1"), first("back-cover")
    body, back = notes_start, len(pages) - back_start
    needed = min(min_notes + (-(body + back + min_notes)) % multiple, back_start - notes_start)
    return pages[: notes_start + needed] + pages[back_start:]


def _right_form_costs_a_sheet(pages: list[Any], options: PdfOptions) -> bool:
    """Would the booklet be shorter with the form on the next page (no blank page before it, no
    Notes page required behind it) than on a right-hand page with Notes behind it?"""
    form = next((i for i, page in enumerate(pages) if "form" in page.anchors), None)
    if form is None or not options.notes_pages:
        return False
    notes = next(i for i, page in enumerate(pages) if "notes-1" in page.anchors)
    back = len(pages) - next(i for i, page in enumerate(pages) if "back-cover" in page.anchors)
    blank = form > 0 and bool(getattr(getattr(pages[form - 1], "_page_box", None), "page_type", None)
                              and pages[form - 1]._page_box.page_type.blank)
    multiple = options.pad_to_multiple
    right = notes + options.min_notes + (-(notes + back + options.min_notes)) % multiple + back
    plain = notes - blank + (-(notes - blank + back)) % multiple + back
    return right > plain


def _finish(bleed_mm: float, epoch: int) -> Any:
    """A WeasyPrint finisher: BleedBox = TrimBox + bleed, crop marks in registration colour (drawn only
    with a bleed), the text block in each page's /PieceInfo (read back by check/layout.py)."""
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
