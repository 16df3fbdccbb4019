"""Golden files: outputs compared byte for byte with files committed under tests/golden/.

* staff-screen.html: the HTML WeasyPrint receives for the minimal scratch project's staff screen
  booklet (tests/scratch.py), so any change to the templates, the strings or the template context
  shows up as a reviewable diff;
* list.txt: `build.py --list` on a scratch project of 2 facilities × 2 languages × 2 editions;
* check.json: `build.py check --format json` on the minimal project with an uncited figure and an
  unused source.

Machine-dependent parts are masked first: the project folder, the installed font files and the
booklets version. After an intended change, regenerate the files and review their diff:

    BOOKLETS_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from booklets import __version__
from booklets.cli.main import main
from booklets.content.load import load_project
from booklets.plan import Target
from booklets.render.fonts import font_dir
from booklets.render.html import render_html
from tests.scratch import BOOKLET, SOURCES, STAFF, append, edit, shipped

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("BOOKLETS_UPDATE_GOLDEN") == "1"
REGENERATE = "BOOKLETS_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py"


def assert_golden(name: str, actual: str) -> None:
    """`actual` equals tests/golden/<name>; with BOOKLETS_UPDATE_GOLDEN=1, it becomes the file."""
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8") if path.is_file() else ""
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                            f"tests/golden/{name}", "now", n=2))
        pytest.fail(f"tests/golden/{name} differs from the output (diff below). If the change is intended, run "
                    f"`{REGENERATE}` and commit the new file.\n{diff}", pytrace=False)


def masked(text: str, root: Path) -> str:
    """The text with what differs between machines replaced by a name in braces."""
    for folder, name in ((font_dir(), "FONTS"), (root, "PROJECT")):
        for form in (folder.resolve(), folder.absolute()):  # as written, and with links resolved
            text = text.replace(form.as_uri(), f"file://{{{name}}}").replace(str(form), f"{{{name}}}")
    return text.replace(f"booklets {__version__}", "booklets {VERSION}")


def test_html_of_the_minimal_staff_screen_booklet(make_project: Callable[..., Path]) -> None:
    root = make_project()
    html = render_html(load_project(root), Target("north", "en", "staff", "screen"))
    assert "file://{PROJECT}/templates/css/booklet.css" in masked(html, root)
    assert_golden("staff-screen.html", masked(html, root))


def test_list_of_targets(make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project({
        BOOKLET: edit("editions: [screen]", "editions: [screen, print]"),
        "content/editions/print.yaml": shipped("content/editions/print.yaml"),
    }, facilities=("north", "south"), languages=("es",))
    capsys.readouterr()
    assert main(["--project", str(root), "--list"]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 8
    assert_golden("list.txt", masked(out, root))


def test_check_report_as_json(make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project({
        STAFF: edit("Tell someone.", "Tell someone. About 58% of reports were about staff."),
        SOURCES: append('never-cited: {text: "A report nobody cites, 2021."}\n'),
    })
    capsys.readouterr()
    assert main(["check", "--project", str(root), "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert '"uncited-figure"' in out and '"unused-source"' in out
    assert_golden("check.json", masked(out, root))
