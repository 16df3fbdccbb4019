"""PDF stage: HTML to PDF with WeasyPrint, restricted to the project's own files, deterministic.

* Resources load only through :class:`ProjectFetcher`: files under the allowed folders (templates,
  content/assets, the font package); no network, no `file://` elsewhere, symlinks resolved first,
  no hidden file, device or FIFO, nothing over MAX_RESOURCE_BYTES.
* WeasyPrint logs (rather than raises) missing images, refused URLs and bad CSS and still writes a
  PDF; we capture its log during a render and fail the target on any warning or error.
* Bytes are reproducible: creation dates come from the content (`dcterms.created`), the PDF /ID
  is a hash of the content, and font subsetting is pinned with SOURCE_DATE_EPOCH.
* Print editions pad to a multiple of pages with notes pages before the back cover, in one layout
  pass: the template always lays out the maximum number of notes pages and we drop the extra ones
  from the end of that run (their neighbours keep correct page numbers).
* With bleed, the PDF BleedBox is exactly the edition's bleed beyond the TrimBox (WeasyPrint would
  put it up to 10 pt out, into the crop-mark area); set while writing, in the same pass.
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
from urllib.parse import unquote, urljoin, urlsplit

import weasyprint
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from booklets import paths
from booklets.errors import BookletError, Problem


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


# Where templates and stylesheets name resources: src="", href="", data="", url(), @import "".
_REFERENCE = re.compile(
    r"""\b(?:src|href|data)\s*=\s*["']([^"']*)["']|url\(\s*["']?([^"')\s]*)|@import\s+["']([^"']*)["']""",
    re.IGNORECASE,
)


def _same_resource(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "file":
        return "file:" + str(Path(unquote(parts.path)).resolve())
    return url


def locate_reference(url: str, templates_dir: Path) -> Problem | None:
    """Where in templates/ a refused URL is written, if it is written there literally."""
    wanted = _same_resource(url)
    root = templates_dir.resolve()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in (".j2", ".html", ".css", ".svg"):
            continue
        # HTML resolves against the templates folder, a stylesheet against itself.
        base = path.as_uri() if path.suffix in (".css", ".svg") else root.as_uri() + "/"
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in _REFERENCE.finditer(text):
            ref = next(g for g in match.groups() if g is not None)
            if "{" in ref or _same_resource(urljoin(base, ref)) != wanted:
                continue
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - text.rfind("\n", 0, match.start())
            rel = "templates/" + path.relative_to(root).as_posix()
            return Problem(rel, line, column, "", "")
    return None


class RenderError(Exception):
    """A target could not be rendered; the message says why in one line."""


# About the machine, not the booklet: fontTools subsets deterministically with SOURCE_DATE_EPOCH.
_BENIGN = ("Using fontTools instead of HarfBuzz-Subset",)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self.missing_glyphs: dict[int, None] = {}  # code points, in order of first use

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith(_BENIGN):
            return
        if str(record.msg).startswith(".notdef glyph") and isinstance(record.args, tuple):
            codepoint = record.args[-1]
            if isinstance(codepoint, int):
                self.missing_glyphs[codepoint] = None
                return
        self.messages.append(record.getMessage().splitlines()[0])


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


def render_pdf(
    html: str, base_dir: Path, allowed: list[Path], options: PdfOptions
) -> tuple[bytes, int]:
    """Render one booklet. Returns the PDF bytes and its page count; raises RenderError."""
    fetcher = ProjectFetcher(allowed)
    with source_date_epoch(options.epoch), weasyprint_log() as log:
        try:
            source = weasyprint.HTML(
                string=html, base_url=base_dir.as_uri() + "/", url_fetcher=fetcher)
            document = source.render(pdf_variant=options.pdf_variant)
            pages = document.pages
            if options.notes_pages:
                pages = _pad(pages, options.pad_to_multiple, options.notes_pages)
                document = document.copy(pages)
            data = document.write_pdf(pdf_identifier=True, pdf_variant=options.pdf_variant,
                                      finisher=_bleed_box(options.bleed_mm))
        except FatalURLFetchingError as exc:
            if _refusal(exc) is None:
                raise RenderError(str(exc)) from None
            # else our own refusal, already in fetcher.refused
    if fetcher.refused:
        _report_refusal(fetcher.refused[0], base_dir)
    if log.missing_glyphs:
        _report_missing_glyphs(list(log.missing_glyphs), [base_dir.parent / paths.CONTENT])
    if log.messages:
        raise RenderError("; ".join(dict.fromkeys(log.messages)))
    return bytes(data), len(pages)


def _report_refusal(refused: ResourceRefused, templates_dir: Path) -> NoReturn:
    """Raise the refusal: as bad input at its template line if it is written in a template (the
    same mistake in every booklet), else as this target's render error."""
    where = locate_reference(refused.url, templates_dir)
    if where is None:
        raise RenderError(str(refused))
    raise BookletError([Problem(where.file, where.line, where.column, "", str(refused))])


def _report_missing_glyphs(codepoints: list[int], folders: list[Path]) -> NoReturn:
    """Characters no font has: name where content writes each, or say what is missing."""
    problems = []
    for cp in codepoints:
        where = _find_character(chr(cp), folders)
        message = (f"the character {chr(cp)!r} (U+{cp:04X}) is in none of the booklet's fonts, so "
                   "the PDF would show an empty box; remove it or write it another way")
        if where is None:
            raise RenderError(message)
        problems.append(Problem(where[0], where[1], where[2], "", message))
    raise BookletError(problems)


# YAML's named escapes in double-quoted text (\\N, \\_, \\L, \\P), for characters fonts may lack.
_YAML_NAMED_ESCAPES = {"\x85": "\\N", "\xa0": "\\_", "\u2028": "\\L", "\u2029": "\\P"}


def _find_character(ch: str, folders: list[Path]) -> tuple[str, int, int] | None:
    """The first place a content file (*.yaml in the project's folders) has this character,
    as itself or as a YAML escape (\\u0808, \\U00000808, \\x08)."""
    cp = ord(ch)
    forms = [re.escape(ch), rf"\\u{cp:04x}", rf"\\U{cp:08x}"]
    if cp < 256:
        forms.append(rf"\\x{cp:02x}")
    if ch in _YAML_NAMED_ESCAPES:
        forms.append(re.escape(_YAML_NAMED_ESCAPES[ch]))
    pattern = re.compile("|".join(forms), re.IGNORECASE)
    for folder in folders:
        root = folder.resolve()
        for path in sorted(root.rglob("*.yaml")):
            if not path.is_file() or path.stat().st_size > 1024 * 1024:
                continue  # a FIFO or a huge file: not content (the loader says so)
            text = path.read_text(encoding="utf-8-sig", errors="replace")
            found = pattern.search(text)
            if found:
                at = found.start()
                line = text.count("\n", 0, at) + 1
                rel = f"{root.name}/{path.relative_to(root).as_posix()}"
                return rel, line, at - text.rfind("\n", 0, at)
    return None


def _refusal(exc: BaseException) -> ResourceRefused | None:
    """Our own refusal, which WeasyPrint may have wrapped in another FatalURLFetchingError."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ResourceRefused):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _pad(pages: list[Any], multiple: int, notes: int) -> list[Any]:
    """Keep just enough of the notes pages (between the content and the back cover) to fill the sheets.

    Pages are found by their anchors (`notes-1`, `back-cover`), so a back cover that runs to two
    pages still ends the booklet and the kept notes pages keep their printed numbers.
    """
    def first(anchor: str) -> int:
        return next(i for i, page in enumerate(pages) if anchor in page.anchors)

    notes_start, back_start = first("notes-1"), first("back-cover")
    body, back = notes_start, len(pages) - back_start
    needed = min((-(body + back)) % multiple, back_start - notes_start)
    return pages[: notes_start + needed] + pages[back_start:]


def _bleed_box(bleed_mm: float) -> Any:
    """A WeasyPrint finisher setting each page's BleedBox to its TrimBox plus the bleed."""
    bleed = bleed_mm * 72 / 25.4

    def finish(document: Any, pdf: Any) -> None:
        for obj in pdf.objects:
            if isinstance(obj, dict) and obj.get("Type") == "/Page" and "TrimBox" in obj:
                x0, y0, x1, y1 = obj["TrimBox"]
                box = [x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed]
                obj["BleedBox"] = type(obj["TrimBox"])(box)  # a pydyf.Array, like the TrimBox

    return finish
