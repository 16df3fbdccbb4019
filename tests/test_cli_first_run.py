"""Issue 18: a first run that guides. A build's output is short (on a terminal and in CI) and ends
with where to look; `--help` shows the build options; the source language's error comes first and
is not blamed on a translation; selectors are named as typed; `check` keeps locations whole."""

from __future__ import annotations

import io
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.console import Console

from booklets import paths
from booklets.check.content import check_content
from booklets.check.findings import CheckReport, Finding, PdfResult, print_check_report
from booklets.cli.main import _parser, main
from booklets.content.load import load_project
from booklets.content.project import placeholders
from booklets.engine import pipeline
from booklets.engine.pipeline import BuildOptions, list_targets
from booklets.engine.results import BuildResult, Progress, TargetResult
from booklets.plan import Selection
from tests.i18n_project import BOOKLET as BILINGUAL_BOOKLET
from tests.i18n_project import bilingual
from tests.scratch import REPO, change, edit

# The options `python build.py` (the build command) takes, as `--help` must show them.
BUILD_OPTIONS = ["--project", "--out", "--audience", "--lang", "--edition", "--facility", "--debug",
                 "--jobs", "-j", "--shard", "--time-limit", "--release", "--draft", "--list", "--force", "--watch"]


def shipped_copy(tmp_path: Path) -> Path:
    """A fresh copy of the shipped project (content/ and templates/), as a new user has it."""
    root = tmp_path / "clone"
    for folder in (paths.CONTENT, paths.TEMPLATES):
        shutil.copytree(REPO / folder, root / folder)
    return root


class Terminal(io.StringIO):
    """stdout as a terminal: the live progress bar and the terminal's table."""

    def isatty(self) -> bool:
        return True


def fake_build(monkeypatch: pytest.MonkeyPatch, failed: str = "") -> BuildResult:
    """Replace the renderer with one that reports the shipped project's whole first build (every
    target built, with the real placeholders) through the real progress events, in no time."""
    options = BuildOptions(REPO, REPO / "dist")
    targets = list_targets(options)
    result = BuildResult(placeholders=placeholders(load_project(REPO)))
    for t in targets:
        web = t.edition == "web"  # the shipped web edition makes one HTML page per booklet
        pdf = REPO / "dist" / (paths.web_page(t) if web else paths.booklet_pdf(t))
        extra = [(pdf.with_name(pdf.stem + "-imposed.pdf"), 12, 90_000)] if t.edition == "print" else []
        error = "boom" if t.name == failed else ""
        result.results.append(TargetResult(t, pdf, 1 if web else 24, 100_000, error,
                                           "failed" if error else "built", 3.0, extra=extra))

    def build(opts: BuildOptions, progress: Progress) -> BuildResult:
        progress.begin(targets, 0)
        for r in result.results:
            progress.started(r.target)
            progress.finished(r)
        progress.end()
        return result

    monkeypatch.setattr(pipeline, "build", build)
    return result


def test_first_build_prints_at_most_40_lines_in_ci_ending_with_the_gallery(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = fake_build(monkeypatch)
    monkeypatch.chdir(REPO)
    total = len(result.results)
    assert total >= 30 and len(result.placeholders) >= 10  # what a first build is
    assert main([]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines() + err.splitlines()
    assert len(lines) <= 40, "\n".join(lines)
    assert out.splitlines()[-1] == "see every booklet: open dist/index.html"
    assert out.splitlines()[0] == f"rendering {total} booklets (0 up to date)"
    assert f"{total} rendered, 0 up to date, 0 failed" in out
    # The placeholders: one line for the file, not one line each.
    files = {p.file: sum(q.file == p.file for q in result.placeholders) for p in result.placeholders}
    assert err.splitlines() == [
        f"warning: {count} placeholder values in {file} — run `python build.py check` to list them; "
        "`--release` refuses them" for file, count in files.items()]
    # One row per output folder, not per target.
    folders = {f"dist/{r.target.facility}/{r.target.language}/" for r in result.results}
    for folder in folders:
        assert re.search(rf"^{folder}\s+15 booklets \+ 5 web pages \+ 5 imposed\s+0\s+360\s", out, re.M), out


def test_first_build_on_a_terminal_prints_at_most_40_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_build(monkeypatch, failed="example/es/staff-print")
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    monkeypatch.chdir(REPO)
    assert main([]) == 2
    err = capsys.readouterr().err
    # What stays on screen: the bar is transient (drawn over itself with \r and cursor moves).
    shown = [line for line in terminal.getvalue().split("\n") if line.strip() and "\x1b[?25" not in line]
    assert len(shown) + len(err.splitlines()) <= 40, terminal.getvalue() + err
    text = terminal.getvalue()
    assert text.count("FAILED example/es/staff-print") == 1, "a failure is printed as it happens"
    assert "built example/en/staff-screen" not in text, "success is in the summary, not a line each"
    assert err.splitlines()[-1] == "error: example/es/staff-print: boom"
    assert "open dist/index.html" not in text, "a failed build ends with its error"


def test_gallery_line_names_the_real_output_folder(
    minimal_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "project"
    shutil.copytree(minimal_build, root)
    monkeypatch.chdir(tmp_path)
    assert main(["--project", "project", "--out", "elsewhere/out"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "see every booklet: open elsewhere/out/index.html"
    outside = tmp_path.parent / f"{tmp_path.name}-out"
    assert main(["--project", "project", "--out", str(outside)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"see every booklet: open {outside}/index.html"
    shutil.rmtree(outside)


def test_one_booklet_is_singular_and_bad_input_never_claims_a_render(
    minimal_build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "project"
    shutil.copytree(minimal_build, root)
    capsys.readouterr()
    assert main(["--project", str(root), "--force"]) == 0
    out = capsys.readouterr().out
    assert "rendering 1 booklet (0 up to date)" in out and "booklets" not in out
    assert "[1/1] built north/en/staff-screen" in out

    # An error found while the HTML is made (a template's undefined value) stops the build before
    # any PDF: nothing may say it was rendering.
    change(root, {"templates/partials/sources.html.j2": edit("{{ strings.sources_intro }}",
                                                             "{{ strings.no_such_string }}")})
    assert main(["--project", str(root)]) == 2
    out, err = capsys.readouterr()
    assert "rendering" not in out and "rendered in" not in out, out
    assert "no_such_string" in err


def test_help_shows_the_build_options_at_top_level(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    commands, _, options = text.partition("\nbuild options")
    assert "build" in commands and "check" in commands and "new" not in options
    shown = re.findall(r"^\s{2}(-\w|--[\w-]+)(?:[ ,]|$)", options, re.M)
    shown += re.findall(r", (-\w|--[\w-]+)", options)
    assert sorted(set(shown)) == sorted(BUILD_OPTIONS), options
    # The pin follows the parser: an option added to `build` must be added here (and is shown).
    build = next(a for a in _parser()._subparsers._group_actions[0].choices.items() if a[0] == "build")[1]  # type: ignore[union-attr]
    actual = {s for action in build._actions for s in action.option_strings} - {"-h", "--help"}
    assert actual == set(BUILD_OPTIONS)


def readme_errors() -> list[str]:
    """The example messages of README's "Input is checked before anything renders"."""
    section = (REPO / "README.md").read_text(encoding="utf-8").partition("## Input is checked")[2]
    return re.findall(r"^    (error: .*)$", section.partition("\n## ")[0], re.M)


def test_typo_in_the_source_is_reported_there_not_as_a_missing_translation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """README's own example: `include: zero-tolerence` in content/en/audiences/staff.yaml."""
    root = shipped_copy(tmp_path)
    staff = root / "content/en/audiences/staff.yaml"
    text = staff.read_text(encoding="utf-8")
    assert "include: zero-tolerance" in text
    staff.write_text(text.replace("include: zero-tolerance", "include: zero-tolerence", 1), encoding="utf-8")
    lines = staff.read_text(encoding="utf-8").splitlines()
    line_no = next(i for i, line in enumerate(lines, 1) if "zero-tolerence" in line)
    column = lines[line_no - 1].index("zero-tolerence") + 1

    assert main(["--project", str(root)]) == 2  # no --draft
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"error: content/en/audiences/staff.yaml:{line_no}:{column}: sections[1].include: section "
        "'zero-tolerence' does not exist; did you mean 'zero-tolerance'?"]
    assert "rendering" not in out
    assert main(["check", "--project", str(root)]) == 2  # check says the same
    assert capsys.readouterr().err == err

    # With another error in the run (which keeps cross-references from being checked), the typo is
    # still reported in English, never as a Spanish missing translation: README's example, verbatim.
    facility = root / "content/facilities/example.yaml"
    assert 'phone: !placeholder "01632 960001"' in facility.read_text(encoding="utf-8")
    facility.write_text(facility.read_text(encoding="utf-8").replace(
        'phone: !placeholder "01632 960001"', "phone: 01632960001", 1), encoding="utf-8")
    assert main(["--project", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == readme_errors()
    assert "missing translation" not in err and "content/es/" not in err


def test_a_real_missing_translation_is_still_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The typo rule drops only the gaps a broken source causes: a section left out is reported."""
    root = shipped_copy(tmp_path)
    es = root / "content/es/audiences/staff.yaml"
    text = es.read_text(encoding="utf-8")
    es.write_text(text.replace("  - include: zero-tolerance\n", "", 1), encoding="utf-8")
    assert main(["--project", str(root)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: content/es/audiences/staff.yaml:")
    assert "section 'zero-tolerance': missing translation" in err[0]


@pytest.mark.parametrize("command", [[], ["check"], ["--list"]])
def test_selectors_are_named_as_typed(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    args = [*command, "--project", str(REPO), "--lang", "fr", "--audience", "nobody", "--edition", "tiny",
            "--facility", "moon"]
    assert main(args) == 2
    err = capsys.readouterr().err.splitlines()
    assert sorted(err) == sorted([
        "error: command line: --audience 'nobody' is not in content/booklet.yaml; known: "
        + ", ".join(load_project(REPO).booklet.audiences),
        "error: command line: --edition 'tiny' is not in content/booklet.yaml; known: "
        + ", ".join(load_project(REPO).booklet.editions),
        "error: command line: --facility 'moon' is not in content/booklet.yaml; known: "
        + ", ".join(load_project(REPO).booklet.facilities),
        "error: command line: --lang 'fr' is not in content/booklet.yaml; known: en, es",
    ])
    assert not [line for line in err if "--language" in line]


def test_packets_edition_is_named_as_typed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("name,id,audience,language,facility,date\nA B,1,staff,en,example,2026-01-01\n")
    assert main(["packets", str(roster), "--project", str(REPO), "--out", str(tmp_path / "out"),
                 "--edition", "tiny"]) == 2
    assert capsys.readouterr().err.startswith("error: command line: --edition 'tiny' is not in ")


# --- check in a narrow terminal ------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped_report() -> CheckReport:
    report = check_content(load_project(REPO), Selection())
    report.pdfs = [PdfResult("dist/example/en/supervisors-large-print.pdf", "large-print", 27, 0, 1)]
    report.findings.append(Finding.of("warning", "text-size", "dist/example/en/supervisors-large-print.pdf",
                                      message="text below 16 pt on page 3"))
    return report.finish(strict=False)


def rendered(report: CheckReport, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), highlight=False, color_system=None)
    print_check_report(report, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    return out.splitlines()


def locations(report: CheckReport) -> Iterator[str]:
    for f in report.findings:
        yield f.where
        yield f.file
    for p in report.pdfs:
        yield p.path


@pytest.mark.parametrize("width", [200, 100, 80, 60])
def test_check_never_wraps_a_path_or_location(shipped_report: CheckReport, width: int) -> None:
    assert shipped_report.findings, "the shipped project has placeholders to report"
    lines = rendered(shipped_report, width)
    for where in locations(shipped_report):
        assert any(where in line for line in lines), f"{where!r} broken at {width} columns:\n" + "\n".join(lines)
    # No fragment of a path on a line of its own (what folding a path looks like).
    for line in lines:
        assert not re.match(r"^\s*le\.yaml|^\s*\w*\.yaml:\d", line) or "content/" in line or "dist/" in line, line
    # The messages are all there, wrapped within the width where a line has spaces to wrap at.
    text = " ".join(" ".join(lines).split())
    for f in shipped_report.findings:
        assert " ".join(f.message.split()) in text


def test_check_narrow_layout_is_used_only_when_the_table_does_not_fit(shipped_report: CheckReport) -> None:
    wide, narrow = rendered(shipped_report, 240), rendered(shipped_report, 100)
    assert any(line.startswith("severity") for line in wide)
    assert not any(line.startswith("severity") for line in narrow)
    first = shipped_report.findings[0]
    assert any(line.startswith(f"{first.where}  {first.severity}  {first.check}") for line in narrow)


def test_check_from_the_command_line_in_100_columns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr("sys.stdout", Terminal())
    assert main(["check", "--project", str(REPO)]) == 0
    out = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", sys.stdout.getvalue())  # type: ignore[attr-defined]
    first = placeholders(load_project(REPO))[0]
    assert f"{first.file}:{first.line}:{first.column}  notice  placeholder" in out
    assert all(len(line) <= 100 for line in out.splitlines())
    assert re.search(r"^0 errors, 0 warnings, \d+ notices$", out, re.M), "plurals, not error(s)"


def test_source_language_errors_come_first_whatever_its_name(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Spanish as the source and English its translation: the Spanish error is printed first,
    although content/en/ sorts before content/es/."""
    files = bilingual(**{"content/booklet.yaml": BILINGUAL_BOOKLET.replace("source_language: en",
                                                                           "source_language: es")})
    root = make_project(files)
    change(root, {"content/es/audiences/staff.yaml": edit("reading_grade: 10", "reading_grade: diez"),
                  "content/en/audiences/staff.yaml": lambda text: re.sub(r"(?m)^summary:.*\n", "", text)})
    assert main(["--project", str(root)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2, err
    assert err[0].startswith("error: content/es/audiences/staff.yaml:") and "reading_grade" in err[0]
    assert err[1].startswith("error: content/en/audiences/staff.yaml:") and "missing translation" in err[1]
