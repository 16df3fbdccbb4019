"""The booklet typeface: Source Sans Pro from an installed package, so every machine has the same files.

The one owner of which font files the booklets use; the renderer may read only these (see
render/pdf.py ProjectFetcher) and their bytes are part of every target's inputs hash.
"""

from __future__ import annotations

from pathlib import Path

FAMILY = "Source Sans Pro"
# (file name part, CSS weight) of each face the templates use.
FONT_FILES = (("Regular", 400), ("Semibold", 600), ("Bold", 700))


def font_dir() -> Path:
    """The installed font package: the same font files on every machine."""
    import font_source_sans_pro

    return Path(font_source_sans_pro.font_directory)


def font_path(weight: int) -> Path:
    """The font file of one weight (the nearest face the package has)."""
    name = min(FONT_FILES, key=lambda face: abs(face[1] - weight))[0]
    return font_dir() / f"SourceSansPro-{name}.ttf"


def faces() -> list[tuple[str, int, Path]]:
    """(family, weight, file) of every face, for @font-face rules."""
    return [(FAMILY, weight, font_dir() / f"SourceSansPro-{name}.ttf") for name, weight in FONT_FILES]
