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
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from booklets.content.i18n import name_form
from booklets.content.markup import lang_tag
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
LangTag = Annotated[str, BeforeValidator(lang_tag), BeforeValidator(_text), Positioned]  # `_text` runs first
Role = Annotated[Literal[
    "internal_line", "safeguarding_lead", "outside_body", "support_line", "family_line", "staff_support"
], Positioned]


class Model(BaseModel):
    """Base for every content model: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Phrase(Model):
    """A name in one language whatever the booklet's (`{text: Crown Court, lang: en}`), marked with it
    where the booklet's differs (`lang` in HTML, /Lang in a tagged PDF). A Name is text, a Phrase, or
    either per language; its form is picked from its shape (i18n.name_form)."""

    text: Text
    lang: LangTag


_TextForm = Annotated[Text, Tag("Name[text]")]
_PhraseForm = Annotated[Phrase, Tag("Name[phrase]")]
_OneName = Annotated[_TextForm | _PhraseForm, Discriminator(lambda value: name_form(value, per_language=False))]
Name = Annotated[_TextForm | _PhraseForm | Annotated[dict[str, _OneName], Tag("Name[local]")], Discriminator(name_form)]


class Size(Model):
    """Page size per paper series, as a CSS `size` value (e.g. `A5` or `5.5in 8.5in`)."""

    iso: Annotated[str, Field(pattern=r"^[A-Za-z0-9. ]{1,40}$")]
    us: Annotated[str, Field(pattern=r"^[A-Za-z0-9. ]{1,40}$")]


class BookletConfig(Model):
    """content/booklet.yaml: document control and the matrix to build."""

    organisation: Name
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

    @model_validator(mode="after")
    def _html_has_no_pdf_settings(self) -> Edition:
        pdf_only = ("pdf_variant", "notes_pages", "pad_to_multiple", "sections_start_right", "bleed_mm",
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


class Contact(Model):
    """One way to reach someone, shown as a contact card."""

    name: Name
    phone: Text | None = None
    hours: LocalText | None = None
    address: list[Text] | None = None
    email: Text | None = None
    website: Text | None = None
    note: LocalText | None = None


class Facility(Model):
    """content/facilities/<id>.yaml: one site's name, address for letters and contacts."""

    name: Name
    address: list[Text] = Field(min_length=1)
    calls_monitored: LocalText
    contacts: dict[Role, Contact]


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
    callout: Callout | None = None
    contacts: list[Role] = Field(default_factory=list)
    image: Image | None = None


class SectionOverride(Model):
    """Audience-specific wording for a shared section: any part given replaces the shared one."""

    title: Text | None = None
    body: Text | None = None
    callout: Callout | None = None
    contacts: list[Role] | None = None
    image: Image | None = None


class SharedSection(SectionText):
    """A section written once in <lang>/shared.yaml and included by several audiences."""

    variants: dict[Ident, SectionOverride] = Field(default_factory=dict)


class SectionEntry(Model):
    """One entry in an audience's section list: `include: <shared id>` or a section written inline."""

    include: Ident | None = None
    id: Ident | None = None
    title: Text | None = None
    body: Text | None = None
    callout: Callout | None = None
    contacts: list[Role] = Field(default_factory=list)
    image: Image | None = None

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
    intro: Text
    statements: list[Text] = Field(min_length=1)


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
    form_name: Text
    form_id: Text
    form_facility: Text
    form_signature: Text
    form_date: Text
    sign_here: Text
    other_formats: Text
    placeholder: Text
    skip_to_content: Text  # the web edition's skip link
    other_languages: Text  # the web edition's label for its links to the other languages
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
