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
from collections.abc import Mapping, Sequence
from typing import Any

from babel.dates import format_date
from markupsafe import Markup, escape

from booklets import __version__, paths
from booklets.content import i18n, schema
from booklets.content.markup import lang_spans, make_markdown
from booklets.content.printed import booklet_roles, section_roles
from booklets.content.project import Language, Project, placeholders
from booklets.content.sections import apply_words, resolve_sections
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
    """A facility value as safe HTML (phrases marked `[words]{lang=en}` in their language); one
    tagged !placeholder is wrapped so a reader of a draft cannot miss it."""
    if not isinstance(value, str):
        return value
    html = lang_spans(value)
    if isinstance(value, YStr) and value.placeholder:
        return Markup('<span class="placeholder" title="{}">{}</span>').format(label, html)
    return html


def _facility(project: Project, target: Target, language: Language, roles: list[str]) -> dict[str, Any]:
    fac = project.facilities[target.facility]
    strings = language.strings
    jurisdiction = project.jurisdiction(target.facility)

    def field(value: Any) -> Any:
        return _marked(project.local(value, target.language), strings.placeholder)

    def contact(role: str) -> dict[str, Any]:
        c = fac.contacts[role]  # type: ignore[index]  # roles are checked against the facility
        # The jurisdiction may call a role differently ("PREA lead", "safeguarding lead").
        label = jurisdiction.roles.get(role) if jurisdiction is not None else None  # type: ignore[call-overload]
        return {
            "role": str(role),
            "anchor": f"contact-{role}",
            "role_label": project.local(label, target.language) if label is not None
            else getattr(strings, f"role_{role}"),
            "name": field(c.name), "phone": field(c.phone), "hours": field(c.hours),
            "email": field(c.email), "website": field(c.website), "note": field(c.note),
            "address": [field(line) for line in c.address or []],
        }

    return {
        "id": target.facility,
        "name": field(fac.name),
        "address": [field(line) for line in fac.address],
        "calls_monitored": field(fac.calls_monitored),
        "jurisdiction": project.local(jurisdiction.name, target.language) if jurisdiction is not None else None,
        "contacts": [contact(r) for r in roles if r in fac.contacts],
        "contact": contact,  # for build_context only; removed before the template sees it
    }


def _form(form: schema.Form, strings: schema.Strings, words: Any, markdown: Any,
          facility: dict[str, Any], person: Mapping[str, str] | None) -> dict[str, Any]:
    """The form page: statements, then label/line rows. A packet's person fills name, ID and date;
    the site is printed; every other line is left for the pen."""
    values = {"name": person["name"] if person else "", "id": person["id"] if person else "",
              "date": person["date"] if person else "", "facility": facility["name"]}

    def fields(ids: Sequence[str]) -> list[dict[str, Any]]:
        return [{"id": str(f), "label": getattr(strings, f"form_{f}"), "value": values.get(str(f), ""),
                 "signature": str(f).endswith("signature") or f == "declined", "sign_here": f == "signature"}
                for f in ids]

    return {
        "title": words(form.title), "intro": markdown(words(form.intro), subheadings=True),
        "statements": [words(s) for s in form.statements], "fields": fields(form.fields),
        "blocks": [{"title": words(b.title), "statements": [words(s) for s in b.statements],
                    "fields": fields(b.fields)} for b in form.blocks],
    }


def notes_pages(edition: schema.Edition, has_form: bool) -> int:
    """How many Notes pages the template lays out; the PDF stage keeps the ones padding needs.

    Up to one sheet's worth less one, and one more when the form starts on a right-hand page: its
    back must be a Notes page (never the back cover), so at least one is always kept."""
    if not edition.notes_pages:
        return 0
    return edition.pad_to_multiple - 1 + (1 if has_form and edition.form_page != "page" else 0)


def effective_date_text(date: dt.date, locale: str) -> str:
    """The effective date as readers of that language write it (Babel, not a hand-made table)."""
    return format_date(date, format="long", locale=locale)


def _cmyk(colour: str, given: list[float] | None) -> str:
    """A CSS device-cmyk() colour for print: as the audience file gives it, else from the sRGB."""
    if given is not None:
        c, m, y, k = (v / 100 for v in given)
    else:  # the naive conversion; a print shop's profile would do better, so content can say
        r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
        k = 1 - max(r, g, b)
        c, m, y = ((1 - v - k) / (1 - k) if k < 1 else 0.0 for v in (r, g, b))
    return "device-cmyk(" + " ".join(f"{v:.3f}".rstrip("0").rstrip(".") or "0" for v in (c, m, y, k)) + ")"


def _identity(project: Project, audience: schema.Audience, strings: schema.Strings) -> dict[str, Any]:
    """The audience's label, colours and logo; defaults for an audience file without them."""
    accent = str(audience.accent or "#1d3557").lower()
    logo = None
    if audience.logo is not None:
        path = (project.root / paths.asset(audience.logo.src)).resolve()
        logo = {"url": path.as_uri(), "alt": audience.logo.alt}
    return {
        "label": audience.label or f"{strings.for_audience} {audience.name}",
        "accent": accent,
        "accent_cmyk": _cmyk(accent, audience.accent_cmyk),
        "logo": logo,
    }


def build_context(project: Project, target: Target, person: Mapping[str, str] | None = None,
                  release: bool = False) -> dict[str, Any]:
    """Everything the booklet template needs for one target, as plain data.

    `draft` is set when the booklet shows example (!placeholder) values of its facility and the
    build is not a release: the template then marks every page."""

    language = project.languages[target.language]
    audience = language.audiences[target.audience]
    edition = project.editions[target.edition]
    md, md_sections = make_markdown(), make_markdown(subheadings=True)
    env: dict[str, Any] = {}  # shared, so citations are numbered in reading order across both

    def markdown(text: str, subheadings: bool = False) -> Markup:
        # Bold-line sub-headings become <h3> under a section's or the form's <h2>; in a call-out
        # (itself titled <h3>, or <h2> on the inside cover) they stay bold paragraphs.
        parser = md_sections if subheadings else md
        return i18n.render_block(text, lambda inner: Markup(parser.render(inner, env)))

    place = project.place(target.facility, target.language)

    def words(text: Any) -> Any:
        return apply_words(text, place)

    resolved = resolve_sections(language, target.audience, place)
    roles = booklet_roles(project, target.language, target.audience, target.facility)
    facility = _facility(project, target, language, roles)
    contact = facility.pop("contact")
    # A link to a contact in the text prints that contact's number right after it.
    env["contact_phones"] = {c["role"]: Markup(escape(c["phone"])) for c in facility["contacts"] if c["phone"]}
    sections: list[dict[str, Any]] = []
    help_callout = None
    for placed, (sid, sec) in zip(audience.sections, resolved, strict=True):
        callout = {"title": sec.callout.title, "body": markdown(sec.callout.body)} if sec.callout else None
        image = None
        if sec.image is not None:
            path = (project.root / paths.asset(sec.image.src)).resolve()
            image = {"url": path.as_uri(), "alt": sec.image.alt}
        shown = section_roles(sec)
        sections.append({
            "id": sid, "number": len(sections) + 1, "anchor": f"s-{sid}", "title": sec.title,
            "body": markdown(sec.body, subheadings=True),
            "local": markdown(sec.local, subheadings=True) if sec.local else None,
            "callout": callout, "image": image, "contacts": [contact(r) for r in shown],
            "starts": placed.break_ or edition.section_break,  # auto (flows on), page or right
        })
        if help_callout is None and callout is not None and shown:
            help_callout = callout
    form = None
    if audience.form is not None:
        form = _form(audience.form, language.strings, words, markdown, facility, person)
    sources = [{"id": sid, "text": Markup(md.renderInline(language.sources[sid].text, {})),
                "url": language.sources[sid].url}
               for sid in env.get("citations", [])]
    shown_audience = {
        "name": words(audience.name), "title": words(audience.title), "subtitle": words(audience.subtitle),
        "summary": words(audience.summary), "keywords": [words(k) for k in audience.keywords],
        "reading_grade": audience.reading_grade,
    }
    shown_booklet = {name: getattr(project.booklet, name) for name in type(project.booklet).model_fields}
    # A name in another language marked `[words]{lang=en}` is printed in a span with that language.
    shown_booklet["organisation"] = _marked(project.local(project.booklet.organisation, target.language),
                                            language.strings.placeholder)
    booklet = project.booklet
    sheets = [BASE_STYLESHEET, *edition.stylesheets]
    context = {
        "lang": target.language,
        "version": __version__,
        "booklet": shown_booklet,
        "strings": language.strings,
        "audience": shown_audience,
        "audience_id": target.audience,
        "edition_id": target.edition,
        "edition": edition,
        "page_size": getattr(edition.size, booklet.paper),
        "effective_date": effective_date_text(booklet.effective_date, language.strings.locale),
        "facility": facility,
        "sections": sections,
        "help_callout": help_callout,
        "identity": _identity(project, audience, language.strings),
        "draft": not release and bool(placeholders(project, {target.facility})),
        "sources": sources,
        "form": form,
        "person": person,
        "notes_pages": notes_pages(edition, form is not None),
        "fonts": [{"family": family, "weight": weight, "url": path.as_uri()} for family, weight, path in faces()],
        "stylesheets": [(project.templates_dir / s).resolve().as_uri() for s in sheets],
    }
    return {name: plain(value, name) for name, value in context.items()}
