"""Contacts promised by the text are printed in the booklet, or the content is refused.

A section names the contacts it refers to (`contacts:`) or links them in its text
(`[the line for families](#contact-family_line)`): the booklet prints the contact's number right
after a link, shows the card with the section and on the back cover, and a role the facility does
not define is an error with file and line. `check` also finds a mention of a contact that is not
shown (the "call the line for families" that printed no number).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from booklets.cli.main import main
from booklets.content.load import load_project
from booklets.errors import BookletError
from tests.conftest import MINIMAL
from tests.i18n_project import pages_text

Make = Callable[..., Path]
STAFF = MINIMAL["content/en/audiences/staff.yaml"]
TERMS = """\
    contacts:
      family_line: [line for families]
      internal_line: [reporting line]
    """
FAMILY = MINIMAL["content/facilities/north.yaml"].rstrip() + "\n" + (
    '          family_line: {name: "North families line", phone: "0100 000 005", '
    'address: ["North Families", "1 North Road"]}\n')


def line_col(root: Path, rel: str, needle: str) -> tuple[int, int]:
    for number, line in enumerate((root / rel).read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in {rel}")


def test_a_linked_contact_the_facility_lacks_is_an_error(make_project: Make) -> None:
    staff = STAFF.replace("Tell someone.", "Tell someone, or call the [line for families](#contact-family_line).")
    root = make_project({"content/en/audiences/staff.yaml": staff})
    line, col = line_col(root, "content/en/audiences/staff.yaml", "#contact-family_line")
    with pytest.raises(BookletError) as caught:
        load_project(root)
    assert [str(p) for p in caught.value.problems] == [
        f"content/en/audiences/staff.yaml:{line}:{col}: sections[1].body: facility 'north' has no contact "
        "'family_line'; add it to content/facilities/north.yaml"]


def test_a_link_to_an_unknown_role_suggests_the_right_one(make_project: Make) -> None:
    staff = STAFF.replace("Tell someone.", "Call the [line](#contact-internal_lines).")
    root = make_project({"content/en/audiences/staff.yaml": staff})
    with pytest.raises(BookletError) as caught:
        load_project(root)
    [problem] = caught.value.problems
    assert problem.message == (
        "link to unknown contact #contact-internal_lines; did you mean #contact-internal_line?")
    where = line_col(root, "content/en/audiences/staff.yaml", "#contact-internal_lines")
    assert (problem.line, problem.column) == where


def test_a_mentioned_contact_that_is_not_shown_is_a_check_error(make_project: Make,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    # "call the line for families" in a section that does not show that contact: the bug.
    staff = STAFF.replace("Tell someone.", "Tell someone. Your family can call the line for families.")
    staff = staff.replace('body: "Call the line."', 'body: "Call the reporting line."')
    root = make_project({"content/en/audiences/staff.yaml": staff, "content/en/terms.yaml": TERMS,
                         "content/facilities/north.yaml": FAMILY})
    capsys.readouterr()
    assert main(["check", "--project", str(root), "--format", "json"]) == 1
    found = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["check"] == "contact-mention"]
    by_key = {f["key"]: f for f in found}
    body = by_key["sections[1].body"]
    assert (body["line"], body["column"]) == line_col(root, "content/en/audiences/staff.yaml", "line for families")
    assert body["message"] == (
        "section 'how-to-report' mentions 'line for families' (family_line, per content/en/terms.yaml) but the "
        "booklet does not show that contact there; link it [line for families](#contact-family_line), or add "
        "family_line to the section's `contacts:`")
    # The call-out is printed alone on the inside cover too: even a listed contact must be linked there.
    callout = by_key["sections[1].callout.body"]
    assert "link it: [reporting line](#contact-internal_line)" in callout["message"]
    # Linked, both pass.
    staff = staff.replace("call the line for families.", "call the [line for families](#contact-family_line).")
    staff = staff.replace("Call the reporting line.", "Call the [reporting line](#contact-internal_line).")
    root = make_project({"content/en/audiences/staff.yaml": staff, "content/en/terms.yaml": TERMS,
                         "content/facilities/north.yaml": FAMILY})
    capsys.readouterr()
    assert main(["check", "--project", str(root), "--format", "json"]) == 0


def test_a_linked_contact_is_printed_with_its_number_by_the_section_and_on_the_back(
        make_project: Make, capsys: pytest.CaptureFixture[str]) -> None:
    staff = STAFF.replace(
        "Tell someone.", "Tell someone. Your family can call the [line for families](#contact-family_line).")
    staff = staff.replace('body: "Call the line."', 'body: "Call the [reporting line](#contact-internal_line)."')
    root = make_project({"content/en/audiences/staff.yaml": staff, "content/facilities/north.yaml": FAMILY})
    assert main(["--project", str(root)]) == 0, capsys.readouterr().err
    pages = pages_text(root / "dist/north/en/staff-screen.pdf")
    text = " ".join(pages)
    assert "call the line for families (0100 000 005)" in text
    assert "Call the reporting line (0100 000 001)" in pages[1]  # the inside cover's help box
    # Its card beside the section, with the address to write to, and again on the back cover.
    assert any("North families line" in p and "North Families 1 North Road" in p for p in pages[3:-1])
    assert re.search(r"North families line Phone: 0100 000 005", pages[-1])  # the back cover
