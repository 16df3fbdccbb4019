"""Issue 2's pipeline guarantees on scratch projects: errors, escaping, reproducibility, CLI."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from booklets.cli.main import main
from tests import scratch
from tests.pdfread import all_text

REPO = Path(__file__).resolve().parent.parent
STAFF = "content/en/audiences/staff.yaml"
PDF = "dist/north/en/staff-screen.pdf"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def built(minimal_build: Path, tmp_path: Path) -> Path:
    """A scratch project that has already built once, so a failed build can be shown to keep it:
    a copy of the session's minimal build (conftest), to change at will."""
    root = tmp_path / "project"
    shutil.copytree(minimal_build, root)
    return root


def edit(root: Path, rel: str, old: str, new: str) -> None:
    scratch.change(root, {rel: scratch.edit(old, new)})


BAD_INPUT = {
    "duplicate key": (
        STAFF, "name: Staff\n", "name: Staff\nname: Staff again\n",
        ["error: content/en/audiences/staff.yaml:2:1: name: duplicate key (first defined on line 1); keep only one"],
    ),
    "phone as a bare number": (
        "content/facilities/north.yaml", 'phone: "0100 000 001"', "phone: 0100000001",
        ['error: content/facilities/north.yaml:5:47: contacts.internal_line.phone: unquoted 0100000001 would be '
         'read as a number by YAML tools; put it in quotes: "0100000001"'],
    ),
    "unknown key": (
        STAFF, "summary: A test booklet.\n", "summary: A test booklet.\nsumary: typo\n",
        ["error: content/en/audiences/staff.yaml:4:1: sumary: unknown key `sumary`; did you mean `summary`?"],
    ),
    "missing section": (
        STAFF, "- include: zero-tolerance", "- include: zero-tolerence",
        ["error: content/en/audiences/staff.yaml:7:14: sections[0].include: section 'zero-tolerence' does not "
         "exist; did you mean 'zero-tolerance'?"],
    ),
    "image outside the project": (
        STAFF, "    contacts: [internal_line, outside_body]\n",
        "    contacts: [internal_line, outside_body]\n    image: {src: ../../etc/passwd, alt: x}\n",
        ["error: content/en/audiences/staff.yaml:17:18: sections[1].image.src: expected a path inside "
         "content/assets/, found '../../etc/passwd'; give the path from content/assets/ (no leading /, no ..)"],
    ),
    "image URL": (
        STAFF, "    contacts: [internal_line, outside_body]\n",
        "    contacts: [internal_line, outside_body]\n    image: {src: 'file:///etc/passwd', alt: x}\n",
        ["error: content/en/audiences/staff.yaml:17:18: sections[1].image.src: expected a path inside "
         "content/assets/, found the URL 'file:///etc/passwd'; copy the file into content/assets/ and give its "
         "path from there"],
    ),
    "several problems at once": (
        STAFF, "name: Staff\ntitle: Boundaries\n", "name: [Staff]\ntitle: no\n",
        ["error: content/en/audiences/staff.yaml:1:7: name: expected text, found a list",
         'error: content/en/audiences/staff.yaml:2:8: title: unquoted no would be read as a true/false value by '
         'YAML tools; put it in quotes: "no"'],
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_one_line_each_exit_2_and_keeps_the_old_pdf(
    built: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rel, old, new, expected = BAD_INPUT[case]
    before = digest(built / PDF)
    capsys.readouterr()
    edit(built, rel, old, new)
    assert main(["--project", str(built)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == expected
    assert "Traceback" not in err
    assert digest(built / PDF) == before


def test_undefined_template_variable_names_template_file_and_line(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(built / PDF)
    edit(built, "templates/partials/sources.html.j2", "{{ strings.sources_intro }}", "{{ strings.no_such_string }}")
    capsys.readouterr()
    assert main(["--project", str(built)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["error: templates/partials/sources.html.j2:3:1: template uses an undefined value: "
                   "strings has no field 'no_such_string'; define it or guard it with `is defined`"]
    assert digest(built / PDF) == before


def test_html_in_content_is_printed_as_text_never_fetched(make_project: Callable[..., Path]) -> None:
    hostile = '<script>alert(1)</script> <img src="file:///etc/passwd"> <b>x</b>'
    root = make_project({"content/en/shared.yaml": f"""\
        zero-tolerance:
          title: Zero tolerance
          body: |
            Never acceptable. {hostile}
        """})
    assert main(["--project", str(root)]) == 0
    text = " ".join(all_text(root / PDF).split())
    assert "<script>alert(1)</script>" in text
    assert "<img src=" in text and "file:///etc/passwd" in "".join(text.split())
    assert "root:x:0:0" not in text


def test_same_inputs_give_byte_identical_pdfs_across_processes(make_project: Callable[..., Path]) -> None:
    root = make_project()
    digests = []
    for out in ("dist-a", "dist-b"):
        subprocess.run([sys.executable, str(REPO / "build.py"), "--project", str(root), "--out", str(root / out)],
                       check=True, capture_output=True)
        digests.append(digest(root / out / "north/en/staff-screen.pdf"))
    assert digests[0] == digests[1]


def test_cli_entry_points_show_help() -> None:
    for cmd in ([sys.executable, "build.py", "--help"], [sys.executable, "-m", "booklets", "--help"]):
        out = subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True).stdout
        assert "usage:" in out and "build" in out


def test_summary_table_lists_target_pages_size_path(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["--project", str(built), "--force"]) == 0  # up to date: --force renders it again
    lines = capsys.readouterr().out.splitlines()
    header = next(line.split() for line in lines if line.startswith("target"))
    assert header == ["target", "status", "pages", "size", "time", "path"]
    row = next(line.split() for line in lines if line.startswith("north/en/staff-screen "))
    assert row[1] == "built" and row[-1] == "dist/north/en/staff-screen.pdf"
    assert lines[-2] == "1 rendered, 0 up to date, 0 failed"
    assert lines[-1] == f"see every booklet: open {built / 'dist/index.html'}"


def test_numbered_lists_number_themselves_in_reading_order(built: Path) -> None:
    text = all_text(built / PDF)
    assert "1. First\n2. Second" in text
