"""Where a piece of text is written: the line and column of a snippet inside a YAML text value.

A YStr knows where its value starts; a finding about one sentence or one citation in a long body
should name that sentence's own line. Read-only, and only files of the project the value came from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from booklets.content.yamlload import YStr


def where(value: Any) -> tuple[int, int]:
    """The line and column where a value is written (0, 0 when it does not know)."""
    return getattr(value, "line", 0), getattr(value, "column", 0)


class Locator:
    """Finds the line and column of a piece of text inside a YAML value, for precise findings."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lines: dict[str, list[str]] = {}

    def text(self, node: str, offset: int, snippet: str) -> tuple[int, int]:
        """Where `snippet`, found at `offset` of the text value `node`, is written in its file."""
        if not isinstance(node, YStr) or not node.line or not node.file:
            return where(node)
        if node.file not in self._lines:
            try:
                self._lines[node.file] = (self.root / node.file).read_text(encoding="utf-8-sig").splitlines()
            except OSError:
                self._lines[node.file] = []
        lines = self._lines[node.file]
        if not lines:
            return where(node)
        # A literal block (| after the key) starts on the next line and keeps one value line per
        # file line; folded and plain scalars join lines, so the count is a lower bound and we
        # search forward from there.
        block = lines[node.line - 1][node.column - 1:node.column] in ("|", ">")
        first = node.line - 1 + block + str(node)[:max(offset, 0)].count("\n")
        last = min(len(lines), node.line + len(str(node).split()) + str(node).count("\n") + 2)
        head = snippet.strip().splitlines()[0] if snippet.strip() else ""
        for probe in (head[:40], head.split(" ")[0] if head else ""):
            if not probe:
                continue
            for i in range(first, last):
                col = lines[i].find(probe, node.column - 1 if i == node.line - 1 else 0)
                if col >= 0:
                    return i + 1, col + 1
        return node.line, node.column
