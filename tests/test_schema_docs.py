"""The JSON Schemas in docs/schema/ and the field reference in docs/content-format.md match the
content models (booklets/content/schema.py), every field has a description, and the schemas
accept the content the build accepts and flag what it refuses, as an editor would show it.

After a change to the schema, regenerate both with the command in REGENERATE and commit them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from booklets.cli.main import main
from booklets.content import jsonschema, schema
from tests.scratch import REPO, edit, write_project

SCHEMAS = REPO / "docs/schema"
DOC = REPO / "docs/content-format.md"
STALE = f"is out of date with booklets/content/schema.py: run `{jsonschema.REGENERATE}` and commit the result"


def models() -> list[type[BaseModel]]:
    return [m for m in vars(schema).values()
            if isinstance(m, type) and issubclass(m, schema.Model) and m is not schema.Model]


# --- in sync with the models ----------------------------------------------------------------------

def test_committed_schemas_are_the_generated_ones() -> None:
    assert sorted(p.name for p in SCHEMAS.glob("*.json")) == sorted(k.filename for k in jsonschema.KINDS), (
        f"docs/schema/ {STALE}")
    for kind in jsonschema.KINDS:
        committed = (SCHEMAS / kind.filename).read_text(encoding="utf-8")
        assert committed == jsonschema.schema_text(kind), f"docs/schema/{kind.filename} {STALE}"


def test_field_reference_in_the_docs_is_the_generated_one() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert doc == jsonschema.with_reference(doc), f"the field reference in docs/content-format.md {STALE}"


def test_every_field_and_model_has_a_description() -> None:
    undocumented = [f"{m.__name__}.{name}" for m in models() for name in m.model_fields
                    if not jsonschema.description(m, name).strip()]
    assert undocumented == [], ("give each of these fields a docstring (the line after it) in "
                                f"booklets/content/schema.py, then run `{jsonschema.REGENERATE}`")
    assert [m.__name__ for m in models() if not (m.__doc__ or "").strip()] == []


def test_every_model_is_in_the_reference_with_every_field() -> None:
    """A model no kind of file reaches would be missing from the schemas and the reference (a base
    class such as SectionText is there through its subclass)."""
    reference = jsonschema.field_reference()
    sections = {k.model: reference.split(f"### `{k.files}`\n", 1)[1].split("\n### ", 1)[0] for k in jsonschema.KINDS}
    sections |= {m: reference.split(f"#### {m.__name__}\n", 1)[1].split("\n#### ", 1)[0]
                 for m in models() if f"#### {m.__name__}\n" in reference}
    for model in models():
        shown = [m for m in models() if issubclass(m, model) and m in sections]
        assert shown, f"{model.__name__} is in no kind of file: add it to KINDS in booklets/content/jsonschema.py"
        for name, field in model.model_fields.items():
            key = field.alias or name  # as written in YAML (`break`, not the Python name `break_`)
            assert f"| `{key}` |" in sections[shown[0]], f"{model.__name__}.{key} is not in the field reference"


# --- the schemas say what the build says -----------------------------------------------------------

class _Yaml12(yaml.SafeLoader):
    """YAML as an editor's language server reads it (YAML 1.2: dates stay text, and so do yes/no)."""


_Yaml12.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Yaml12.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))
_Yaml12.add_constructor("!placeholder", lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]


def problems(instance: Any, node: dict[str, Any], root: dict[str, Any], at: str = "") -> list[str]:
    """What a draft-07 validator reports for the keywords these schemas use (a small one, since
    the test dependencies have none)."""
    if "$ref" in node:
        return problems(instance, root["definitions"][node["$ref"].rsplit("/", 1)[-1]], root, at)
    if "anyOf" in node:
        found = [problems(instance, option, root, at) for option in node["anyOf"]]
        return [] if [] in found else [f"{at or '/'}: matches no allowed form"]
    if "enum" in node and instance not in node["enum"]:
        return [f"{at}: {instance!r} is not one of {node['enum']}"]
    kinds = {"string": str, "boolean": bool, "array": list, "object": dict, "null": type(None),
             "number": (int, float), "integer": int}
    kind = node.get("type")
    if kind and (not isinstance(instance, kinds[kind]) or (kind != "boolean" and isinstance(instance, bool))):
        return [f"{at}: expected {kind}, found {instance!r}"]
    out = []
    if isinstance(instance, str):
        if len(instance) < node.get("minLength", 0):
            out.append(f"{at}: empty")
        if "pattern" in node and not re.search(node["pattern"], instance):
            out.append(f"{at}: {instance!r} does not match {node['pattern']}")
    if isinstance(instance, (int, float)) and not node.get("minimum", instance) <= instance <= node.get(
            "maximum", instance):
        out.append(f"{at}: {instance} is out of range")
    if isinstance(instance, list):
        if len(instance) < node.get("minItems", 0):
            out.append(f"{at}: too few items")
        for i, item in enumerate(instance):
            out += problems(item, node.get("items", {}), root, f"{at}/{i}")
    if isinstance(instance, dict):
        out += [f"{at}/{key}: required" for key in node.get("required", ()) if key not in instance]
        for key, value in instance.items():
            where = f"{at}/{key}"
            names = node.get("propertyNames", {})
            if names:
                out += problems(key, names, root, where)
            if key in node.get("properties", {}):
                out += problems(value, node["properties"][key], root, where)
            elif any(re.search(p, key) for p in node.get("patternProperties", {})):
                [sub] = [s for p, s in node["patternProperties"].items() if re.search(p, key)]
                out += problems(value, sub, root, where)
            elif node.get("additionalProperties") is False:
                out.append(f"{where}: unknown key")
            elif isinstance(node.get("additionalProperties"), dict):
                out += problems(value, node["additionalProperties"], root, where)
    return out


def kind_of(rel: str) -> jsonschema.Kind:
    """The kind whose `files` pattern matches a project path."""
    for kind in jsonschema.KINDS:
        if re.fullmatch(re.escape(kind.files).replace(r"\*", "[^/]+"), rel):
            return kind
    raise AssertionError(f"no schema for {rel}")


def check_file(path: Path, root: Path) -> list[str]:
    rel = path.relative_to(root).as_posix()
    kind = kind_of(rel)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml12)  # a SafeLoader
    return [f"{rel}{p}" for p in problems(data, jsonschema.json_schema(kind), jsonschema.json_schema(kind))]


def test_the_shipped_content_and_a_scratch_project_pass_their_schemas(tmp_path: Path) -> None:
    scratch = write_project(tmp_path / "project", languages=("es",))
    checked = []
    for root in (REPO, scratch):
        for path in sorted((root / "content").rglob("*.yaml")):
            checked.append(path)
            assert check_file(path, root) == []
    assert len(checked) > 20


@pytest.mark.parametrize(("rel", "old", "new", "expected"), [
    ("content/en/audiences/staff.yaml", "summary:", "sumary:", ["/summary: required", "/sumary: unknown key"]),
    ("content/booklet.yaml", "languages: [en]", "languages: [EN]", ["/languages/0: 'EN' does not match"]),
    ("content/booklet.yaml", "effective_date: 2026-01-15", "effective_date: 15/01/2026", []),
    ("content/booklet.yaml", 'revision: "2.0"', "revision: 2.0", ["/revision: expected string, found 2.0"]),
    ("content/en/audiences/staff.yaml", "reading_grade: 10", "reading_grade: 30", ["/reading_grade: 30 is out"]),
    ("content/facilities/north.yaml", "outside_body:", "outside_line:", ["/contacts/outside_line: 'outside_line'"]),
    ("content/en/shared.yaml", "zero-tolerance:", "Zero_Tolerance:", ["/Zero_Tolerance: unknown key"]),
    ("content/en/shared.yaml", "    staff: {", "    staff: {colour: red, ", ["/zero-tolerance/variants/staff/colour"]),
    ("content/editions/screen.yaml", "pdf_variant: pdf/ua-1", "pdf_variant: pdf/a", ["/pdf_variant: matches no"]),
])
def test_the_schemas_flag_what_the_build_refuses(make_project: Callable[..., Path], rel: str, old: str,
                                                 new: str, expected: list[str]) -> None:
    root = make_project({rel: edit(old, new)})
    found = check_file(root / rel, root)
    for want in expected:
        assert any(f"{rel}{want}" in line for line in found), (want, found)
    if not expected:  # dates are checked by the build only (JSON Schema's `format` is a hint)
        assert found == []


# --- the command ------------------------------------------------------------------------------------

def test_schema_command_prints_writes_and_lists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "audience"]) == 0
    out = capsys.readouterr().out
    assert out == (SCHEMAS / "audience.schema.json").read_text(encoding="utf-8")
    assert json.loads(out)["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert main(["schema", "--out", str(tmp_path / "schemas")]) == 0
    assert {p.name: p.read_bytes() for p in (tmp_path / "schemas").iterdir()} == {
        p.name: p.read_bytes() for p in SCHEMAS.iterdir()}
    capsys.readouterr()
    assert main(["schema"]) == 0
    assert "audience   content/*/audiences/*.yaml" in capsys.readouterr().out


def test_schema_command_regenerates_the_reference_and_refuses_bad_input(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "format.md"
    doc.write_text(f"# Format\n\n{jsonschema.BEGIN}\nold text\n{jsonschema.END}\n\nAfter.\n", encoding="utf-8")
    assert main(["schema", "--docs", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Format\n\n") and text.endswith("\n\nAfter.\n") and "old text" not in text
    assert "| `reading_grade` | number from 1 to 20 | yes |" in text
    capsys.readouterr()
    assert main(["schema", "nobody"]) == 2
    assert capsys.readouterr().err == ("error: command line: no schema for 'nobody'; known: booklet, edition, "
                                       "facility, jurisdiction, terms, strings, sources, shared, audience, releases\n")
    doc.write_text("# No markers\n", encoding="utf-8")
    assert main(["schema", "--docs", str(doc)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {doc}: no generated field reference") and "Traceback" not in err
    assert doc.read_text(encoding="utf-8") == "# No markers\n"
