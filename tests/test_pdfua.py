"""Tagged booklets as assistive technology meets them.

Every tagged PDF of the default build (the editions with a `pdf_variant`: screen and large print,
every language and audience) passes two independent PDF/UA-1 validators from PyPI with no error and
no warning, and one booklet's structure tree reads in the order its content is written: cover,
contents, each section's title, sub-headings and paragraphs, sources, form. The post-processing
that makes this so (booklets/render/tagging.py) is checked for what it promises on its own too:
a parent tree that agrees with the tree, one described Link per link, running heads as artifacts.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from booklets import paths
from booklets.check.validators import INSTALL, missing, validate
from booklets.content.load import load_project
from booklets.content.markup import make_markdown, plain_text
from booklets.plan import Target
from booklets.render.context import build_context
from tests.pdfread import Tagged

REPO = Path(__file__).resolve().parent.parent
PROJECT = load_project(REPO)
FACILITY = PROJECT.booklet.facilities[0]
TAGGED = [Target(FACILITY, lang, audience, edition)
          for lang in PROJECT.booklet.languages for audience in PROJECT.booklet.audiences
          for edition in PROJECT.booklet.editions if PROJECT.editions[edition].pdf_variant]


def test_the_default_build_has_tagged_editions() -> None:
    assert {t.edition for t in TAGGED} == {"screen", "large-print"}
    assert len(TAGGED) == len(PROJECT.booklet.languages) * len(PROJECT.booklet.audiences) * 2


@pytest.mark.parametrize("target", TAGGED, ids=lambda t: t.name)
def test_tagged_pdf_passes_both_validators(default_build: Path, target: Target) -> None:
    assert not missing(), f"the PDF/UA validators are test dependencies: {INSTALL}"
    findings = [str(f) for f in validate(default_build / paths.booklet_pdf(target))]
    assert findings == []


# --- reading order ------------------------------------------------------------------------------

def letters(text: str) -> str:
    """Letters only, lower case: what survives extraction whatever the spacing, quotes and numbers."""
    return "".join(ch for ch in text.lower() if ch.isalpha())


def blocks(markdown: str) -> list[str]:
    """The paragraphs, list items and sub-headings of a Markdown text, as plain text, in order."""
    return [plain_text(t.content) for t in make_markdown().parse(markdown) if t.type == "inline"]


SUBHEADING = re.compile(r"^\*\*([^*]+)\*\*$")


def subheadings(markdown: str) -> list[str]:
    """Bold-line paragraphs that are not sentences: the sub-headings a section's body writes."""
    out = []
    for paragraph in re.split(r"\n\s*\n", markdown.strip()):
        match = SUBHEADING.match(paragraph.strip())
        if match and not match.group(1).rstrip().endswith((".", "!", ",", ";", "…")):
            out.append(match.group(1))
    return out


STAFF = Target(FACILITY, "en", "staff", "screen")


@pytest.fixture(scope="module")
def staff(default_build: Path) -> tuple[Tagged, dict[str, Any]]:
    return Tagged(default_build / paths.booklet_pdf(STAFF)), build_context(PROJECT, STAFF)


def test_tags_read_in_the_order_the_content_is_written(staff: tuple[Tagged, dict[str, Any]]) -> None:
    tagged, ctx = staff
    strings, sections, form = ctx["strings"], ctx["sections"], ctx["form"]
    expected: list[str] = [ctx["audience"].title, strings.contents]
    expected += [s.title for s in sections] + [strings.sources, form.title]
    source = PROJECT.languages["en"]
    form_intro = source.audiences["staff"].form.intro  # type: ignore[union-attr]
    for section in sections:
        expected.append(section.title)
        body = next(s for sid, s in _sections() if sid == section.id)
        expected += blocks(body.body)
        if body.callout is not None:
            expected += [body.callout.title, *blocks(body.callout.body)]
    expected += [strings.sources, strings.sources_intro]
    expected += [source.sources[s.id].text for s in ctx["sources"]]
    expected += [form.title, *blocks(form_intro), *form.statements, strings.form_name,
                 strings.form_signature, strings.contacts_title]
    read = letters(tagged.text)
    at = 0
    for piece in expected:
        want = letters(piece)[:40]
        found = read.find(want, at)
        assert found >= 0, f"{piece[:60]!r} is not read after {read[max(0, at - 60):at]!r}"
        at = found + len(want)


def _sections() -> list[tuple[str, Any]]:
    from booklets.content.sections import resolve_sections

    # as printed at the facility: `{{words}}` in its jurisdiction's terms
    return resolve_sections(PROJECT.languages["en"], "staff", PROJECT.place(FACILITY, "en"))


def test_headings_are_the_outline_of_the_content(staff: tuple[Tagged, dict[str, Any]]) -> None:
    tagged, ctx = staff
    strings = ctx["strings"]
    expected = [("H1", ctx["audience"].title)]
    if ctx["help_callout"]:
        expected.append(("H2", ctx["help_callout"].title))
    expected.append(("H2", strings.contents))
    for section, (_, text) in zip(ctx["sections"], _sections(), strict=True):
        expected.append(("H2", section.title))
        expected += [("H3", s) for s in subheadings(text.body)]
        if text.callout is not None:
            expected.append(("H3", text.callout.title))
    expected += [("H2", strings.sources), ("H2", ctx["form"].title), ("H2", strings.contacts_title),
                 ("H3", strings.letters_title), ("H3", strings.calls_monitored_title)]
    assert [(k, letters(t)) for k, t in tagged.headings()] == [(k, letters(t)) for k, t in expected]
    assert sum(k == "H3" for k, _ in expected) > 10  # the staff booklet's bold-line sub-headings count


def test_running_heads_feet_and_leaders_are_not_read(staff: tuple[Tagged, dict[str, Any]]) -> None:
    tagged, ctx = staff
    strings = ctx["strings"]
    # "Page 4 of 26" printed at the foot of every body page, never in what a screen reader reads
    assert not re.search(rf"{strings.page} \d+ {strings.of} \d+", tagged.text)
    # a section's title is read in the contents and as its heading, not again at the top of each page
    for section in ctx["sections"]:
        assert tagged.text.count(section.title) == 2, section.title
    assert "..." not in tagged.text.replace(" ", "")  # the contents leaders are drawn, not dots


# --- what the post-processing promises ----------------------------------------------------------

@pytest.mark.parametrize("target", [STAFF, Target(FACILITY, "es", "families", "large-print")], ids=lambda t: t.name)
def test_parent_tree_agrees_with_the_tree(default_build: Path, target: Target) -> None:
    path = default_build / paths.booklet_pdf(target)
    tagged = Tagged(path)
    with pikepdf.open(path) as pdf:
        nums = list(pdf.Root.StructTreeRoot.ParentTree.Nums)
        tree = dict(zip(nums[::2], nums[1::2], strict=True))
        for index, page in enumerate(pdf.pages):
            mcids = [int(ops[1].MCID) for ops, op in pikepdf.parse_content_stream(page)
                     if str(op) == "BDC" and len(ops) == 2 and isinstance(ops[1], pikepdf.Dictionary)
                     and "/MCID" in ops[1]]
            # each id once, numbered 0..n-1 in content order, each held by the element the tree says
            assert mcids == list(range(len(mcids)))
            assert sorted(m for p, m in tagged.mcids if p == index) == mcids
            held = tree[int(page.obj.StructParents)]
            assert len(held) == len(mcids)
            for mcid, element in enumerate(held):
                assert mcid in [int(k) for k in element.K if isinstance(k, int)]
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                owner = tree[int(annot.StructParent)]
                assert owner.S == "/Link"
                assert [k.Obj.objgen for k in owner.K if isinstance(k, pikepdf.Dictionary)
                        and k.get("/Type") == "/OBJR"].count(annot.objgen) == 1


def test_links_are_described_and_one_per_line(default_build: Path) -> None:
    path = default_build / paths.booklet_pdf(STAFF)
    ctx = build_context(PROJECT, STAFF)
    with pikepdf.open(path) as pdf:
        annots = [(i, a) for i, page in enumerate(pdf.pages) for a in page.obj.get("/Annots", [])]
        contents_page = next(i for i, a in annots if str(a.get("/Dest", "")).startswith("s-"))
        toc = [a for i, a in annots if i == contents_page]
        # one annotation per contents entry (WeasyPrint made one per box inside each <a>)
        assert len(toc) == len(ctx["sections"]) + 3  # and sources, the form, who to contact
        for annot in toc:
            assert not str(annot.Contents).startswith(("s-", "#")), annot.Contents
        assert letters(str(toc[0].Contents)) == letters(ctx["sections"][0].title)
        for _, annot in annots:
            assert int(annot.F) & 4  # printed as shown
            x0, y0, x1, y1 = (float(v) for v in annot.Rect)
            assert abs(x1 - x0) > 2 and abs(y1 - y0) > 6, annot  # something a pointer can click
            dest = str(annot.get("/Dest", ""))
            assert str(annot.Contents) != dest
            if dest.startswith("source-"):  # a citation number: described by the source it cites
                source = PROJECT.languages["en"].sources[dest.removeprefix("source-")].text
                assert letters(source)[:30] in letters(str(annot.Contents))


def test_running_heads_and_feet_are_pagination_artifacts(default_build: Path) -> None:
    with pikepdf.open(default_build / paths.booklet_pdf(STAFF)) as pdf:
        page = pdf.pages[4]  # a body page: running head and three footer boxes
        kinds = [(str(ops[1].get("/Type")), str(ops[1].get("/Subtype")))
                 for ops, op in pikepdf.parse_content_stream(page)
                 if str(op) == "BDC" and ops[0] == "/Artifact" and isinstance(ops[1], pikepdf.Dictionary)]
    assert kinds.count(("/Pagination", "/Header")) == 1
    assert kinds.count(("/Pagination", "/Footer")) == 3


def test_the_validator_filter_finds_running_heads_that_repeat_a_heading(
        staff: tuple[Tagged, dict[str, Any]], default_build: Path) -> None:
    # check/runningheads.py: what lets `check --pdf` set aside outloud's TAG-002 on a running head.
    from booklets.check.runningheads import running_heads

    _, ctx = staff
    running = running_heads((default_build / paths.booklet_pdf(STAFF)).read_bytes())
    titles = {" ".join(s.title.split()) for s in ctx["sections"]} | {ctx["strings"].sources}
    found = {" ".join(text.split()) for texts in running.values() for text in texts}
    assert found and found <= titles, found - titles
    assert len(found) >= 3  # sections flow on: a page continuing a section carries its title
    # Page numbers and the document number (artifacts too) repeat no heading.
    assert not any(re.search(r"\d", text) for text in found)


def test_finishing_weasyprints_tags_is_reproducible_and_valid() -> None:
    """On WeasyPrint's own output for a small page: a running head, a page number, a link whose text
    is two inline elements and an <a> without href. Before: invalid; after: valid, the same bytes twice."""
    import page
    import weasyprint

    from booklets.render.fonts import font_dir
    from booklets.render.tagging import finish_tags

    font = (font_dir() / "SourceSansPro-Regular.ttf").as_uri()
    html = f"""<!DOCTYPE html><html lang="en"><head><title>Test</title><style>
      @font-face {{ font-family: S; src: url({font}); }}
      html {{ font-family: S; }}
      @page {{ @top-center {{ content: "Running head"; }} @bottom-center {{ content: "Page " counter(page); }} }}
      </style></head><body><h1>Title</h1><p>See <a href="#s"><span>the</span> <b>section</b></a>.</p>
      <h2 id="s" style="break-before: page">Section</h2><p><a id="here">Text.</a></p></body></html>"""
    document = weasyprint.HTML(string=html).render()
    raw = document.write_pdf(pdf_variant="pdf/ua-1")
    finished = document.write_pdf(pdf_variant="pdf/ua-1", finisher=lambda _, pdf: finish_tags(pdf))
    assert document.write_pdf(pdf_variant="pdf/ua-1", finisher=lambda _, pdf: finish_tags(pdf)) == finished
    assert not page.validate_pdf_bytes(raw, profile="ua1").is_compliant
    report = page.validate_pdf_bytes(finished, profile="ua1")
    assert report.is_compliant, [f.message for f in report.failures]
    with pikepdf.open(io.BytesIO(finished)) as pdf:
        [link] = pdf.pages[0].Annots  # WeasyPrint wrote three: the <a>, the <span>, the <b>
        assert str(link.Contents) == "the section" and str(link.Dest) == "s"
        artifacts = [ops[1] for p in pdf.pages for ops, op in pikepdf.parse_content_stream(p)
                     if str(op) == "BDC" and ops[0] == "/Artifact" and isinstance(ops[1], pikepdf.Dictionary)]
        assert sorted(str(a.Subtype) for a in artifacts) == ["/Footer", "/Footer", "/Header", "/Header"]
        links, stack = [], [pdf.Root.StructTreeRoot.K[0]]
        while stack:
            node = stack.pop()
            kids = [k for k in node.get("/K", []) if isinstance(k, pikepdf.Dictionary)]
            if node.get("/S") == "/Link":
                links.append([k.Obj.objgen for k in kids if k.get("/Type") == "/OBJR"])
            stack += [k for k in kids if "/S" in k]
        assert links == [[link.objgen]]  # the <a> without href is no Link: it has nothing to follow
