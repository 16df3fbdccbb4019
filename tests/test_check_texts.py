"""`check` reads every text a reader sees, and the words of each language's terminology list.

Cover subtitle and summary, call-outs, form text and contact notes are measured for reading level,
uncited figures and placeholders like section bodies are. An avoided term (content/<lang>/terms.yaml)
is a warning at its own line, naming the term to use; an acronym used before it is spelled out
is a warning at its first use.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from booklets.cli.main import main
from tests.conftest import MINIMAL

Make = Callable[..., Path]
STAFF = MINIMAL["content/en/audiences/staff.yaml"]
HARD = ("Notwithstanding institutional considerations, administrative investigations concerning "
        "allegations necessitate comprehensive documentation and meticulous procedural adherence.")


def run(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    status = main(["check", "--project", str(root), "--format", "json", *extra])
    return status, json.loads(capsys.readouterr().out)


def findings(report: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["check"] == check]


def line_col(root: Path, rel: str, needle: str) -> tuple[int, int]:
    for number, line in enumerate((root / rel).read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in {rel}")


def test_cover_form_and_contact_notes_are_measured(make_project: Make, capsys: pytest.CaptureFixture[str]) -> None:
    staff = STAFF.replace("summary: A test booklet.", f'summary: "{HARD}"')
    staff = staff.replace("Sign below.", "Sign below. It happened 58% of the time.")
    north = MINIMAL["content/facilities/north.yaml"].replace(
        'phone: "0100 000 001"}', 'phone: "0100 000 001", note: "TODO write the hours"}')
    root = make_project({"content/en/audiences/staff.yaml": staff, "content/facilities/north.yaml": north})
    status, report = run(capsys, root, "--release")
    assert status == 1
    [grade] = report["grades"]
    assert {s["section"] for s in grade["sections"]} >= {"cover", "form", "contacts", "zero-tolerance"}
    [hard] = [f for f in findings(report, "reading-level") if f["severity"] == "error"]
    assert (hard["file"], hard["key"]) == ("content/en/audiences/staff.yaml", "summary")
    assert "section 'cover' reads at grade" in hard["message"]
    [figure] = findings(report, "uncited-figure")
    assert (figure["key"], (figure["line"], figure["column"])) == (
        "form.intro", line_col(root, "content/en/audiences/staff.yaml", "58%"))
    todo = [f for f in findings(report, "placeholder") if f["file"] == "content/facilities/north.yaml"]
    assert [(f["key"], f["line"]) for f in todo] == [
        ("contacts.internal_line.note", line_col(root, "content/facilities/north.yaml", "TODO")[0])]


def test_phone_numbers_and_addresses_are_not_figures(make_project: Make, capsys: pytest.CaptureFixture[str]) -> None:
    north = MINIMAL["content/facilities/north.yaml"].replace(
        'address: ["1 North Road"]', 'address: ["1 North Road", "Exampleville, ST 00000"]').replace(
        '"0100 000 001"', '"01632 960001"')
    status, report = run(capsys, make_project({"content/facilities/north.yaml": north}))
    assert status == 0 and not findings(report, "uncited-figure"), report["findings"]


TERMS = """\
    terms:
      - use: person in custody
        avoid: [inmate, inmates]
        why: person-first language
      - use: passing it on
        avoid: [referral]
        up_to_grade: 8
    acronyms:
      PREA: Prison Rape Elimination Act
    """


def test_an_avoided_term_is_a_warning_at_its_line(make_project: Make, capsys: pytest.CaptureFixture[str]) -> None:
    staff = STAFF.replace("Tell someone.", "Tell someone about any Inmate. A referral follows.")
    root = make_project({"content/en/audiences/staff.yaml": staff, "content/en/terms.yaml": TERMS})
    status, report = run(capsys, root)
    [term] = findings(report, "terms")
    assert status == 0 and term["severity"] == "warning"
    where = line_col(root, "content/en/audiences/staff.yaml", "Inmate")
    assert (term["file"], term["key"], (term["line"], term["column"])) == (
        "content/en/audiences/staff.yaml", "sections[1].body", where)
    assert term["message"] == ("'Inmate' is on the avoid list of content/en/terms.yaml (person-first language); "
                               "use 'person in custody'")
    # "referral" is jargon only in a plain-language booklet (grade 8 or lower): the staff target is 10.
    assert run(capsys, root, "--strict")[0] == 1
    easy = staff.replace("reading_grade: 10", "reading_grade: 8")
    root = make_project({"content/en/audiences/staff.yaml": easy, "content/en/terms.yaml": TERMS})
    assert sorted(f["message"].split("'")[1] for f in findings(run(capsys, root)[1], "terms")) == [
        "Inmate", "referral"]


def test_an_acronym_before_it_is_spelled_out(make_project: Make, capsys: pytest.CaptureFixture[str]) -> None:
    staff = STAFF.replace("Tell someone.", "Tell the PREA lead. The Prison Rape Elimination Act (PREA) says so.")
    root = make_project({"content/en/audiences/staff.yaml": staff, "content/en/terms.yaml": TERMS})
    status, report = run(capsys, root)
    assert status == 0  # a warning: fails only with --strict
    [acronym] = findings(report, "acronym")
    assert (acronym["line"], acronym["column"]) == line_col(root, "content/en/audiences/staff.yaml", "PREA lead")
    assert "write \"Prison Rape Elimination Act (PREA)\" here" in acronym["message"]
    spelled = STAFF.replace("Tell someone.", "The Prison Rape Elimination Act (PREA) says so. Tell the PREA lead.")
    root = make_project({"content/en/audiences/staff.yaml": spelled, "content/en/terms.yaml": TERMS})
    assert not findings(run(capsys, root)[1], "acronym")


def test_the_shipped_terminology_lists_hold() -> None:
    """One term per concept in Spanish: officers are "agentes", never "guardias" or "funcionarios"."""
    from booklets.content.load import load_project
    from booklets.content.printed import printed_texts
    from tests.conftest import REPO

    project = load_project(REPO)
    spanish = " ".join(p.text for a in project.booklet.audiences for f in project.booklet.facilities
                       for p in printed_texts(project, "es", a, f)).lower()
    assert "agentes" in spanish
    for avoided in ("guardia", "funcionario", "cárcel", "darle favores"):
        assert avoided not in spanish, avoided
    assert {r.use for r in project.languages["es"].terms.terms} >= {"agente (agentes penitenciarios)", "prisión"}
