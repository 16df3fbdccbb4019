"""Bad input never crashes, always says exactly what to fix, and never touches an earlier PDF.

The corpus lives in tests/bad_input/cases.py. One good build per module writes the PDF that every
case must leave byte-identical; validation errors stop before rendering, so most cases cost
milliseconds.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest

from booklets.cli.main import main
from tests.bad_input import cases as corpus
from tests.bad_input import support

apply, snapshot, write_project = support.apply, support.snapshot, support.write_project


@dataclass
class Baseline:
    """A good project, the output folder of its one build, and what that build wrote."""

    project: Path
    out: Path
    outside: Path
    files: dict[str, bytes]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    tmp = tmp_path_factory.mktemp("bad_input")
    outside = tmp / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET-OUTSIDE-THE-PROJECT\n")
    (outside / "secret.yaml").write_text("name: Secret\n")
    project, out = tmp / "base", tmp / "dist"
    write_project(project)
    assert main(["--project", str(project), "--out", str(out)]) == 0
    files = snapshot(out)
    assert "north/en/staff-screen.pdf" in files
    return Baseline(project, out, outside, files)


@pytest.fixture
def run_case(baseline: Baseline, tmp_path: Path,
             capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str]]:
    """Copy the base project, break it, build into the baseline's output folder."""

    def run(files: dict[str, object], links: dict[str, str] | None = None,
            argv: tuple[str, ...] = (), fifos: tuple[str, ...] = ()) -> tuple[int, str]:
        project = tmp_path / "project"
        shutil.copytree(baseline.project, project, symlinks=True)
        apply(project, files, links or {}, baseline.outside)
        for fifo in fifos:
            (project / fifo).parent.mkdir(parents=True, exist_ok=True)
            os.mkfifo(project / fifo)
        capsys.readouterr()
        try:
            status = main(["--project", str(project), "--out", str(baseline.out), *argv])
        finally:
            after = snapshot(baseline.out)
            if after != baseline.files:  # put the baseline back so one failure does not cascade
                support.restore(baseline.out, baseline.files)
        assert after == baseline.files, "a failed build changed the output folder"
        return status, capsys.readouterr().err

    return run


def test_corpus_is_large_and_names_are_unique() -> None:
    names = [case.name for case in corpus.CASES]
    assert len(names) == len(set(names))
    assert len(names) >= 40


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda c: c.name)
def test_bad_input(case: object, run_case: Callable[..., tuple[int, str]],
                   baseline: Baseline, tmp_path: Path) -> None:
    status, err = run_case(case.files, case.links, case.argv, case.fifos)  # type: ignore[attr-defined]
    project = (tmp_path / "project").resolve()
    expected = [line.replace("{outside}", str(baseline.outside.resolve())).replace("{project}", str(project))
                for line in case.expected]  # type: ignore[attr-defined]
    assert "Traceback" not in err
    assert err.splitlines() == expected
    assert status == 2


def test_byte_order_mark_and_windows_line_ends_are_accepted(baseline: Baseline,
                                                            tmp_path: Path) -> None:
    """Files saved by Windows editors (BOM, CRLF) build the very same PDF."""
    project = tmp_path / "project"
    shutil.copytree(baseline.project, project)
    for rel, text in corpus.BASE.items():
        (project / rel).write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    out = tmp_path / "dist"
    assert main(["--project", str(project), "--out", str(out)]) == 0
    pdf = "north/en/staff-screen.pdf"
    assert snapshot(out)[pdf] == baseline.files[pdf]


HOSTILE_TEXT = {
    "title": "<script>alert(1)</script>",
    "body": '<img src="file:///etc/passwd"> <style>body { display: none }</style> <b>not bold</b>',
    "callout": "<link rel=stylesheet href=http://example.com/x.css> {} @import url(/etc/passwd);",
    "statement": "</p><h1>Injected</h1> &amp; &lt;",
    "facility": "North <i>Site</i> \" ' ; } body {",
}


def test_html_and_css_in_text_are_shown_literally(baseline: Baseline, tmp_path: Path) -> None:
    """Markup in content is text: the reader sees it as typed; nothing is fetched or run."""
    project = tmp_path / "project"
    shutil.copytree(baseline.project, project)

    def q(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    apply(project, {
        corpus.STAFF: lambda t: t
        .replace("    title: How to report", f"    title: {q(HOSTILE_TEXT['title'])}")
        .replace("      Tell someone.", "      " + HOSTILE_TEXT["body"])
        .replace('body: "Call the line."', f"body: {q(HOSTILE_TEXT['callout'])}")
        .replace('["I have read this booklet."]', f"[{q(HOSTILE_TEXT['statement'])}]"),
        corpus.NORTH: lambda t: t.replace("name: North Site",
                                          f"name: {q(HOSTILE_TEXT['facility'])}"),
    }, {}, baseline.outside)
    out = tmp_path / "dist"
    assert main(["--project", str(project), "--out", str(out)]) == 0
    pdf = pypdf.PdfReader(out / "north/en/staff-screen.pdf")
    text = "".join(page.extract_text() for page in pdf.pages)

    def squash(value: str) -> str:
        # Compare without line breaks, and with the typographer's curly quotes made straight.
        return "".join(value.split()).translate(str.maketrans("“”‘’", "\"\"''"))

    for value in HOSTILE_TEXT.values():
        assert squash(value) in squash(text), value
    assert "SECRET" not in text and "root:" not in text
