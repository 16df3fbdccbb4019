"""Everything one booklet prints, as content: its sections, cover, form, contacts and template
words, resolved for the facility it is built for (jurisdiction wording and words applied).

One list, read by the cross-reference checks (which contacts and sources a booklet uses), by
`check` (readability, figures, terminology and placeholders are measured on every text a reader
sees, not only section bodies) and by the context the templates get, so the three never disagree.
Each text is a YStr: it knows the file, line and key where it is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from booklets.content import schema
from booklets.content.markup import citations_in
from booklets.content.project import Place, Project
from booklets.content.sections import apply_words, resolve_sections

CONTACT_LINK = re.compile(r"\]\(\s*#contact-([A-Za-z0-9_-]+)\s*\)")
"""An inline reference to a contact: `[the line for families](#contact-family_line)`."""


@dataclass(frozen=True)
class Printed:
    """One text a booklet prints."""

    text: str  # a YStr where it comes from content
    part: str  # the section id, or "cover", "form", "contacts", "booklet"
    prose: bool  # running text (measured for reading level), not a heading, name or label
    markdown: bool = False  # written in the Markdown subset (citations, links, lists)
    data: bool = False  # a name, number or address from a facility file: not words to check


def contact_refs(text: str) -> list[str]:
    """The contact roles a text refers to inline, in order."""
    return CONTACT_LINK.findall(text or "")


def section_roles(section: schema.SectionText) -> list[str]:
    """The contacts a section shows with it: its `contacts:` list, then those its text refers to."""
    roles: list[str] = []
    texts = [section.body, section.local, section.callout.body if section.callout else None]
    for role in [*section.contacts, *(r for t in texts for r in contact_refs(t or ""))]:
        if role not in roles:
            roles.append(role)
    return roles


def booklet_roles(project: Project, lang: str, audience: str, facility: str) -> list[str]:
    """Every contact a booklet refers to, in order of first reference; with none, all of the
    facility's contacts (a booklet always ends with whom to contact)."""
    place = project.place(facility, lang)
    roles: list[str] = []
    for _, section in resolve_sections(project.languages[lang], audience, place):
        roles += [r for r in section_roles(section) if r not in roles]
    return roles or [str(r) for r in project.facilities[facility].contacts]


def printed_texts(project: Project, lang: str, audience_id: str, facility_id: str) -> list[Printed]:
    """Every text of one booklet, in reading order, as printed for `facility_id`."""
    language = project.languages[lang]
    audience = language.audiences[audience_id]
    place: Place | None = project.place(facility_id, lang)
    out: list[Printed] = []

    def add(text: Any, part: str, prose: bool, markdown: bool = False, data: bool = False) -> None:
        text = apply_words(project.local(text, lang), place)
        if isinstance(text, str) and text:
            out.append(Printed(text, part, prose, markdown, data))

    add(audience.title, "cover", False)
    add(audience.subtitle, "cover", True)
    add(audience.summary, "cover", True)
    add(audience.name, "cover", False)
    add(project.booklet.organisation, "cover", False, data=True)
    sections = resolve_sections(language, audience_id, place)
    # The inside cover repeats the first call-out of a section that shows contacts ("If you need
    # help now"): in reading order it comes before every section. Not prose here, so the reading
    # level counts it once, where it is written.
    help_box = next((sec.callout for _, sec in sections if sec.callout and section_roles(sec)), None)
    if help_box is not None:
        out += [Printed(help_box.title, "inside-cover", False), Printed(help_box.body, "inside-cover", False, True)]
    for sid, section in sections:
        out.append(Printed(section.title, sid, False))
        out.append(Printed(section.body, sid, True, True))
        if section.local:
            out.append(Printed(section.local, sid, True, True))
        if section.callout is not None:
            out.append(Printed(section.callout.title, sid, False))
            out.append(Printed(section.callout.body, sid, True, True))
    form = audience.form
    if form is not None:
        add(form.title, "form", False)
        add(form.intro, "form", True, True)
        for statement in form.statements:
            add(statement, "form", True)
        for block in form.blocks:
            add(block.title, "form", False)
            for statement in block.statements:
                add(statement, "form", True)
    facility = project.facilities[facility_id]
    add(facility.name, "contacts", False, data=True)
    for role in booklet_roles(project, lang, audience_id, facility_id):
        contact = facility.contacts.get(role)  # type: ignore[call-overload]
        if contact is None:
            continue
        add(contact.name, "contacts", False, data=True)
        add(contact.hours, "contacts", True)
        add(contact.note, "contacts", True)
        for value in (contact.phone, contact.email, contact.website, *(contact.address or [])):
            add(value, "contacts", False, data=True)
    add(facility.calls_monitored, "contacts", True)
    for line in facility.address:
        add(line, "contacts", False, data=True)
    add(language.strings.other_formats, "booklet", True)
    return out


def cited_sources(printed: Iterable[Printed]) -> list[str]:
    """Source ids a booklet cites, in order of first citation."""
    seen: list[str] = []
    for p in printed:
        if p.markdown:
            seen += [c for c in citations_in(p.text) if c not in seen]
    return seen
