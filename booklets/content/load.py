"""Load and validate every content file into one immutable Project, reporting all problems at once.

Stage order: parse each YAML file (yamlload), complete each translation from the source language
(i18n), validate it against its schema (validate, schema), then check the references between
files (references). Nothing renders until the whole project is valid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from booklets import paths
from booklets.content import i18n, schema
from booklets.content.project import Language, Project
from booklets.content.references import check_references, unknown_include
from booklets.content.validate import M, describe, validate
from booklets.content.yamlload import Doc, YMap, key_path, load_yaml, position
from booklets.errors import BookletError, Problem


class _Loader:
    """Accumulates documents and problems while a project loads."""

    def __init__(self, root: Path, draft: bool = False) -> None:
        self.root = root
        self.draft = draft
        self.source_lang = ""
        self.docs: dict[str, Doc] = {}
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        # Missing translations of a normal build: reported after the source's own problems, and
        # not at all where the source itself is wrong there (see _translation_errors).
        self.gaps: list[i18n.Gap] = []

    def _read(self, path: Path, lang: str | None) -> Doc | None:
        """Parse one file; a translation's file comes back completed from the source (i18n)."""
        doc: Doc | None = None
        if lang not in (None, self.source_lang) and path.is_file() and _not_started(path):
            pass  # a translation still all comments (`new language`): as if missing, filled from the source
        elif path.is_file() or lang is None:
            doc, problems = load_yaml(path, self.root)
            self.problems.extend(problems)
            if doc is not None:
                self.docs[doc.rel] = doc
            if doc is None or problems:
                return None
        if lang is None or lang == self.source_lang:
            return doc
        source = self.docs.get(self.source_rel(path, lang))
        if source is None:
            return doc
        rel = path.relative_to(self.root).as_posix()
        data, gaps, extras = i18n.complete(doc, source, rel, lang, self.source_lang)
        self.warnings.extend(extras)
        if self.draft:
            self.warnings.extend(gap.warning() for gap in gaps)
        else:
            self.gaps.extend(gaps)
        completed = Doc(path, rel, data)
        self.docs[rel] = completed
        return completed

    def source_rel(self, path: Path, lang: str) -> str:
        """content/<lang>/x.yaml -> content/<source language>/x.yaml."""
        inner = path.relative_to(self.root / paths.language_dir(lang)).as_posix()
        return f"{paths.language_dir(self.source_lang)}/{inner}"

    def available(self, path: Path, lang: str) -> bool:
        """Whether a language's file exists or, for a translation, its source-language file does."""
        if path.is_file():
            return True
        return lang != self.source_lang and self.source_rel(path, lang) in self.docs

    def load(self, path: Path, model: type[M], lang: str | None = None) -> M | None:
        doc = self._read(path, lang)
        if doc is None:
            return None
        value, problems = validate(doc, model)
        self.problems.extend(problems)
        return value

    def load_map(self, path: Path, model: type[M], lang: str | None = None) -> dict[str, M] | None:
        """A file whose top level maps ids to one model each (sources.yaml, shared.yaml)."""
        doc = self._read(path, lang)
        if doc is None:
            return None
        if not isinstance(doc.data, YMap):
            self.problems.append(
                Problem(doc.rel, 1, 1, "", f"expected a mapping of ids to entries, found {describe(doc.data)}")
            )
            return None
        out: dict[str, M] = {}
        for key, value in doc.data.items():
            line, col = doc.data.key_pos[key]
            if not schema.IDENT_RE.match(key):
                msg = f"expected an id of lowercase letters, digits and hyphens (at most 40), found {key!r}"
                self.problems.append(Problem(doc.rel, line, col, key, msg))
                continue
            sub = Doc(doc.path, doc.rel, value)
            item, problems = validate(sub, model)
            # positions inside the entry are relative to the entry; re-key them under its id
            self.problems.extend(
                Problem(p.file, p.line or line, p.column or col, f"{key}.{p.key}" if p.key else key, p.message)
                for p in problems
            )
            if item is not None:
                out[key] = item
        return out

    def missing(self, ref_doc: str, loc: tuple[Any, ...], what: str) -> None:
        doc = self.docs[ref_doc]
        line, col = position(doc.data, loc)
        self.problems.append(Problem(ref_doc, line, col, key_path(loc), what))


def load_project(root: Path, draft: bool = False) -> Project:
    """Load, validate and cross-check the project at `root`; raise BookletError with every problem.

    `draft`: a missing translation is a warning (the source language's text stands in, marked)
    instead of an error.
    """
    root = root.resolve()
    ld = _Loader(root, draft)
    if not (root / paths.BOOKLET).is_file():
        raise BookletError(
            [Problem(paths.BOOKLET, message="not found; run from the project folder or pass --project")])
    booklet = ld.load(root / paths.BOOKLET, schema.BookletConfig)
    if booklet is None:
        raise BookletError(ld.problems)

    editions: dict[str, schema.Edition] = {}
    for eid in booklet.editions:
        rel = paths.edition_file(eid)
        if not (root / rel).is_file():
            ld.problems.append(Problem.at(eid, f"edition {eid!r} has no file {rel}; create it or remove the entry"))
        elif (ed := ld.load(root / rel, schema.Edition)) is not None:
            editions[eid] = ed
            ld.problems += _stylesheet_problems(root, ed)

    _check_localized(ld, paths.BOOKLET, [(("organisation",), booklet.organisation)], booklet)
    facilities: dict[str, schema.Facility] = {}
    jurisdictions: dict[str, schema.Jurisdiction] = {}
    for fid in booklet.facilities:
        rel = paths.facility_file(fid)
        if not (root / rel).is_file():
            ld.problems.append(Problem.at(fid, f"facility {fid!r} has no file {rel}; create it or remove the entry"))
        elif (fac := ld.load(root / rel, schema.Facility)) is not None:
            facilities[fid] = fac
            _check_localized(ld, rel, _facility_texts(fac), booklet)
            if fac.jurisdiction is not None:
                _load_jurisdiction(ld, fac.jurisdiction, jurisdictions, booklet)

    # The source language loads first: every other language is checked against it (i18n).
    ld.source_lang = booklet.source_language
    languages: dict[str, Language] = {}
    for lang in [ld.source_lang, *(x for x in booklet.languages if x != ld.source_lang)]:
        language = _load_language(ld, booklet, lang)
        if language is not None and lang in booklet.languages:
            languages[lang] = language

    project = Project(root, booklet, editions, facilities, languages, ld.warnings, jurisdictions)
    if not ld.problems:
        # Checked even while translations are missing: a broken reference in the source language
        # (a misspelt include) is the error to fix, not the translation that "lacks" it.
        ld.problems += check_references(project)
    ld.problems += _translation_errors(ld, ld.problems)
    if ld.problems:
        translations = tuple(paths.language_dir(x) + "/" for x in booklet.languages if x != ld.source_lang)
        raise BookletError(ld.problems, later=translations)
    return project


def _not_started(path: Path) -> bool:
    """A file of nothing but comments and blank lines (a translation not begun)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False  # the loader reports it
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def _translation_errors(ld: _Loader, problems: list[Problem]) -> list[Problem]:
    """Each missing translation as an error, except those a wrong source value causes.

    A translation "misses" whatever its source has and it does not: a source that includes
    `zero-tolerence` by mistake makes every translation lack that section. The source's error
    (`does not exist; did you mean 'zero-tolerance'?`) is reported instead, even when other
    problems keep the cross-references from being checked; the gaps it causes are not.
    """
    wrong = {(p.file, p.line) for p in problems if p.line}
    source_shared = ld.docs.get(paths.shared_file(ld.source_lang))
    defined = list(source_shared.data) if source_shared is not None and isinstance(source_shared.data, YMap) else []
    out = []
    for gap in ld.gaps:
        if gap.include is not None and gap.include not in defined:
            out.append(unknown_include(gap.include, defined, ld.source_lang))
        elif (gap.source_file, gap.source_line) not in wrong:
            out.append(gap.error())
    return out


def _stylesheet_problems(root: Path, edition: schema.Edition) -> list[Problem]:
    problems = []
    templates = (root / paths.TEMPLATES).resolve()
    for sheet in edition.stylesheets:
        path = root / paths.template(sheet)
        if not path.resolve().is_relative_to(templates):
            msg = f"stylesheet {paths.template(sheet)} is a link to a file outside templates/; copy the file in instead"
        elif not path.is_file():
            msg = f"stylesheet {paths.template(sheet)} does not exist"
        else:
            continue
        problems.append(Problem.at(sheet, msg))
    return problems


def _load_language(ld: _Loader, booklet: schema.BookletConfig, lang: str) -> Language | None:
    """Everything written in one language; a translation's gaps are filled and reported (i18n)."""
    ldir = ld.root / paths.language_dir(lang)
    # Where booklet.yaml names this language: its entry in `languages`, or `source_language`.
    named = booklet.languages[booklet.languages.index(lang)] if lang in booklet.languages else booklet.source_language
    if not ldir.is_dir():
        ld.problems.append(Problem.at(
            named, f"language {lang!r} has no folder {paths.language_dir(lang)}/; create it or remove the entry"))
        return None
    strings = None
    if not ld.available(ld.root / paths.strings_file(lang), lang):
        ld.problems.append(Problem.at(named, (
            f"{paths.strings_file(lang)} is missing; copy it from {paths.language_dir(ld.source_lang)}/ "
            "and translate it")))
    elif (strings := ld.load(ld.root / paths.strings_file(lang), schema.Strings, lang)) is not None and (
        bad := i18n.locale_problem(strings.locale, lang)
    ):
        ld.problems.append(Problem.at(strings.locale, bad))
    sources: dict[str, schema.Source] | None = {}
    if ld.available(ld.root / paths.sources_file(lang), lang):
        sources = ld.load_map(ld.root / paths.sources_file(lang), schema.Source, lang)
    shared: dict[str, schema.SharedSection] | None = {}
    if ld.available(ld.root / paths.shared_file(lang), lang):
        shared = ld.load_map(ld.root / paths.shared_file(lang), schema.SharedSection, lang)
    audiences: dict[str, schema.Audience] = {}
    for aid in booklet.audiences:
        rel = paths.audience_file(lang, aid)
        if not ld.available(ld.root / rel, lang):
            ld.problems.append(Problem.at(aid, f"audience {aid!r} has no file {rel}; create it or remove the entry"))
        elif (aud := ld.load(ld.root / rel, schema.Audience, lang)) is not None:
            audiences[aid] = aud
    # The terminology list is the language's own (not a translation of the source's): read as is.
    terms = schema.Terms()
    if (ld.root / paths.terms_file(lang)).is_file():
        terms = ld.load(ld.root / paths.terms_file(lang), schema.Terms) or terms
    if strings is None or sources is None or shared is None:
        return None
    return Language(lang, strings, sources, shared, audiences, terms)


def _load_jurisdiction(ld: _Loader, jid: Any, into: dict[str, schema.Jurisdiction],
                       booklet: schema.BookletConfig) -> None:
    """A facility's jurisdiction file, loaded once however many facilities share it."""
    if jid in into or any(p.file == paths.jurisdiction_file(jid) for p in ld.problems):
        return
    rel = paths.jurisdiction_file(jid)
    if not (ld.root / rel).is_file():
        known = sorted(p.stem for p in (ld.root / paths.JURISDICTIONS).glob("*.yaml"))
        ld.problems.append(Problem.at(jid, f"jurisdiction {jid!r} has no file {rel}; create it"
                                      + (f" or use one of: {', '.join(known)}" if known else "")))
    elif (jur := ld.load(ld.root / rel, schema.Jurisdiction)) is not None:
        into[str(jid)] = jur
        found: list[tuple[tuple[Any, ...], Any]] = [(("name",), jur.name)]
        found += [(("words", w), text) for w, text in jur.words.items()]
        found += [(("roles", r), text) for r, text in jur.roles.items()]
        _check_localized(ld, rel, found, booklet)


def _facility_texts(facility: schema.Facility) -> list[tuple[tuple[Any, ...], Any]]:
    """Every printed value of a facility, with where it is in the file."""
    found: list[tuple[tuple[Any, ...], Any]] = [(("name",), facility.name),
                                                (("calls_monitored",), facility.calls_monitored)]
    found += [(("address", i), line) for i, line in enumerate(facility.address)]
    for role, contact in facility.contacts.items():
        for attr in ("name", "phone", "hours", "email", "website", "note"):
            found.append((("contacts", role, attr), getattr(contact, attr)))
        found += [(("contacts", role, "address", i), line) for i, line in enumerate(contact.address or [])]
    return found


def _check_localized(ld: _Loader, rel: str, values: list[tuple[tuple[Any, ...], Any]],
                     booklet: schema.BookletConfig) -> None:
    """Every value written per language has a text for each language built: a missing
    translation is the same error as anywhere else (or a marked fallback in a --draft build)."""
    data = ld.docs[rel].data
    langs, source_lang = booklet.languages, booklet.source_language
    for loc, value in values:
        if not isinstance(value, dict):
            continue
        for lang in langs:
            if lang in value:
                continue
            if lang == source_lang or source_lang not in value:
                ld.missing(rel, loc, f"no {lang!r} text; add `{lang}:` (one entry per language built)")
                continue
            # A translation missing beside the source text: an error, or a marked draft fallback.
            line, col = position(data, loc)
            source = value[source_lang]
            gap = i18n.Gap(rel, line, col, key_path(loc), rel, source.line, source_lang, f"no {lang!r} text: ")
            if ld.draft:
                ld.warnings.append(gap.warning())
            else:
                ld.gaps.append(gap)
