"""The typed content schema: what every YAML file under content/ may and must contain.

Each model mirrors one kind of file (see docs/content-format.md). Unknown keys are errors, text
fields refuse values that YAML 1.1 would have turned into numbers, booleans or dates, and every
identifier that ends up in an output path is restricted to ``[a-z0-9-]`` so it cannot escape dist/.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

# The schema's vocabulary, re-exported: every model of content/ is reachable as schema.<Name>.
from booklets.content.fieldtypes import FORM_FIELDS as FORM_FIELDS
from booklets.content.fieldtypes import IDENT_RE as IDENT_RE
from booklets.content.fieldtypes import ROLES as ROLES
from booklets.content.fieldtypes import AssetPath as AssetPath
from booklets.content.fieldtypes import ContactPart as ContactPart
from booklets.content.fieldtypes import FormField as FormField
from booklets.content.fieldtypes import Ident as Ident
from booklets.content.fieldtypes import LocalText as LocalText
from booklets.content.fieldtypes import Model as Model
from booklets.content.fieldtypes import Positioned as Positioned
from booklets.content.fieldtypes import Role as Role
from booklets.content.fieldtypes import TemplatePath as TemplatePath
from booklets.content.fieldtypes import Text as Text
from booklets.content.fieldtypes import _text
from booklets.content.places import Contact as Contact
from booklets.content.places import Facility as Facility
from booklets.content.places import Jurisdiction as Jurisdiction
from booklets.content.places import TermRule as TermRule
from booklets.content.places import Terms as Terms


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
    fields: list[FormField] = Field(default_factory=lambda: list(DEFAULT_FIELDS))  # type: ignore[arg-type]
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
