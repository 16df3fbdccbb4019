"""Where a problem found while rendering is written: the template, stylesheet or content line.

WeasyPrint reports what went wrong in its own terms: "Ignored `colr: red` at 4:10" (in which
stylesheet?), "No anchor #s-x for internal URI reference" (written where?), "Failed to load image
at '…': " (why?), or an exception from deep inside (`calc(100% - )` is an AssertionError). Each
function here turns one of them into a Problem at the file, line and column the author must
change, searching the project's files for what the message names; None where it cannot be found
(the caller then reports the message for the booklet, still in one line).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from booklets import paths
from booklets.errors import Problem

_MAX_SEARCHED = 1024 * 1024  # larger files are not the project's text (and the loader says so)

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


def _texts(folder: Path, suffixes: tuple[str, ...]) -> Iterable[tuple[str, Path, str]]:
    """(path as messages show it, path, text) of each file with these suffixes under `folder`."""
    root = folder.resolve()
    for path in sorted(root.rglob("*")):
        if path.suffix not in suffixes or not path.is_file() or path.stat().st_size > _MAX_SEARCHED:
            continue  # a FIFO or a huge file is not the project's text
        yield f"{root.name}/{path.relative_to(root).as_posix()}", path, path.read_text(
            encoding="utf-8-sig", errors="replace")


def _at(rel: str, text: str, offset: int, message: str = "") -> Problem:
    line = text.count("\n", 0, offset) + 1
    return Problem(rel, line, offset - text.rfind("\n", 0, offset), "", message)


def find(pattern: re.Pattern[str], folders: Iterable[Path], suffixes: tuple[str, ...],
         message: str) -> Problem | None:
    """The first place in these folders' files that matches `pattern`."""
    for folder in folders:
        for rel, _path, text in _texts(folder, suffixes):
            found = pattern.search(text)
            if found:
                return _at(rel, text, found.start(), message)
    return None


def locate_reference(url: str, templates_dir: Path) -> Problem | None:
    """Where in templates/ a refused URL is written, if it is written there literally."""
    wanted = _same_resource(url)
    root = templates_dir.resolve()
    for rel, path, text in _texts(root, (".j2", ".html", ".css", ".svg")):
        # HTML resolves against the templates folder, a stylesheet against itself.
        base = path.as_uri() if path.suffix in (".css", ".svg") else root.as_uri() + "/"
        for match in _REFERENCE.finditer(text):
            ref = next(g for g in match.groups() if g is not None)
            if "{" not in ref and _same_resource(urljoin(base, ref)) == wanted:
                return _at(rel, text, match.start())
    return None


# YAML's named escapes in double-quoted text (\\N, \\_, \\L, \\P), for characters fonts may lack.
_YAML_NAMED_ESCAPES = {"\x85": "\\N", "\xa0": "\\_", "\u2028": "\\L", "\u2029": "\\P"}


def missing_character(ch: str, content_dir: Path) -> Problem | None:
    """The first place a content file has this character, as itself or as a YAML escape
    (\\u0808, \\U00000808, \\x08): a character none of the project's fonts has."""
    cp = ord(ch)
    forms = [re.escape(ch), rf"\\u{cp:04x}", rf"\\U{cp:08x}"]
    if cp < 256:
        forms.append(rf"\\x{cp:02x}")
    if ch in _YAML_NAMED_ESCAPES:
        forms.append(re.escape(_YAML_NAMED_ESCAPES[ch]))
    message = (f"the character {ch!r} (U+{cp:04X}) is in none of the booklet's fonts, so the PDF "
               "would show an empty box; remove it or write it another way")
    return find(re.compile("|".join(forms), re.IGNORECASE), [content_dir], (".yaml",), message)


_POSITION = re.compile(r" at (\d+):(\d+)")
_IGNORED = re.compile(r"^Ignored `(?P<decl>[^`]*)` at \d+:\d+, (?P<why>.*?)\.?$")


def stylesheet_problem(message: str, stylesheet: str | None, templates_dir: Path) -> Problem | None:
    """A CSS warning, at its line in the stylesheet that has it (a file, or a template's <style>)."""
    ignored = _IGNORED.match(message)
    text = (f"`{ignored['decl']}` is ignored: {ignored['why']}; correct the declaration or remove it"
            if ignored else _POSITION.sub("", message).rstrip(".") + "; correct the stylesheet")
    position = _POSITION.search(message)
    declaration = ignored["decl"] if ignored else None
    return _in_stylesheet(stylesheet, templates_dir, position and (int(position[1]), int(position[2])),
                          declaration, text)


def declaration_crash(exc: BaseException, templates_dir: Path) -> Problem | None:
    """A stylesheet declaration WeasyPrint fails on with an exception (`calc(100% - )`), at its
    line: found in the traceback, in the frame that was checking it."""
    import tinycss2  # type: ignore[import-untyped]

    tb = exc.__traceback__
    declaration: Any = None
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "preprocess_declarations":
            declaration = tb.tb_frame.f_locals.get("declaration", declaration)
        tb = tb.tb_next
    if getattr(declaration, "source_line", None) is None:
        return None
    decl = f"{declaration.name}: {tinycss2.serialize(declaration.value).strip()}"
    text = (f"`{decl}` cannot be read (the renderer fails on it: {type(exc).__name__}); correct the "
            "declaration or remove it")
    return _in_stylesheet(getattr(exc, "booklets_stylesheet", None), templates_dir,
                          (declaration.source_line, declaration.source_column), decl, text)


def _in_stylesheet(stylesheet: str | None, templates_dir: Path, position: tuple[int, int] | None,
                   declaration: str | None, message: str) -> Problem | None:
    root = templates_dir.resolve()
    if stylesheet is not None and urlsplit(stylesheet).scheme == "file":
        path = Path(unquote(urlsplit(stylesheet).path)).resolve()
        if path.is_file() and path.is_relative_to(root) and position is not None:
            rel = f"{paths.TEMPLATES}/{path.relative_to(root).as_posix()}"
            return Problem(rel, position[0], position[1], "", message)
    # A <style> in a template, or a style="" attribute: its lines count from the element, so the
    # declaration is found by its property name in the templates.
    if declaration:
        name = declaration.split(":", 1)[0].strip()
        return find(re.compile(rf"(?<![\w-]){re.escape(name)}\s*:"), [root], (".j2", ".html"), message)
    return None


def anchor_problem(anchor: str, root: Path) -> Problem | None:
    """A link to `#anchor` that leads nowhere, where it is written (content first, then templates)."""
    message = (f"a link to #{anchor} leads nowhere in this booklet: no section, source or form has "
               "that id; link to #s-<section id>, #sources or #form")
    pattern = re.compile(rf"#{re.escape(anchor)}(?![\w-])")
    return (find(pattern, [root / paths.CONTENT], (".yaml",), message)
            or find(pattern, [root / paths.TEMPLATES], (".j2", ".html"), message))


def image_problem(url: str, exc: Any, root: Path) -> Problem | None:
    """An image WeasyPrint could not use, named by its file, with the reason it gives none for."""
    parts = urlsplit(url)
    path = Path(unquote(parts.path)).resolve()
    if parts.scheme != "file" or not path.is_relative_to(root.resolve()):
        return None
    rel = path.relative_to(root.resolve()).as_posix()
    if path.suffix.lower() == ".svg" and path.is_file() and path.stat().st_size <= _MAX_SEARCHED:
        text = path.read_text(encoding="utf-8", errors="replace")
        found = re.search(r"@import", text)
        if found:
            return _at(rel, text, found.start(), "an SVG image cannot import a stylesheet (@import); put "
                       "its styles in the SVG's own <style>")
    cause = exc if str(exc) else (getattr(exc, "__cause__", None) or getattr(exc, "__context__", None))
    reason = str(cause) if cause is not None and str(cause) else type(cause or exc).__name__
    return Problem(rel, message=f"the image cannot be shown ({reason}); check that it opens in an "
                   "image viewer, or replace it")


def missing_pages(anchor: str, templates_dir: Path) -> Problem:
    """Padding needs the pages holding `anchor` (notes-1, back-cover), and the layout has none."""
    what = "Notes pages" if anchor.startswith("notes-") else "back cover"
    message = (f"the print edition pads the booklet with Notes pages before the back cover, but the "
               f"laid-out booklet has no {what} (no page holds #{anchor}): a stylesheet hides them "
               "(display: none?); show them in print, or set notes_pages: false in the edition")
    prefix = anchor.split("-")[0] + "-" if anchor.startswith("notes-") else anchor
    found = find(re.compile(rf"""id=["']{re.escape(prefix)}"""), [templates_dir], (".j2", ".html"), message)
    return found or Problem(paths.TEMPLATES, message=message)
