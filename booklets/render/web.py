"""The web edition (`format: html`): one booklet as one self-contained, accessible web page.

Its HTML comes from templates/web/page.html.j2, rendered like the PDF's HTML (render/html.py): the
same sandbox, the same plain-data context (render/context.py), plus :func:`page_context` (the
other languages of the booklet, the stylesheets). So it names its resources as the PDF's HTML does,
by `file://` URL into the project, and :func:`self_contained` then embeds each one:

* a stylesheet `<link rel="stylesheet" href="file:...">` becomes a `<style>` with its text;
* an image `src="file:..."` and any other `url(file:...)` in a style become `data:` URLs;
* a font `url(file:...ttf)` becomes a `data:` URL of a WOFF subset of it (Latin letters and
  punctuation, plus every other character the page has): about 15 kB a face instead of 290 kB.
  WOFF rather than WOFF2: a third larger, but made in a third of the time (zlib, not brotli),
  and every browser of the last ten years reads it.

Why embedded rather than copied beside the page: the page is then the whole edition. It can be
mailed, put on an intranet or a USB stick, or saved from the browser, and it never shows without
its fonts or images; nothing beside it can go stale, be left behind, or collide with another
target's files. Files are read under the PDF renderer's rule (render/target.py allowed_roots): only
inside the project's templates/ and content/assets/ and the font package, links resolved first.

Nothing in the page makes the browser fetch anything: a resource that is not a project file (a
stylesheet or image on the web, `@import`) or a script stops the target with a message naming it.
Links (`<a href>`) are for the reader to follow and stay as they are.

Embedding runs in the worker processes (render/target.py render_prepared), which never import
the content schema: this module imports the content (the template context) only inside
:func:`page_context`, which runs in the main process.
"""

from __future__ import annotations

import base64
import html as htmllib
import io
import mimetypes
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from booklets import paths
from booklets.plan import Target

if TYPE_CHECKING:
    from booklets.content.project import Project

PAGE_TEMPLATE = "web/page.html.j2"
BASE_STYLESHEET = "web/web.css"  # the web edition's base design; the edition's stylesheets follow it

# Characters every page's fonts keep, whatever the page says: Basic Latin, Latin-1 and Latin
# Extended-A (every Western and Central European language), general punctuation (dashes, curly
# quotes, bullet, ellipsis) and the euro sign. One subset for every page means one subset per
# worker process (subsetting a face takes about a second), and text a browser adds (list numbers)
# is always there.
_BASE_CHARS = frozenset(
    [chr(c) for c in range(0x20, 0x7F)] + [chr(c) for c in range(0xA0, 0x180)]
    + [chr(c) for c in range(0x2010, 0x2040)] + ["\u20ac"]
)
_FONT_TYPES = {".ttf", ".otf", ".woff", ".woff2"}

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTR = re.compile(r"""([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\b", re.IGNORECASE)
# Elements that would make the browser load something from their URL attributes.
_LOADS = {
    "img": ("src", "srcset"), "script": ("src",), "iframe": ("src",), "frame": ("src",),
    "embed": ("src",), "object": ("data",), "source": ("src", "srcset"), "track": ("src",),
    "video": ("src", "poster"), "audio": ("src",), "input": ("src",), "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"), "feimage": ("href", "xlink:href"), "link": ("href",),
    "base": ("href",), "body": ("background",), "table": ("background",), "td": ("background",),
}


class PageError(Exception):
    """The page cannot be made self-contained; the message says why in one line."""


# --- what the web template gets beyond the booklet's context -------------------------------------

def language_name(code: str) -> str:
    """A language's name in that language, as a reader looks for it: `English`, `Español`."""
    from babel import Locale

    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_")) or code
    except (ValueError, LookupError):
        name = code
    return name[:1].upper() + name[1:]


def page_context(project: Project, target: Target) -> dict[str, Any]:
    """`web`: the page's other languages (relative links to the same booklet) and stylesheets."""
    from booklets.render.context import plain

    here = paths.web_page(target)
    languages = []
    for code in project.booklet.languages:
        if code not in project.languages or target.audience not in project.languages[code].audiences:
            continue
        other = Target(target.facility, code, target.audience, target.edition)
        languages.append({"code": code, "name": language_name(code), "current": code == target.language,
                          "href": paths.link(here, paths.web_page(other))})
    edition = project.editions[target.edition]
    sheets = [BASE_STYLESHEET, *edition.stylesheets]
    web = {
        "languages": languages,
        "others": [lang for lang in languages if not lang["current"]],
        "stylesheets": [(project.templates_dir / s).resolve().as_uri() for s in sheets],
    }
    return {"web": plain(web, "web")}


# --- embedding -------------------------------------------------------------------------------------

def _read(url: str, allowed: list[Path]) -> tuple[Path, bytes]:
    """A project file by its file:// URL, under the PDF fetcher's rule (render/pdf.py)."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise PageError(f"refused to load {url}: the web page embeds only files inside the project, "
                        "never the network")
    path = Path(unquote(parts.path)).resolve()  # a link inside the project to outside is outside
    if not any(path.is_relative_to(root.resolve()) for root in allowed):
        raise PageError(f"refused to load {url}: {path} is outside the project's templates/ and content/assets/")
    try:
        return path, path.read_bytes()
    except OSError as exc:
        raise PageError(f"cannot read {path}: {exc.strerror}") from None


def _data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@lru_cache(maxsize=16)
def _woff_subset(path: Path, chars: frozenset[str]) -> bytes:
    """The font cut down to `chars`, as WOFF (deterministic: no timestamp is rewritten)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(path.read_bytes()), recalcTimestamp=False)
    # Without the OpenType layout tables (kerning pairs, ligatures), removed before subsetting:
    # reading GPOS alone takes seconds a face, and the text reads the same without them (the
    # packets' stamps drop them too).
    for tag in ("GSUB", "GPOS", "GDEF", "BASE", "DSIG", "kern"):
        if tag in font:
            del font[tag]
    options = subset.Options()
    options.flavor = "woff"
    options.hinting = False  # browsers do not need TrueType hints on today's screens; half the size
    options.layout_features = []
    options.name_IDs = [0, 1, 2, 3, 4, 6, 13, 14]  # copyright, names, and the licence (OFL) stay
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(ch) for ch in chars))
    subsetter.subset(font)
    font.flavor = "woff"
    out = io.BytesIO()
    font.save(out, reorderTables=True)
    return out.getvalue()


def page_characters(page: str) -> frozenset[str]:
    """Every character the page can show: its text (outside styles), attribute values, and the
    strings in its styles (`content: "..."`)."""
    text = re.sub(r"<style\b[^>]*>.*?</style>", " ", page, flags=re.S | re.I)
    styles = " ".join(re.findall(r"<style\b[^>]*>(.*?)</style>", page, flags=re.S | re.I))
    return frozenset(htmllib.unescape(text)) | frozenset(styles)


class _Embedder:
    """Turns one page's resource URLs into embedded data, refusing anything else."""

    def __init__(self, allowed: list[Path], chars: frozenset[str]) -> None:
        self.allowed = allowed
        self.chars = frozenset(ch for ch in chars if ch.isprintable()) | _BASE_CHARS

    def resource(self, url: str, base: str) -> str:
        """The data: URL standing for `url` (relative to `base`)."""
        url = htmllib.unescape(url.strip())
        if url.startswith(("data:", "#")) or not url:
            return url
        path, data = _read(urljoin(base, url), self.allowed)
        if path.suffix.lower() in _FONT_TYPES:
            return _data_url("font/woff", _woff_subset(path, self.chars))
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return _data_url(mime, data)

    def css(self, text: str, base: str) -> str:
        """A style's text with every url() embedded; `@import` is refused (inline the sheet)."""
        if _CSS_IMPORT.search(text):
            raise PageError(f"@import in a stylesheet ({base}) would load another file; list the "
                            "stylesheet in the edition's stylesheets instead")

        def embed(match: re.Match[str]) -> str:
            url = next(g for g in match.groups() if g is not None)
            return f'url("{self.resource(url, base)}")'

        return _CSS_URL.sub(embed, text)


def self_contained(page: str, templates_dir: Path, allowed: list[Path]) -> bytes:
    """The web page with every stylesheet, image and font embedded; raises PageError.

    `page` is the rendered template: markup from the templates, and content text escaped by
    autoescape, so a `<` or a quote in the page's text can never look like a tag or end an
    attribute here. Relative URLs resolve against templates/, as WeasyPrint's do for the PDF.
    """
    base = templates_dir.resolve().as_uri() + "/"
    embed = _Embedder(allowed, page_characters(page))
    out: list[str] = []
    at = 0
    style_open: int | None = None  # where the text of the <style> being read starts
    for match in _TAG.finditer(page):
        closing, name, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
        if style_open is not None:
            if closing and name == "style":
                out.append(embed.css(page[style_open:match.start()], base) + match.group(0))
                style_open, at = None, match.end()
            continue
        out.append(page[at:match.start()])
        at = match.end()
        if closing:
            out.append(match.group(0))
            continue
        if name == "style":
            out.append(match.group(0))
            style_open = match.end()
            continue
        out.append(_tag(match.group(0), name, attrs, embed, base))
    if style_open is not None:
        raise PageError("a <style> element is never closed")
    out.append(page[at:])
    return "".join(out).encode("utf-8")


def _tag(tag: str, name: str, attrs: str, embed: _Embedder, base: str) -> str:
    """One start tag, its loading attributes embedded (or the tag replaced by what it loads)."""
    if name == "script":
        raise PageError("the web page runs no script; remove the <script> from the template")
    values = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
              for m in _ATTR.finditer(attrs)}
    if name == "link":
        rel = set(values.get("rel", "").lower().split())
        href = values.get("href", "")
        if "stylesheet" in rel:
            _, data = _read(urljoin(base, htmllib.unescape(href)), embed.allowed)
            sheet = urljoin(base, htmllib.unescape(href))
            return "<style>\n" + embed.css(data.decode("utf-8-sig"), sheet) + "</style>"
        if rel == {"alternate"} and not urlsplit(href).scheme:
            return tag  # another language of this page: a link, never loaded
        raise PageError(f"<link rel=\"{values.get('rel', '')}\"> would load {href!r}; the web page "
                        "only has stylesheets from the project and links to its other languages")
    for attr in _LOADS.get(name, ()):
        if attr in values and attr.endswith("srcset"):
            raise PageError(f"<{name} {attr}> is not supported in the web page; give one src")
    replaced = tag
    for attr in _LOADS.get(name, ()):
        if attr in values:
            url = embed.resource(values[attr], base)
            replaced = _set_attr(replaced, attr, url)
    if "style" in values:
        replaced = _set_attr(replaced, "style", embed.css(htmllib.unescape(values["style"]), base))
    return replaced


def _set_attr(tag: str, name: str, value: str) -> str:
    """The tag with one attribute's value replaced (escaped for a double-quoted attribute)."""
    escaped = htmllib.escape(value, quote=True)
    pattern = re.compile(rf"""(\s{re.escape(name)}\s*=\s*)(?:"[^"]*"|'[^']*')""", re.IGNORECASE)
    replace: Callable[[re.Match[str]], str] = lambda m: f'{m.group(1)}"{escaped}"'  # noqa: E731
    return pattern.sub(replace, tag, count=1)
