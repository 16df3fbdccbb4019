"""Issue 18: `python build.py new facility NAME` and `new language CODE` make "adding a facility or a
language is a YAML file" true for someone who has never read the schema: on a fresh copy of the
shipped project, the files they write hold every field to fill in, booklet.yaml keeps its comments,
and the result builds with --draft at once."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from booklets import paths
from booklets.cli.main import main
from booklets.cli.new import add_to_list
from booklets.content.fieldtypes import Role
from booklets.content.load import load_project
from booklets.content.project import placeholders
from booklets.content.schema import Contact, Facility
from booklets.content.yamlload import YList, YMap, YStr, load_yaml
from booklets.plan import Target
from booklets.render.html import render_html
from tests.pdfread import all_text
from tests.scratch import REPO


def fresh_copy(tmp_path: Path) -> Path:
    """The shipped project as a new user has it: content/ and templates/, nothing built."""
    root = tmp_path / "clone"
    for folder in (paths.CONTENT, paths.TEMPLATES):
        shutil.copytree(REPO / folder, root / folder)
    return root


def leaves(value: Any) -> list[YStr]:
    if isinstance(value, YMap):
        return [leaf for v in value.values() for leaf in leaves(v)]
    if isinstance(value, YList):
        return [leaf for v in value for leaf in leaves(v)]
    return [value] if isinstance(value, YStr) else []


def roles() -> set[str]:
    return set(Role.__origin__.__args__)  # type: ignore[attr-defined]


def test_new_facility_has_every_field_as_a_placeholder_and_builds_with_draft(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = fresh_copy(tmp_path)
    booklet_before = (root / paths.BOOKLET).read_text(encoding="utf-8")
    assert main(["new", "facility", "riverside", "--jurisdiction", "us", "--project", str(root)]) == 0
    assert "content/facilities/riverside.yaml" in capsys.readouterr().out

    # booklet.yaml: the id added where the list is written, every comment and line kept.
    after = (root / paths.BOOKLET).read_text(encoding="utf-8")
    old_line = next(line for line in booklet_before.splitlines() if line.startswith("facilities:"))
    new_line = next(line for line in after.splitlines() if line.startswith("facilities:"))
    assert after == booklet_before.replace(old_line, new_line)
    assert new_line.split("#")[0].rstrip().endswith(", riverside]") and "#" in new_line

    # The facility: every field of the schema, every contact role with every part, each value a
    # placeholder (but the jurisdiction, chosen on the command line), each field under a comment.
    rel = "content/facilities/riverside.yaml"
    text = (root / rel).read_text(encoding="utf-8")
    doc, problems = load_yaml(root / rel, root)
    assert doc is not None and problems == []
    data = doc.data
    assert list(data) == list(Facility.model_fields)
    assert data["jurisdiction"] == "us"
    assert set(data["contacts"]) == roles()
    # What every card needs as a value; the optional parts commented out, ready to uncomment (all
    # six cards with every part would not fit the back cover's one page).
    optional = ("address", "email", "website", "note")
    # ...but what the jurisdiction requires of a role (us: the outside body's and the support line's
    # mailing address) is written as a value.
    required = {"outside_body": ["address"], "support_line": ["address"]}
    for role, contact in data["contacts"].items():
        assert list(contact) == [f for f in Contact.model_fields if f not in optional or f in required.get(role, [])]
    for part in optional:
        assert text.count(f"    # {part}:") == len(roles()) - sum(part in r for r in required.values()), part
    values = [v for v in leaves(data) if v.key != "jurisdiction"]
    assert values and all(v.placeholder for v in values), [v.key for v in values if not v.placeholder]
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if line and not line.startswith((" ", "#", "-")) and ":" in line:  # a top-level field
            assert lines[n - 1].startswith("#"), f"{line!r} has no comment"
    # Each per-language value names every language built.
    assert all(set(v) == {"en", "es"} for v in data["address"])

    project = load_project(root)
    assert len(placeholders(project, {"riverside"})) - len(placeholders(project, set())) == len(values)

    # It builds with --draft (and the next build warns about its placeholders, grouped).
    args = ["--project", str(root), "--facility", "riverside", "--audience", "staff", "--edition", "screen"]
    assert main([*args, "--draft"]) == 0
    err = capsys.readouterr().err
    assert f"{len(values)} placeholder values in {rel}" in err
    assert "content/facilities/example.yaml" not in err, "only the selected facility's placeholders"
    text_en = all_text(root / "dist/riverside/en/staff-screen.pdf")
    assert "Name of the site" in text_en and "Phone number" in text_en
    # And a release refuses it, naming the file.
    assert main([*args, "--release"]) == 2
    assert f"error: {rel}:" in capsys.readouterr().err


def test_new_facility_refuses_what_it_cannot_do_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = fresh_copy(tmp_path)
    booklet = (root / paths.BOOKLET).read_text(encoding="utf-8")

    def refused(*args: str) -> list[str]:
        assert main(["new", "facility", *args, "--project", str(root)]) == 2
        assert (root / paths.BOOKLET).read_text(encoding="utf-8") == booklet
        return capsys.readouterr().err.splitlines()

    assert refused("riverside") == [
        "error: command line: --jurisdiction is required: one of england-wales, us"]
    assert refused("riverside", "--jurisdiction", "mars") == [
        "error: command line: --jurisdiction 'mars' has no file content/jurisdictions/mars.yaml; known: "
        "england-wales, us"]
    assert refused("River Side", "--jurisdiction", "us")[0].startswith(
        "error: command line: NAME 'River Side' is not an id")
    err = refused("example", "--jurisdiction", "us")
    assert "error: content/facilities/example.yaml: exists already; edit it, or choose another NAME" in err
    assert any("facility 'example' is listed already" in line for line in err)
    assert not (root / "content/facilities/riverside.yaml").exists()


def test_new_language_builds_with_draft_and_translates_part_by_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = fresh_copy(tmp_path)
    booklet_before = (root / paths.BOOKLET).read_text(encoding="utf-8")
    assert main(["new", "language", "fr", "--project", str(root)]) == 0
    capsys.readouterr()
    after = (root / paths.BOOKLET).read_text(encoding="utf-8")
    assert after == booklet_before.replace("languages: [en, es]", "languages: [en, es, fr]")

    # Every file of the source language but its own terminology list, its text commented out.
    source = sorted(p.relative_to(root / "content/en").as_posix() for p in (root / "content/en").rglob("*.yaml"))
    written = sorted(p.relative_to(root / "content/fr").as_posix() for p in (root / "content/fr").rglob("*.yaml"))
    assert written == [f for f in source if f != "terms.yaml"]
    for rel in written:
        text = (root / "content/fr" / rel).read_text(encoding="utf-8")
        assert all(line.startswith("#") for line in text.splitlines() if line.strip())
        english = (root / "content/en" / rel).read_text(encoding="utf-8").splitlines()
        assert all(f"# {line}".rstrip() in text.splitlines() for line in english if line.strip())

    # Not translated: a normal build says so; --draft builds at once, English standing in, marked.
    args = ["--project", str(root), "--lang", "fr", "--facility", "example", "--audience", "staff",
            "--edition", "screen"]
    assert main(args) == 2
    assert "content/fr/strings.yaml: missing translation of content/en/strings.yaml" in capsys.readouterr().err
    assert main([*args, "--draft"]) == 0
    err = capsys.readouterr().err
    assert len(err.splitlines()) <= 25, err  # grouped per file
    pdf = root / "dist/example/fr/staff-screen.pdf"
    text = all_text(pdf)
    assert "Contents" in text and "[EN]" in text

    # Translating is uncommenting: one string translated shows, the rest still falls back.
    strings = root / "content/fr/strings.yaml"
    strings.write_text(strings.read_text(encoding="utf-8").replace("# contents: Contents", "contents: Sommaire"),
                       encoding="utf-8")
    project = load_project(root, draft=True)
    html = render_html(project, Target("example", "fr", "staff", "screen"))
    assert "Sommaire" in html and '<span class="fallback" lang="en">' in html


def test_new_language_refuses_what_it_cannot_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = fresh_copy(tmp_path)
    booklet = (root / paths.BOOKLET).read_text(encoding="utf-8")
    assert main(["new", "language", "es", "--project", str(root)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: content/booklet.yaml:11:17: languages[1]: language 'es' is listed already",
        "error: content/es/: exists already; translate the files in it, or remove it to start again"]
    assert main(["new", "language", "x1", "--project", str(root)]) == 2
    assert capsys.readouterr().err.startswith("error: command line: CODE 'x1' is not a language code")
    assert (root / paths.BOOKLET).read_text(encoding="utf-8") == booklet
    assert not (root / "content/x1").exists()


def test_add_to_list_keeps_every_comment_in_block_and_flow_lists(tmp_path: Path) -> None:
    block = "# top\nfacilities:   # the sites\n  - north    # first\n  # a note\n  - south\n# after\nx: 1\n"
    flow = "facilities: [ ]  # none yet\n"
    for text, expected in (
        (block, "# top\nfacilities:   # the sites\n  - north    # first\n  # a note\n  - south\n  - east\n"
                "# after\nx: 1\n"),
        (flow, "facilities: [east]  # none yet\n"),
        ("facilities: [north,\n  south]\n", "facilities: [north,\n  south, east]\n"),
    ):
        path = tmp_path / "b.yaml"
        path.write_text(text)
        doc, problems = load_yaml(path, tmp_path)
        assert doc is not None and not problems
        assert add_to_list(text, doc.data["facilities"], "east") == expected
