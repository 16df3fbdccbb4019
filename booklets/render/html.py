"""Templates stage: one Jinja environment, and the context that turns a project target into HTML.

The environment autoescapes and uses StrictUndefined, so a template that names a missing value
fails loudly instead of printing a blank. Markdown is rendered here (markup.py) and passed to the
templates as safe HTML; facility values tagged !placeholder are wrapped so they show in drafts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from babel.dates import format_date
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from booklets import __version__
from booklets.content import i18n
from booklets.content import schema as models
from booklets.content.load import Language, Project, is_placeholder
from booklets.content.markup import make_markdown
from booklets.errors import BookletError, Problem
from booklets.plan import Target

FONT_FILES = (("Regular", 400), ("Semibold", 600), ("Bold", 700))
BASE_STYLESHEET = "css/booklet.css"


def font_dir() -> Path:
    """The installed font package: the same font files on every machine."""
    import font_source_sans_pro

    return Path(font_source_sans_pro.font_directory)


def css_string(value: Any) -> Markup:
    """Quote a value as a CSS string literal that cannot end the string or the <style> element."""
    text = str(value)
    out = "".join(ch if ch.isalnum() or ch in " .,:;!?()-_/'" or ord(ch) > 127 else f"\\{ord(ch):x} " for ch in text)
    return Markup(f'"{out}"')


class _OutsideTemplate(jinja2.TemplateNotFound):
    """A template file that is a link to somewhere outside templates/."""


class _ProjectLoader(jinja2.FileSystemLoader):
    """Templates from the templates folder only: a link to a file elsewhere is refused."""

    def __init__(self, templates_dir: Path) -> None:
        super().__init__(templates_dir)
        self.root = templates_dir.resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not real.is_relative_to(self.root):
            raise _OutsideTemplate(
                template, f"template {template!r} is a link to {real}, outside templates/; "
                "copy the file into templates/ instead")
        return source, filename, uptodate


@cache
def environment(templates_dir: Path) -> jinja2.Environment:
    """The one Jinja environment for a templates folder (cached: building it is not free).

    Sandboxed: a template can print and loop over what it is given, but cannot reach Python's
    internals (`x.__class__.__mro__`...) to open files or run commands.
    """
    env = SandboxedEnvironment(
        loader=_ProjectLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = css_string
    return env


@dataclass
class _Ctx:
    project: Project
    language: Language
    target: Target


def _marked(ctx: _Ctx, rel: str, loc: tuple[Any, ...], value: Any) -> Any:
    """Facility values tagged !placeholder are wrapped so a reader of a draft cannot miss them."""
    if value is None:
        return None
    if is_placeholder(ctx.project, rel, loc):
        label = ctx.language.strings.placeholder
        return Markup('<span class="placeholder" title="{}">{}</span>').format(label, value)
    return value


def _facility(ctx: _Ctx, roles: list[str]) -> dict[str, Any]:
    fid, lang = ctx.target.facility, ctx.target.language
    fac = ctx.project.facilities[fid]
    rel = f"content/facilities/{fid}.yaml"
    src = ctx.project.booklet.source_language
    strings = ctx.language.strings

    def field(base: tuple[Any, ...], value: Any) -> Any:
        if not isinstance(value, dict):
            return _marked(ctx, rel, base, value)
        if lang in value:
            return _marked(ctx, rel, (*base, lang), value[lang])
        # Only a --draft build gets here (the loader refuses a missing translation otherwise):
        # the source text stands in, marked.
        return _marked(ctx, rel, (*base, src), i18n.fallback_text(value[src], src))

    def contact(role: models.Role) -> dict[str, Any]:
        c = fac.contacts[role]
        base = ("contacts", role)
        return {
            "role": role,
            "role_label": getattr(strings, f"role_{role}"),
            "name": field((*base, "name"), c.name),
            "phone": field((*base, "phone"), c.phone),
            "hours": field((*base, "hours"), c.hours),
            "email": field((*base, "email"), c.email),
            "website": field((*base, "website"), c.website),
            "note": field((*base, "note"), c.note),
            "address": [field((*base, "address", i), line) for i, line in enumerate(c.address or [])],
        }

    return {
        "id": fid,
        "name": field(("name",), fac.name),
        "address": [field(("address", i), line) for i, line in enumerate(fac.address)],
        "calls_monitored": field(("calls_monitored",), fac.calls_monitored),
        "contacts": [contact(r) for r in roles if r in fac.contacts],
        "contact": contact,
    }


def resolve_sections(language: Language, audience_id: str) -> list[tuple[str, models.SectionText]]:
    """An audience's sections in order, shared ones included with that audience's variant applied."""
    audience = language.audiences[audience_id]
    out = []
    for entry in audience.sections:
        if entry.include is not None:
            shared = language.shared[entry.include]
            variant = shared.variants.get(audience_id)
            base = shared.model_dump(exclude={"variants"})
            if variant is not None:
                base.update({k: v for k, v in variant.model_dump().items() if v is not None})
            out.append((entry.include, models.SectionText.model_validate(base)))
        else:
            out.append((str(entry.id), models.SectionText.model_validate(
                entry.model_dump(exclude={"include", "id"}))))
    return out


def effective_date_text(date: dt.date, locale: str) -> str:
    """The effective date as readers of that language write it (Babel, not a hand-made table)."""
    return format_date(date, format="long", locale=locale)


def build_context(project: Project, target: Target, person: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything the booklet template needs for one target."""
    language = project.languages[target.language]
    audience = language.audiences[target.audience]
    edition = project.editions[target.edition]
    ctx = _Ctx(project, language, target)
    md, md_sections = make_markdown(), make_markdown(subheadings=True)
    env: dict[str, Any] = {}  # shared, so citations are numbered in reading order across both

    def markdown(text: str, subheadings: bool = False) -> Markup:
        # Bold-line sub-headings become <h3> under a section's or the form's <h2>; in a call-out
        # (itself titled <h3>, or <h2> on the inside cover) they stay bold paragraphs.
        parser = md_sections if subheadings else md
        return i18n.render_block(text, lambda inner: Markup(parser.render(inner, env)))

    sections: list[dict[str, Any]] = []
    roles: list[str] = []
    help_callout = None
    for sid, sec in resolve_sections(language, target.audience):
        callout = {"title": sec.callout.title, "body": markdown(sec.callout.body)} if sec.callout else None
        image = None
        if sec.image is not None:
            path = (project.content_dir / "assets" / sec.image.src).resolve()
            image = {"url": path.as_uri(), "alt": sec.image.alt}
        section: dict[str, Any] = {
            "id": sid,
            "number": len(sections) + 1,
            "anchor": f"s-{sid}",
            "title": sec.title,
            "body": markdown(sec.body, subheadings=True),
            "callout": callout,
            "image": image,
            "contacts": sec.contacts,
        }
        roles += [r for r in sec.contacts if r not in roles]
        if help_callout is None and callout is not None and sec.contacts:
            help_callout = callout
        sections.append(section)
    form = None
    if audience.form is not None:
        form = {"title": audience.form.title, "intro": markdown(audience.form.intro, subheadings=True),
                "statements": audience.form.statements}
    facility = _facility(ctx, roles or list(project.facilities[target.facility].contacts))
    for entry in sections:
        entry["contacts"] = [facility["contact"](r) for r in entry["contacts"]]
    cited = env.get("citations", [])
    sources = [{"id": sid, "text": language.sources[sid].text, "url": language.sources[sid].url} for sid in cited]
    templates = project.templates_dir
    sheets = [BASE_STYLESHEET, *edition.stylesheets]
    fonts = [{"family": "Source Sans Pro", "weight": w, "url": (font_dir() / f"SourceSansPro-{n}.ttf").as_uri()}
             for n, w in FONT_FILES]
    notes = edition.pad_to_multiple - 1 if edition.notes_pages else 0
    return {
        "lang": target.language,
        "version": __version__,
        "booklet": project.booklet,
        "strings": language.strings,
        "audience": audience,
        "audience_id": target.audience,
        "edition_id": target.edition,
        "edition": edition,
        "page_size": getattr(edition.size, project.booklet.paper),
        "effective_date": effective_date_text(project.booklet.effective_date, language.strings.locale),
        "facility": facility,
        "sections": sections,
        "help_callout": help_callout,
        "sources": sources,
        "form": form,
        "person": person,
        "notes_pages": notes,
        "fonts": fonts,
        "stylesheets": [(templates / s).resolve().as_uri() for s in sheets],
    }


def render_html(project: Project, target: Target, person: dict[str, str] | None = None) -> str:
    """The HTML WeasyPrint receives for one target. Template errors name the template file and line."""
    env = environment(project.templates_dir)
    context = build_context(project, target, person)
    try:
        html = env.get_template("booklet.html.j2").render(context)
    except jinja2.TemplateSyntaxError as exc:
        name = f"templates/{exc.name}" if exc.name else "templates"
        problem = Problem(name, exc.lineno, 1, "", f"template syntax error: {exc.message}")
    except jinja2.TemplateNotFound as exc:
        file, line = _template_frame(exc, project.templates_dir)
        msg = str(exc.message) if isinstance(exc, _OutsideTemplate) else (
            f"template {exc.name!r} not found in templates/; check the name and the file")
        problem = Problem(file, line, 1 if line else 0, "", msg)
    except jinja2.UndefinedError as exc:
        file, line = _template_frame(exc, project.templates_dir)
        problem = Problem(file, line, 1, "", f"template uses an undefined value: {exc.message}; "
                          "define it or guard it with `is defined`")
    except Exception as exc:
        # Anything else a template can get wrong (a filter on the wrong type, an unsafe attribute
        # refused by the sandbox): name the template line. An error outside the templates is a
        # bug in booklets and keeps its traceback.
        file, line = _template_frame(exc, project.templates_dir)
        if not line:
            raise
        problem = Problem(file, line, 1, "", f"template error: {type(exc).__name__}: {exc}")
    else:
        return i18n.mark_fallbacks(html)
    raise BookletError([problem])


def _template_frame(exc: BaseException, templates_dir: Path) -> tuple[str, int]:
    """The template file and line where an error was raised (Jinja keeps them in the traceback)."""
    tb = exc.__traceback__
    found = ("templates", 0)
    root = templates_dir.resolve()
    while tb is not None:
        filename = Path(tb.tb_frame.f_code.co_filename)
        if filename.is_relative_to(root):
            found = ("templates/" + filename.relative_to(root).as_posix(), tb.tb_lineno)
        tb = tb.tb_next
    return found


def escape_text(value: str) -> str:
    """Escape plain text for HTML (used where text is assembled outside templates)."""
    return str(escape(value))
