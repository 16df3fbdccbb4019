"""Visual regression: selected pages of the default build, as pictures, against committed goldens.

Each page is rendered with pypdfium2 at 24 dpi in greyscale and compared with
tests/golden/pages/<name>.png: the test fails when the mean difference or the share of clearly
different pixels is above the tolerance, and writes the new picture and a difference picture next
to the golden (`<name>.new.png`, `<name>.diff.png`, git-ignored) to look at.

After an intended change of design or content, look at the new pictures, then regenerate them all:

    BOOKLETS_UPDATE_GOLDEN=1 python -m pytest -q tests/test_visual.py

Uses the session's default build, so it adds only the rendering of eleven small pictures.
"""

from __future__ import annotations

import os
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image, ImageChops

GOLDEN = Path(__file__).resolve().parent / "golden" / "pages"
DPI = 24
MEAN_TOLERANCE = 2.5  # mean absolute difference, 0-255 grey levels
CHANGED = 48  # a pixel this much darker or lighter has clearly changed
SHARE_TOLERANCE = 0.01  # at most 1% of the pixels may have clearly changed
UPDATE = os.environ.get("BOOKLETS_UPDATE_GOLDEN") == "1"

# name: (PDF under dist/example/, 1-based pages side by side; negative counts from the end)
PAGES = {
    "cover-staff-en": ("en/staff-screen.pdf", (1,)),
    "cover-residents-es": ("es/residents-print.pdf", (1,)),
    "contents-staff-en": ("en/staff-screen.pdf", (3,)),
    "spread-staff-print-en": ("en/staff-print.pdf", (6, 7)),
    "spread-families-print-es": ("es/families-print.pdf", (8, 9)),
    "form-staff-print-en": ("en/staff-print.pdf", ("form",)),
    "form-residents-large-print-es": ("es/residents-large-print.pdf", ("form",)),
    "back-cover-families-en": ("en/families-screen.pdf", (-1,)),
    "imposed-sheet-staff-en": ("en/staff-print-imposed.pdf", (2,)),
    "large-print-body-staff-en": ("en/staff-large-print.pdf", (5,)),
    "large-print-back-cover-families-es": ("es/families-large-print.pdf", (-1,)),
}


def render(path: Path, pages: tuple[int | str, ...]) -> Image.Image:
    """The pages side by side, greyscale, at DPI."""
    pdf = pypdfium2.PdfDocument(path)
    try:
        images = [pdf[_index(pdf, path, p)].render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
                  for p in pages]
    finally:
        pdf.close()
    out = Image.new("L", (sum(i.width for i in images), max(i.height for i in images)), 255)
    x = 0
    for image in images:
        out.paste(image, (x, 0))
        x += image.width
    return out


def _index(pdf: pypdfium2.PdfDocument, path: Path, page: int | str) -> int:
    if isinstance(page, int):
        return page - 1 if page > 0 else len(pdf) + page
    import pikepdf

    from booklets.check.pdfscan import destinations

    with pikepdf.open(path) as doc:
        return destinations(doc)[page]


def difference(a: Image.Image, b: Image.Image) -> tuple[float, float]:
    """(mean absolute difference, share of clearly changed pixels)."""
    diff = ImageChops.difference(a, b)
    histogram = diff.histogram()
    pixels = a.width * a.height
    mean = sum(level * count for level, count in enumerate(histogram)) / pixels
    changed = sum(histogram[CHANGED:]) / pixels
    return mean, changed


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_looks_as_designed(default_build: Path, name: str) -> None:
    relpath, pages = PAGES[name]
    image = render(default_build / "example" / relpath, pages)
    golden = GOLDEN / f"{name}.png"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        image.save(golden, optimize=True)
        return
    assert golden.is_file(), f"no golden for {name}; run BOOKLETS_UPDATE_GOLDEN=1 python -m pytest tests/test_visual.py"
    expected = Image.open(golden).convert("L")
    if expected.size != image.size:
        image.save(GOLDEN / f"{name}.new.png")
        pytest.fail(f"{name}: the page is {image.size}, the golden {expected.size} (see {name}.new.png)")
    mean, changed = difference(image, expected)
    if mean > MEAN_TOLERANCE or changed > SHARE_TOLERANCE:
        image.save(GOLDEN / f"{name}.new.png")
        ImageChops.invert(ImageChops.difference(image, expected)).save(GOLDEN / f"{name}.diff.png")
        pytest.fail(f"{name} looks different: mean difference {mean:.2f} (tolerance {MEAN_TOLERANCE}), "
                    f"{changed:.1%} of pixels clearly changed (tolerance {SHARE_TOLERANCE:.0%}); see "
                    f"tests/golden/pages/{name}.new.png and .diff.png, and if the change is intended run "
                    "BOOKLETS_UPDATE_GOLDEN=1 python -m pytest tests/test_visual.py")


def test_the_comparison_catches_a_changed_page(default_build: Path) -> None:
    """The tolerance lets rendering noise through but not a moved block of text."""
    image = render(default_build / "example/en/staff-screen.pdf", (3,))
    assert difference(image, image) == (0.0, 0.0)
    shifted = ImageChops.offset(image, 0, 4)  # the contents, 4 px (4 mm) lower
    mean, changed = difference(image, shifted)
    assert mean > MEAN_TOLERANCE or changed > SHARE_TOLERANCE
