"""The booklet typeface: Source Sans Pro from an installed package, so every machine has the same files.

The one owner of which font files the booklets use; the renderer may read only these (see
render/pdf.py ProjectFetcher, and render/pinned.py: no system font is ever used), their bytes are
part of every target's inputs hash, and `check --pdf` refuses any embedded font that is not one of
them (project_font_names).
"""

from __future__ import annotations

import functools
import struct
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


def font_name(program: bytes) -> tuple[str, str] | None:
    """A font file's PostScript name and unique identifier (name IDs 6 and 3), which subsetting
    keeps: how an embedded font is recognised as one of the package's. None if it cannot be read."""
    import io

    from fontTools.ttLib import TTFont, TTLibError

    try:
        names = TTFont(io.BytesIO(program), lazy=True)["name"]
        return str(names.getDebugName(6)), str(names.getDebugName(3))
    except (TTLibError, KeyError, ValueError, AssertionError, OSError, struct.error):
        return None


@functools.cache
def project_font_names() -> frozenset[tuple[str, str]]:
    """The names of every font file the font package ships: the only fonts a booklet may embed."""
    found = (font_name(p.read_bytes()) for p in sorted(font_dir().glob("*")) if p.suffix in (".ttf", ".otf"))
    return frozenset(name for name in found if name is not None)
