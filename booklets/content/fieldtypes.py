"""The value types of the content schema: text, ids, paths, localised text, roles and form fields.

Every text field refuses a value that YAML 1.1 would have turned into a number, boolean or date,
and keeps the YAML value itself (a YStr knows its file, line, column and key) through validation;
every id that ends up in an output path is restricted to ``[a-z0-9-]`` so it cannot escape dist/.
The models that use these types are in content/schema.py.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
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
# The JSON Schema (content/jsonschema.py) states the id pattern too, so an editor flags a bad id.
Ident = Annotated[str, BeforeValidator(_ident), Positioned,
                  WithJsonSchema({"type": "string", "pattern": IDENT_RE.pattern})]
AssetPath = Annotated[str, BeforeValidator(_relpath("content/assets/")), Positioned]
TemplatePath = Annotated[str, BeforeValidator(_relpath("templates/")), Positioned]
# The JSON Schema names the second form and says its keys are language codes (validation is the
# same: i18n checks the languages).
LocalText = Text | Annotated[dict[str, Text], WithJsonSchema({
    "type": "object", "title": "text per language", "propertyNames": {"pattern": IDENT_RE.pattern},
    "additionalProperties": {"type": "string", "minLength": 1}})]
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


Sha256 = Annotated[str, BeforeValidator(_sha256)]


# --- colours ----------------------------------------------------------------------------------

def _relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two colours written #rrggbb (1 to 21)."""
    def rgb(hex_colour: str) -> tuple[int, int, int]:
        return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)

    light, dark = sorted((_relative_luminance(rgb(first)), _relative_luminance(rgb(second))), reverse=True)
    return (light + 0.05) / (dark + 0.05)


WCAG_AA = 4.5
"""Contrast for normal-size text (WCAG 2 AA): the accent colours small text, such as the label
in the running foot, so the large-text 3:1 is not enough."""
ACCENT_PAIRS = {"#ffffff": "white paper, and white text on the cover band",
                "#eef3f8": "the light tint behind the other-formats note and the audience label"}
"""The colours an audience's accent meets in templates/css/booklet.css (`--paper`, `--tint`): as
text on them, and as the background of white text. Keep the two lists the same."""


def _accent(value: Any) -> Any:
    value = _text(value)
    if not isinstance(value, str):
        return value
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise PydanticCustomError(
            "bad_colour", "expected a colour written #rrggbb (six hex digits), found {found}",
            {"found": repr(str(value))})
    for other, where in ACCENT_PAIRS.items():
        ratio = contrast_ratio(value.lower(), other)
        if ratio < WCAG_AA:
            raise PydanticCustomError(
                "low_contrast",
                "accent {found} has a contrast of {ratio}:1 against {other} ({where}); WCAG AA "
                "needs {aa}:1 for text: choose a darker colour",
                # pydantic fills the template with str.replace, not format: no format specs
                {"found": str(value), "ratio": f"{ratio:.2f}", "other": other, "where": where, "aa": WCAG_AA})
    return value


Accent = Annotated[str, BeforeValidator(_accent), Positioned]
Cmyk = Annotated[list[Annotated[float, Field(ge=0, le=100)]], Field(min_length=4, max_length=4)]
"""A print colour as percentages of cyan, magenta, yellow and black."""


class Model(BaseModel):
    """Base for every content model: unknown keys are errors, values are immutable once loaded."""

    # The string under each field is its description: in the JSON Schema editors read (hover,
    # completion) and in the field reference of docs/content-format.md, both made by
    # content/jsonschema.py, which reads it from the models' source.
    model_config = ConfigDict(extra="forbid", frozen=True)
