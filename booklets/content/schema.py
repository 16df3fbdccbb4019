"""The typed content schema: what every YAML file under content/ may and must contain.

Each model mirrors one kind of file (see docs/content-format.md). Unknown keys are errors, text
fields refuse values that YAML 1.1 would have turned into numbers, booleans or dates, and every
identifier that ends up in an output path is restricted to ``[a-z0-9-]`` so it cannot escape dist/.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from booklets.content.yamlload import YStr

IDENT_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def _keep_position(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Validate as usual, but give back the YAML value itself (a YStr knows its file, line, column
    and key), so every later stage can say where a value is written without going back to the YAML."""
    out = handler(value)
    return value if isinstance(value, YStr) and out == value else out


Positioned = WrapValidator(_keep_position)


def _text(value: Any) -> Any:
    if isinstance(value, YStr) and value.coerced_to:
        raise PydanticCustomError(
            "unquoted_text",
            'unquoted {found} would be read as {what} by YAML tools; put it in quotes: "{found}"',
            {"found": str(value), "what": value.coerced_to},
        )
    return value


def _ident(value: Any) -> Any:
    value = _text(value)
    if isinstance(value, str) and not IDENT_RE.match(value):
        raise PydanticCustomError(
            "bad_ident",
            "expected an id of lowercase letters, digits and hyphens (at most 40), found {found}",
            {"found": repr(str(value))},
        )
    return value


def _relpath(folder: str) -> Any:
    """A validator for a resource path relative to `folder`: never a URL, absolute or `..`."""

    def check(value: Any) -> Any:
        value = _text(value)
        if not isinstance(value, str):
            return value
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) or value.startswith("//"):
            raise PydanticCustomError(
                "url_path",
                "expected a path inside {folder}, found the URL {found}; copy the file into "
                "{folder} and give its path from there",
                {"found": repr(str(value)), "folder": folder},
            )
        parts = value.replace("\\", "/").split("/")
        if value.startswith(("/", "\\")) or ".." in parts:
            raise PydanticCustomError(
                "outside_path",
                "expected a path inside {folder}, found {found}; give the path from {folder} "
                "(no leading /, no ..)",
                {"found": repr(str(value)), "folder": folder},
            )
        if not value.strip() or any(ord(ch) < 32 for ch in value):
            raise PydanticCustomError(
                "bad_path",
                "expected a file path inside {folder}, found {found}",
                {"found": repr(str(value)), "folder": folder},
            )
        return value

    return check


Text = Annotated[str, BeforeValidator(_text), Field(min_length=1), Positioned]
Ident = Annotated[str, BeforeValidator(_ident), Positioned]
AssetPath = Annotated[str, BeforeValidator(_relpath("content/assets/")), Positioned]
TemplatePath = Annotated[str, BeforeValidator(_relpath("templates/")), Positioned]
LocalText = Text | dict[str, Text]
"""Text written once for every language, or `{en: ..., es: ...}` with one text per language built."""
ROLES = ("internal_line", "safeguarding_lead", "outside_body", "support_line", "family_line", "staff_support")
Role = Annotated[Literal[
    "internal_line", "safeguarding_lead", "outside_body", "support_line", "family_line", "staff_support"
], Positioned]
FORM_FIELDS = ("name", "id", "facility", "signature", "date", "training_date", "trainer_name",
               "trainer_signature", "educator_name", "educator_signature", "session_date", "format",
               "language", "declined")
FormField = Annotated[Literal[
    "name", "id", "facility", "signature", "date", "training_date", "trainer_name",
    "trainer_signature", "educator_name", "educator_signature", "session_date", "format",
    "language", "declined"
], Positioned]
"""A line of a form to fill in; its label is `form_<field>` in <lang>/strings.yaml. A packet fills
`name`, `id` and `date` from the roster, and `facility` is printed from the facility file."""
ContactPart = Literal["phone", "hours", "address", "email", "website", "note"]


class Model(BaseModel):
    """Base for every content model: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Size(Model):
    """Page size per paper series, as a CSS `size` value (e.g. `A5` or `5.5in 8.5in`)."""

    iso: Annotated[str, Field(pattern=r"^[A-Za-z0-9. ]{1,40}$")]
    us: Annotated[str, Field(pattern=r"^[A-Za-z0-9. ]{1,40}$")]


class BookletConfig(Model):
    """content/booklet.yaml: document control and the matrix to build."""

    organisation: LocalText
    """Printed on the cover and back cover and written as the PDF's Author: one text per language
    (`{en: ..., es: ...}`) unless the name is the same in every language."""
    document_number: Text
    revision: Text
    effective_date: dt.date
    supersedes: Text | None = None
    paper: Literal["iso", "us"] = "iso"
    source_language: Ident = "en"
    languages: list[Ident] = Field(min_length=1)
    audiences: list[Ident] = Field(min_length=1)
    editions: list[Ident] = Field(min_length=1)
    facilities: list[Ident] = Field(min_length=1)


class Impose(Model):
    """2-up sheets for an office printer, made from the edition's own PDF (no second layout).

    Two pages side by side on a landscape sheet twice the page's trim width (A5 pages on A4,
    half-letter on letter), in saddle-stitch order: print both sides, flip on the short edge,
    fold in half and staple. Each page is clipped to its trim, so bleed and crop marks never
    reach the neighbouring page.
    """

    suffix: Ident = "imposed"
    """Written next to the edition's PDF as `<audience>-<edition>-<suffix>.pdf`."""


class Edition(Model):
    """content/editions/<id>.yaml: how one edition looks and which PDF features it carries."""

    name: Text
    """What the edition is called in reports (e.g. `Print`)."""
    stylesheets: list[TemplatePath] = Field(default_factory=list)
    """Extra CSS files under templates/, applied after the base design in this order."""
    size: Size
    """The page (trim) size for each paper series; content/booklet.yaml `paper` picks one."""
    pdf_variant: Literal["pdf/ua-1", "pdf/ua-2"] | None = None
    """Tagged, accessible PDF (structure tree, /Lang, alt text) for screen readers."""
    notes_pages: bool = False
    """Padding pages are ruled Notes pages placed before the back cover, never after it."""
    pad_to_multiple: Annotated[int, Field(ge=1, le=16)] = 1
    """Pad the page count to a multiple of this (4 for a saddle-stitched booklet), with Notes."""
    sections_start_right: bool = False
    """Every section, the sources and the form start on a right-hand (odd) page; the blank left
    page this may leave carries no header or footer."""
    bleed_mm: Annotated[float, Field(ge=0, le=10)] = 0
    """Bleed beyond the trim on every side, in mm (3 for most print shops): full-bleed colour
    reaches into it and the PDF BleedBox is set to it."""
    crop_marks: bool = False
    """Crop marks in the margin outside the bleed, showing the print shop where to trim."""
    min_body_pt: Annotated[float, Field(ge=4, le=72)] | None = None
    """Smallest text size allowed outside the running header and footer, in points; `check --pdf`
    measures it in the PDF (large print: 16). None: not checked."""
    impose: Impose | None = None
    """Also write 2-up saddle-stitch sheets from the same render (see Impose)."""

    @field_validator("pad_to_multiple")
    @classmethod
    def _padding_needs_notes(cls, value: int, info: ValidationInfo) -> int:
        if value > 1 and not info.data.get("notes_pages", False):
            raise PydanticCustomError(
                "padding_without_notes",
                "expected notes_pages: true to pad to a multiple of {multiple} (padding pages "
                "are Notes pages), found no notes pages; add `notes_pages: true` or set "
                "`pad_to_multiple: 1`",
                {"multiple": value},
            )
        return value

    @field_validator("impose")
    @classmethod
    def _impose_needs_whole_sheets(
        cls, value: Impose | None, info: ValidationInfo
    ) -> Impose | None:
        multiple = info.data.get("pad_to_multiple")
        if value is not None and multiple is not None and multiple % 4:
            raise PydanticCustomError(
                "impose_needs_multiple_of_4",
                "expected pad_to_multiple: 4, 8, 12 or 16 for imposed sheets (each folded "
                "sheet holds 4 pages), found pad_to_multiple: {multiple}; set "
                "`pad_to_multiple: 4` and `notes_pages: true`",
                {"multiple": multiple},
            )
        return value


class Contact(Model):
    """One way to reach someone, shown as a contact card. Every value is printed, so each may be
    written per language (`{en: ..., es: ...}`); a value written once is the same in every language."""

    name: LocalText
    phone: LocalText | None = None
    hours: LocalText | None = None
    address: list[LocalText] | None = None
    """Lines of a mailing address (people in custody can write to it)."""
    email: LocalText | None = None
    website: LocalText | None = None
    note: LocalText | None = None


class Facility(Model):
    """content/facilities/<id>.yaml: one site's name, address for letters and contacts."""

    name: LocalText
    jurisdiction: Ident | None = None
    """Where the site is (a file content/jurisdictions/<id>.yaml): its booklets state only that
    jurisdiction's law, figures and bodies. Required once any section varies by jurisdiction."""
    address: list[LocalText] = Field(min_length=1)
    calls_monitored: LocalText
    contacts: dict[Role, Contact]


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


class Image(Model):
    """An image from content/assets/; alt text is required for screen readers."""

    src: AssetPath
    alt: Text


class Callout(Model):
    """A boxed call-out, such as "If you need help now"."""

    title: Text
    body: Text


class SectionText(Model):
    """The readable parts of a section."""

    title: Text
    body: Text
    local: Text | None = None
    """Printed after the body: what depends on where the booklet is read (the law, official
    figures, bodies' names). Usually given per jurisdiction (`jurisdictions:`)."""
    callout: Callout | None = None
    contacts: list[Role] = Field(default_factory=list)
    image: Image | None = None


class SectionOverride(Model):
    """Wording for one jurisdiction (or one audience): any part given replaces the shared one."""

    title: Text | None = None
    body: Text | None = None
    local: Text | None = None
    callout: Callout | None = None
    contacts: list[Role] | None = None
    image: Image | None = None


class Variant(SectionOverride):
    """Audience-specific wording for a shared section, itself varying by jurisdiction if needed."""

    jurisdictions: dict[Ident, SectionOverride] = Field(default_factory=dict)
    """Per jurisdiction, parts that replace this variant's; once given, every jurisdiction a
    booklet is built for must have an entry (`{}`: this variant's wording applies there)."""


class SharedSection(SectionText):
    """A section written once in <lang>/shared.yaml and included by several audiences."""

    jurisdictions: dict[Ident, SectionOverride] = Field(default_factory=dict)
    """Per jurisdiction, parts that replace the shared ones; once given, every jurisdiction a
    booklet is built for must have an entry (`{}`: the shared wording applies there)."""
    variants: dict[Ident, Variant] = Field(default_factory=dict)


class SectionEntry(Model):
    """One entry in an audience's section list: `include: <shared id>` or a section written inline."""

    include: Ident | None = None
    id: Ident | None = None
    title: Text | None = None
    body: Text | None = None
    local: Text | None = None
    callout: Callout | None = None
    contacts: list[Role] = Field(default_factory=list)
    image: Image | None = None
    jurisdictions: dict[Ident, SectionOverride] = Field(default_factory=dict)
    """Per jurisdiction, parts that replace the inline section's (as for shared sections)."""

    @model_validator(mode="after")
    def _one_form(self) -> SectionEntry:
        inline = [self.id, self.title, self.body, self.local, self.callout, self.image,
                  self.jurisdictions or None]
        if self.include is not None and any(v is not None for v in inline):
            raise PydanticCustomError(
                "include_and_inline",
                "a section is either `include: <id>` or an inline section (id, title, body), not both",
            )
        if self.include is None and (self.id is None or self.title is None or self.body is None):
            raise PydanticCustomError(
                "incomplete_section",
                "an inline section needs id, title and body (or use `include: <shared id>`)",
            )
        return self


DEFAULT_FIELDS = ("name", "id", "facility", "signature", "date")


class FormBlock(Model):
    """One record on a form (e.g. receipt at intake, then the education session): its own
    statements and lines, signed separately."""

    title: Text
    statements: list[Text] = Field(default_factory=list)
    fields: list[FormField] = Field(min_length=1)


class Form(Model):
    """The acknowledgement, receipt or confirmation page at the end of a booklet: statements to
    sign, then the lines to fill in (`fields`), then any further records (`blocks`)."""

    title: Text
    intro: Text
    statements: list[Text] = Field(min_length=1)
    fields: list[FormField] = Field(default_factory=lambda: list(DEFAULT_FIELDS))
    """The lines under the statements, in order; labels come from `form_<field>` in strings.yaml."""
    blocks: list[FormBlock] = Field(default_factory=list)

    @model_validator(mode="after")
    def _filled_once(self) -> Form:
        # A packet fills the person's name, ID and date into the one line each has on the form.
        seen: set[str] = set()
        for field in [*self.fields, *(f for b in self.blocks for f in b.fields)]:
            if field in ("name", "id", "date") and field in seen:
                raise PydanticCustomError(
                    "field_twice",
                    "field `{field}` appears twice on the form; a packet fills it once: keep one "
                    "(use `session_date` or `training_date` for other dates)", {"field": str(field)})
            seen.add(field)
        return self


class Audience(Model):
    """<lang>/audiences/<id>.yaml: one booklet's text."""

    name: Text
    title: Text
    subtitle: Text | None = None
    summary: Text
    keywords: list[Text] = Field(default_factory=list)
    reading_grade: Annotated[float, Field(ge=1, le=20)]
    sections: list[SectionEntry] = Field(min_length=1)
    form: Form | None = None


class Source(Model):
    """A citable source, listed on the Sources page of every booklet that cites it."""

    text: Text
    url: Text | None = None
    jurisdictions: list[Ident] = Field(default_factory=list)
    """Where the source applies (e.g. `[us]` for US federal law): a booklet for a facility in
    another jurisdiction may not cite it. Empty: everywhere."""


class Strings(Model):
    """<lang>/strings.yaml: every word the templates print, so no English leaks into a translation."""

    locale: Text
    for_audience: Text
    contents: Text
    page: Text
    of: Text
    revision: Text
    effective: Text
    supersedes: Text
    document: Text
    sources: Text
    sources_intro: Text
    notes: Text
    notes_hint: Text
    contacts_title: Text
    letters_title: Text
    calls_monitored_title: Text
    phone: Text
    hours: Text
    email: Text
    website: Text
    role_internal_line: Text
    role_safeguarding_lead: Text
    role_outside_body: Text
    role_support_line: Text
    role_family_line: Text
    role_staff_support: Text
    for_use_in: Text
    """Back cover, before the jurisdiction's name: "For use in"."""
    form_name: Text
    form_id: Text
    form_facility: Text
    form_signature: Text
    form_date: Text
    form_training_date: Text
    form_trainer_name: Text
    form_trainer_signature: Text
    form_educator_name: Text
    form_educator_signature: Text
    form_session_date: Text
    form_format: Text
    form_language: Text
    form_declined: Text
    sign_here: Text
    other_formats: Text
    placeholder: Text
    readability: Literal["flesch_kincaid", "fernandez_huerta", "szigriszt_pazos", "crawford", "none"] = (
        "flesch_kincaid")
    """The reading-level formula `check` measures this language with: flesch_kincaid (English),
    fernandez_huerta or szigriszt_pazos (Spanish ease scores, read as a grade on their published
    scales), crawford (Spanish grade), or none (not measured). Not printed."""


def _sha256(value: Any) -> Any:
    value = _text(value)
    if isinstance(value, str) and not re.fullmatch(r"[0-9a-f]{64}", value):
        raise PydanticCustomError(
            "bad_hash",
            "expected a SHA-256 written as 64 lowercase hex digits, found '{found}'; the record is "
            "written by `build.py --release`: restore it from version control",
            {"found": str(value)},
        )
    return value


class ReleaseEntry(Model):
    """One released revision in content/releases.yaml (written by `build.py --release`)."""

    content_sha256: Annotated[str, BeforeValidator(_sha256)]
    document_number: Text
    effective_date: Text
    supersedes: Text
