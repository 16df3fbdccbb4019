"""PDF stage: HTML to PDF with WeasyPrint, restricted to the project's own files, deterministic.

* Resources load only through :class:`ProjectFetcher`: files under the allowed folders (templates,
  content, the font package); no network, no `file://` elsewhere, symlinks resolved first.
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse


class ResourceRefused(FatalURLFetchingError):
    """Raised by the fetcher; WeasyPrint lets FatalURLFetchingError through instead of logging it."""


class ProjectFetcher(URLFetcher):
    """Serves only local files inside the allowed folders; everything else stops the render."""

    def __init__(self, allowed: list[Path]) -> None:
        super().__init__(allowed_protocols={"file"}, fail_on_errors=True)
        self.allowed = [p.resolve() for p in allowed]

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ResourceRefused(f"refused to load {url!r}: only files inside the project are allowed")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.allowed):
            raise ResourceRefused(f"refused to load {path}: it is outside the project's folders")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ResourceRefused(f"cannot read {path}: {exc.strerror}") from None
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, data, headers={"Content-Type": mime})


class RenderError(Exception):
    """A target could not be rendered; the message says why in one line."""


# About the machine, not the booklet: fontTools subsets deterministically with SOURCE_DATE_EPOCH.
_BENIGN = ("Using fontTools instead of HarfBuzz-Subset",)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith(_BENIGN):
            return
        self.messages.append(record.getMessage().splitlines()[0])


@contextmanager
def _captured_log() -> Iterator[_Capture]:
    logger = logging.getLogger("weasyprint")
    handler = _Capture()
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


@dataclass(frozen=True)
class PdfOptions:
    """What an edition asks of the PDF writer."""

    pdf_variant: str | None = None
    pad_to_multiple: int = 1
    notes_pages: int = 0
    epoch: int = 0
    bleed_mm: float = 0


def render_pdf(html: str, base_dir: Path, allowed: list[Path], options: PdfOptions) -> tuple[bytes, int]:
    """Render one booklet. Returns the PDF bytes and its page count; raises RenderError."""
    # fontTools stamps the current time into subset fonts unless this is set (no harfbuzz-subset).
    os.environ["SOURCE_DATE_EPOCH"] = str(options.epoch)
    fetcher = ProjectFetcher(allowed)
    with _captured_log() as log:
        try:
            document = weasyprint.HTML(string=html, base_url=base_dir.as_uri() + "/", url_fetcher=fetcher).render(
                pdf_variant=options.pdf_variant)
            pages = document.pages
            if options.notes_pages:
                pages = _pad(pages, options.pad_to_multiple, options.notes_pages)
                document = document.copy(pages)
            data = document.write_pdf(pdf_identifier=True, pdf_variant=options.pdf_variant,
                                      finisher=_bleed_box(options.bleed_mm))
        except FatalURLFetchingError as exc:
            raise RenderError(str(exc)) from None
    if log.messages:
        raise RenderError("; ".join(dict.fromkeys(log.messages)))
    return bytes(data), len(pages)


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
