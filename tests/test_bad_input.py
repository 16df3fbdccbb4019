"""Bad input never crashes, always says exactly what to fix, and never touches an earlier PDF.

The corpus lives in tests/bad_input/cases.py. One good build per module writes the PDF that every
case must leave byte-identical; validation errors stop before rendering, so most cases cost
milliseconds.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pypdf
import pytest

from booklets.cli import main

REPO = Path(__file__).resolve().parent.parent


def _load_corpus() -> ModuleType:
    # Loaded by path: works whether or not tests/ is a package.
    spec = importlib.util.spec_from_file_location("bad_input_cases", Path(__file__).parent / "bad_input/cases.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()


@dataclass
class Baseline:
    """A good project, the output folder of its one build, and what that build wrote."""

    project: Path
    out: Path
    outside: Path
    files: dict[str, bytes]


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file a build left in the output folder (the lock file's text is not output)."""
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != ".lock"}


def write_project(root: Path) -> None:
    """The corpus base project: real templates and strings, the corpus's own small content."""
    shutil.copytree(REPO / "templates", root / "templates")
    (root / "content/en").mkdir(parents=True)
    shutil.copy(REPO / "content/en/strings.yaml", root / "content/en/strings.yaml")
    for rel, text in corpus.BASE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def apply(root: Path, files: dict[str, object], links: dict[str, str], outside: Path) -> None:
    for rel, change in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if change is None:
            path.unlink(missing_ok=True)
        elif isinstance(change, bytes):
            path.write_bytes(change)
        elif isinstance(change, str):
            path.write_text(change, encoding="utf-8")
        else:
            assert callable(change)
            path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    for rel, target in links.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        os.symlink(target.format(outside=outside), path)


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
    assert list(files) == ["north/en/staff-screen.pdf"]
    return Baseline(project, out, outside, files)


@pytest.fixture
def run_case(baseline: Baseline, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str]]:
    """Copy the base project, break it, build into the baseline's output folder."""

    def run(files: dict[str, object], links: dict[str, str] | None = None, argv: tuple[str, ...] = ()) -> tuple[int, str]:
        project = tmp_path / "project"
        shutil.copytree(baseline.project, project, symlinks=True)
        apply(project, files, links or {}, baseline.outside)
        capsys.readouterr()
        try:
            status = main(["--project", str(project), "--out", str(baseline.out), *argv])
        finally:
            after = snapshot(baseline.out)
            if after != baseline.files:  # put the baseline back so one failure does not cascade
                shutil.rmtree(baseline.out)
                for rel, data in baseline.files.items():
                    (baseline.out / rel).parent.mkdir(parents=True, exist_ok=True)
                    (baseline.out / rel).write_bytes(data)
        assert after == baseline.files, "a failed build changed the output folder"
        return status, capsys.readouterr().err

    return run


def test_corpus_is_large_and_names_are_unique() -> None:
    names = [case.name for case in corpus.CASES]
    assert len(names) == len(set(names))
    assert len(names) >= 40


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda c: c.name)
def test_bad_input(case: object, run_case: Callable[..., tuple[int, str]], baseline: Baseline) -> None:
    status, err = run_case(case.files, case.links, case.argv)  # type: ignore[attr-defined]
    expected = [line.replace("{outside}", str(baseline.outside.resolve()))
                for line in case.expected]  # type: ignore[attr-defined]
    assert "Traceback" not in err
    assert err.splitlines() == expected
    assert status == 2


def test_byte_order_mark_and_windows_line_ends_are_accepted(baseline: Baseline, tmp_path: Path) -> None:
    """Files saved by Windows editors (BOM, CRLF) build the very same PDF."""
    project = tmp_path / "project"
    shutil.copytree(baseline.project, project)
    for rel, text in corpus.BASE.items():
        (project / rel).write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    out = tmp_path / "dist"
    assert main(["--project", str(project), "--out", str(out)]) == 0
    assert snapshot(out) == baseline.files


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
        corpus.STAFF: lambda t: t.replace("    title: How to report", f"    title: {q(HOSTILE_TEXT['title'])}")
        .replace("      Tell someone.", "      " + HOSTILE_TEXT["body"])
        .replace('body: "Call the line."', f"body: {q(HOSTILE_TEXT['callout'])}")
        .replace('["I have read this booklet."]', f"[{q(HOSTILE_TEXT['statement'])}]"),
        corpus.NORTH: lambda t: t.replace("name: North Site", f"name: {q(HOSTILE_TEXT['facility'])}"),
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
