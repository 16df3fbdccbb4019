"""Scan reading for `records`: every page of scanned PDFs and images, and the QR codes on them.

A page becomes a greyscale image (a scanned PDF page: the scan image it holds, as it is; any other
PDF page drawn by pypdfium2; image files as they are, every frame of a multi-page TIFF) and goes to
zxing-cpp. The decoder is asked only for QR codes and never for inverted or 90°-turned symbols: a
QR code's finder patterns are found at any angle anyway (measured: pages turned 90/180/270° and
skewed 4° read the same without `try_rotate`, in less time), and a negative page is turned back
before it is decoded.

One binarizer is not enough for real scans, so a page goes through up to three passes, stopping
as soon as every symbol found on it is decoded (`python benchmarks/records.py --decoder` measures
each option on scanned form pages; its figures are in the README, "Signed forms back into the
training record"):

1. FixedThreshold: the fastest, and it reads noisy, JPEG-blurred scans where the local threshold
   breaks modules up (150 dpi, heavy noise: 22 of 24 codes, LocalAverage 16);
2. LocalAverage (zxing's default): for what a fixed threshold cannot separate, unevenly lit or
   grey-printed pages;
3. FixedThreshold on the page enlarged 1.5×, only when a pass found a symbol it could not decode:
   a 150 dpi scan's 0.4 mm modules are 2.4 pixels, and interpolation gives the sampler room (24 of
   24 above). Enlarging costs several times the two other passes, so a page without any symbol (a
   booklet page) is not enlarged; the one code in 24 that heavy noise then hides is not lost
   silently: its person is `missing` and its page is listed as print without a records code.

A nearly white page is recognised from its histogram and not decoded at all.

A symbol zxing detects but cannot decode (it returns it with `return_errors=True`, `valid` false)
is kept when no pass decoded a symbol at the same place: a person has to look at that page.

Pages are read in chunks by a pool of worker processes (a fork server, as for rendering), never
more than a few chunks in flight, so memory does not grow with the number of pages. A page that
crashes its worker (a damaged PDF in PDFium) is found by reading the chunks in flight again one
page at a time, and reported; the other pages are read.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
import tempfile
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from booklets.errors import Problem
from booklets.packets.qrdecode import MAX_PIXELS, decode, inspect, to_grey

PDF_DPI = 200  # a PDF page without a scanned image in it (a PDF straight from `packets`)
MIN_DPI, MAX_DPI = 150, 300  # a scan's own resolution, kept within what the decoder needs
CHUNK = 8  # pages per task: few tasks to send, yet both cores busy to the last pages
MAX_TEXT = 200  # longer decoded text is cut in reports (a records code is ~40 characters)

# Pillow's decoders raise many kinds of exception on a damaged file (OSError, SyntaxError,
# ValueError, TypeError, struct.error, IndexError...); around its calls, any of them means "this
# file or page cannot be read", never a bug of ours.
_PILLOW_ERRORS = (Exception,)

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),  # JPEG
    (b"II*\x00", "image"),  # TIFF, little-endian
    (b"MM\x00*", "image"),  # TIFF, big-endian
)


@dataclass(frozen=True)
class Source:
    """One scan file: how messages name it, what it is, and how many pages it has."""

    path: Path
    name: str
    kind: Literal["pdf", "image"]
    pages: int


@dataclass(frozen=True)
class PageRead:
    """What one page held. `page` counts from 1, as a PDF viewer shows it."""

    source: int  # index into the sources
    page: int
    codes: tuple[str, ...] = ()  # decoded QR texts, in the order found
    undecodable: tuple[str, ...] = ()  # symbols found but not decoded: zxing's reason for each
    blank: bool = False
    problem: str = ""  # why the page could not be read at all ('' when it was)


# --- opening the inputs --------------------------------------------------------------------------

def open_sources(paths: Sequence[Path], names: Sequence[str]) -> tuple[list[Source], list[Problem]]:
    """Check every scan file and count its pages; one problem per unusable file, all of them."""
    sources: list[Source] = []
    problems: list[Problem] = []
    for path, name in zip(paths, names, strict=True):
        try:
            sources.append(_open_source(path, name))
        except _Unusable as exc:
            problems.append(Problem(name, message=str(exc)))
    return sources, problems


class _Unusable(Exception):
    """A scan file that cannot be read; the message says why and what to do."""


def _open_source(path: Path, name: str) -> Source:
    if not path.exists():
        raise _Unusable("no such file; check the path")
    if not path.is_file():
        raise _Unusable("is not a file (a folder or a device); pass the scanned PDF or image files")
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise _Unusable(f"cannot be read: {exc.strerror}") from None
    if b"%PDF-" in head:  # the PDF header may follow some junk bytes, as readers allow
        return Source(path, name, "pdf", _pdf_pages(path))
    if any(head.startswith(magic) for magic, _ in _MAGIC):
        return Source(path, name, "image", _image_frames(path))
    found = "an empty file" if not head else f"a file starting {head[:8]!r}"
    raise _Unusable(f"is not a PDF or an image (PNG, JPEG, TIFF); found {found}; scan to PDF, PNG, JPEG or TIFF")


def _pdf_pages(path: Path) -> int:
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as exc:
        hint = ("it is protected by a password; save an unprotected copy" if "password" in str(exc).lower()
                else "it is damaged or not a PDF; scan it again or export it again from the scanner")
        raise _Unusable(f"cannot be opened as a PDF ({exc}); {hint}") from None
    try:
        count = len(pdf)
    finally:
        pdf.close()
    if not count:
        raise _Unusable("is a PDF without pages; check that this is the right file")
    return count


def _image_frames(path: Path) -> int:
    from PIL import Image

    with warnings.catch_warnings(), _c_stderr() as said:
        warnings.simplefilter("ignore")  # "corrupt EXIF data" and the like: the pages are what matter
        try:
            with Image.open(path) as image:
                return int(getattr(image, "n_frames", 1))
        except _PILLOW_ERRORS as exc:
            detail = said()
            reason = f"{exc}; the decoder says: {detail}" if detail else str(exc)
    raise _Unusable(f"cannot be read as an image ({reason}); scan it again or save it again")


# --- reading pages ------------------------------------------------------------------------------

ChunkReader = Callable[[Source, int, int, int], list[PageRead]]


def read_chunk(source: Source, index: int, first: int, stop: int) -> list[PageRead]:
    """Pages first..stop-1 (0-based) of one source, each decoded; a bad page is a PageRead with a
    problem, never an exception, so the rest of the chunk is still read."""
    out: list[PageRead] = []
    with warnings.catch_warnings(), _c_stderr() as said, _strict_images():
        warnings.simplefilter("ignore")  # Pillow's "corrupt EXIF data" and the like: the pixels are what matter
        for page, image, problem in _images(source, first, stop):
            if image is None:
                detail = said()
                out.append(PageRead(index, page + 1, problem=problem + (f" (the decoder says: {detail})"
                                                                        if detail else "")))
                continue
            image, blank = inspect(image)
            if blank:
                out.append(PageRead(index, page + 1, blank=True))
                continue
            codes, undecodable = decode(image)
            out.append(PageRead(index, page + 1, codes, undecodable))
    return out


@contextmanager
def _strict_images() -> Iterator[None]:
    """A truncated image is an error, not a page padded with grey. WeasyPrint, once imported in a
    process, tells Pillow otherwise for everyone (ImageFile.LOAD_TRUNCATED_IMAGES = True)."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before


@contextmanager
def _c_stderr() -> Iterator[Callable[[], str]]:
    """Catch what C libraries write straight to file descriptor 2 (libtiff reports a damaged TIFF
    so, line by line): the user gets one line per problem, with the decoder's last words in it.

    Safe because nothing else runs meanwhile: read_chunk reads its whole chunk before returning."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)

        def said() -> str:
            sink.seek(0)
            lines = sink.read().decode("utf-8", "replace").split("\n")
            sink.seek(0)
            sink.truncate()
            text = " ".join(line.strip() for line in lines if line.strip())
            return text if text.isprintable() and len(text) < 300 else repr(text[:300])

        try:
            yield said
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _images(source: Source, first: int, stop: int) -> Iterator[tuple[int, Any, str]]:
    """(page index, greyscale PIL image or None, problem) for each page of the range."""
    if source.kind == "pdf":
        yield from _pdf_images(source.path, first, stop)
    else:
        yield from _file_images(source.path, first, stop)


def _pdf_images(path: Path, first: int, stop: int) -> Iterator[tuple[int, Any, str]]:
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as exc:  # the file changed since it was opened
        for page in range(first, stop):
            yield page, None, f"cannot be opened as a PDF any more ({exc})"
        return
    try:
        for index in range(first, stop):
            try:
                page = pdf[index]
                try:
                    image = _page_image(page)
                finally:
                    page.close()
            except (pypdfium2.PdfiumError, ValueError, OSError) as exc:
                yield index, None, f"cannot be drawn ({exc}); the page is damaged: scan it again"
                continue
            yield index, image, ""
    finally:
        pdf.close()


def _page_image(page: Any) -> Any:
    """The page as a greyscale image. A scanner's page is one image covering the page: its own
    pixels are taken as they are (5-10× faster than drawing the page, measured, and nothing is
    resampled); any other page is drawn by PDFium."""
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()
    images = list(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2))
    if len(images) == 1:
        left, bottom, right, top = images[0].get_bounds()
        if (right - left) * (top - bottom) >= 0.8 * width * height:
            try:
                return to_grey(images[0].get_bitmap(render=False).to_pil())
            except pypdfium2.PdfiumError:
                pass  # an image PDFium cannot hand over raw: draw the page instead
    return page.render(scale=_pdf_scale(width, height, images), grayscale=True,
                       may_draw_forms=False).to_pil().convert("L")


def _pdf_scale(width: float, height: float, images: list[Any]) -> float:
    """Draw at the resolution of the largest image on the page (a scan in several strips, or
    with other things drawn on it), kept within MIN_DPI..MAX_DPI and MAX_PIXELS."""
    dpi = 0.0
    for obj in images:
        left, bottom, right, top = obj.get_bounds()
        px_w, px_h = obj.get_px_size()
        extent = max(right - left, top - bottom)
        if extent * 2 >= max(width, height):  # only images at least half the page: the scan itself
            dpi = max(dpi, max(px_w, px_h) / extent * 72)
    dpi = min(max(dpi, MIN_DPI), MAX_DPI) if dpi else PDF_DPI
    scale = dpi / 72
    area = width * height * scale * scale
    return scale * math.sqrt(MAX_PIXELS / area) if area > MAX_PIXELS else scale


def _file_images(path: Path, first: int, stop: int) -> Iterator[tuple[int, Any, str]]:
    from PIL import Image

    try:
        image = Image.open(path)
    except _PILLOW_ERRORS as exc:
        for index in range(first, stop):
            yield index, None, f"cannot be read as an image any more ({exc})"
        return
    with image:
        for index in range(first, stop):
            try:
                image.seek(index)
                grey = to_grey(image)
            except _PILLOW_ERRORS as exc:
                yield index, None, f"cannot be read ({exc}); the image is damaged: scan it again"
                continue
            yield index, grey, ""


# --- the worker pool -----------------------------------------------------------------------------

def read_pages(sources: Sequence[Source], jobs: int, reader: ChunkReader = read_chunk) -> Iterator[PageRead]:
    """Every page of every source, in no particular order, with at most a few chunks in memory."""
    chunks = [(i, start, min(start + CHUNK, s.pages)) for i, s in enumerate(sources)
              for start in range(0, s.pages, CHUNK)]
    if jobs <= 1 or len(chunks) <= 1:
        for index, first, stop in chunks:
            yield from reader(sources[index], index, first, stop)
        return
    left = deque(chunks)
    while left:
        suspects: list[tuple[int, int, int]] = []
        yield from _pool_pass(sources, left, jobs, reader, suspects)
        pages = deque((index, page) for index, first, stop in suspects for page in range(first, stop))
        while pages:
            yield from _one_by_one(sources, pages, reader)


def _context() -> Any:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["booklets.packets.scan"])
        return ctx
    return multiprocessing.get_context("spawn")  # pragma: no cover - not POSIX


def _pool_pass(sources: Sequence[Source], left: deque[tuple[int, int, int]], jobs: int, reader: ChunkReader,
               suspects: list[tuple[int, int, int]]) -> Iterator[PageRead]:
    """Read chunks from `left` until it is empty or a worker dies; then the chunks in flight are
    put in `suspects` (to be read page by page) and the rest stay in `left` for a fresh pool."""
    inflight: dict[Future[list[PageRead]], tuple[int, int, int]] = {}
    try:
        with ProcessPoolExecutor(jobs, mp_context=_context()) as pool:
            while left or inflight:
                while left and len(inflight) < 2 * jobs:
                    chunk = left.popleft()
                    inflight[pool.submit(reader, sources[chunk[0]], *chunk)] = chunk
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for future in done:
                    pages = future.result()  # raises BrokenProcessPool if a worker died
                    del inflight[future]
                    yield from pages
    except BrokenProcessPool:
        suspects.extend(inflight.values())


def _one_by_one(sources: Sequence[Source], pages: deque[tuple[int, int]], reader: ChunkReader) -> Iterator[PageRead]:
    """Pages read in order by one worker until it dies: the page it was reading is the one that
    killed it (reported); the pages after it are left in `pages` for a fresh worker."""
    try:
        with ProcessPoolExecutor(1, mp_context=_context()) as pool:
            futures = [pool.submit(reader, sources[index], index, page, page + 1) for index, page in pages]
            for future in futures:
                result = future.result()
                pages.popleft()
                yield from result
    except BrokenProcessPool:
        index, page = pages.popleft()
        yield PageRead(index, page + 1, problem="reading this page stopped its worker process (a damaged page, "
                       "or out of memory); scan it again")
