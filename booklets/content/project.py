"""The validated project: one immutable value holding everything the later stages read.

Every text value in it is a YStr (content/yamlload.py) that knows its file, line, column and key,
so a stage that finds something wrong with a value names where it is written from the value itself
(`Problem.at(value, ...)`), never by going back to the YAML.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from booklets import paths
from booklets.content import schema
from booklets.content.i18n import fallback_text
from booklets.content.yamlload import YStr
from booklets.errors import Problem


@dataclass(frozen=True)
class Language:
    """Everything written in one language."""

    code: str
    strings: schema.Strings
    sources: dict[str, schema.Source]
    shared: dict[str, schema.SharedSection]
    audiences: dict[str, schema.Audience]
    terms: schema.Terms = field(default_factory=schema.Terms)
    """The language's terminology list (content/<lang>/terms.yaml), read by `check`."""


@dataclass(frozen=True)
class Place:
    """Where a booklet is read: its jurisdiction's id and words, in the booklet's language."""

    jurisdiction: str
    words: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Project:
    """A whole validated project: the single input of planning and rendering."""

    root: Path
    booklet: schema.BookletConfig
    editions: dict[str, schema.Edition]
    facilities: dict[str, schema.Facility]
    languages: dict[str, Language]
    warnings: list[Problem] = field(default_factory=list)
    """Problems that do not stop a build: translations out of step with their source, and the
    fallbacks of a --draft build."""
    jurisdictions: dict[str, schema.Jurisdiction] = field(default_factory=dict)
    """Every jurisdiction a facility of the matrix is in, by id."""

    def jurisdiction(self, facility: str) -> schema.Jurisdiction | None:
        """The jurisdiction of a facility (None: the facility declares none)."""
        jid = self.facilities[facility].jurisdiction
        return self.jurisdictions.get(jid) if jid is not None else None

    def place(self, facility: str, lang: str) -> Place | None:
        """Where a facility's booklets in `lang` are read (None: it declares no jurisdiction)."""
        jid = self.facilities[facility].jurisdiction
        jurisdiction = self.jurisdictions.get(jid) if jid is not None else None
        if jid is None or jurisdiction is None:
            return None
        words = {str(w): self.local(text, lang) for w, text in jurisdiction.words.items()}
        return Place(str(jid), {w: t for w, t in words.items() if t is not None})

    def local(self, value: Any, lang: str) -> Any:
        """One language's text of a localisable value (see `localized`)."""
        return localized(value, lang, self.booklet.source_language)

    @property
    def content_dir(self) -> Path:
        return self.root / paths.CONTENT

    @property
    def templates_dir(self) -> Path:
        return self.root / paths.TEMPLATES

    def web_editions(self) -> set[str]:
        """The editions whose booklet is a web page (`format: html`) rather than a PDF."""
        return {eid for eid, e in self.editions.items() if e.format == "html"}

    def derived_suffixes(self) -> dict[str, list[str]]:
        """Per edition, the suffixes of the PDFs made from its render (imposed sheets)."""
        return {eid: [e.impose.suffix] if e.impose is not None else [] for eid, e in self.editions.items()}


def localized(value: Any, lang: str, source_lang: str) -> Any:
    """One language's text of a value written `text` or `{en: text, es: text}`.

    A translation missing from the mapping only reaches here in a --draft build (the loader refuses
    it otherwise): the source language's text stands in, marked as a fallback (content/i18n.py)."""
    if not isinstance(value, dict):
        return value
    if lang in value:
        return value[lang]
    text = value.get(source_lang)
    if isinstance(text, YStr):
        return text.like(fallback_text(text, source_lang))
    return text


def texts(value: Any) -> Iterator[YStr]:
    """Every YStr inside a model, mapping or list (in field order)."""
    if isinstance(value, YStr):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from texts(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from texts(item)


def project_texts(project: Project, facilities: set[str] | None = None) -> Iterator[YStr]:
    """Every text of the project, each once (a translation's fallback is its source's text)."""
    seen: set[tuple[str, int, int]] = set()
    everything: list[Any] = [project.booklet, project.editions]
    everything += [f for fid, f in project.facilities.items() if facilities is None or fid in facilities]
    everything += [project.jurisdictions]
    for language in project.languages.values():
        everything += [language.strings, language.sources, language.shared, language.audiences]
    for value in texts(everything):
        where = (value.file, value.line, value.column)
        if where not in seen:
            seen.add(where)
            yield value


def placeholders(project: Project, facilities: set[str] | None = None) -> list[Problem]:
    """Every value still tagged !placeholder (in the given facilities, or all of them)."""
    return [
        Problem.at(value, f"placeholder {str(value)!r} must be replaced with the real value")
        for value in project_texts(project, facilities)
        if value.placeholder
    ]
