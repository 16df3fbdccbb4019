"""Balanced columns in a few layouts, not hundreds: a fix to how WeasyPrint balances them.

The back cover sets its contact cards in two balanced columns (booklet.css), each card kept whole
(`break-inside: avoid`). WeasyPrint (70) balances columns by laying them out at the average height
and raising the height until everything fits; each step adds "the minimal height needed to make one
direct child at the top of one column go to the end of the previous column", which it measures by
laying out the rest of the column in no space at all (`bottom_space=inf`, page_is_empty). That layout
keeps only what must go on an empty page: the first line of the next card, not the card. The card
cannot move for that little, the measured need is below one pixel, and WeasyPrint falls back to
steps of one pixel: 77 steps, 316 layouts of a column, for one Spanish back cover (3 s of a 4.5 s
booklet), 688 layouts for another (7 s of 9 s).

The fix measures what WeasyPrint meant to: when the next child is one that may not be broken inside,
the rest of the column is laid out with room for all of it (bottom_space -inf instead of inf), and
the child's whole height is the step. The steps then land on the same heights the one-pixel walk
reaches, in one layout each, and the booklets come out the same, byte for byte (tests/test_columns.py
checks against WeasyPrint's own balancing; the 80 default targets were compared whole). Children
that may break inside keep WeasyPrint's measure (their first line is the least that can move).

Applied with the other settings WeasyPrint must not decide alone (render/pinned.py), so the
benchmark's bare WeasyPrint (benchmarks/build.py) renders with it too.
"""

from __future__ import annotations

from collections.abc import Callable
from math import inf
from typing import Any

import weasyprint.layout.block

_KEPT_WHOLE = ("avoid", "avoid-column")  # break-inside values that keep a box whole in a column


def _kept_whole_next(box: Any, skip_stack: Any) -> bool:
    """Whether the column resumes at the start of a child that may not be broken inside."""
    if not skip_stack or len(skip_stack) != 1:
        return False
    ((index, inside),) = skip_stack.items()
    if inside is not None:  # resumes inside a child: WeasyPrint's measure (its next line) is right
        return False
    child = next((c for c in box.children[index:] if c.is_in_normal_flow()), None)
    return child is not None and child.style["break_inside"] in _KEPT_WHOLE


def _measuring(layout: Callable[..., Any]) -> Callable[..., Any]:
    def block_box_layout(context: Any, box: Any, bottom_space: float, skip_stack: Any, *args: Any,
                         **kwargs: Any) -> Any:
        # Only the measure (column.py: `block_box_layout(context, column_box, inf, ...)`) has an
        # infinite bottom_space (no room at all); with -inf the rest of the column has all the room
        # it needs, and its first child comes out whole.
        if bottom_space == inf and getattr(box, "is_column", False) and _kept_whole_next(box, skip_stack):
            bottom_space = -inf
        return layout(context, box, bottom_space, skip_stack, *args, **kwargs)

    block_box_layout.booklets_measuring = True  # type: ignore[attr-defined]
    block_box_layout.__wrapped__ = layout  # type: ignore[attr-defined]  # WeasyPrint's own (tests compare)
    return block_box_layout


def fix_balancing() -> None:
    """Apply the fix (idempotent). columns_layout imports block_box_layout from the block module
    when it runs, so replacing the module's function reaches it."""
    module = weasyprint.layout.block
    if not getattr(module.block_box_layout, "booklets_measuring", False):
        module.block_box_layout = _measuring(module.block_box_layout)
