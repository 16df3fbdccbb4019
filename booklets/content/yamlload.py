"""Safe YAML loading that keeps every scalar as written and remembers where each value came from.

PyYAML's safe loader still applies YAML 1.1 implicit typing (`no` -> False, `9:30` -> 570,
`2026-01-01` -> date) and silently keeps the last of two duplicate keys. Content authors write
text, so we compose the YAML ourselves and build plain Python values:

* every scalar becomes a :class:`YStr` (a ``str`` carrying its line, column and the type a YAML
  1.1 or 1.2 tool *would* have given it, so the schema can refuse an unquoted ``0800555111`` or
  ``no`` in a text field); ``!!str`` makes a value text explicitly;
* ``!placeholder "..."`` marks a value that is not real yet (see facilities);
* duplicate keys, aliases (never expanded: the "billion laughs" bomb costs nothing), unknown tags,
  nesting deeper than MAX_DEPTH, files over MAX_FILE_BYTES, empty files, control characters,
  non-UTF-8 bytes and files linked from outside the project are problems with file, line and column.
"""

from __future__ import annotations

import re
import unicodedata
from collections import OrderedDict
from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from booklets.content.yamltext import mark_pos, read_text, syntax_problem
from booklets.errors import Problem

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
    """A scalar as written, with where it is written and what YAML tools would have made of it.

    The schema keeps these through validation (content/schema.py), so any later stage can name the
    file, line, column and key of a value from the value itself (`Problem.at`).
    """

    file: str  # the file relative to the project, e.g. content/en/shared.yaml
    line: int
    column: int
    key: str  # the key path inside the file, e.g. zero-tolerance.variants.staff.body
    coerced_to: str  # "" when YAML would read it as text too
    placeholder: bool

    def __new__(
        cls, value: str, line: int = 0, column: int = 0, coerced_to: str = "",
        placeholder: bool = False, file: str = "", key: str = "",
    ) -> YStr:
        self = super().__new__(cls, value)
        self.line, self.column = line, column
        self.coerced_to, self.placeholder = coerced_to, placeholder
        self.file, self.key = file, key
        return self

    def like(self, value: str) -> YStr:
        """Other text standing where this value is written (same file, position and flags)."""
        return YStr(value, self.line, self.column, self.coerced_to, self.placeholder, self.file, self.key)


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




# YAML 1.2 tools (ruamel, yq, js-yaml, Go) read these plain scalars as numbers although PyYAML's
# YAML 1.1 rules keep some of them as text: a leading-zero phone number such as 0800555111 would
# lose its zero in the first tool that re-saves the file. Refuse them in text fields too.
_YAML12_NUMBER = re.compile(
    r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_RESOLVER = yaml.resolver.Resolver()


def coerced_type(value: str) -> str:
    """What a YAML tool would make of this plain (unquoted) scalar, or "" if it stays text."""
    implicit = _RESOLVER.resolve(ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    if implicit in _IMPLICIT_NAMES:
        return _IMPLICIT_NAMES[implicit]
    return "a number" if _YAML12_NUMBER.match(value) else ""


_UNPRINTABLE = {"Cc": "a control character", "Cs": "half of a surrogate pair",
                "Co": "a private-use character", "Cn": "an unassigned character",
                "Zl": "a line separator", "Zp": "a paragraph separator"}


def forbidden_character(value: str) -> str:
    """The first character of `value` that no booklet can print, described; "" if none."""
    for ch in value:
        kind = _UNPRINTABLE.get(unicodedata.category(ch))
        if kind and ch not in "\n\t":
            return f"the character U+{ord(ch):04X} ({kind})"
    return ""


class _TooDeep(Exception):
    def __init__(self, mark: Any) -> None:
        super().__init__("too deep")
        self.mark = mark


class _Composer(yaml.SafeLoader):
    """PyYAML's safe composer with three changes that make hostile input cheap to refuse.

    * An alias is never resolved to its anchor's node: it becomes an empty value and a problem
      at the alias itself. So a "billion laughs" file costs what its text costs, and no two
      places in our data share one value.
    * Nesting deeper than MAX_DEPTH stops composing at once, with the position of the first
      value too deep (the composer is recursive: this also keeps Python's stack small).
    * A scalar tagged explicitly `!!str` is remembered, so it is text even if it looks like a
      number.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.aliases: list[tuple[str, Any]] = []
        self.explicit_str: set[int] = set()
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()  # type: ignore[no-untyped-call]
            self.aliases.append((event.anchor, event.start_mark))
            return ScalarNode("tag:yaml.org,2002:null", "", event.start_mark, event.end_mark)
        if self.depth > MAX_DEPTH:
            raise _TooDeep(self.peek_event().start_mark)  # type: ignore[no-untyped-call]
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def compose_scalar_node(self, anchor: Any) -> ScalarNode:
        explicit = self.peek_event().tag == _STR_TAG  # type: ignore[no-untyped-call]
        node: ScalarNode = super().compose_scalar_node(anchor)
        if explicit:
            self.explicit_str.add(id(node))
        return node


_STR_TAG = "tag:yaml.org,2002:str"
_COLLECTION_TAGS: dict[type[Node], str] = {
    MappingNode: "tag:yaml.org,2002:map", SequenceNode: "tag:yaml.org,2002:seq"}


def _show_tag(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag.removeprefix(prefix) if tag.startswith(prefix) else tag


class _Builder:
    """Turns a composed node graph into YMap/YList/YStr, collecting every problem on the way."""

    def __init__(self, rel: str, explicit_str: Set[int]) -> None:
        self.rel = rel
        self.problems: list[Problem] = []
        self.explicit_str = explicit_str

    def problem(self, node: Node, key: str, message: str) -> None:
        line, col = _pos(node)
        self.problems.append(Problem(self.rel, line, col, key, message))

    def unknown_tag(self, node: Node, key: str) -> None:
        msg = f"unknown tag {_show_tag(node.tag)}; only !placeholder is allowed"
        self.problem(node, key, msg)

    def build(self, node: Node, key: str) -> Any:
        if isinstance(node, ScalarNode):
            return self.scalar(node, key)
        if node.tag != _COLLECTION_TAGS.get(type(node)):
            self.unknown_tag(node, key)
            return None
        if isinstance(node, SequenceNode):
            seq = YList()
            seq.line, seq.column = _pos(node)
            seq.item_pos = []
            for i, item in enumerate(node.value):
                seq.append(self.build(item, f"{key}[{i}]"))
                seq.item_pos.append(_pos(item))
            return seq
        assert isinstance(node, MappingNode)
        return self.mapping(node, key)

    def mapping(self, node: MappingNode, key: str) -> YMap:
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
            text = str(knode.value)
            path = f"{key}.{text}" if key else text
            # Keys know where they are written too (ids of shared sections, sources, variants).
            name = YStr(text, *_pos(knode), file=self.rel, key=path)
            if name in out.key_pos:
                first = out.key_pos[name][0]
                msg = f"duplicate key (first defined on line {first}); keep only one"
                self.problem(knode, path, msg)
                continue
            out.key_pos[name] = _pos(knode)
            out[name] = self.build(vnode, path)
        return out

    def scalar(self, node: ScalarNode, key: str) -> Any:
        line, col = _pos(node)
        value = str(node.value)
        bad = forbidden_character(value)
        if bad:
            self.problem(node, key, f"contains {bad}, which cannot be printed; delete it (it often "
                         "comes from copy and paste or a \\ escape)")
        if node.tag == PLACEHOLDER_TAG:
            return YStr(value, line, col, placeholder=True, file=self.rel, key=key)
        if id(node) in self.explicit_str:
            return YStr(value, line, col, file=self.rel, key=key)
        if node.tag not in _RESOLVABLE:
            self.unknown_tag(node, key)
            return None
        if node.style is None or node.style == "":  # plain: what would YAML tools make of it?
            coerced = coerced_type(value)
            if coerced == "null":
                return None
            return YStr(value, line, col, coerced_to=coerced, file=self.rel, key=key)
        return YStr(value, line, col, file=self.rel, key=key)


# The tags PyYAML's resolver gives untagged scalars; any other tag was written explicitly.
_RESOLVABLE = {
    _STR_TAG, "!", "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value", *_IMPLICIT_NAMES}


_Composed = tuple[Node | None, tuple[tuple[str, Any], ...], frozenset[int]]
# Composed files by their text. A long-running process (`--watch`, `serve`) loads the project again
# at every save, and composing (PyYAML's pure-Python scanner) is most of that; an unchanged file's
# nodes are reused. They are only ever read: _Builder makes fresh data from them every time.
_COMPOSED: OrderedDict[str, _Composed] = OrderedDict()
_COMPOSED_FILES, _COMPOSED_MAX_CHARS = 256, 256 * 1024


def _compose(text: str) -> _Composed:
    """(root node, aliases met, ids of the nodes tagged !!str) of a file's text; raises YAMLError
    or _TooDeep."""
    if text in _COMPOSED:
        _COMPOSED.move_to_end(text)
        return _COMPOSED[text]
    loader = _Composer(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    composed = (node, tuple(loader.aliases), frozenset(loader.explicit_str))
    if len(text) <= _COMPOSED_MAX_CHARS:
        _COMPOSED[text] = composed
        if len(_COMPOSED) > _COMPOSED_FILES:
            _COMPOSED.popitem(last=False)
    return composed


def load_yaml(path: Path, root: Path) -> tuple[Doc | None, list[Problem]]:
    """Load one file. Returns the document (None if unusable) and every problem found in it."""
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    real = path.resolve()
    # Inside the project, or inside its content folder wherever that lives (it may be a link).
    if not any(real.is_relative_to(home.resolve()) for home in (root, root / "content")):
        msg = f"is a link to {real}, outside the project; copy the file into the project instead"
        return None, [Problem(rel, 1, 1, "", msg)]
    text, problems = read_text(path, rel)
    if text is None:
        return None, problems
    try:
        node, aliases, explicit_str = _compose(text)
    except yaml.YAMLError as exc:
        return None, [syntax_problem(rel, text, exc)]
    except _TooDeep as exc:
        line, col = mark_pos(exc.mark)
        msg = f"nesting is deeper than {MAX_DEPTH} levels; flatten the structure"
        return None, [Problem(rel, line, col, "", msg)]
    if node is None:
        return None, [Problem(rel, 1, 1, "", "file has no content; add content or delete the file")]
    problems = [
        Problem(rel, *mark_pos(mark), "", f"alias *{name} is not supported (no anchors & or "
                "aliases *); write the value out")
        for name, mark in aliases
    ]
    builder = _Builder(rel, explicit_str)
    data = builder.build(node, "")
    return Doc(path, rel, data), problems + builder.problems


def key_path(loc: tuple[Any, ...]) -> str:
    """A location as messages show it and as YStr.key holds it: `sections[2].callout.body`."""
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


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
