"""The typed content schema: what every YAML file under content/ may and must contain.

Each model mirrors one kind of file (see docs/content-format.md). Unknown keys are errors, text
fields refuse values that YAML 1.1 would have turned into numbers, booleans or dates, and every
identifier that ends up in an output path is restricted to ``[a-z0-9-]`` so it cannot escape dist/.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from booklets.content.fieldtypes import ACCENT_PAIRS as ACCENT_PAIRS

# The schema's vocabulary, re-exported: every model of content/ is reachable as schema.<Name>.
from booklets.content.fieldtypes import FORM_FIELDS as FORM_FIELDS
from booklets.content.fieldtypes import IDENT_RE as IDENT_RE
from booklets.content.fieldtypes import ROLES as ROLES
from booklets.content.fieldtypes import Accent as Accent
from booklets.content.fieldtypes import AssetPath as AssetPath
from booklets.content.fieldtypes import Cmyk as Cmyk
from booklets.content.fieldtypes import ContactPart as ContactPart
from booklets.content.fieldtypes import FormField as FormField
from booklets.content.fieldtypes import Ident as Ident
from booklets.content.fieldtypes import LocalText as LocalText
from booklets.content.fieldtypes import Model as Model
from booklets.content.fieldtypes import Positioned as Positioned
from booklets.content.fieldtypes import Role as Role
from booklets.content.fieldtypes import Sha256 as Sha256
from booklets.content.fieldtypes import TemplatePath as TemplatePath
from booklets.content.fieldtypes import Text as Text
from booklets.content.fieldtypes import contrast_ratio as contrast_ratio
from booklets.content.places import Contact as Contact
from booklets.content.places import Facility as Facility
from booklets.content.places import Jurisdiction as Jurisdiction
from booklets.content.places import TermRule as TermRule
from booklets.content.places import Terms as Terms
from booklets.content.strings import Strings as Strings


class Size(Model):
    """Page size per paper series, as a CSS `size` value (e.g. `A5` or `5.5in 8.5in`)."""

    iso: Annotated[str, Field(pattern=r"^[A-Za-z0-9. ]{1,40}$")]
    """The size on ISO paper (`paper: iso`), e.g. `A5` or `A4`."""
    us: Annotated[str, Field(pattern=r"^[A-Za-z0-9. ]{1,40}$")]
    """The size on US paper (`paper: us`), e.g. `5.5in 8.5in` (half letter) or `letter`."""


class BookletConfig(Model):
    """content/booklet.yaml: document control and the matrix to build."""

    organisation: LocalText
    """Printed on the cover and back cover and written as the PDF's Author: one text per language
    (`{en: ..., es: ...}`) unless the name is the same in every language."""
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
    format: Literal["pdf", "html"] = "pdf"
    """`html`: the web edition, one page per booklet (templates/web/); `size` is the paper it prints
    on from a browser, and the PDF settings below are refused."""
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
    section_break: Literal["auto", "page", "right"] = "auto"
    """Where each section starts: `auto` flows on after the previous one (the page breaks where it
    is full, with the keep rules of the stylesheet), `page` starts each on a new page (e.g. large
    print chapter openers), `right` on a right-hand (odd) page; a blank left page this leaves
    carries no header or footer. A section can ask for its own break (`break: page`)."""
    form_page: Literal["page", "right", "right-if-free"] = "page"
    """Where the form starts: on a page of its own (`page`); on a right-hand page whose back is a
    Notes page (`right`, for print: the form can be cut out without losing anything); or there
    whenever that costs no extra sheet, else on a page of its own (`right-if-free`)."""
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

    @model_validator(mode="after")
    def _html_has_no_pdf_settings(self) -> Edition:
        pdf_only = ("pdf_variant", "notes_pages", "pad_to_multiple", "section_break", "form_page", "bleed_mm",
                    "crop_marks", "min_body_pt", "impose")
        given = [k for k in pdf_only if getattr(self, k) != type(self).model_fields[k].default]
        if self.format == "html" and given:
            raise PydanticCustomError("pdf_setting_in_html", "expected no PDF settings with format: html (a web "
                                      "page has no pages), found {found}; remove them", {"found": ", ".join(given)})
        return self

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
    local: Text | None = None
    """Printed after the body: what depends on where the booklet is read (the law, official
    figures, bodies' names). Usually given per jurisdiction (`jurisdictions:`)."""
    callout: Callout | None = None
    """A boxed call-out after the text."""
    contacts: list[Role] = Field(default_factory=list)
    """Contact cards from the facility file shown after the text, by role."""
    image: Image | None = None
    """An image after the text."""


class SectionOverride(Model):
    """Wording for one jurisdiction (or one audience): any part given replaces the shared one."""

    title: Text | None = None
    """Replaces the shared section's heading where it applies."""
    body: Text | None = None
    """Replaces the shared section's text where it applies."""
    local: Text | None = None
    """Replaces the shared section's local text (law, official figures, bodies' names) where it applies."""
    callout: Callout | None = None
    """Replaces the shared section's call-out where it applies."""
    contacts: list[Role] | None = None
    """Replaces the shared section's contact cards where it applies."""
    image: Image | None = None
    """Replaces the shared section's image where it applies."""


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
    """Audience-specific wording, by audience id: any part given replaces the shared one."""


class SectionEntry(Model):
    """One entry in an audience's section list: `include: <shared id>` or a section written inline."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    include: Ident | None = None
    """The id of a shared section in <lang>/shared.yaml (then no other key)."""
    break_: Literal["page", "right"] | None = Field(default=None, alias="break")
    """This section starts on a new page (`page`) or a right-hand page (`right`) whatever the
    edition's `section_break`; without it the section follows the edition."""
    id: Ident | None = None
    """An inline section's id: its link target (`#s-<id>`) and its name in messages."""
    title: Text | None = None
    """An inline section's heading."""
    body: Text | None = None
    """An inline section's text, in the inline markup."""
    local: Text | None = None
    """An inline section's local text, printed after its body: what depends on where the booklet is read."""
    callout: Callout | None = None
    """An inline section's boxed call-out."""
    contacts: list[Role] = Field(default_factory=list)
    """An inline section's contact cards, by role."""
    image: Image | None = None
    """An inline section's image."""
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
    """The block's heading, e.g. `Trainer` or `Resident`."""
    statements: list[Text] = Field(default_factory=list)
    """What the person filling this block confirms, one item each."""
    fields: list[FormField] = Field(min_length=1)
    """The lines of this block to fill in, by field name (labels from `form_<field>` in strings.yaml)."""


class Form(Model):
    """The acknowledgement, receipt or confirmation page at the end of a booklet: statements to
    sign, then the lines to fill in (`fields`), then any further records (`blocks`)."""

    title: Text
    """The form's heading, e.g. `Acknowledgement`."""
    intro: Text
    """The text before the statements, in the inline markup."""
    statements: list[Text] = Field(min_length=1)
    """What the person confirms by signing, one item each."""
    fields: list[FormField] = Field(default_factory=lambda: list(DEFAULT_FIELDS))  # type: ignore[arg-type]
    """The lines under the statements, in order; labels come from `form_<field>` in strings.yaml."""
    blocks: list[FormBlock] = Field(default_factory=list)
    """Parts of the form filled by different people (e.g. the trainer and the person trained),
    each with its own statements and lines."""

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
    """Who the booklet is for, printed on the cover after `for_audience` ("For Staff")."""
    title: Text
    """The cover title, also the PDF title."""
    subtitle: Text | None = None
    """A line under the cover title."""
    label: Text | None = None
    """Who the booklet is for, short, in its language ("For staff"): shown on the cover and in
    every page's running foot, so a booklet is never mistaken for another audience's."""
    accent: Accent | None = None
    """The audience's colour (#rrggbb) for the cover band, headings' rules and the label; checked
    for WCAG AA contrast against the colours it meets (ACCENT_PAIRS)."""
    accent_cmyk: Cmyk | None = None
    """The same colour for the print shop, as percentages [c, m, y, k]; the print edition uses it
    as given (device-cmyk). Without it, print converts the screen colour naively."""
    logo: Image | None = None
    """An organisation or facility logo (SVG or PNG under content/assets/, with alt text), on the
    cover and the back cover."""
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
    jurisdictions: list[Ident] = Field(default_factory=list)
    """Where the source applies (e.g. `[us]` for US federal law): a booklet for a facility in
    another jurisdiction may not cite it. Empty: everywhere."""


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
