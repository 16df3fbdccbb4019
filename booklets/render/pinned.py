"""What WeasyPrint must not decide by itself: which fonts exist, and how fonts are subset.

Importing this module (render/pdf.py does) sets, for every render in the process:

* **Fonts: only the project's.** WeasyPrint starts each render from fontconfig's system
  configuration, so a character the booklet font lacks (☎, ⚠) is silently drawn from whatever the
  machine has (DejaVu Sans from /usr/share/fonts) and embedded. ProjectFonts starts from an empty
  configuration (no-system-fonts.conf) instead, holding the booklet typeface's faces from the font
  package (render/fonts.py) and whatever the templates load with @font-face through the fetcher. A
  character none of them has is drawn as .notdef, which the render reports as bad input naming
  the character and where it is.
* **One subsetter: fontTools.** WeasyPrint subsets embedded fonts with HarfBuzz when the system
  has libharfbuzz-subset and with fontTools otherwise, so the same inputs gave different bytes on
  two machines. fontTools is a pinned Python dependency (its version is in the inputs hash) and
  subsets deterministically with SOURCE_DATE_EPOCH; HarfBuzz-subset is never used.
* **...without reading what it drops.** WeasyPrint asks fontTools to drop GSUB and GPOS from the
  embedded subset, but fontTools (4.68) first decodes both tables whole (`_compact_layout_tables`)
  and only then drops them: 80% of a subset's time, about 2 s of every booklet's render with three
  faces. `_Subsetter` removes them before the subset starts; the subset's bytes are the same
  (tests/test_render_work.py checks it against fontTools' own path).
* **Balanced columns in a few layouts** (render/columns.py): WeasyPrint's balancing measures a
  card kept whole by its first line and then walks up one pixel a layout; the fix measures the card.
  Same pages, a third of a Spanish booklet's time.
* **Where a stylesheet problem is.** WeasyPrint's CSS warnings say `at 4:10` but not in which
  stylesheet; the stylesheet being read is remembered (current_stylesheet) so the render can name
  the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import weasyprint
import weasyprint.css
import weasyprint.document
import weasyprint.pdf.fonts
from fontTools import subset as fonttools_subset
from weasyprint.text.ffi import ffi, fontconfig, pangoft2
from weasyprint.text.fonts import FontConfiguration

from booklets.render.columns import fix_balancing
from booklets.render.fonts import faces

NO_SYSTEM_FONTS = Path(__file__).with_name("no-system-fonts.conf")
_stylesheets: list[str] = []  # base URLs of the stylesheets being read, innermost last


class ProjectFonts(FontConfiguration):  # type: ignore[misc]
    """A font configuration holding the booklet typeface's faces and what @font-face rules add,
    and no system font. (Never none at all: with no font for some text, Pango crashes.)"""

    def __init__(self) -> None:
        # fontconfig reads FONTCONFIG_FILE when the configuration is loaded, and only then.
        previous = os.environ.get("FONTCONFIG_FILE")
        os.environ["FONTCONFIG_FILE"] = str(NO_SYSTEM_FONTS)
        try:
            super().__init__()
        finally:
            if previous is None:
                del os.environ["FONTCONFIG_FILE"]
            else:
                os.environ["FONTCONFIG_FILE"] = previous
        for _family, _weight, path in faces():
            fontconfig.FcConfigAppFontAddFile(self._config, str(path).encode())
        pangoft2.pango_fc_font_map_config_changed(ffi.cast("PangoFcFontMap *", self.font_map))


class _Subsetter(fonttools_subset.Subsetter):  # type: ignore[misc]
    """fontTools' subsetter, with the layout tables it is told to drop removed before it decodes them."""

    def subset(self, font: Any) -> None:
        for tag in _UNREAD:
            if tag in self.options.drop_tables and tag in font:
                del font[tag]
        super().subset(font)


_UNREAD = ("GSUB", "GPOS")  # decoded whole by fontTools before it drops them


class _SubsetModule:
    """What weasyprint.pdf.fonts uses of `fontTools.subset` (Options, Subsetter), with _Subsetter."""

    Options = fonttools_subset.Options
    Subsetter = _Subsetter


def current_stylesheet() -> str | None:
    """The base URL of the stylesheet WeasyPrint is reading now (None: not reading one)."""
    return _stylesheets[-1] if _stylesheets else None


def _tracked(preprocess: Callable[..., Any]) -> Callable[..., Any]:
    def preprocess_stylesheet(device_media_type: Any, base_url: str, *args: Any, **kwargs: Any) -> Any:
        _stylesheets.append(base_url)
        try:
            return preprocess(device_media_type, base_url, *args, **kwargs)
        except Exception as exc:
            if not hasattr(exc, "booklets_stylesheet"):
                exc.booklets_stylesheet = base_url  # type: ignore[attr-defined]  # for diagnose.py
            raise
        finally:
            _stylesheets.pop()

    preprocess_stylesheet.booklets_tracked = True  # type: ignore[attr-defined]
    return preprocess_stylesheet


def pin() -> None:
    """Apply the settings above (idempotent)."""
    weasyprint.document.FontConfiguration = ProjectFonts  # the configuration a render makes
    weasyprint.pdf.fonts.harfbuzz_subset = None  # Font.subset then takes the fontTools path
    weasyprint.pdf.fonts.subset = _SubsetModule  # ...without decoding the tables it drops
    fix_balancing()
    if not getattr(weasyprint.css.preprocess_stylesheet, "booklets_tracked", False):
        tracked = _tracked(weasyprint.css.preprocess_stylesheet)
        # Called by name from both modules: the CSS class (each <style> and <link>) and @import.
        weasyprint.css.preprocess_stylesheet = tracked
        weasyprint.preprocess_stylesheet = tracked


pin()
