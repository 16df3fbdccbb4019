"""Load and validate every content file into one immutable Project, reporting all problems at once.

Stage order: parse each YAML file (yamlload), validate it against its schema (models), then check
the references between files (includes, citations, contact roles, images, stylesheets). Nothing
renders until the whole project is valid.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from booklets.content import i18n
from booklets.content import schema as models
from booklets.content.markup import citations_in
from booklets.content.yamlload import Doc, YMap, YStr, load_yaml, position
from booklets.errors import BookletError, Problem

M = TypeVar("M", bound=BaseModel)

_ALL_FIELDS = sorted(
    {
        name
        for cls in vars(models).values()
        if isinstance(cls, type) and issubclass(cls, BaseModel)
        for name in cls.model_fields
    }
)


@dataclass(frozen=True)
class Language:
    """Everything written in one language."""

    code: str
    strings: models.Strings
    sources: dict[str, models.Source]
    shared: dict[str, models.SharedSection]
    audiences: dict[str, models.Audience]


@dataclass(frozen=True)
class Project:
    """A whole validated project: the single input of planning and rendering."""

    root: Path
    booklet: models.Booklet
    editions: dict[str, models.Edition]
    facilities: dict[str, models.Facility]
    languages: dict[str, Language]
    docs: dict[str, Doc] = field(repr=False)
    warnings: list[Problem] = field(default_factory=list)
    """Problems that do not stop a build: translations out of step with their source, and the
    fallbacks of a --draft build."""

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    def doc_for(self, rel: str) -> Doc:
        return self.docs[rel]


def _key(loc: tuple[Any, ...]) -> str:
    out = ""
    for step in loc:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else str(step)
    return out


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{str(value)!r}"


_EXPECTED = {
    "string_type": "text",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "date_from_datetime_parsing": "a date written YYYY-MM-DD",
    "date_parsing": "a date written YYYY-MM-DD",
    "date_type": "a date written YYYY-MM-DD",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
}


def _fields_at(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at `loc` inside `model` (for "did you mean" hints), or every known key."""
    tp: Any = model
    for step in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(step, str):
            field_info = tp.model_fields.get(step)
            tp = field_info.annotation if field_info is not None else None
        elif typing.get_origin(tp) is list and isinstance(step, int):
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            return _ALL_FIELDS
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return _ALL_FIELDS


def _unwrap(tp: Any) -> Any:
    """Annotated[X, ...] -> X; X | None -> X; a union -> its one model or container member."""
    while True:
        if typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        args = typing.get_args(tp)
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            useful = [
                a
                for a in args
                if a is not type(None)
                and (
                    typing.get_origin(a) in (list, dict, typing.Annotated)
                    or (isinstance(a, type) and issubclass(a, BaseModel))
                )
            ]
            if len(useful) == 1:
                tp = useful[0]
                continue
        return tp


def _message(err: Any, model: Any, loc: tuple[Any, ...]) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "missing":
        return f"required key `{err['loc'][-1]}` is missing; add it"
    if kind == "extra_forbidden":
        name = str(loc[-1])
        allowed = _fields_at(model, loc[:-1])
        close = difflib.get_close_matches(name, allowed, n=1)
        if close:
            return f"unknown key `{name}`; did you mean `{close[0]}`?"
        if allowed is _ALL_FIELDS:
            return f"unknown key `{name}`; remove it (see docs/content-format.md)"
        return f"unknown key `{name}`; expected one of: {', '.join(allowed)}"
    if kind in ("literal_error", "enum"):
        return f"expected {err['ctx']['expected']}, found {_describe(value)}"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, found {_describe(value)}"
    if kind == "string_too_short":
        return "expected text, found an empty value"
    if kind == "too_short":
        return f"expected at least one item, found {_describe(value)}"
    if kind.startswith(("greater", "less")):
        expected = err["msg"].lower().replace("input should be", "expected a value")
        return f"{expected}, found {_describe(value)}"
    if kind == "string_pattern_mismatch":
        return f"expected a simple size such as `A5` or `5.5in 8.5in`, found {_describe(value)}"
    return str(err["msg"])


# pydantic names the branch of a union, and each validator function, inside `loc`.
_BRANCH_PREFIXES = ("function-", "dict[", "list[", "literal[", "constrained-")
_BRANCH_NAMES = {"str", "int", "float", "bool", "date", "none"}


def _is_branch(step: Any) -> bool:
    return isinstance(step, str) and (step.startswith(_BRANCH_PREFIXES) or step in _BRANCH_NAMES)


def _union_choice(data: Any, errors: list[Any]) -> list[Any]:
    """Keep only the union branch the author meant, so one mistake gives one line.

    A localized text is `text` or `{en: text, es: text}`: for a mapping only the mapping branch's
    errors matter, for text only the text branch's; for anything else one combined error is made.
    """
    sites: dict[tuple[Any, ...], list[Any]] = {}
    out = []
    for err in errors:
        raw = tuple(err["loc"])
        branch_at = next((i for i, step in enumerate(raw) if _is_branch(step)), None)
        if branch_at is None:
            out.append(err)
        else:
            sites.setdefault(raw[:branch_at], []).append(err)
    for site, errs in sites.items():
        clean = tuple(s for s in site if not _is_branch(s))
        value = _value_at(data, clean)
        mapping_branch = [e for e in errs if str(e["loc"][len(site)]).startswith("dict[")]
        text_branch = [e for e in errs if e not in mapping_branch]
        if isinstance(value, dict):
            out += mapping_branch
        elif isinstance(value, str):
            out += text_branch
        else:
            msg = "expected text, or a mapping of language codes to text, found "
            out.append({"type": "local_text", "loc": site, "msg": msg + _describe(value)})
    return out


def _value_at(data: Any, loc: tuple[Any, ...]) -> Any:
    for step in loc:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _loc_for_position(loc: tuple[Any, ...], kind: str) -> tuple[Any, ...]:
    # Drop union branch names and function tags so the path matches the YAML.
    clean = tuple(s for s in loc if not _is_branch(s))
    return clean[:-1] if kind == "missing" else clean


def validate(doc: Doc, model: type[M]) -> tuple[M | None, list[Problem]]:
    """Validate one loaded document against its model; every schema error becomes a Problem."""
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        problems = []
        for err in _union_choice(doc.data, exc.errors()):
            loc = _loc_for_position(tuple(err["loc"]), err["type"])
            line, col = position(doc.data, loc, at_key=err["type"] == "extra_forbidden")
            key = _key(loc if err["type"] != "missing" else (*loc, err["loc"][-1]))
            problems.append(Problem(doc.rel, line or 1, col or 1, key, _message(err, model, loc)))
        return None, problems


class _Loader:
    """Accumulates documents and problems while a project loads."""

    def __init__(self, root: Path, draft: bool = False) -> None:
        self.root = root
        self.draft = draft
        self.source_lang = ""
        self.docs: dict[str, Doc] = {}
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def _read(self, path: Path, lang: str | None) -> Doc | None:
        """Parse one file; a translation's file comes back completed from the source (i18n)."""
        doc: Doc | None = None
        if path.is_file() or lang is None:
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
            self.problems.extend(gap.error() for gap in gaps)
        completed = Doc(path, rel, data)
        self.docs[rel] = completed
        return completed

    def source_rel(self, path: Path, lang: str) -> str:
        """content/<lang>/x.yaml -> content/<source language>/x.yaml."""
        inner = path.relative_to(self.root / "content" / lang).as_posix()
        return f"content/{self.source_lang}/{inner}"

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
                Problem(doc.rel, 1, 1, "", f"expected a mapping of ids to entries, found {_describe(doc.data)}")
            )
            return None
        out: dict[str, M] = {}
        for key, value in doc.data.items():
            line, col = doc.data.key_pos[key]
            if not models.IDENT_RE.match(key):
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
        self.problems.append(Problem(ref_doc, line, col, _key(loc), what))


def _walk_text(data: Any, loc: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], YStr]]:
    if isinstance(data, YStr):
        yield loc, data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _walk_text(v, (*loc, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _walk_text(v, (*loc, i))


def placeholders(project: Project) -> list[Problem]:
    """Every value still tagged !placeholder in the facilities being built."""
    found = []
    for fid in project.booklet.facilities:
        rel = f"content/facilities/{fid}.yaml"
        if rel not in project.docs:
            continue
        for loc, value in _walk_text(project.docs[rel].data):
            if value.placeholder:
                found.append(
                    Problem(
                        rel,
                        value.line,
                        value.column,
                        _key(loc),
                        f"placeholder {str(value)!r} must be replaced with the real value",
                    )
                )
    return found


def is_placeholder(project: Project, rel: str, loc: tuple[Any, ...]) -> bool:
    """Whether the raw value at `loc` of file `rel` was tagged !placeholder."""
    node: Any = project.docs[rel].data if rel in project.docs else None
    for step in loc:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(node, YStr) and node.placeholder


def load_project(root: Path, draft: bool = False) -> Project:
    """Load, validate and cross-check the project at `root`; raise BookletError with every problem.

    `draft`: a missing translation is a warning (the source language's text stands in, marked)
    instead of an error.
    """
    root = root.resolve()
    ld = _Loader(root, draft)
    content = root / "content"
    booklet_path = content / "booklet.yaml"
    if not booklet_path.is_file():
        raise BookletError(
            [Problem("content/booklet.yaml", message="not found; run from the project folder or pass --project")]
        )
    booklet = ld.load(booklet_path, models.Booklet)
    if booklet is None:
        raise BookletError(ld.problems)
    b_rel = "content/booklet.yaml"

    editions: dict[str, models.Edition] = {}
    for i, eid in enumerate(booklet.editions):
        path = content / "editions" / f"{eid}.yaml"
        if not path.is_file():
            ld.missing(
                b_rel,
                ("editions", i),
                f"edition {eid!r} has no file content/editions/{eid}.yaml; create it or remove the entry",
            )
        elif (ed := ld.load(path, models.Edition)) is not None:
            editions[eid] = ed
            for j, sheet in enumerate(ed.stylesheets):
                sheet_path = root / "templates" / sheet
                if not sheet_path.resolve().is_relative_to((root / "templates").resolve()):
                    msg = (
                        f"stylesheet templates/{sheet} is a link to a file outside templates/; copy the file in instead"
                    )
                elif not sheet_path.is_file():
                    msg = f"stylesheet templates/{sheet} does not exist"
                else:
                    continue
                ld.missing(f"content/editions/{eid}.yaml", ("stylesheets", j), msg)

    facilities: dict[str, models.Facility] = {}
    for i, fid in enumerate(booklet.facilities):
        path = content / "facilities" / f"{fid}.yaml"
        if not path.is_file():
            ld.missing(
                b_rel,
                ("facilities", i),
                f"facility {fid!r} has no file content/facilities/{fid}.yaml; create it or remove the entry",
            )
        elif (fac := ld.load(path, models.Facility)) is not None:
            facilities[fid] = fac
            _check_localized(ld, f"content/facilities/{fid}.yaml", fac, booklet.languages, booklet.source_language)

    # The source language loads first: every other language is checked against it (i18n).
    ld.source_lang = booklet.source_language
    languages: dict[str, Language] = {}
    for lang in [ld.source_lang, *(x for x in booklet.languages if x != ld.source_lang)]:
        language = _load_language(ld, booklet, lang)
        if language is not None and lang in booklet.languages:
            languages[lang] = language

    project = Project(root, booklet, editions, facilities, languages, ld.docs, ld.warnings)
    if not ld.problems:
        _check_references(ld, project)
    if ld.problems:
        raise BookletError(ld.problems)
    return project


def _load_language(ld: _Loader, booklet: models.Booklet, lang: str) -> Language | None:
    """Everything written in one language; a translation's gaps are filled and reported (i18n)."""
    ldir = ld.root / "content" / lang
    b_rel = "content/booklet.yaml"
    if lang in booklet.languages:
        where: tuple[Any, ...] = ("languages", booklet.languages.index(lang))
    else:
        where = ("source_language",)
    if not ldir.is_dir():
        ld.missing(b_rel, where, f"language {lang!r} has no folder content/{lang}/; create it or remove the entry")
        return None
    strings = None
    if not ld.available(ldir / "strings.yaml", lang):
        ld.missing(
            b_rel,
            where,
            f"content/{lang}/strings.yaml is missing; copy it from content/{ld.source_lang}/ and translate it",
        )
    elif (strings := ld.load(ldir / "strings.yaml", models.Strings, lang)) is not None and (
        bad := i18n.locale_problem(strings.locale, lang)
    ):
        ld.missing(f"content/{lang}/strings.yaml", ("locale",), bad)
    sources: dict[str, models.Source] | None = {}
    if ld.available(ldir / "sources.yaml", lang):
        sources = ld.load_map(ldir / "sources.yaml", models.Source, lang)
    shared: dict[str, models.SharedSection] | None = {}
    if ld.available(ldir / "shared.yaml", lang):
        shared = ld.load_map(ldir / "shared.yaml", models.SharedSection, lang)
    audiences: dict[str, models.Audience] = {}
    for j, aid in enumerate(booklet.audiences):
        path = ldir / "audiences" / f"{aid}.yaml"
        if not ld.available(path, lang):
            ld.missing(
                b_rel,
                ("audiences", j),
                f"audience {aid!r} has no file content/{lang}/audiences/{aid}.yaml; create it or remove the entry",
            )
        elif (aud := ld.load(path, models.Audience, lang)) is not None:
            audiences[aid] = aud
    if strings is None or sources is None or shared is None:
        return None
    return Language(lang, strings, sources, shared, audiences)


def _check_localized(ld: _Loader, rel: str, facility: models.Facility, langs: list[str], source_lang: str) -> None:
    data = ld.docs[rel].data

    def check(loc: tuple[Any, ...], value: Any) -> None:
        if not isinstance(value, dict):
            return
        for lang in langs:
            if lang in value:
                continue
            if lang == source_lang or source_lang not in value:
                ld.missing(rel, loc, f"no {lang!r} text; add `{lang}:` (one entry per language built)")
                continue
            # A translation missing beside the source text: an error, or a marked draft fallback.
            line, col = position(data, loc)
            gap = i18n.Gap(
                rel,
                line,
                col,
                _key(loc),
                rel,
                position(data, (*loc, source_lang))[0],
                source_lang,
                f"no {lang!r} text: ",
            )
            if ld.draft:
                ld.warnings.append(gap.warning())
            else:
                ld.problems.append(gap.error())

    check(("name",), facility.name)
    check(("calls_monitored",), facility.calls_monitored)
    for role, contact in facility.contacts.items():
        for attr in ("name", "hours", "note"):
            check(("contacts", role, attr), getattr(contact, attr))


def _check_references(ld: _Loader, project: Project) -> None:
    for lang, language in project.languages.items():
        # A variant may name any audience that has a file, built now or not: narrowing the matrix
        # in booklet.yaml must not break shared sections.
        audiences = set(project.booklet.audiences) | {
            p.stem for p in (project.content_dir / lang / "audiences").glob("*.yaml")
        }
        shared_rel = f"content/{lang}/shared.yaml"
        for sid, shared in language.shared.items():
            for aid in shared.variants:
                if aid not in audiences:
                    ld.missing(
                        shared_rel,
                        (sid, "variants", aid),
                        f"variant for unknown audience {aid!r}; known: {', '.join(sorted(audiences))}",
                    )
            _check_section(ld, project, language, shared_rel, (sid,), shared)
            for aid, variant in shared.variants.items():
                _check_section(ld, project, language, shared_rel, (sid, "variants", aid), variant)
        for aid, audience in language.audiences.items():
            rel = f"content/{lang}/audiences/{aid}.yaml"
            seen: dict[str, int] = {}
            for i, entry in enumerate(audience.sections):
                if entry.include is not None:
                    sid = entry.include
                    if sid not in language.shared:
                        close = difflib.get_close_matches(sid, list(language.shared), n=1)
                        hint = f"did you mean {close[0]!r}?" if close else f"define it in content/{lang}/shared.yaml"
                        ld.missing(rel, ("sections", i, "include"), f"section {sid!r} does not exist; {hint}")
                        continue
                else:
                    sid = str(entry.id)
                    _check_section(ld, project, language, rel, ("sections", i), entry)
                if sid in seen:
                    ld.missing(
                        rel,
                        ("sections", i),
                        f"section {sid!r} appears twice (first at sections[{seen[sid]}]); keep one",
                    )
                seen[sid] = i
            if audience.form is not None:
                for cited in citations_in(audience.form.intro):
                    if cited not in language.sources:
                        ld.missing(
                            rel,
                            ("form", "intro"),
                            f"cites unknown source [^{cited}]; add it to content/{lang}/sources.yaml",
                        )


def _check_section(
    ld: _Loader, project: Project, language: Language, rel: str, loc: tuple[Any, ...], section: Any
) -> None:
    texts: list[tuple[tuple[str, ...], str | None]] = [(("title",), section.title), (("body",), section.body)]
    if section.callout is not None:
        texts.append((("callout", "body"), section.callout.body))
    for key, text in texts:
        for cited in citations_in(text or ""):
            if cited not in language.sources:
                close = difflib.get_close_matches(cited, list(language.sources), n=1)
                hint = f"did you mean [^{close[0]}]?" if close else f"add it to content/{language.code}/sources.yaml"
                ld.missing(rel, (*loc, *key), f"cites unknown source [^{cited}]; {hint}")
    for j, role in enumerate(section.contacts or []):
        for fid, facility in project.facilities.items():
            if role not in facility.contacts:
                ld.missing(
                    rel,
                    (*loc, "contacts", j),
                    f"facility {fid!r} has no contact {role!r}; add it to content/facilities/{fid}.yaml",
                )
    if section.image is not None:
        # content/assets itself must not be a link elsewhere either: resolve only content/.
        assets = project.content_dir.resolve() / "assets"
        target = (assets / section.image.src).resolve()
        if not target.is_relative_to(assets):
            msg = (
                f"image content/assets/{section.image.src} is a link to a file outside "
                "content/assets/; copy the file in instead"
            )
            ld.missing(rel, (*loc, "image", "src"), msg)
        elif not target.is_file():
            ld.missing(rel, (*loc, "image", "src"), f"image content/assets/{section.image.src} does not exist")
