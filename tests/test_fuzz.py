"""Fuzzing: whatever the content says, a build gives a PDF or a clear error, never a traceback.

Hypothesis feeds arbitrary text and structures to the content loader and schema (load_project on
generated files), to the inline-markup renderer, and to the template context (HTML, plus a few
real PDF renders). Each property also checks what "clear" means: every problem names a file and
a line; markup and text never turn into HTML elements or CSS rules.

CI runs a few hundred examples in total. For a long run, scale every test's example count:

    BOOKLETS_FUZZ_SCALE=100 /tmp/venv/bin/python -m pytest -q tests/test_fuzz.py -p no:cacheprovider
"""

from __future__ import annotations

import contextlib
import html.parser
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pypdf
import pytest
import tinycss2
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from booklets.content.load import load_project
from booklets.content.markup import CITE_RE, citations_in, make_markdown, plain_text
from booklets.content.project import Project
from booklets.errors import BookletError, Problem
from booklets.plan import plan
from booklets.render.html import render_html
from tests.bad_input import cases as corpus
from tests.bad_input import support

SCALE = float(os.environ.get("BOOKLETS_FUZZ_SCALE", "1"))


def fuzz(examples: int, shrink: bool = True) -> Any:
    """Settings for one property: `examples` in CI, times BOOKLETS_FUZZ_SCALE in a long run."""
    phases = [Phase.explicit, Phase.reuse, Phase.generate, *([Phase.shrink] if shrink else [])]
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None, print_blob=True,
                    phases=phases,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# Text that has bitten YAML, Markdown, HTML or CSS tools before, mixed with arbitrary text.
TRICKY = [
    "no", "on", "yes", "off", "~", "null", "0800555111", "9:30", "2026-01-01", "1e3", ".inf",
    "0x1F", "0o17", "<script>alert(1)</script>", "<x-evil src='file:///etc/passwd'>", "</x-evil>",
    "&amp;", "&#60;", "\"", "'", "\\", "{{ 7*7 }}", "{% include 'x' %}", "${HOME}", "*", "**",
    "_", "[", "]", "(", ")", "[^fact-one]", "[^missing]", "[link](file:///etc/passwd)",
    "[link](javascript:alert(1))", "[link](https://example.com)", "![i](/etc/passwd)", "<http://x>",
    "1. ", "- ", "# ", "> ", "```", "    code", "\n", "\n\n", "\t", "\r\n", "\x00", "\x07",
    "\u2028",
    "\ufeff", "\U0001F600", "مرحبا", "ﬁ", "e\u0301", "}", "{", ";", "@import url(/etc/passwd);",
    "</style>", "*/", "/*", ": ", " #", "- [x]", "&", "<", ">", "|", ">-", "!!python/object:x",
    "&a", "*a", "<<", "%", "@", "`",
]
fragments = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12))
tricky_text = st.lists(fragments, max_size=12).map("".join)


# --- the content loader and schema ------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """One project rewritten in place by each example (hypothesis needs no per-example fixture)."""
    root = Path(tempfile.mkdtemp(prefix="booklets-fuzz-")) / "project"
    support.write_project(root)
    yield root
    shutil.rmtree(root.parent)


CONTENT_FILES = [corpus.BOOKLET, corpus.SCREEN, corpus.NORTH, corpus.SOURCES, corpus.SHARED,
                 corpus.STAFF, "content/en/strings.yaml"]


def _load(root: Path, rel: str, data: bytes) -> Project | None:
    """Write one file, load the project, put the file back. Returns the project or None."""
    path = root / rel
    original = path.read_bytes()
    path.write_bytes(data)
    try:
        return load_project(root)
    except BookletError as exc:
        _check_problems(exc.problems)
        return None
    finally:
        path.write_bytes(original)


def _check_problems(problems: list[Problem]) -> None:
    """A clear error: at least one problem, each on one line, each naming a file and a line."""
    assert problems
    for problem in problems:
        text = str(problem)
        assert "\n" not in text and "\r" not in text, text
        assert problem.file.startswith("content/"), text
        assert problem.line >= 1 and problem.column >= 1, text
        assert problem.message, text


@fuzz(150)
@given(rel=st.sampled_from(CONTENT_FILES), text=tricky_text)
def test_any_text_in_a_content_file(scratch: Path, rel: str, text: str) -> None:
    _load(scratch, rel, text.encode("utf-8", "surrogatepass"))


@fuzz(60)
@given(rel=st.sampled_from(CONTENT_FILES), data=st.binary(max_size=200))
def test_any_bytes_in_a_content_file(scratch: Path, rel: str, data: bytes) -> None:
    _load(scratch, rel, data)


@fuzz(100)
@given(rel=st.sampled_from(CONTENT_FILES), where=st.integers(0, 10_000), cut=st.integers(0, 20),
       insert=tricky_text)
def test_any_edit_of_a_valid_content_file(scratch: Path, rel: str, where: int, cut: int,
                                          insert: str) -> None:
    """A typo anywhere in a valid file: deleted, inserted or replaced characters."""
    text = (scratch / rel).read_text(encoding="utf-8")
    at = where % (len(text) + 1)
    _load(scratch, rel, (text[:at] + insert + text[at + cut:]).encode("utf-8", "surrogatepass"))


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.sampled_from(TRICKY), st.text(max_size=20), st.dates())
FIELD_NAMES = ["name", "title", "body", "summary", "sections", "include", "id", "contacts",
               "callout", "form", "statements", "image", "src", "alt", "variants", "staff", "en",
               "text", "url", "phone", "languages", "audiences", "editions", "facilities"]
structures = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=8)), inner,
                        max_size=4)),
    max_leaves=20)


def _paths(data: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*here, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += _paths(value, (*here, i))
    return out


@fuzz(150)
@given(rel=st.sampled_from(CONTENT_FILES), pick=st.integers(0, 10_000), value=structures,
       style=st.sampled_from([None, True, False]))
def test_any_value_anywhere_in_a_valid_file(scratch: Path, rel: str, pick: int, value: Any,
                                            style: bool | None) -> None:
    """Replace one value of a valid file by an arbitrary structure, written as YAML."""
    data = yaml.safe_load((scratch / rel).read_text(encoding="utf-8"))
    paths = _paths(data)
    path = paths[pick % len(paths)]
    if not path:
        data = value
    else:
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = value
    text = yaml.safe_dump(data, allow_unicode=True, default_flow_style=style, sort_keys=False)
    _load(scratch, rel, text.encode("utf-8", "surrogatepass"))


# --- the inline-markup renderer ----------------------------------------------------------------

ALLOWED_TAGS = {"p", "strong", "a", "ul", "ol", "li", "sup", "br"}
ALLOWED_ATTRS = {"a": {"href", "title"}, "ol": {"start"}, "sup": {"class"}, "p": {"class"}}
ALLOWED_CLASSES = {"p": {"lead-in"}}  # a paragraph that is only bold text is a run-in heading (markup.py)
SAFE_HREF = ("http:", "https:", "mailto:", "tel:", "#")


class _Elements(html.parser.HTMLParser):
    """Every element and attribute in a piece of HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    return parser.elements


@fuzz(300)
@given(text=tricky_text)
def test_markup_renders_only_its_own_small_set_of_elements(text: str) -> None:
    env: dict[str, Any] = {}
    out = make_markdown().render(text, env)
    for tag, attrs in elements(out):
        assert tag in ALLOWED_TAGS, (tag, out)
        assert set(attrs) <= ALLOWED_ATTRS.get(tag, set()), (tag, attrs, out)
        if tag in ALLOWED_CLASSES and "class" in attrs:
            assert attrs["class"] in ALLOWED_CLASSES[tag], (tag, attrs, out)
        href = attrs.get("href")
        if href is not None:
            assert href.lower().startswith(SAFE_HREF), (href, out)
    assert set(env.get("citations", [])) <= set(citations_in(text))
    plain_text(text)


# --- the template context ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(scratch: Path) -> Project:
    return load_project(scratch)


def _with_text(project: Project, text: str, where: str) -> Project:
    """The project with `text` in one place a reader sees (validated models, text swapped in)."""
    lang = project.languages["en"]
    audience = lang.audiences["staff"]
    if where in ("title", "name", "summary", "subtitle"):
        audience = audience.model_copy(update={where: text})
    elif where == "keywords":
        audience = audience.model_copy(update={"keywords": [text, text]})
    elif where in ("body", "section-title"):
        key = "body" if where == "body" else "title"
        sections = list(audience.sections)
        sections[1] = sections[1].model_copy(update={key: text})
        audience = audience.model_copy(update={"sections": sections})
    elif where == "callout":
        section = audience.sections[1]
        assert section.callout is not None
        callout = section.callout.model_copy(update={"body": text, "title": text})
        audience = audience.model_copy(update={"sections": [
            audience.sections[0], section.model_copy(update={"callout": callout})]})
    elif where == "statement":
        assert audience.form is not None
        form = audience.form.model_copy(update={"statements": [text], "intro": text})
        audience = audience.model_copy(update={"form": form})
    elif where in ("page", "of", "revision", "contents"):  # strings printed through CSS too
        lang = replace(lang, strings=lang.strings.model_copy(update={where: text}))
    elif where == "facility":
        facilities = dict(project.facilities)
        facilities["north"] = facilities["north"].model_copy(update={"name": text})
        project = replace(project, facilities=facilities)
    elif where == "source":
        source = lang.sources["fact-one"].model_copy(update={"text": text, "url": text})
        lang = replace(lang, sources={"fact-one": source})
    else:  # pragma: no cover
        raise AssertionError(where)
    lang = replace(lang, audiences={"staff": audience})
    return replace(project, languages={"en": lang})


PLACES = ["title", "name", "summary", "subtitle", "keywords", "body", "section-title", "callout",
          "statement", "page", "of", "revision", "contents", "facility", "source"]


def _at_rules(markup: str) -> list[list[str]]:
    """The at-rules (@page, @font-face, @import...) of every <style> element in the page."""
    styles = []
    for chunk in markup.split("<style>")[1:]:
        css = chunk.split("</style>")[0]
        rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
        styles.append([r.lower_at_keyword for r in rules if r.type == "at-rule"])
    return styles


@fuzz(150)
@given(text=tricky_text.filter(lambda t: t.strip() != ""), where=st.sampled_from(PLACES))
def test_text_never_becomes_markup_or_css(project: Project, text: str, where: str) -> None:
    # Text is swapped in after validation, so cite only sources that exist (load_project refuses
    # the others; see test_any_text_in_a_content_file).
    text = CITE_RE.sub("[^fact-one]", text)
    target = plan(project.booklet)[0]
    baseline = render_html(project, target)
    page = render_html(_with_text(project, text + "<x-evil>", where), target)
    assert not [tag for tag, _ in elements(page) if tag.startswith("x-")]
    assert [tag for tag, _ in elements(page) if tag in ("script", "style", "link", "img")] == [
        tag for tag, _ in elements(baseline) if tag in ("script", "style", "link", "img")]
    assert _at_rules(page) == _at_rules(baseline)


# Where the PDF fuzz writes its text: a file and the path of a text value in it.
YAML_PLACES = [
    (corpus.STAFF, ("title",)), (corpus.STAFF, ("sections", 1, "body")),
    (corpus.STAFF, ("sections", 1, "callout", "title")), (corpus.STAFF, ("form", "statements", 0)),
    (corpus.NORTH, ("name",)), (corpus.NORTH, ("contacts", "internal_line", "phone")),
    (corpus.SOURCES, ("fact-one", "text")), ("content/en/strings.yaml", ("page",)),
]


@fuzz(4, shrink=False)  # a PDF per step: shrinking would take minutes
@given(text=tricky_text, place=st.sampled_from(YAML_PLACES))
def test_text_anywhere_gives_a_pdf_or_a_clear_error(scratch: Path, text: str,
                                                    place: tuple[str, tuple[Any, ...]]) -> None:
    """Through the whole command line: YAML, schema, templates, WeasyPrint."""
    from booklets.cli.main import main

    rel, path = place
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        shutil.copytree(scratch, root)
        data = yaml.safe_load((root / rel).read_text(encoding="utf-8"))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = text
        (root / rel).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = main(["--project", str(root), "--out", str(Path(tmp) / "dist")])
        lines = err.getvalue().splitlines()
        if status == 0:
            reader = pypdf.PdfReader(Path(tmp) / "dist/north/en/staff-screen.pdf")
            assert len(reader.pages) >= 4
        else:
            assert status == 2, lines
            # Found while loading, or while rendering (then the booklet's name comes first).
            located = re.compile(r"^error: ([a-z0-9-]+/[a-z0-9-]+/[a-z0-9-]+: )?content/[^:]+:\d+:\d+: ")
            assert lines and all(located.match(line) for line in lines), lines
