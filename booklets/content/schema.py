"""The typed content schema: what every YAML file under content/ may and must contain.

Each model mirrors one kind of file (see docs/content-format.md). Unknown keys are errors; the
field types (content/fields.py) refuse text that YAML 1.1 would have turned into numbers, booleans
or dates, restrict every identifier that ends up in an output path to ``[a-z0-9-]`` so it cannot
escape dist/, and keep each string's position (YStr) through validation. The string under each
field documents it (content/jsonschema.py publishes it for editors and docs/content-format.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from booklets.content.fields import IDENT_RE as IDENT_RE  # re-exported: load.py checks ids with it
from booklets.content.fields import AssetPath, Ident, LocalText, Role, Sha256, TemplatePath, Text


class Model(BaseModel):
    """Base for every content model: unknown keys are errors, values are immutable once loaded."""

    # The string under each field is its description: in the JSON Schema editors read (hover,
    # completion) and in the field reference of docs/content-format.md, both made by
    # content/jsonschema.py, which reads it from this file's source.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Size(Model):
    """Page size per paper series, as a CSS `size` value (e.g. `A5` or `5.5in 8.5in`)."""

    iso: Annotated[str, Field(pattern=r"^[A-Za-z0-9. ]{1,40}$")]
    """The size on ISO paper (`paper: iso`), e.g. `A5` or `A4`."""
    us: Annotated[str, Field(pattern=r"^[A-Za-z0-9. ]{1,40}$")]
    """The size on US paper (`paper: us`), e.g. `5.5in 8.5in` (half letter) or `letter`."""


class BookletConfig(Model):
    """content/booklet.yaml: document control and the matrix to build."""

    organisation: Text
    """Who issues the booklets, printed on the cover, the inside cover and the back cover."""
    document_number: Text
    """The controlled document's number, printed on the covers and in every page footer."""
    revision: Text
    """The revision being issued, e.g. `"2.0"` (quoted: it is text); a release records it in
    content/releases.yaml and refuses to release it again with other content."""
    effective_date: dt.date
    """The date the revision takes effect, written YYYY-MM-DD; printed on the covers in each
    language's own way of writing dates."""
    supersedes: Text | None = None
    """The revision this one replaces, printed on the inside cover; required by `--release`."""
    paper: Literal["iso", "us"] = "iso"
    """Which paper series every edition's `size` uses: `iso` (A5, A4) or `us` (half letter, letter)."""
    source_language: Ident = "en"
    """The language every other language is translated from and checked against."""
    languages: list[Ident] = Field(min_length=1)
    """The languages to build; each needs a folder content/<lang>/."""
    audiences: list[Ident] = Field(min_length=1)
    """The audiences to build; each needs content/<lang>/audiences/<id>.yaml in every language."""
    editions: list[Ident] = Field(min_length=1)
    """The editions to build; each needs content/editions/<id>.yaml."""
    facilities: list[Ident] = Field(min_length=1)
    """The facilities to build; each needs content/facilities/<id>.yaml."""


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
    measures it in the PDF (large print: 16). Left out: not checked."""
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
    """One way to reach someone, shown as a contact card."""

    name: LocalText
    """Who answers, e.g. `Safeguarding team`; text, or text per language (`{en: ..., es: ...}`)."""
    phone: Text | None = None
    """The number as it should be dialled and printed, quoted (`"0800 555 111"`)."""
    hours: LocalText | None = None
    """When the line is open; text, or text per language."""
    address: list[Text] | None = None
    """Lines of a postal address, for writing."""
    email: Text | None = None
    """An email address, printed as written."""
    website: Text | None = None
    """A web address, printed as written (never fetched)."""
    note: LocalText | None = None
    """One more line on the card, e.g. that calls are free or anonymous; text, or text per language."""


class Facility(Model):
    """content/facilities/<id>.yaml: one site's name, address for letters and contacts."""

    name: LocalText
    """The site's name, printed on the cover and the form; text, or text per language."""
    address: list[Text] = Field(min_length=1)
    """Lines of the address for letters, printed on the back cover under "Write to"."""
    calls_monitored: LocalText
    """Whether calls to the listed lines are recorded or listened to, printed on the back cover;
    text, or text per language."""
    contacts: dict[Role, Contact]
    """The contact cards by role: internal_line (report inside), safeguarding_lead, outside_body
    (outside reporting body), support_line (confidential support), family_line (for families) and
    staff_support (employee assistance). Sections list the roles whose cards they show."""


class Image(Model):
    """An image from content/assets/; alt text is required for screen readers."""

    src: AssetPath
    """The file's path from content/assets/ (no URL, no leading /, no ..)."""
    alt: Text
    """What the image shows, read out by screen readers; required and never blank."""


class Callout(Model):
    """A boxed call-out, such as "If you need help now"."""

    title: Text
    """The call-out's heading."""
    body: Text
    """The call-out's text, in the inline markup."""


class SectionText(Model):
    """The readable parts of a section."""

    title: Text
    """The section's heading, in the contents, the outline and the running header."""
    body: Text
    """The section's text, in the inline markup (paragraphs, `**bold**`, links, lists, `[^source-id]`)."""
    callout: Callout | None = None
    """A boxed call-out after the text."""
    contacts: list[Role] = Field(default_factory=list)
    """Contact cards from the facility file shown after the text, by role."""
    image: Image | None = None
    """An image after the text."""


class SectionOverride(Model):
    """Audience-specific wording for a shared section: any part given replaces the shared one."""

    title: Text | None = None
    """Replaces the shared section's heading for this audience."""
    body: Text | None = None
    """Replaces the shared section's text for this audience."""
    callout: Callout | None = None
    """Replaces the shared section's call-out for this audience."""
    contacts: list[Role] | None = None
    """Replaces the shared section's contact cards for this audience."""
    image: Image | None = None
    """Replaces the shared section's image for this audience."""


class SharedSection(SectionText):
    """A section written once in <lang>/shared.yaml and included by several audiences."""

    variants: dict[Ident, SectionOverride] = Field(default_factory=dict)
    """Audience-specific wording, by audience id: any part given replaces the shared one."""


class SectionEntry(Model):
    """One entry in an audience's section list: `include: <shared id>` or a section written inline."""

    include: Ident | None = None
    """The id of a shared section in <lang>/shared.yaml (then no other key)."""
    id: Ident | None = None
    """An inline section's id: its link target (`#s-<id>`) and its name in messages."""
    title: Text | None = None
    """An inline section's heading."""
    body: Text | None = None
    """An inline section's text, in the inline markup."""
    callout: Callout | None = None
    """An inline section's boxed call-out."""
    contacts: list[Role] = Field(default_factory=list)
    """An inline section's contact cards, by role."""
    image: Image | None = None
    """An inline section's image."""

    @model_validator(mode="after")
    def _one_form(self) -> SectionEntry:
        inline = [self.id, self.title, self.body, self.callout, self.image]
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


class Form(Model):
    """The acknowledgement, receipt or confirmation page at the end of a booklet."""

    title: Text
    """The form's heading, e.g. `Acknowledgement`."""
    intro: Text
    """The text before the statements, in the inline markup."""
    statements: list[Text] = Field(min_length=1)
    """What the person confirms by signing, one item each."""


class Audience(Model):
    """<lang>/audiences/<id>.yaml: one booklet's text."""

    name: Text
    """Who the booklet is for, printed on the cover after `for_audience` ("For Staff")."""
    title: Text
    """The cover title, also the PDF title."""
    subtitle: Text | None = None
    """A line under the cover title."""
    summary: Text
    """One sentence about the booklet, used as the PDF subject."""
    keywords: list[Text] = Field(default_factory=list)
    """PDF keywords."""
    reading_grade: Annotated[float, Field(ge=1, le=20)]
    """The school grade the text must not read above, measured by `check` with the language's
    formula (`readability` in strings.yaml)."""
    sections: list[SectionEntry] = Field(min_length=1)
    """The booklet's sections in order: `include: <shared id>` or an inline section."""
    form: Form | None = None
    """An acknowledgement, receipt or confirmation page at the end, to sign."""


class Source(Model):
    """A citable source, listed on the Sources page of every booklet that cites it."""

    text: Text
    """The reference as printed on the Sources page."""
    url: Text | None = None
    """Where to find it, printed after the reference (never fetched)."""


class Strings(Model):
    """<lang>/strings.yaml: every word the templates print, so no English leaks into a translation."""

    locale: Text
    """The language and region dates are written for, e.g. `en_GB` or `es_ES` (an underscore)."""
    for_audience: Text
    """Before the audience's name on the cover: "For" Staff."""
    contents: Text
    """The contents page's heading and its outline entry."""
    page: Text
    """The page footer's "Page" (Page 4 of 12)."""
    of: Text
    """The page footer's "of" (Page 4 of 12)."""
    revision: Text
    """The label of the revision, on the covers and in the footer ("Revision 2.0")."""
    effective: Text
    """The label of the effective date, on the covers."""
    supersedes: Text
    """The label of the revision replaced, on the inside cover."""
    document: Text
    """The label of the document number, on the covers."""
    sources: Text
    """The Sources page's heading."""
    sources_intro: Text
    """The sentence opening the Sources page."""
    notes: Text
    """The heading of a Notes page (print padding)."""
    notes_hint: Text
    """The line under a Notes page's heading."""
    contacts_title: Text
    """The back cover's heading, over the contact cards."""
    letters_title: Text
    """The heading over the facility's address on the back cover."""
    calls_monitored_title: Text
    """The heading over the facility's `calls_monitored` text on the back cover."""
    phone: Text
    """A contact card's phone label."""
    hours: Text
    """A contact card's opening-hours label."""
    email: Text
    """A contact card's email label."""
    website: Text
    """A contact card's web site label."""
    role_internal_line: Text
    """The heading of an internal_line contact card."""
    role_safeguarding_lead: Text
    """The heading of a safeguarding_lead contact card."""
    role_outside_body: Text
    """The heading of an outside_body contact card."""
    role_support_line: Text
    """The heading of a support_line contact card."""
    role_family_line: Text
    """The heading of a family_line contact card."""
    role_staff_support: Text
    """The heading of a staff_support contact card."""
    form_name: Text
    """The form's name line."""
    form_id: Text
    """The form's ID number line."""
    form_facility: Text
    """The form's site line."""
    form_signature: Text
    """The form's signature line."""
    form_date: Text
    """The form's date line."""
    sign_here: Text
    """The mark at the signature line."""
    other_formats: Text
    """The inside cover's line about other formats (large print, languages, read aloud)."""
    placeholder: Text
    """The label (a tooltip) on a facility value still tagged !placeholder, which the booklet marks."""
    readability: Literal["flesch_kincaid", "fernandez_huerta", "szigriszt_pazos", "crawford", "none"] = (
        "flesch_kincaid")
    """The reading-level formula `check` measures this language with: flesch_kincaid (English),
    fernandez_huerta or szigriszt_pazos (Spanish ease scores, read as a grade on their published
    scales), crawford (Spanish grade), or none (not measured). Not printed."""


class ReleaseEntry(Model):
    """One released revision in content/releases.yaml (written by `build.py --release`)."""

    content_sha256: Sha256
    """The SHA-256 of the content and templates released (see `build.py --release`)."""
    document_number: Text
    """The document number released."""
    effective_date: Text
    """The effective date released, YYYY-MM-DD."""
    supersedes: Text
    """The revision it replaced."""
