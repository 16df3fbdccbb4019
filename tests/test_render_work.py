"""Work the render avoids, without changing a byte of what it writes.

* A booklet with a form is laid out once: the template sets the form tight from the start
  (booklet.html.j2), as every shipped form needs, instead of a first layout finding it too long.
* Balanced columns take a few layouts, not hundreds (render/columns.py; tests/test_columns.py).
* Fonts are subset without decoding the layout tables WeasyPrint drops (render/pinned.py).
* The tagging stage parses each page's content stream once, decodes text only where it is read,
  and rewrites only the instructions that open marked content.

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
from booklets.render import pagecontent, pinned, tagging
from booklets.render import target as target_module
from booklets.render.fonts import faces
from booklets.render.html import render_html
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


def _rewrite_walking_every_instruction(pdf: Any, page: Any, renumber: dict[int, int], marked: dict[int, Any],
                                       instructions: list[Any]) -> None:
    """pagecontent.rewrite_page as it was: every instruction of the page looked at."""
    import pikepdf
    from pikepdf import Dictionary, Name

    middle = pagecontent._page_middle(page)
    out: list[Any] = []
    for instruction in instructions:
        if not isinstance(instruction, pikepdf.ContentStreamInlineImage) and str(instruction.operator) == "BDC":
            operands = list(instruction.operands)
            mcid = pagecontent._mcid_of(operands)
            if mcid is not None:
                new = renumber.get(mcid)
                if new is None:
                    y = marked[mcid].y
                    where = "/Header" if y is not None and y > middle else "/Footer"
                    operands = [Name.Artifact, Dictionary(Type=Name.Pagination, Subtype=Name(where))]
                else:
                    operands = [operands[0], Dictionary(MCID=new)]
                instruction = pikepdf.ContentStreamInstruction(operands, instruction.operator)
        out.append(instruction)
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))


def test_tagging_rewrites_the_marked_instructions_alone_to_the_same_bytes(
        shipped: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    project, setup, targets = shipped
    target = targets["example/es/staff-screen"]  # running heads and feet become artifacts, links
    html = render_html(project, target)
    fast = target_module.render_prepared(setup, target, html)[0].data
    monkeypatch.setattr(tagging, "rewrite_page", _rewrite_walking_every_instruction)
    assert target_module.render_prepared(setup, target, html)[0].data == fast
