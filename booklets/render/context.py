"""What a template gets for one target: plain data, nothing with methods.

Templates are input like content, so they are given only data: `View` records (attribute access to
plain values, no methods), lists, strings, numbers, booleans and None. Never a model object:
pydantic models carry public class methods (`parse_raw` unpickles) that a template could call.
Markdown is rendered here (content/markup.py) and passed as safe HTML; facility values tagged
!placeholder are wrapped so a reader of a draft cannot miss them.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from typing import Any

from babel.dates import format_date
from markupsafe import Markup

from booklets import __version__, paths
from booklets.content import i18n, schema
from booklets.content.markup import lang_spans, make_markdown
from booklets.content.project import Language, Project
from booklets.content.sections import resolve_sections
from booklets.content.yamlload import YStr
from booklets.plan import Target
from booklets.render.fonts import faces

BASE_STYLESHEET = "css/booklet.css"


class View:
    """A read-only record for templates: its fields as attributes, and nothing else.

    No methods a template could call, no mapping methods that a field named `items` or `get` would
    hide, and no way to change it: templates read data, they do not act on it.
    """

    __slots__ = ("_fields", "_name")

    def __init__(self, fields: Mapping[str, Any], name: str = "") -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_fields", {k: plain(v, f"{name}.{k}" if name else k) for k, v in fields.items()})


    def __getattr__(self, name: str) -> Any:
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("template data is read-only")

    def __repr__(self) -> str:
        return f"View({self._fields!r})"


def describe_missing(view: View, field: str) -> str:
    """What a template is told when it asks a record for a field it does not have."""
    close = difflib.get_close_matches(field, sorted(view._fields), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{view._name or 'this value'} has no field {field!r}{hint}"


def plain(value: Any, name: str = "") -> Any:
    """A value as templates see it: text as plain str (or Markup), mappings as Views, lists as lists.
    `name` is how the template reaches it (`section.callout`), for messages."""
    if isinstance(value, Markup) or value is None or isinstance(value, (bool, int, float, View)):
        return value
    if isinstance(value, str):
        return str(value)  # a YStr's position is the program's business, not the template's
    if isinstance(value, schema.Model):
        return View({field: getattr(value, field) for field in type(value).model_fields}, name)
    if isinstance(value, Mapping):
        return View(value, name)
    if isinstance(value, (list, tuple)):
        return [plain(v, name) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"templates get plain data, not {type(value).__name__}")


def _marked(value: Any, label: str) -> Any:
    """A facility value tagged !placeholder, wrapped so a reader of a draft cannot miss it."""
    if isinstance(value, YStr) and value.placeholder:
        return Markup('<span class="placeholder" title="{}">{}</span>').format(label, value)
    return value


def _in_language(value: Any, lang: str, label: str) -> Any:
    """A value as one booklet prints it: a name written in another language (a Phrase) is marked
    with that language (`<span lang>`: /Lang in the tagged PDF); placeholders are marked too."""
    if not isinstance(value, schema.Phrase):
        return _marked(value, label)
    text = _marked(value.text, label)
    if value.lang == lang:
        return text
    return Markup('<span lang="{}">{}</span>').format(value.lang, text)


def _local(value: Any, lang: str, source: str) -> Any:
    """One language's text of a localised value (`text` or `{en: text, es: text}`)."""
    if not isinstance(value, dict):
        return value
    if lang in value:
        return value[lang]
    # Only a --draft build gets here (the loader refuses a missing translation otherwise): the
    # source text stands in, marked.
    text = value[source]
    return text.like(i18n.fallback_text(text, source)) if isinstance(text, YStr) else text


def _facility(project: Project, target: Target, language: Language, roles: list[str]) -> dict[str, Any]:
    fac = project.facilities[target.facility]
    strings = language.strings

    def field(value: Any) -> Any:
        return _in_language(_local(value, target.language, project.booklet.source_language), target.language,
                            strings.placeholder)

    def contact(role: str) -> dict[str, Any]:
        c = fac.contacts[role]  # type: ignore[index]  # roles are checked against the facility
        return {
            "role": str(role),
            "role_label": getattr(strings, f"role_{role}"),
            "name": field(c.name), "phone": field(c.phone), "hours": field(c.hours),
            "email": field(c.email), "website": field(c.website), "note": field(c.note),
            "address": [field(line) for line in c.address or []],
        }

    return {
        "id": target.facility,
        "name": field(fac.name),
        "address": [field(line) for line in fac.address],
        "calls_monitored": field(fac.calls_monitored),
        "contacts": [contact(r) for r in roles if r in fac.contacts],
        "contact": contact,  # for build_context only; removed before the template sees it
    }


def effective_date_text(date: dt.date, locale: str) -> str:
    """The effective date as readers of that language write it (Babel, not a hand-made table)."""
    return format_date(date, format="long", locale=locale)


def build_context(project: Project, target: Target, person: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Everything the booklet template needs for one target, as plain data."""
    language = project.languages[target.language]
    audience = language.audiences[target.audience]
    edition = project.editions[target.edition]
    md = make_markdown()
    env: dict[str, Any] = {}

    def markdown(text: str) -> Markup:
        return i18n.render_block(text, lambda inner: Markup(md.render(inner, env)))

    sections: list[dict[str, Any]] = []
    roles: list[str] = []
    help_callout = None
    for sid, sec in resolve_sections(language, target.audience):
        callout = {"title": sec.callout.title, "body": markdown(sec.callout.body)} if sec.callout else None
        image = None
        if sec.image is not None:
            path = (project.root / paths.asset(sec.image.src)).resolve()
            image = {"url": path.as_uri(), "alt": sec.image.alt}
        sections.append({
            "id": sid, "number": len(sections) + 1, "anchor": f"s-{sid}", "title": sec.title,
            "body": markdown(sec.body), "callout": callout, "image": image, "contacts": list(sec.contacts),
        })
        roles += [r for r in sec.contacts if r not in roles]
        if help_callout is None and callout is not None and sec.contacts:
            help_callout = callout
    form = None
    if audience.form is not None:
        form = {"title": audience.form.title, "intro": markdown(audience.form.intro),
                "statements": audience.form.statements}
    facility = _facility(project, target, language, roles or list(project.facilities[target.facility].contacts))
    contact = facility.pop("contact")
    for entry in sections:
        entry["contacts"] = [contact(r) for r in entry["contacts"]]
    sources = [{"id": sid, "text": lang_spans(language.sources[sid].text), "url": language.sources[sid].url}
               for sid in env.get("citations", [])]
    booklet = project.booklet
    organisation = _in_language(_local(booklet.organisation, target.language, booklet.source_language),
                                target.language, language.strings.placeholder)
    sheets = [BASE_STYLESHEET, *edition.stylesheets]
    context = {
        "lang": target.language,
        "version": __version__,
        "booklet": {**{name: getattr(booklet, name) for name in type(booklet).model_fields},
                    "organisation": organisation},
        "strings": language.strings,
        "audience": audience,
        "audience_id": target.audience,
        "edition_id": target.edition,
        "edition": edition,
        "page_size": getattr(edition.size, booklet.paper),
        "effective_date": effective_date_text(booklet.effective_date, language.strings.locale),
        "facility": facility,
        "sections": sections,
        "help_callout": help_callout,
        "sources": sources,
        "form": form,
        "person": person,
        "notes_pages": edition.pad_to_multiple - 1 if edition.notes_pages else 0,
        "fonts": [{"family": family, "weight": weight, "url": path.as_uri()} for family, weight, path in faces()],
        "stylesheets": [(project.templates_dir / s).resolve().as_uri() for s in sheets],
    }
    return {name: plain(value, name) for name, value in context.items()}
