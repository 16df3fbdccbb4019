"""Translations: each language checked against the source language, and draft fallbacks marked.

A translation is complete when every file, key, section (matched by `id` or `include`) and form
statement of the source language has a counterpart in it. :func:`complete` compares one file of a
translation with its source-language file, before the schema sees either, and returns

* every gap, located in the translation (file, line, key) and in the source (file, line): the
  loader reports them as errors, or under ``--draft`` as warnings;
* everything the translation has that the source does not (warnings: it is out of date);
* the translation's data with every gap filled from the source. The filled text is wrapped in
  invisible marks (private-use characters carrying the source language code), so a missing key
  is never also reported as a schema error, and a draft build can show where English stands in.

After templating, :func:`mark_fallbacks` turns each mark into ``<span class="fallback" lang="en">``
in body text (the stylesheet boxes it and prefixes ``[EN]``) and drops the marks where markup cannot
go: attributes, ``<title>``, ``<style>``. Markdown bodies are wrapped whole by :func:`render_block`.
A complete translation carries no marks, so a normal build's HTML passes through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError
from markupsafe import Markup

from booklets.content.yamlload import Doc, YList, YMap, YStr
from booklets.errors import Problem

OPEN, MID, CLOSE = "\ue000", "\ue001", "\ue002"
_MARK = re.compile(f"{OPEN}([a-z0-9-]{{1,40}}){MID}([^{OPEN}{MID}{CLOSE}]*){CLOSE}")
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
# Elements whose content is text the browser never parses as markup: a <span> there would print.
_RAW_TEXT = frozenset({"title", "style", "script", "textarea"})

# Keys whose values are ids, codes or numbers, never printed as text: a fallback copies them bare.
# An audience's accent colour and its print CMYK, and a section's page `break`, are values the
# schema checks (#rrggbb, numbers, page/right): marked, they would be invalid.
_NOT_TEXT = frozenset({"locale", "include", "id", "contacts", "src", "reading_grade", "fields",
                       "jurisdictions", "accent", "accent_cmyk", "break"})
# Lists of ids that are structure, not text (a form's fields, the jurisdictions a source applies
# in): a translation that leaves them out takes the source's, and nothing is missing.
_INHERITED = frozenset({"fields", "jurisdictions"})
# Lists translated item by item (one statement each). Sections are matched by id; a form's blocks
# by position, each merged like a mapping; every other list (keywords, address lines) is one value:
# present or missing as a whole.
_COUNTED = frozenset({"statements"})
_BY_INDEX = frozenset({"blocks"})
# Per-language settings with a default, not translations: each language chooses its own (`check`
# warns when a language leaves `readability` to the English default), so they are not compared.
_SETTINGS = frozenset({"readability"})
_SECTIONS = "sections"


@dataclass(frozen=True)
class Gap:
    """Something the source language has and a translation does not."""

    file: str
    line: int
    column: int
    key: str
    source_file: str
    source_line: int
    source_lang: str
    what: str = ""  # prefix naming the missing piece when the key alone cannot (a section id)
    whole_file: bool = False
    # A missing included section: the source's `include:` value. When the source names a section
    # that does not exist (a typo), that is the error, not the translation (content/load.py).
    include: Any = None

    def error(self) -> Problem:
        """The gap as a build error (a normal or release build)."""
        if self.whole_file:
            return Problem(
                self.file,
                message=f"missing translation of {self.source_file}; translate it or build with --draft",
            )
        return Problem(
            self.file,
            self.line,
            self.column,
            self.key,
            f"{self.what}missing translation (present in {self.source_file}:{self.source_line}); "
            "translate it or build with --draft",
        )

    def warning(self) -> Problem:
        """The gap as a draft warning: the source text stands in, marked in the PDF."""
        code = self.source_lang.upper()
        if self.whole_file:
            return Problem(
                self.file,
                message=f"missing translation: the whole file shows the {self.source_lang} "
                f"text of {self.source_file}, marked [{code}]",
            )
        return Problem(
            self.file,
            self.line,
            self.column,
            self.key,
            f"{self.what}missing translation: shows the {self.source_lang} text of "
            f"{self.source_file}:{self.source_line}, marked [{code}]",
        )


def _key(loc: tuple[Any, ...]) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def fallback_text(text: str, source_lang: str) -> str:
    """`text` marked as standing in for a missing translation (shown boxed in the PDF)."""
    return f"{OPEN}{source_lang}{MID}{text}{CLOSE}"


class _Merger:
    """Walks one translation file beside its source file, filling and recording every gap."""

    def __init__(self, rel: str, source: Doc, lang: str, source_lang: str) -> None:
        self.rel, self.source, self.lang, self.source_lang = rel, source, lang, source_lang
        self.gaps: list[Gap] = []
        self.extras: list[Problem] = []

    def gap(self, target: Any, loc: tuple[Any, ...], src_line: int, what: str = "", include: Any = None) -> None:
        """A gap at `loc`, reported where its parent `target` is in the translation."""
        line, col = getattr(target, "line", 0), getattr(target, "column", 0)
        self.gaps.append(Gap(self.rel, line, col, _key(loc), self.source.rel, src_line, self.source_lang, what,
                             include=include))

    def extra(self, line: int, col: int, loc: tuple[Any, ...], what: str = "") -> None:
        self.extras.append(
            Problem(
                self.rel,
                line,
                col,
                _key(loc),
                f"{what}not in the source language ({self.source.rel}); "
                "remove it, or add it there first so every language has it",
            )
        )

    def fill(self, node: Any, key: str | int | None) -> Any:
        """A copy of a source subtree with its text marked as fallback."""
        if isinstance(node, YStr):
            if key == "locale":
                # Dates follow the locale; the language's own code is a better stand-in than the
                # source's locale, and Babel knows every language code.
                return node.like(self.lang.replace("-", "_"))
            if key in _NOT_TEXT:
                return node
            return node.like(fallback_text(node, self.source_lang))
        if isinstance(node, YMap):
            # A setting is the language's own choice: left out, it takes its default.
            out = YMap({k: self.fill(v, k) for k, v in node.items() if k not in _SETTINGS})
            out.line, out.column = node.line, node.column
            out.key_pos = {k: p for k, p in node.key_pos.items() if k in out}
            return out
        if isinstance(node, YList):
            items = YList(self.fill(v, key) for v in node)
            items.line, items.column, items.item_pos = node.line, node.column, list(node.item_pos)
            return items
        return node

    def merge(self, target: Any, source: Any, loc: tuple[Any, ...]) -> Any:
        if isinstance(target, YMap) and isinstance(source, YMap):
            return self.merge_map(target, source, loc)
        if isinstance(target, YList) and isinstance(source, YList):
            name = next((s for s in reversed(loc) if isinstance(s, str)), "")
            if name == _SECTIONS:
                return self.merge_sections(target, source, loc)
            if name in _COUNTED:
                return self.merge_counted(target, source, loc)
            if name in _BY_INDEX:
                return self.merge_by_index(target, source, loc)
        return target  # text, or a list translated as a whole: present is enough

    def merge_map(self, target: YMap, source: YMap, loc: tuple[Any, ...]) -> YMap:
        out = YMap()
        out.line, out.column, out.key_pos = target.line, target.column, dict(target.key_pos)
        for key, value in target.items():
            if key in _SETTINGS:
                out[key] = value
            elif key not in source:
                out[key] = value
                self.extra(*target.key_pos[key], (*loc, key))
            elif value is None and source[key] is not None:
                # `key:` left empty would silently drop the source's text (an optional subtitle,
                # a call-out): it is as missing as an absent key.
                line, col = target.key_pos[key]
                self.gaps.append(
                    Gap(
                        self.rel,
                        line,
                        col,
                        _key((*loc, key)),
                        self.source.rel,
                        source.key_pos[key][0],
                        self.source_lang,
                    )
                )
                out[key] = self.fill(source[key], key)
            else:
                out[key] = self.merge(value, source[key], (*loc, key))
        for key, value in source.items():
            if key in target or key in _SETTINGS:
                continue
            if key not in _INHERITED or not isinstance(value, YList):
                self.gap(target, (*loc, key), source.key_pos[key][0])
            out[key] = self.fill(value, key)
            out.key_pos[key] = source.key_pos[key]
        return out

    def merge_by_index(self, target: YList, source: YList, loc: tuple[Any, ...]) -> YList:
        out = YList(self.merge(t, s, (*loc, i)) for i, (t, s) in enumerate(zip(target, source, strict=False)))
        out.line, out.column, out.item_pos = target.line, target.column, list(target.item_pos[:len(source)])
        for i in range(len(target), len(source)):
            self.gap(target, (*loc, i), source.item_pos[i][0])
            out.append(self.fill(source[i], loc[-1]))
            out.item_pos.append(source.item_pos[i])
        for i in range(len(source), len(target)):
            out.append(target[i])
            out.item_pos.append(target.item_pos[i])
            self.extra(*target.item_pos[i], (*loc, i))
        return out

    def merge_counted(self, target: YList, source: YList, loc: tuple[Any, ...]) -> YList:
        out = YList(target)
        out.line, out.column, out.item_pos = target.line, target.column, list(target.item_pos)
        for i in range(len(target), len(source)):
            self.gap(target, (*loc, i), source.item_pos[i][0])
            out.append(self.fill(source[i], loc[-1]))
            out.item_pos.append(source.item_pos[i])
        for i in range(len(source), len(target)):
            self.extra(*target.item_pos[i], (*loc, i))
        return out

    def merge_sections(self, target: YList, source: YList, loc: tuple[Any, ...]) -> YList:
        src_index = {k: i for i, k in enumerate(map(_section_key, source)) if k is not None}
        merged: list[tuple[Any, tuple[int, int], tuple[str, str] | None]] = []
        for i, entry in enumerate(target):
            key = _section_key(entry)
            if key is not None and key in src_index:
                entry = self.merge(entry, source[src_index[key]], (*loc, i))
            elif key is not None:
                self.extra(*target.item_pos[i], (*loc, i), f"section {key[1]!r}: ")
            merged.append((entry, target.item_pos[i], key))
        # A missing section goes right after the section that precedes it in the source, so a draft
        # keeps the source's order.
        for j, entry in enumerate(source):
            key = _section_key(entry)
            if key is None or any(k == key for _, _, k in merged):
                continue
            self.gap(target, loc, source.item_pos[j][0], f"section {key[1]!r}: ",
                     entry["include"] if key[0] == "include" else None)
            prev = _section_key(source[j - 1]) if j else None
            where = next((n + 1 for n, (_, _, k) in enumerate(merged) if prev is not None and k == prev), 0)
            merged.insert(where, (self.fill(entry, None), source.item_pos[j], key))
        out = YList(e for e, _, _ in merged)
        out.line, out.column, out.item_pos = target.line, target.column, [p for _, p, _ in merged]
        return out


def _section_key(entry: Any) -> tuple[str, str] | None:
    if isinstance(entry, YMap):
        for kind in ("include", "id"):
            if isinstance(entry.get(kind), str):
                return kind, str(entry[kind])
    return None


def complete(
    target: Doc | None, source: Doc, rel: str, lang: str, source_lang: str
) -> tuple[Any, list[Gap], list[Problem]]:
    """Compare one translation file (None: missing) with its source file.

    Returns the translation's data with every gap filled from the source (marked), the gaps, and
    what the translation has beyond the source.
    """
    merger = _Merger(rel, source, lang, source_lang)
    if target is None:
        gap = Gap(rel, 0, 0, "", source.rel, 0, source_lang, whole_file=True)
        return merger.fill(source.data, None), [gap], []
    return merger.merge(target.data, source.data, ()), merger.gaps, merger.extras


def locale_problem(locale: str, lang: str) -> str:
    """Why `locale` cannot format dates for language `lang` ("" when it can)."""
    try:
        parsed = Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return (
            f"unknown locale {locale!r}; use a language code with an optional region, "
            f"written with an underscore, such as {lang} or {lang}_{lang.upper()}"
        )
    if parsed.language != lang.split("-")[0]:
        return (
            f"locale {locale!r} is for language {parsed.language!r}, not {lang!r}; dates would "
            f"be written in the wrong language: use {lang} or {lang}_<REGION>"
        )
    return ""


def unmarked(text: str) -> str:
    """`text` without fallback marks (their text kept)."""
    return _MARK.sub(r"\2", text) if OPEN in text else text


def render_block(text: str, render: Callable[[str], Markup]) -> Markup:
    """Render a Markdown text; a fallback text becomes one boxed block in the source language."""
    match = _MARK.fullmatch(text)
    if match is None:
        return render(text)
    lang, inner = match.groups()
    return Markup('<div class="fallback" lang="{}">').format(lang) + render(inner) + Markup("</div>")


def mark_fallbacks(html: str) -> str:
    """Turn fallback marks into marked elements in text, and drop them where markup cannot go."""
    if OPEN not in html:
        return html
    out: list[str] = []
    raw: str | None = None  # the raw-text element we are inside, if any
    for token in _TAG.split(html):
        if token.startswith("<"):
            name = _TAG_NAME.match(token)
            if name is not None:
                closing, tag = name.group(1) == "/", name.group(2).lower()
                if closing and tag == raw:
                    raw = None
                elif not closing and tag in _RAW_TEXT:
                    raw = tag
            out.append(_MARK.sub(r"\2", token))
        elif raw is not None:
            out.append(_MARK.sub(r"\2", token))
        else:
            out.append(_MARK.sub(r'<span class="fallback" lang="\1">\2</span>', token))
    return "".join(out)
