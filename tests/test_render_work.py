"""Work the render avoids, without changing a byte of what it writes.

* A form too long for its normal layout is found by laying out the form alone (render/fit.py),
  so the booklet is laid out once, set tight, instead of twice.
* Fonts are subset without decoding the layout tables WeasyPrint drops (render/pinned.py).
* The tagging stage parses each page's content stream once and decodes text only where it is read.

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
from booklets.plan import Target, plan
from booklets.render import fit, pinned
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


@pytest.mark.parametrize("name", ["example/en/staff-screen", "example/es/volunteers-large-print"])
def test_a_form_set_tight_takes_one_layout_of_the_booklet_and_the_same_bytes(
        shipped: Any, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    project, setup, targets = shipped
    target: Target = targets[name]
    html = render_html(project, target)
    layouts = _layouts(monkeypatch)
    probed = target_module.render_prepared(setup, target, html)
    # The probe (the form alone: two pages, the form runs over) and one layout of the booklet.
    assert len(layouts) == 2 and int(layouts[0].split()[0]) <= 3 < int(layouts[1].split()[0]), layouts
    # Without the probe: a whole layout that finds the form too long, then the tight one.
    layouts.clear()
    monkeypatch.setattr(fit, "form_pages", lambda *args: 0)
    plain = target_module.render_prepared(setup, target, html)
    assert len(layouts) == 2 and int(layouts[0].split()[0]) > 10, layouts
    assert [f.data for f in probed] == [f.data for f in plain]


def test_a_form_that_fits_is_laid_out_as_before(shipped: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Families' forms fit without being set tight: the probe says one page and changes nothing.
    project, setup, targets = shipped
    name = next(n for n, t in targets.items() if t.edition == "screen" and t.audience == "families")
    html = render_html(project, targets[name])
    assert fit.form_pages(html, setup.templates_dir, list(setup.allowed), None) in (0, 1)


def test_a_template_without_the_form_markers_is_not_probed(shipped: Any) -> None:
    _project, setup, _targets = shipped
    html = '<html><head></head><body class="x"><section class="form">A form</section></body></html>'
    assert fit.form_pages(html, setup.templates_dir, list(setup.allowed), None) == 0


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


def test_probe_html_is_the_head_the_body_tag_and_the_form(shipped: Any) -> None:
    project, setup, targets = shipped
    html = render_html(project, targets["example/en/staff-print"])
    assert fit.form_pages(html, setup.templates_dir, list(setup.allowed), None) == 2
    alone = fit.form_alone(html)
    assert alone is not None
    assert alone.startswith(html[: html.index("<body")]) and 'id="form"' in alone and 'id="content-end"' in alone
    for absent in ('id="back-cover"', "<main", 'class="cover'):
        assert absent not in alone, absent


def test_a_probe_that_meets_a_refused_resource_answers_nothing_and_lets_the_render_say_it(
        shipped: Any, tmp_path: Any) -> None:
    # The full render names the refused file at its line (tests/test_escape.py); the probe must
    # neither raise the refusal from the wrong place nor read the file.
    _project, setup, _targets = shipped
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    html = (f'<html><head><style>@import url("{secret.as_uri()}");</style></head><body class="x">'
            '<section class="form" id="form">A form</section><div id="content-end"></div></body></html>')
    assert fit.form_pages(html, setup.templates_dir, list(setup.allowed), None) == 0
