"""Safe YAML loading that keeps every scalar as written and remembers where each value came from.

PyYAML's safe loader still applies YAML 1.1 implicit typing (`no` -> False, `9:30` -> 570,
`2026-01-01` -> date) and silently keeps the last of two duplicate keys. Content authors write
text, so we compose the YAML ourselves and build plain Python values:

* every scalar becomes a :class:`YStr` (a ``str`` carrying its line, column and the type YAML 1.1
  *would* have given it, so the schema can refuse an unquoted ``0800555111`` in a text field);
* ``!placeholder "..."`` marks a value that is not real yet (see facilities);
* duplicate keys, anchors/aliases (the "billion laughs" bomb), unknown tags, over-deep nesting and
  over-large files are errors with file, line and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from booklets.errors import Problem

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 40
PLACEHOLDER_TAG = "!placeholder"
_IMPLICIT_NAMES = {
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "a true/false value",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:null": "null",
}


class YStr(str):
    """A scalar as written in the file, with its position and what YAML 1.1 would have made of it."""

    line: int
    column: int
    coerced_to: str  # "" when YAML would read it as text too
    placeholder: bool

    def __new__(
        cls, value: str, line: int = 0, column: int = 0, coerced_to: str = "", placeholder: bool = False
    ) -> YStr:
        self = super().__new__(cls, value)
        self.line, self.column, self.coerced_to, self.placeholder = line, column, coerced_to, placeholder
        return self


class YMap(dict[str, Any]):
    """A mapping with the position of itself and of each key."""

    line: int = 0
    column: int = 0
    key_pos: dict[str, tuple[int, int]]


class YList(list[Any]):
    """A sequence with the position of itself and of each item."""

    line: int = 0
    column: int = 0
    item_pos: list[tuple[int, int]]


@dataclass
class Doc:
    """One loaded YAML file: its path relative to the project (for messages) and its data."""

    path: Path
    rel: str
    data: Any


def _pos(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Turns a composed node graph into YMap/YList/YStr, collecting every problem on the way."""

    def __init__(self, rel: str) -> None:
        self.rel = rel
        self.problems: list[Problem] = []
        self.resolver = yaml.resolver.Resolver()
        self.seen: set[int] = set()

    def problem(self, node: Node, key: str, message: str) -> None:
        line, col = _pos(node)
        self.problems.append(Problem(self.rel, line, col, key, message))

    def build(self, node: Node, key: str, depth: int) -> Any:
        if depth > MAX_DEPTH:
            self.problem(node, key, f"nesting is deeper than {MAX_DEPTH} levels; flatten the structure")
            return None
        if id(node) in self.seen:
            # The composer shares one node between an anchor and its aliases; expanding them could
            # multiply a small file into billions of values, so aliases are refused outright.
            self.problem(node, key, "anchors and aliases (& and *) are not supported; write the value out")
            return None
        self.seen.add(id(node))
        if isinstance(node, ScalarNode):
            return self.scalar(node, key)
        if isinstance(node, SequenceNode):
            seq = YList()
            seq.line, seq.column = _pos(node)
            seq.item_pos = []
            for i, item in enumerate(node.value):
                seq.append(self.build(item, f"{key}[{i}]", depth + 1))
                seq.item_pos.append(_pos(item))
            return seq
        if isinstance(node, MappingNode):
            return self.mapping(node, key, depth)
        self.problem(node, key, "unsupported YAML node")  # pragma: no cover - composer emits only these
        return None

    def mapping(self, node: MappingNode, key: str, depth: int) -> YMap:
        out = YMap()
        out.line, out.column = _pos(node)
        out.key_pos = {}
        for knode, vnode in node.value:
            if knode.tag == "tag:yaml.org,2002:merge":
                self.problem(knode, key, "merge keys (<<) are not supported; write the keys out")
                continue
            if not isinstance(knode, ScalarNode):
                self.problem(knode, key, "a key must be plain text, not a list or mapping")
                continue
            name = str(knode.value)
            path = f"{key}.{name}" if key else name
            if name in out.key_pos:
                first = out.key_pos[name][0]
                self.problem(knode, path, f"duplicate key (first defined on line {first}); keep only one")
                continue
            out.key_pos[name] = _pos(knode)
            out[name] = self.build(vnode, path, depth + 1)
        return out

    def scalar(self, node: ScalarNode, key: str) -> Any:
        line, col = _pos(node)
        value = str(node.value)
        if node.tag == PLACEHOLDER_TAG:
            return YStr(value, line, col, placeholder=True)
        if node.tag.startswith("!") and node.tag != "!":
            self.problem(node, key, f"unknown tag {node.tag}; only !placeholder is allowed")
            return None
        if node.style is None or node.style == "":  # plain scalar: find what YAML 1.1 would make of it
            implicit = self.resolver.resolve(ScalarNode, value, (True, False))
            if implicit == "tag:yaml.org,2002:null":
                return None
            return YStr(value, line, col, coerced_to=_IMPLICIT_NAMES.get(implicit, ""))
        return YStr(value, line, col)


def _syntax_problem(rel: str, err: yaml.YAMLError) -> Problem:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    what = getattr(err, "problem", None) or str(err)
    context = getattr(err, "context", None)
    hint = "check indentation and quotes on this line"
    if "'\\t'" in str(err) or "tab" in str(what):
        hint = "indent with spaces, not tabs"
    elif "quoted scalar" in str(context or "") or ("end of stream" in str(what) and context):
        hint = "a quote is not closed; close it on the same value"
    elif "mapping values are not allowed" in str(what):
        hint = "a value containing ': ' must be quoted"
    detail = f"{context}, {what}" if context else str(what)
    return Problem(rel, line, col, "", f"YAML syntax error: {detail}; {hint}")


def load_yaml(path: Path, root: Path) -> tuple[Doc | None, list[Problem]]:
    """Load one file. Returns the document (None if unusable) and every problem found in it."""
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            msg = f"file is {size} bytes, over the {MAX_FILE_BYTES} byte limit; split it into smaller files"
            return None, [Problem(rel, message=msg)]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(rel, message=f"cannot read file: {exc.strerror}")]
    try:
        text = raw.decode("utf-8-sig")  # a BOM from Windows editors is harmless: accept it
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        msg = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        return None, [Problem(rel, line, col, "", msg)]
    if not text.strip():
        return None, [Problem(rel, message="file is empty; add content or delete the file")]
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(rel, exc)]
    except RecursionError:
        return None, [Problem(rel, message=f"nesting is far deeper than {MAX_DEPTH} levels; flatten it")]
    if node is None:
        return None, [Problem(rel, message="file has no content; add content or delete the file")]
    builder = _Builder(rel)
    data = builder.build(node, "", 0)
    return Doc(path, rel, data), builder.problems


def position(data: Any, loc: tuple[str | int, ...], at_key: bool = False) -> tuple[int, int]:
    """The line and column of the value at `loc` (or of its nearest existing parent).

    Points at the value itself (where the fix goes), or at its key with `at_key` (for unknown keys).
    """
    line, col = getattr(data, "line", 0), getattr(data, "column", 0)
    node = data
    for i, step in enumerate(loc):
        if isinstance(node, YMap) and isinstance(step, str) and step in node:
            line, col = node.key_pos[step]
            node = node[step]
            if at_key and i == len(loc) - 1:
                return line, col
        elif isinstance(node, YList) and isinstance(step, int) and 0 <= step < len(node):
            line, col = node.item_pos[step]
            node = node[step]
        else:
            return line, col
        if getattr(node, "line", 0):
            line, col = node.line, node.column
    return line, col
