"""Planning stage: the matrix of targets (facility × language × audience × edition) and selectors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from booklets.models import Booklet


@dataclass(frozen=True, order=True)
class Target:
    """One PDF to build. Every part is a schema-checked id, so the output path stays inside dist/."""

    facility: str
    language: str
    audience: str
    edition: str

    @property
    def name(self) -> str:
        return f"{self.facility}/{self.language}/{self.audience}-{self.edition}"

    @property
    def relpath(self) -> PurePosixPath:
        return PurePosixPath(self.facility, self.language, f"{self.audience}-{self.edition}.pdf")


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


def plan(booklet: Booklet, selection: Selection = Selection()) -> list[Target]:
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


def unknown_selectors(booklet: Booklet, selection: Selection) -> list[str]:
    """Selector values that name nothing in the matrix (reported instead of building nothing)."""
    problems = []
    for kind, chosen, known in (
        ("audience", selection.audiences, booklet.audiences),
        ("language", selection.languages, booklet.languages),
        ("edition", selection.editions, booklet.editions),
        ("facility", selection.facilities, booklet.facilities),
    ):
        for value in chosen:
            if value not in known:
                problems.append(f"--{kind} {value!r} is not in content/booklet.yaml; known: {', '.join(known)}")
    return problems
