"""Planning stage: the matrix of targets (facility × language × audience × edition),
selectors and shards."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol


class Matrix(Protocol):
    """What planning reads from content/booklet.yaml: the validated Booklet, or a cheap raw read."""

    @property
    def languages(self) -> Sequence[str]: ...
    @property
    def audiences(self) -> Sequence[str]: ...
    @property
    def editions(self) -> Sequence[str]: ...
    @property
    def facilities(self) -> Sequence[str]: ...
    @property
    def source_language(self) -> str: ...


@dataclass(frozen=True, order=True)
class Target:
    """One booklet to build. Every part is a checked id, so its output paths (paths.py) stay inside
    the output folder."""

    facility: str
    language: str
    audience: str
    edition: str

    @property
    def name(self) -> str:
        return f"{self.facility}/{self.language}/{self.audience}-{self.edition}"


@dataclass(frozen=True)
class Selection:
    """What the user asked to narrow the matrix to; an empty tuple means everything."""

    audiences: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    editions: tuple[str, ...] = ()
    facilities: tuple[str, ...] = ()


def split_values(values: Iterable[str] | None) -> tuple[str, ...]:
    """`--audience a,b --audience c` -> ('a', 'b', 'c')."""
    out: list[str] = []
    for value in values or ():
        out += [v.strip() for v in value.split(",") if v.strip()]
    return tuple(out)


def plan(booklet: Matrix, selection: Selection = Selection()) -> list[Target]:
    """Every target of the matrix that the selection keeps, in a stable order."""

    def keep(value: str, chosen: tuple[str, ...]) -> bool:
        return not chosen or value in chosen

    return [
        Target(f, lang, a, e)
        for f in booklet.facilities if keep(f, selection.facilities)
        for lang in booklet.languages if keep(lang, selection.languages)
        for a in booklet.audiences if keep(a, selection.audiences)
        for e in booklet.editions if keep(e, selection.editions)
    ]


def unknown_selectors(booklet: Matrix, selection: Selection, listed_in: str) -> list[str]:
    """Selector values that name nothing in the matrix (reported instead of building nothing),
    each named by its command-line option; `listed_in` is the file that lists the matrix."""
    problems = []
    for option, chosen, known in (
        ("--audience", selection.audiences, booklet.audiences),
        ("--lang", selection.languages, booklet.languages),
        ("--edition", selection.editions, booklet.editions),
        ("--facility", selection.facilities, booklet.facilities),
    ):
        for value in chosen:
            if value not in known:
                problems.append(f"{option} {value!r} is not in {listed_in}; known: {', '.join(known)}")
    return problems


@dataclass(frozen=True)
class Shard:
    """Part `index` (1-based) of `count` disjoint parts of the matrix, for `--shard I/N`."""

    index: int = 1
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        """'2/4' -> Shard(2, 4); raises ValueError with a message fit for the command line."""
        left, sep, right = text.partition("/")
        if not sep or not left.strip().isdigit() or not right.strip().isdigit():
            raise ValueError(f"--shard expects I/N such as 2/4, found {text!r}")
        index, count = int(left), int(right)
        if count < 1 or not 1 <= index <= count:
            raise ValueError(f"--shard {text}: I must be between 1 and N, and N at least 1")
        return cls(index, count)


def shard(targets: Iterable[Target], part: Shard) -> list[Target]:
    """The targets of one shard, in plan order.

    Targets are ordered by a hash of their name and dealt round-robin, so the split depends only on
    the target names (the same on every machine), the parts differ in size by at most one target,
    and every part gets a mix of editions and audiences rather than, say, all the large-print ones.
    """
    listed = list(targets)
    dealt = sorted(listed, key=lambda t: (hashlib.sha256(t.name.encode()).hexdigest(), t.name))
    mine = {t for i, t in enumerate(dealt) if i % part.count == part.index - 1}
    return [t for t in listed if t in mine]
