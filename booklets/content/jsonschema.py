"""JSON Schema for each kind of content file, and the field reference of docs/content-format.md.

Both are made from the models of content/schema.py and their field docstrings (the string under
each field), so neither can drift from what the loader accepts. The docstrings are read here from
the module's source, not by pydantic when the models are built, so loading content never pays for
them. Editors with YAML support read the schemas for
completion, hover help and checks while typing (see docs/content-format.md, "Editor support").
The schemas are JSON Schema draft-07, which every YAML language server reads.

    python build.py schema --out docs/schema --docs docs/content-format.md   # regenerate both

tests/test_schema_docs.py fails when the committed files differ from what this module makes.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema

from booklets.content import fieldtypes, places, schema, strings
from booklets.content.fieldtypes import IDENT_RE, Ident

DRAFT = "http://json-schema.org/draft-07/schema#"
REGENERATE = "python build.py schema --out docs/schema --docs docs/content-format.md"
BEGIN = "<!-- BEGIN FIELD REFERENCE: generated from booklets/content/schema.py; do not edit by hand -->"
END = "<!-- END FIELD REFERENCE -->"


@dataclass(frozen=True)
class Kind:
    """One kind of content file: where such files are, and the type their whole text must have."""

    name: str
    files: str
    model: Any
    summary: str
    key: str = ""
    """For a file that maps keys to entries: what a key is."""

    @property
    def filename(self) -> str:
        return f"{self.name}.schema.json"


KINDS: tuple[Kind, ...] = (
    Kind("booklet", "content/booklet.yaml", schema.BookletConfig, "Document control and the matrix to build."),
    Kind("edition", "content/editions/*.yaml", schema.Edition, "How one edition looks and which PDF features it has."),
    Kind("facility", "content/facilities/*.yaml", schema.Facility, "One site's name, address and contacts."),
    Kind("jurisdiction", "content/jurisdictions/*.yaml", schema.Jurisdiction,
         "The law, words and contacts that depend on where a booklet is read."),
    Kind("terms", "content/*/terms.yaml", schema.Terms, "One term per concept in one language, checked by `check`."),
    Kind("strings", "content/*/strings.yaml", schema.Strings, "Every word the templates print, in one language."),
    Kind("sources", "content/*/sources.yaml", dict[Ident, schema.Source],
         "Citable sources by id; text cites one with `[^id]`.", "source id"),
    Kind("shared", "content/*/shared.yaml", dict[Ident, schema.SharedSection],
         "Sections written once, by id, included by several audiences.", "section id"),
    Kind("audience", "content/*/audiences/*.yaml", schema.Audience, "One booklet's text."),
    Kind("releases", "content/releases.yaml", dict[str, schema.ReleaseEntry],
         "The released revisions (written by `build.py --release`, never by hand).", "revision"),
)


class _Draft7(GenerateJsonSchema):
    """pydantic's generator without the titles it makes up from field names ("Document Number")."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


@cache
def _docstrings() -> dict[str, dict[str, str]]:
    """Model name -> field -> the docstring written under the field, in every module of models."""
    out: dict[str, dict[str, str]] = {}
    modules = (schema, places, fieldtypes, strings)
    nodes = [node for module in modules for node in ast.parse(inspect.getsource(module)).body]
    for node in nodes:
        if isinstance(node, ast.ClassDef):
            out[node.name] = {
                field.target.id: inspect.cleandoc(doc.value.value)
                for field, doc in zip(node.body, node.body[1:], strict=False)
                if isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name)
                and isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)
                and isinstance(doc.value.value, str)
            }
    return out


def description(model: type, field: str) -> str:
    """A field's docstring, inherited ones included ("" when it has none)."""
    return next((docs[field] for cls in model.__mro__ if field in (docs := _docstrings().get(cls.__name__, {}))), "")


def _describe(node: dict[str, Any], model: Any) -> None:
    """Give each property of a model's schema its field's docstring as description."""
    if isinstance(model, type) and issubclass(model, schema.Model):
        by_alias = {info.alias: name for name, info in model.model_fields.items() if info.alias}
        for field, prop in node.get("properties", {}).items():
            text = description(model, by_alias.get(field, field))
            if text:
                node["properties"][field] = dict(sorted({**prop, "description": text}.items()))


def json_schema(kind: Kind) -> dict[str, Any]:
    """The JSON Schema (draft-07) that every file of this kind must satisfy."""
    body = TypeAdapter(kind.model).json_schema(schema_generator=_Draft7, ref_template="#/definitions/{model}")
    defs = body.pop("$defs", {})
    _describe(body, kind.model)
    for name, definition in defs.items():
        _describe(definition, getattr(schema, name, None))
    body.pop("title", None)
    body.pop("description", None)
    out: dict[str, Any] = {
        "$schema": DRAFT,
        "title": kind.files,
        "description": kind.summary,
        **body,
    }
    if defs:
        out["definitions"] = defs
    _tidy(out)
    return out


def _tidy(node: Any) -> None:
    """A mapping whose keys must match a pattern (ids) allows no other keys: say so, so that an
    editor flags a key like `Zero_Tolerance` as the loader does. A docstring's line breaks are
    not meant for a hover box: descriptions keep only their paragraph breaks."""
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        if isinstance(node.get("description"), str):
            node["description"] = re.sub(r"(?<!\n)\n(?!\n)", " ", node["description"])
        for value in node.values():
            _tidy(value)
    elif isinstance(node, list):
        for value in node:
            _tidy(value)


def schema_text(kind: Kind) -> str:
    """The schema as committed under docs/schema/: two-space indents, UTF-8, a final newline."""
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"


def find_kind(name: str) -> Kind | None:
    return next((k for k in KINDS if k.name == name), None)


# --- the field reference --------------------------------------------------------------------------


def _anchor(name: str) -> str:
    return name.lower()


def _code(value: Any) -> str:
    return f"`{json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value}`"


def _or(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _type(node: dict[str, Any]) -> str:
    """How a reader of the docs should write a value of this JSON Schema."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{_anchor(name)})"
    if "anyOf" in node:
        parts = [_type(n) for n in node["anyOf"] if n.get("type") != "null"]
        return _or(parts)
    if "enum" in node:
        return ("one of " if len(node["enum"]) > 2 else "") + _or([_code(v) for v in node["enum"]])
    kind = node.get("type")
    if kind == "string":
        if node.get("pattern") == IDENT_RE.pattern:
            return "id"
        return "date (YYYY-MM-DD)" if node.get("format") == "date" else "text"
    if kind == "boolean":
        return "`true` or `false`"
    if kind in ("number", "integer"):
        word = "number" if kind == "number" else "whole number"
        low, high = node.get("minimum"), node.get("maximum")
        return f"{word} from {low:g} to {high:g}" if low is not None and high is not None else word
    if kind == "array":
        least = node.get("minItems")
        item = _type(node["items"]).removeprefix("one of ")
        return f"list of {item}" + (f" (at least {least})" if least else "")
    if kind == "object":
        return _mapping(node)
    raise ValueError(f"no reference wording for the JSON Schema {node!r}")


def _mapping(node: dict[str, Any], key: str = "") -> str:
    if "patternProperties" in node:
        [(pattern, value)] = node["patternProperties"].items()
        key = key or ("id" if pattern == IDENT_RE.pattern else f"key matching `{pattern}`")
    else:
        value = node.get("additionalProperties", {})
        names = node.get("propertyNames", {})
        if "enum" in names:
            key = _or([_code(v) for v in names["enum"]])
        elif node.get("title") == "text per language":
            key = "language code"
        key = key or "text"
    return f"mapping of {key} to {_type(value)}"


def _cell(text: str) -> str:
    """One table cell: the docstring's lines joined, pipes escaped, and outside `code` the angle
    brackets of `content/<lang>/` written as entities (Markdown would take <lang> for a tag)."""
    parts = " ".join(text.split()).replace("|", "\\|").split("`")
    return "`".join(p if i % 2 else p.replace("<", "&lt;").replace(">", "&gt;") for i, p in enumerate(parts))


def _table(node: dict[str, Any]) -> list[str]:
    rows = ["| Key | Type | Required | Description |", "|---|---|---|---|"]
    required = set(node.get("required", ()))
    for key, field in node.get("properties", {}).items():
        default = field.get("default")
        need = "yes" if key in required else (
            f"no (default {_code(default)})" if default not in (None, [], {}) else "no")
        if "description" not in field:
            raise ValueError(f"field {key!r} has no description: give it a docstring in content/schema.py")
        rows.append(f"| `{key}` | {_cell(_type(field))} | {need} | {_cell(field['description'])} |")
    return rows


def field_reference() -> str:
    """The generated part of docs/content-format.md: every field of every kind of file."""
    lines = [BEGIN, "", f"Regenerate with `{REGENERATE}` after changing content/schema.py.", ""]
    nested: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        body = json_schema(kind)
        lines += [f"### `{kind.files}`", "", f"{kind.summary} Schema: [docs/schema/{kind.filename}]"
                  f"(schema/{kind.filename}).", ""]
        if "properties" in body:
            lines += [*_table(body), ""]
        else:
            lines += [f"The whole file is a {_mapping(body, kind.key)}.", ""]
        for name, definition in body.get("definitions", {}).items():
            if nested.setdefault(name, definition) != definition:
                raise ValueError(f"two different models are both called {name}")
    lines += ["### Parts of files", ""]
    for name, definition in nested.items():
        lines += [f"#### {name}", "", _cell(definition.get("description", "")), "", *_table(definition), ""]
    return "\n".join([*lines, END])


def with_reference(doc: str) -> str:
    """`doc` with its generated field reference replaced by the current one."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(doc):
        raise ValueError(f"no generated field reference: the file needs the lines {BEGIN} and {END}")
    return pattern.sub(lambda _: field_reference(), doc, count=1)
