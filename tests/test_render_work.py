"""Work the render avoids, without changing a byte of what it writes.

* A booklet with a form is laid out once: the template sets the form tight from the start
  (booklet.html.j2), as every shipped form needs, instead of a first layout finding it too long.
* A back cover that runs over is laid out again by itself (render/alone.py), not with the whole
  booklet: the same pages as the whole booklet laid out again with the tight class.
* Balanced columns take a few layouts, not hundreds (render/columns.py; tests/test_columns.py).
* Fonts are subset without decoding the layout tables WeasyPrint drops (render/pinned.py).
* The tagging stage works on WeasyPrint's objects before they are written (no PDF read back,
  parsed or saved again) and decodes text only where it is read.

Each is checked against the slower path it replaces: same bytes out.
"""

from __future__ import annotations

import io
import os
import random
from typing import Any

import pytest
import weasyprint
from fontTools import subset
from fontTools.ttLib import TTFont

from booklets.content.load import load_project
from booklets.errors import BookletError
from booklets.plan import Target, plan
from booklets.render import pinned
from booklets.render import target as target_module
from booklets.render.fonts import faces, font_dir
from booklets.render.html import render_html
from booklets.render.pdf import NotOnePage, PdfOptions, render_pdf
from tests.conftest import REPO


@pytest.fixture(scope="module")
def shipped() -> Any:
    project = load_project(REPO)
    return project, target_module.prepare(project), {t.name: t for t in plan(project.booklet)}


def _layouts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The page count of every WeasyPrint layout from here on (probes and whole booklets)."""
    seen: list[str] = []
    render = weasyprint.HTML.render

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        document = render(self, *args, **kwargs)
        seen.append(f"{len(document.pages)} pages")
        return document

    monkeypatch.setattr(weasyprint.HTML, "render", counted)
    return seen


def _documents(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every WeasyPrint layout (a Document) from here on."""
    seen: list[Any] = []
    render = weasyprint.HTML.render

    def kept(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(render(self, *args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(weasyprint.HTML, "render", kept)
    return seen


@pytest.mark.parametrize("name", ["example/en/staff-screen", "example/es/volunteers-large-print",
                                  "example-us/en/residents-print"])
def test_a_booklet_with_a_form_is_laid_out_once_with_its_form_on_one_page(
        shipped: Any, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    project, setup, targets = shipped
    target: Target = targets[name]
    html = render_html(project, target)
    assert '<body class="form-compact ' in html
    layouts = _layouts(monkeypatch)
    files = target_module.render_prepared(setup, target, html)
    assert len(layouts) == 1, layouts
    # ...and the form is as roomy as it may be: without the tight setting it runs over its page.
    layouts.clear()
    with pytest.raises(BookletError, match="the form does not fit on one page"):
        target_module.render_prepared(setup, target, html.replace('<body class="form-compact ', '<body class="', 1))
    assert len(layouts) == 1, layouts  # no second layout of a form: the error names it at its source
    assert files[0].pages > 10


def test_the_subset_of_every_project_face_is_fonttools_own(monkeypatch: pytest.MonkeyPatch) -> None:
    # WeasyPrint's fontTools path with its options, on each face the booklets embed: the subsetter
    # that skips the dropped tables gives the same bytes as fontTools' own.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # as every render sets it
    pinned.pin()
    assert weasyprint.pdf.fonts.subset.Subsetter is pinned._Subsetter
    rng = random.Random(7)
    for _family, _weight, path in faces():
        data = path.read_bytes()
        count = TTFont(io.BytesIO(data))["maxp"].numGlyphs
        for size in (3, 120, 700):
            gids = set(rng.sample(range(1, count), min(size, count - 1)))
            outputs = []
            for subsetter in (subset.Subsetter, pinned._Subsetter):
                options = subset.Options(retain_gids=True, passthrough_tables=True, ignore_missing_glyphs=True,
                                         hinting=False, desubroutinize=True, notdef_outline=size == 3)
                options.drop_tables += ["GSUB", "GPOS", "SVG"]
                font = TTFont(io.BytesIO(data))
                s = subsetter(options)
                s.populate(gids=gids)
                s.subset(font)
                out = io.BytesIO()
                font.save(out)
                outputs.append(out.getvalue())
            assert outputs[0] == outputs[1], (path.name, size)
    assert os.environ["SOURCE_DATE_EPOCH"] == "1700000000"


def test_link_descriptions_still_come_from_the_decoded_text(shipped: Any) -> None:
    # The tagging stage decodes a sequence's text only when asked: link annotations still carry
    # the words of their link (and of the destination, for a citation number).
    import pikepdf

    project, setup, targets = shipped
    target = targets["example/en/staff-screen"]
    pdf_bytes = target_module.render_prepared(setup, target, render_html(project, target))[0].data
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        contents = [str(a.get("/Contents", "")) for page in pdf.pages for a in page.obj.get("/Annots", [])]
    assert contents and all(any(ch.isalpha() for ch in c) for c in contents), contents[:5]
    assert any(len(c.split()) >= 3 for c in contents)


def test_a_tagged_booklet_is_finished_before_weasyprint_writes_it(
        shipped: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The tagging stage works on the writer's objects in WeasyPrint's finisher: the PDF is not read
    # back, parsed or saved a second time (it was: 0.15 s of every tagged booklet).
    import pikepdf

    project, setup, targets = shipped
    target = targets["example/es/staff-screen"]  # running heads and feet become artifacts, links
    html = render_html(project, target)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the render read its own PDF back")

    with monkeypatch.context() as patched:
        patched.setattr(pikepdf, "open", refuse)
        patched.setattr(pikepdf.Pdf, "open", refuse)
        patched.setattr(pikepdf, "parse_content_stream", refuse)
        data = target_module.render_prepared(setup, target, html)[0].data
    assert data == target_module.render_prepared(setup, target, html)[0].data
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        kinds = {(str(ops[1].get("/Type")), str(ops[1].get("/Subtype")))
                 for page in pdf.pages for ops, op in pikepdf.parse_content_stream(page)
                 if str(op) == "BDC" and ops[0] == "/Artifact" and isinstance(ops[1], pikepdf.Dictionary)}
        assert kinds == {("/Pagination", "/Header"), ("/Pagination", "/Footer")}


@pytest.mark.parametrize("name", ["example/es/residents-screen", "example-us/es/residents-print"])
def test_a_back_cover_that_runs_over_is_laid_out_again_alone_to_the_same_bytes(
        shipped: Any, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    # The shipped booklets whose balanced back cover runs over (Spanish, for people in custody):
    # the second layout is the back cover's page alone, and the PDF is the whole booklet's second
    # layout to the byte (print: a left-hand back cover, notes pages dropped after the layout).
    project, setup, targets = shipped
    target: Target = targets[name]
    html = render_html(project, target)
    layouts = _documents(monkeypatch)
    fast = target_module.render_prepared(setup, target, html)[0]
    assert len(layouts) == 2
    first, second = layouts
    assert second.pages[-1].anchors.keys() >= {"back-cover", "back-end"}
    # Before the back cover the second layout has only empty pages: nothing else was laid out.
    assert all(not page.anchors for page in second.pages[:-1])
    assert len(second.pages) == next(i for i, p in enumerate(first.pages) if "back-cover" in p.anchors) + 1
    # The way it was: the whole booklet laid out again with the back cover set tight.
    monkeypatch.setattr(target_module, "TIGHT", {})
    whole = target_module.render_prepared(setup, target, target_module.body_class(html, "back-fill"))[0]
    assert fast.data == whole.data and fast.pages == whole.pages


_FACE = faces()[0][0]
_PART_HTML = """<!DOCTYPE html><html lang="en"><head><title>Part alone</title><style>
@page { size: A5; margin: 20mm; @bottom-center { content: "Page " counter(page); font: 9pt "%(face)s"; } }
@page :left { margin-left: 12mm; margin-right: 28mm; }
@page :first { margin-top: 40mm; }
@page back { @bottom-center { content: none; } }
body { font: 12pt/1.4 "%(face)s"; }
.draft { position: fixed; top: -15mm; left: 0; color: #a00; }
.part { page: back; break-before: page; }
.part p { font-size: 30pt; margin: 0 0 10mm; }
.tight .part p { font-size: 10pt; margin: 0; }
.part span[lang] { font-weight: 700; }
</style></head>
<body class="plain"><div class="draft">DRAFT</div>
<img src="logo.svg" alt="Crest" width="60">
%(body)s
<section class="part" id="part"><h2>Who to contact</h2><img src="logo.svg" alt="Crest" width="40">
%(part)s<span lang="es">Línea directa</span><div id="part-end"></div></section>
</body></html>"""


def _part_html(pages: int, lines: int) -> str:
    body = "".join(f'<h2 id="s{n}" style="break-before: page">Section {n}</h2><p>{"Text of the section. " * 40}</p>'
                   for n in range(pages))
    part = "".join(f"<p>Contact {n}: 0100 000 00{n}</p>" for n in range(lines))
    return _PART_HTML % {"face": _FACE, "body": body, "part": part}


@pytest.mark.parametrize("variant", [None, "pdf/ua-1"])
@pytest.mark.parametrize("sections", [3, 4])  # the part on a left-hand page, then on a right-hand one
def test_a_part_laid_out_alone_gives_the_whole_second_layout_to_the_byte(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch, variant: str | None, sections: int) -> None:
    # What the part's page shows besides the part (a fixed mark repeating on every page, the page's
    # side and number) and what it shares with earlier pages (an image, fonts) come out the same.
    (tmp_path / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20">'
                                       '<rect width="60" height="20" fill="#0b6e4f"/></svg>', encoding="utf-8")
    html = _part_html(sections, 12)
    allowed = [tmp_path, font_dir()]
    options = PdfOptions(pdf_variant=variant, epoch=1700000000, one_page=(("part", "part-end"),),
                         tight=(("part", "tight"),))
    layouts = _documents(monkeypatch)
    alone, pages = render_pdf(html, tmp_path, allowed, options)
    assert len(layouts) == 2 and pages == sections + 2
    whole = render_pdf(target_module.body_class(html, "tight"), tmp_path, allowed, PdfOptions(
        pdf_variant=variant, epoch=1700000000, one_page=options.one_page))
    assert (alone, pages) == whole
    # A part that runs over even set tight fails, with the page count of its first layout.
    with pytest.raises(NotOnePage) as over:
        render_pdf(_part_html(sections, 60), tmp_path, allowed, options)
    assert over.value.anchor == "part" and over.value.pages > 2
