"""The schema of where booklets are read: a facility's contacts, its jurisdiction, and the
terminology lists `check` applies there (content/facilities, content/jurisdictions,
content/<lang>/terms.yaml). Re-exported by content/schema.py with the other models.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from booklets.content.fieldtypes import ContactPart, Ident, LocalText, Model, Role, Text


class Contact(Model):
    """One way to reach someone, shown as a contact card. Every value is printed, so each may be
    written per language (`{en: ..., es: ...}`); a value written once is the same in every language."""

    name: LocalText
    """Who answers, e.g. `Safeguarding team`; text, or text per language (`{en: ..., es: ...}`)."""
    phone: LocalText | None = None
    """The number as it should be dialled and printed, quoted (`"0800 555 111"`)."""
    hours: LocalText | None = None
    """When the line is open; text, or text per language."""
    address: list[LocalText] | None = None
    """Lines of a mailing address (people in custody can write to it)."""
    email: LocalText | None = None
    """An email address, printed as written."""
    website: LocalText | None = None
    """A web address, printed as written (never fetched)."""
    note: LocalText | None = None
    """One more line on the card, e.g. that calls are free or anonymous; text, or text per language."""


class Facility(Model):
    """content/facilities/<id>.yaml: one site's name, address for letters and contacts."""

    name: LocalText
    """The site's name, printed on the cover and the form; text, or text per language."""
    jurisdiction: Ident | None = None
    """Where the site is (a file content/jurisdictions/<id>.yaml): its booklets state only that
    jurisdiction's law, figures and bodies. Required once any section varies by jurisdiction."""
    address: list[LocalText] = Field(min_length=1)
    """Lines of the address for letters, printed on the back cover under "Write to"."""
    calls_monitored: LocalText
    """Whether calls to the listed lines are recorded or listened to, printed on the back cover;
    text, or text per language."""
    contacts: dict[Role, Contact]
    """The contact cards by role: internal_line (report inside), safeguarding_lead, outside_body
    (outside reporting body), support_line (confidential support), family_line (for families) and
    staff_support (employee assistance). Sections list the roles whose cards they show."""


class TermRule(Model):
    """One concept's wording: the term to use and the terms `check` flags where they appear."""

    use: Text | None = None
    """The preferred term, named in the finding (none: the avoided terms have no replacement,
    e.g. another jurisdiction's law)."""
    avoid: list[Text] = Field(min_length=1)
    """Words or phrases flagged wherever a booklet prints them (whole words, any case)."""
    why: Text | None = None
    """Why, for the finding's message."""
    up_to_grade: Annotated[float, Field(ge=1, le=20)] | None = None
    """Only in booklets whose reading_grade target is at most this (jargon for plain-language
    booklets); none: in every booklet."""


class Terms(Model):
    """content/<lang>/terms.yaml: one term per concept in this language, checked by `check`."""

    terms: list[TermRule] = Field(default_factory=list)
    """One rule per concept: the term to use and the terms to avoid."""
    acronyms: dict[str, Text] = Field(default_factory=dict)
    """Acronym -> what it stands for (`PREA: Prison Rape Elimination Act`): `check` warns when a
    booklet uses the acronym before it has spelled it out."""
    contacts: dict[Role, list[Text]] = Field(default_factory=dict)
    """Phrases that mean a contact (e.g. `family_line: [line for families]`): a section whose text
    says one must name that contact, in its `contacts:` list or with a link `(#contact-<role>)`,
    so the booklet prints the number it promises."""


class Jurisdiction(Model):
    """content/jurisdictions/<id>.yaml: the law a booklet states depends on where it is read."""

    name: LocalText
    """Printed on the back cover: "For use in: England and Wales"."""
    words: dict[Ident, dict[str, Text]] = Field(default_factory=dict)
    """Per language, the words that differ by jurisdiction; text writes `{{word}}` (or
    `{{Word}}` at the start of a sentence) and each booklet prints its jurisdiction's word."""
    roles: dict[Role, LocalText] = Field(default_factory=dict)
    """How a contact role is called here, per language (replaces `role_<role>` of strings.yaml)."""
    contacts: dict[Role, list[ContactPart]] = Field(default_factory=dict)
    """What a facility's contact must give here, e.g. `support_line: [phone, address]` where the
    law requires a mailing address for outside support."""
    avoid: dict[Ident, list[TermRule]] = Field(default_factory=dict)
    """Per language, terms `check` flags in this jurisdiction's booklets (another country's law)."""
