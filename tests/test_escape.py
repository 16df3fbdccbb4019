"""No escape: a build opens no socket and reads no file outside the project, whatever the
templates and content say, symlinks included; and it writes nowhere outside its output folder.

Proof by Python audit hooks (PEP 578): every socket creation or connection and every file open in
the test process is seen, whichever library makes it. A build runs in-process through
`main(argv)`; one test repeats the network check in a subprocess (hook in sitecustomize) so that
worker processes are covered too.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from booklets.cli.main import main
from tests.bad_input import cases as corpus
from tests.bad_input import support

snapshot = support.snapshot

NETWORK_EVENTS = {"socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo",
                  "socket.gethostbyname", "socket.gethostbyaddr", "socket.sendto", "urllib.Request"}


class NetworkAttempt(Exception):
    """Raised inside the build by the guard: any attempt at the network fails the test."""


@dataclass
class Watch:
    """What the audit hook saw while active."""

    network: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    active: bool = False


WATCH = Watch()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not WATCH.active:
        return
    if event in NETWORK_EVENTS:
        WATCH.network.append((event, args))
        raise NetworkAttempt(f"{event}{args!r}")
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        WATCH.opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)  # audit hooks cannot be removed; it is inert unless WATCH.active


class _NoSocket(socket.socket):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        WATCH.network.append(("socket.socket", args))
        raise NetworkAttempt("socket.socket()")


@contextmanager
def watched(monkeypatch: pytest.MonkeyPatch) -> Iterator[Watch]:
    """Network blocked (socket.socket replaced, and audit events refused); opens recorded."""
    WATCH.network.clear()
    WATCH.opened.clear()
    monkeypatch.setattr(socket, "socket", _NoSocket)
    monkeypatch.setattr(socket, "create_connection", _NoSocket)
    WATCH.active = True
    try:
        yield WATCH
    finally:
        WATCH.active = False
        monkeypatch.undo()


@dataclass
class Setup:
    project: Path
    out: Path
    outside: Path
    secret: Path
    good: dict[str, bytes]


MARKER = "SECRET-7f3a9c-OUTSIDE-THE-PROJECT"
RENDERING = "error: north/en/staff-screen: "

TEMPTING_CONTENT = {
    # Links, source URLs and web sites are printed; none of them is ever fetched.
    corpus.STAFF: corpus.edit("      Tell someone.", "      Tell [someone](https://example.com/report)."),
    corpus.SOURCES: 'fact-one: {text: "Source One, 2020.", url: "https://example.org/source-one"}\n',
    corpus.NORTH: corpus.edit('phone: "0100 000 001"}', 'phone: "0100 000 001", website: "https://example.net"}'),
}


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    tmp = tmp_path_factory.mktemp("escape")
    outside = tmp / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(MARKER + "\n")
    (outside / "secret.css").write_text(f'body::before {{ content: "{MARKER}" }}\n')
    project, out = tmp / "project", tmp / "dist"
    support.write_project(project)
    support.apply(project, TEMPTING_CONTENT, {}, outside)
    assert main(["--project", str(project), "--out", str(out)]) == 0
    return Setup(project, out, outside, secret, snapshot(out))


@pytest.fixture(autouse=True)
def _restore_output(request: pytest.FixtureRequest) -> Iterator[None]:
    """Put the shared output folder back after each test, so one failure does not cascade."""
    yield
    if "setup" in request.fixturenames:
        setup: Setup = request.getfixturevalue("setup")
        if snapshot(setup.out) != setup.good:
            support.restore(setup.out, setup.good)


def test_the_guard_catches_a_network_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard is not blind: an attempt made the ordinary way is seen and refused."""
    with watched(monkeypatch) as watch, pytest.raises(NetworkAttempt):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)
    assert watch.network


def test_a_build_opens_no_socket(setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dist"
    with watched(monkeypatch) as watch:
        status = main(["--project", str(setup.project), "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    assert watch.network == []
    assert any(p.endswith("staff.yaml") for p in watch.opened)  # the hook saw the build's reads
    assert snapshot(out) == setup.good
    pdf_text = " ".join(support_text(out / "north/en/staff-screen.pdf"))
    assert "https://example.org/source-one" in pdf_text and "https://example.net" in pdf_text


def test_a_network_resource_in_a_template_is_refused_without_a_socket(
        setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    project = _copy(setup, tmp_path, corpus.with_extra(
        '<p>Extra</p>\n<img src="https://example.com/tracker.png" alt="">\n'
        '<link rel="stylesheet" href="http://example.com/x.css">\n'))
    with watched(monkeypatch) as watch:
        status = main(["--project", str(project), "--out", str(setup.out)])
    err = capsys.readouterr().err
    assert watch.network == []
    assert status == 2
    assert err.splitlines() == [
        f"{RENDERING}templates/partials/extra.html.j2:3:24: refused to load http://example.com/x.css: "
        "only files inside the project are used, never the network"]
    assert snapshot(setup.out) == setup.good


def test_no_socket_in_a_subprocess_build_either(setup: Setup, tmp_path: Path) -> None:
    """The same guard installed in every Python process the build starts (workers included)."""
    log = tmp_path / "network.log"
    env = support.cli_env(tmp_path, FAULT_NETWORK_LOG=str(log))
    # The guard works in a fresh process: an ordinary request is refused and logged.
    probe = subprocess.run([sys.executable, "-c", "import urllib.request\n"
                            "urllib.request.urlopen('http://127.0.0.1:9/', timeout=1)"],
                           env=env, capture_output=True, text=True, timeout=60)
    assert probe.returncode != 0 and "network attempt" in probe.stderr, probe.stderr
    assert "urllib.Request" in log.read_text()
    log.unlink()
    good = subprocess.run(support.cli(setup.project, tmp_path / "dist"), env=env,
                          capture_output=True, text=True, timeout=300)
    assert good.returncode == 0, good.stderr
    project = _copy(setup, tmp_path, corpus.with_extra(
        '<p>Extra</p>\n<img src="https://example.com/tracker.png" alt="">\n'))
    bad = subprocess.run(support.cli(project, tmp_path / "dist"), env=env, capture_output=True,
                         text=True, timeout=300)
    assert bad.returncode == 2 and "never the network" in bad.stderr
    assert not log.exists() or log.read_text() == ""
    assert snapshot(tmp_path / "dist") == setup.good


# Each way a template or stylesheet could name a file outside the project. `{secret}` is the
# absolute path of a file outside; line 2 of the template (or stylesheet) names it.
TEMPLATE_VECTORS = {
    "attachment-absolute": ('<a rel="attachment" href="{secret}">x</a>', 21),
    "attachment-link": ('<link rel="attachment" href="file://{secret}">', 24),
    "image-file-url": ('<img src="file://{secret}" alt="">', 6),
    "image-relative-escape": ('<img src="../../outside/secret.txt" alt="">', 6),
    "object-data": ('<object data="file://{secret}"></object>', 9),
    "embed": ('<embed src="file://{secret}">', 8),
    "svg-image": ('<svg width="10" height="10"><image href="file://{secret}" width="10" '
                  'height="10"/></svg>', 36),
    # A URL computed at render time cannot be traced to its line: the booklet's name is given.
    "base-href": ('<base href="file://{outside}/"><img src="secret.txt" alt="">', 0),
    "stylesheet-link": ('<link rel="stylesheet" href="file://{outside}/secret.css">', 24),
    "style-import": ('<style>@import url("file://{outside}/secret.css");</style>', 16),
    "style-background": ("<style>body { background: url('file://{secret}') }</style>", 27),
    "font-face": ("<style>@font-face { font-family: x; src: url('file://{secret}') }</style>", 42),
}


@pytest.mark.parametrize("vector", TEMPLATE_VECTORS, ids=str)
def test_templates_cannot_read_or_attach_a_file_outside(
        vector: str, setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    markup, column = TEMPLATE_VECTORS[vector]
    markup = markup.replace("{secret}", str(setup.secret)).replace("{outside}", str(setup.outside))
    project = _copy(setup, tmp_path, corpus.with_extra(f"<p>Extra</p>\n{markup}\n"))
    where = f"templates/partials/extra.html.j2:2:{column}" if column else ""
    _assert_refused(setup, project, monkeypatch, capsys, where)


@pytest.mark.parametrize("css, column", [
    ('@import url("file://{outside}/secret.css");', 9),
    ('@import "../../../outside/secret.css";', 1),
    ("body {{ background-image: url('{secret}') }}", 26),
    ("@font-face {{ font-family: x; src: url('{secret}') }}", 35),
    ("body::after {{ content: url('file://{secret}') }}", 24),
], ids=["import-url", "import-relative", "background", "font-face", "content-url"])
def test_stylesheets_cannot_read_a_file_outside(
        css: str, column: int, setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    css = css.replace("{secret}", str(setup.secret)).replace("{outside}", str(setup.outside))
    css = css.replace("{{", "{").replace("}}", "}")
    project = _copy(setup, tmp_path, {
        **corpus.stylesheet("editions/hostile.css"),
        "templates/editions/hostile.css": f"/* hostile */\n{css}\n"})
    where = f"templates/editions/hostile.css:2:{column}"
    _assert_refused(setup, project, monkeypatch, capsys, where)


def test_a_symlink_in_templates_to_a_file_outside_is_refused(
        setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    template = '<p>Extra</p>\n<img src="img/logo.png" alt="">\n'
    project = _copy(setup, tmp_path, corpus.with_extra(template),
                    links={"templates/img/logo.png": str(setup.secret)})
    _assert_refused(setup, project, monkeypatch, capsys, "templates/partials/extra.html.j2:2:6")


def test_a_symlinked_folder_in_templates_is_refused(
        setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    template = '<p>Extra</p>\n<img src="img/secret.txt" alt="">\n'
    project = _copy(setup, tmp_path, corpus.with_extra(template),
                    links={"templates/img": str(setup.outside)})
    _assert_refused(setup, project, monkeypatch, capsys, "templates/partials/extra.html.j2:2:6")


@pytest.mark.parametrize("links, src", [
    ({"content/assets/logo.png": "{secret}"}, "logo.png"),
    ({"content/assets/shared": "{outside}"}, "shared/secret.txt"),
    ({"content/assets": "{outside}"}, "secret.txt"),
], ids=["file-link", "folder-link", "assets-folder-link"])
def test_a_symlink_in_content_assets_to_outside_is_refused(
        links: dict[str, str], src: str, setup: Setup, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    links = {k: v.replace("{secret}", str(setup.secret)) for k, v in links.items()}
    project = _copy(setup, tmp_path, corpus.image(src), links=links)
    with watched(monkeypatch) as watch:
        status = main(["--project", str(project), "--out", str(setup.out)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.splitlines() == [
        f"error: content/en/audiences/staff.yaml:17:18: sections[1].image.src: image "
        f"content/assets/{src} is a link to a file outside content/assets/; copy the file in "
        "instead"]
    _assert_secret_untouched(setup, watch)


def test_content_files_linked_from_outside_are_not_read(
        setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    project = _copy(setup, tmp_path, {}, links={corpus.SOURCES: str(setup.secret)})
    with watched(monkeypatch) as watch:
        status = main(["--project", str(project), "--out", str(setup.out)])
    assert status == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: content/en/sources.yaml:1:1: is a link to {setup.secret.resolve()}, outside the "
        "project; copy the file into the project instead"]
    _assert_secret_untouched(setup, watch)


def test_output_cannot_be_redirected_outside_by_a_link_in_the_output_folder(
        setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, elsewhere = tmp_path / "dist", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / ".booklets-cache").mkdir(parents=True)  # a folder a build made
    (out / "north").symlink_to(elsewhere)
    status = main(["--project", str(setup.project), "--out", str(out)])
    assert status == 2
    pdf = out / "north/en/staff-screen.pdf"
    assert capsys.readouterr().err.splitlines() == [
        f"error: {pdf}: would be written to {elsewhere.resolve()}/en/staff-screen.pdf, outside "
        f"the output folder {out} (a link in it points elsewhere); remove the link or build into "
        "another folder with --out"]
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("kind", ["symlink", "hard-link"])
def test_a_linked_lock_file_is_refused_and_nothing_outside_is_written(
        kind: str, setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`dist/.lock` as a link to a file elsewhere: the build would truncate and write that file.
    It is refused in one line, and the file elsewhere keeps its bytes."""
    out, victim = tmp_path / "dist", tmp_path / "victim.txt"
    support.restore(out, setup.good)
    victim.write_text("precious\n")
    if kind == "symlink":
        (out / ".lock").symlink_to(victim)
        what = ("is a link; a build never writes through links, so it cannot lock this folder: "
                "remove the link, or build into another folder with --out")
    else:
        os.link(victim, out / ".lock")
        what = ("has another name (a hard link), so writing it would change a file elsewhere; a "
                "build writes only files of its own: remove it, or build into another folder with "
                "--out")
    status = main(["--project", str(setup.project), "--out", str(out), "--force"])
    assert capsys.readouterr().err.splitlines() == [f"error: {out / '.lock'}: {what}"]
    assert status == 2
    assert victim.read_text() == "precious\n"
    assert snapshot(out) == setup.good


def test_a_link_inside_the_output_folder_is_never_written_through(
        setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder of the output replaced by a link, even to another folder of the output, is not
    written through (each folder is opened without following links, so a link made after the
    path was checked is refused too); a link where a file goes is replaced, never followed."""
    from booklets.engine.output import LinkInTheWay, write_atomic

    out = tmp_path / "dist"
    support.restore(out, setup.good)
    elsewhere = out / "elsewhere"
    elsewhere.mkdir()
    shutil.move(out / "north", elsewhere / "north")
    (out / "north").symlink_to(elsewhere / "north")
    before = snapshot(elsewhere)
    status = main(["--project", str(setup.project), "--out", str(out), "--force"])
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"error: north/en/staff-screen: {out / 'north'}: is a link or a file where the build writes "
        "a folder; the build never writes through links: remove it, or build into another folder "
        "with --out")
    assert status == 2
    assert snapshot(elsewhere) == before
    # The same with the check done earlier and the link made afterwards (write_atomic alone).
    with pytest.raises(LinkInTheWay):
        write_atomic(out / "north/en/new.pdf", b"%PDF", base=out)
    victim = tmp_path / "victim.pdf"
    victim.write_bytes(b"precious")
    (out / "manifest.json").unlink()
    (out / "manifest.json").symlink_to(victim)
    write_atomic(out / "manifest.json", b"{}", base=out)
    assert victim.read_bytes() == b"precious" and not (out / "manifest.json").is_symlink()


# --- helpers ---------------------------------------------------------------------------------


def support_text(pdf: Path) -> list[str]:
    import pypdf

    return [page.extract_text() for page in pypdf.PdfReader(pdf).pages]


def _copy(setup: Setup, tmp_path: Path, files: dict[str, object],
          links: dict[str, str] | None = None) -> Path:
    project = tmp_path / "project"
    shutil.copytree(setup.project, project, symlinks=True)
    support.apply(project, files, links or {}, setup.outside)
    return project


def _assert_refused(setup: Setup, project: Path, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str], where: str) -> None:
    """The build stops with one line naming the template line; the secret was never opened."""
    with watched(monkeypatch) as watch:
        status = main(["--project", str(project), "--out", str(setup.out)])
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err
    [message] = err.splitlines()
    # Found while rendering, so reported for the booklet (target first), at the template's line
    # where the reference is written literally.
    assert message.startswith(f"{RENDERING}{where}{': ' if where else ''}refused to load file://"), message
    assert "is outside the project's templates/ and content/" in message
    _assert_secret_untouched(setup, watch)


def _assert_secret_untouched(setup: Setup, watch: Watch) -> None:
    outside = str(setup.outside.resolve())
    assert [p for p in watch.opened if os.path.realpath(p).startswith(outside)] == []
    assert watch.network == []
    after = snapshot(setup.out)
    assert after == setup.good  # no new or changed file, so nothing of the secret got out
    for name, data in after.items():
        assert MARKER.encode() not in data, name
        if not name.endswith(".pdf"):
            continue
        with pikepdf.open(io.BytesIO(data)) as pdf:
            assert len(pdf.attachments) == 0
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Stream):
                    assert MARKER.encode() not in obj.read_bytes()


# --- the template context: plain data, nothing to call --------------------------------------------

def test_nothing_reachable_from_the_template_context_can_read_files_run_code_or_import() -> None:
    """Walk every object a template can reach from the context of every default booklet: through
    records' fields, list items, and every attribute the sandbox lets a template read. Only plain
    data is there, and of what is callable, the sandbox calls only a few harmless text methods (a
    model object's `parse_raw`, a function's globals, a class's subclasses are all out of reach)."""
    from markupsafe import Markup

    from booklets.content.load import load_project
    from booklets.plan import plan
    from booklets.render.context import View, build_context
    from booklets.render.html import _callable_allowed, environment

    project = load_project(support.REPO)
    env = environment(project.templates_dir)
    harmless = {"upper", "lower", "strip", "startswith", "endswith", "replace", "split", "join",
                "format", "title"}
    kinds: set[type] = set()
    callable_names: set[str] = set()
    reached = 0
    for target in plan(project.booklet):
        stack: list[tuple[str, Any]] = list(build_context(project, target).items())
        seen: set[int] = set()
        while stack:
            where, obj = stack.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            reached += 1
            kinds.add(type(obj))
            if isinstance(obj, View):
                stack += [(f"{where}.{k}", v) for k, v in object.__getattribute__(obj, "_fields").items()]
            elif isinstance(obj, list):
                stack += [(f"{where}[{i}]", v) for i, v in enumerate(obj)]
            for name in dir(obj):
                if not env.is_safe_attribute(obj, name, None):
                    continue
                value = env.getattr(obj, name)
                if callable(value) and _callable_allowed(value):
                    callable_names.add(name)
                    assert isinstance(obj, str), f"{where}.{name} is callable from a template"
                elif not callable(value):
                    stack.append((f"{where}.{name}", value))
    assert reached > 1000
    assert kinds <= {View, list, str, Markup, int, float, bool, type(None)}, kinds
    assert callable_names <= harmless, callable_names - harmless


# --- fonts: only the project's, subset the same way on every machine -------------------------------

def _pdf_fonts(path: Path) -> set[str]:
    with pikepdf.open(path) as pdf:
        return {str(font.get("/BaseFont")) for page in pdf.pages
                for font in (page.Resources.get("/Font") or {}).values()}


def test_a_system_font_is_never_embedded_and_check_pdf_names_one(
        setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A character the booklet font lacks is an error at its line (corpus case
    `character-only-a-system-font-has`), never a glyph from /usr/share/fonts; and a PDF that has a
    system font anyway (built before, or elsewhere) is refused by `check --pdf`."""
    import json

    import weasyprint.document
    from weasyprint.text.fonts import FontConfiguration

    project = _copy(setup, tmp_path, {corpus.STAFF: corpus.edit("title: Boundaries", "title: Boundaries ☎")})
    out = tmp_path / "dist"
    assert main(["--project", str(project), "--out", str(out)]) == 2
    assert not (out / "north/en/staff-screen.pdf").exists()
    # The renderer as it was: fontconfig's system configuration (DejaVu Sans draws the ☎).
    monkeypatch.setattr(weasyprint.document, "FontConfiguration", FontConfiguration)
    monkeypatch.setattr("booklets.render.pinned.ProjectFonts", FontConfiguration)
    capsys.readouterr()
    if main(["--project", str(project), "--out", str(out)]) != 0:
        pytest.skip("this machine has no system font with ☎ to fall back to: " + capsys.readouterr().err)
    system = {f for f in _pdf_fonts(out / "north/en/staff-screen.pdf") if "Source-Sans" not in f}
    assert system, "the fallback did not embed a system font"
    monkeypatch.undo()
    capsys.readouterr()
    assert main(["check", "--project", str(project), "--out", str(out), "--pdf", "--format", "json"]) == 1
    findings = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["check"] == "fonts"]
    assert findings and all("is not one of the project's fonts: it came from this machine's system "
                            "fonts" in f["message"] for f in findings), findings
    assert {f["message"].split("'")[1] for f in findings} == {s.lstrip("/") for s in system}


def test_font_subsetting_gives_the_same_bytes_with_or_without_harfbuzz_subset(tmp_path: Path) -> None:
    """WeasyPrint subsets with HarfBuzz when libharfbuzz-subset is installed, with fontTools
    otherwise. The renderer picks fontTools on every machine: the library present (real, or a
    stand-in that fails if used) or absent, the PDF is the same."""
    import weasyprint.pdf.fonts
    import weasyprint.text.ffi

    from booklets.render.fonts import faces, font_dir
    from booklets.render.pdf import PdfOptions, render_pdf

    class NotToBeUsed:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"HarfBuzz-subset was used ({name})")

    templates = tmp_path / "templates"
    templates.mkdir()
    font_faces = "".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; src: url("{path.as_uri()}"); }}'
        for family, weight, path in faces())
    html = (f"<html><head><style>{font_faces} body {{ font-family: 'Source Sans Pro' }}</style></head>"
            "<body><p>Report it. <b>Always.</b> Café, naïve, señor.</p></body></html>")
    outputs = []
    present = weasyprint.text.ffi.harfbuzz_subset or NotToBeUsed()
    for library in (present, None, NotToBeUsed()):
        weasyprint.pdf.fonts.harfbuzz_subset = library
        try:
            data, _ = render_pdf(html, templates, [templates, font_dir()], PdfOptions(epoch=1767225600))
        finally:
            weasyprint.pdf.fonts.harfbuzz_subset = None
        outputs.append(data)
    assert outputs[0] == outputs[1] == outputs[2]
    with pikepdf.open(io.BytesIO(outputs[0])) as pdf:
        programs = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary) and "/FontFile2" in obj]
        assert programs  # the font is embedded (subset), by fontTools
