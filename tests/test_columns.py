"""Balanced columns in a few layouts (render/columns.py), with the pages WeasyPrint's own balancing gives.

The shipped back covers are the case: contact cards kept whole in two balanced columns. A Spanish
back cover took WeasyPrint's balancing hundreds of layouts of its columns, one pixel a step.
"""

from __future__ import annotations

from typing import Any

import pytest
import weasyprint.layout.block

from booklets.content.load import load_project
from booklets.plan import plan
from booklets.render import pinned
from booklets.render import target as target_module
from booklets.render.html import render_html
from tests.conftest import REPO


def _render_counting(setup: Any, target: Any, html: str, layout: Any,
                     monkeypatch: pytest.MonkeyPatch) -> tuple[list[bytes], int]:
    """The target's files rendered with `layout` as WeasyPrint's block layout, and how many times
    a column was laid out."""
    columns = [0]

    def counting(context: Any, box: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(box, "is_column", False):
            columns[0] += 1
        return layout(context, box, *args, **kwargs)

    monkeypatch.setattr(weasyprint.layout.block, "block_box_layout", counting)
    monkeypatch.setattr(pinned, "fix_balancing", lambda: None)  # each render pins again
    files = target_module.render_prepared(setup, target, html)
    monkeypatch.undo()
    return [f.data for f in files], columns[0]


@pytest.mark.parametrize(("name", "stock_at_least"), [
    ("example/es/families-screen", 100),  # the 1-pixel walk
    ("example/en/residents-screen", 0),  # balanced in a few steps either way
])
def test_balancing_takes_few_layouts_and_gives_weasyprints_pages(
        monkeypatch: pytest.MonkeyPatch, name: str, stock_at_least: int) -> None:
    pinned.pin()
    fixed = weasyprint.layout.block.block_box_layout
    assert getattr(fixed, "booklets_measuring", False), "pin() applies the balancing fix"
    project = load_project(REPO)
    setup = target_module.prepare(project)
    target = next(t for t in plan(project.booklet) if t.name == name)
    html = render_html(project, target)
    ours, ours_columns = _render_counting(setup, target, html, fixed, monkeypatch)
    stock, stock_columns = _render_counting(setup, target, html, fixed.__wrapped__, monkeypatch)
    assert ours == stock, "the same booklet, byte for byte, as WeasyPrint's own balancing gives"
    assert stock_columns >= stock_at_least, (ours_columns, stock_columns)
    assert ours_columns <= 40, (ours_columns, stock_columns)


def test_the_fix_is_applied_once() -> None:
    pinned.pin()
    pinned.pin()
    layout = weasyprint.layout.block.block_box_layout
    assert not getattr(layout.__wrapped__, "booklets_measuring", False)
