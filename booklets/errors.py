"""The one user-facing error type: a list of problems, each printed as one line, exit status 2."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we know."""

    file: str
    line: int = 0
    column: int = 0
    key: str = ""
    message: str = ""

    @classmethod
    def at(cls, value: object, message: str, key: str | None = None, file: str = "") -> Problem:
        """A problem located by the value itself (a YStr knows its file, line, column and key).

        `key` overrides the value's own key path; `file` is used for a value that does not know
        where it is written (a default, or a value computed by the program)."""
        return cls(
            getattr(value, "file", "") or file,
            getattr(value, "line", 0),
            getattr(value, "column", 0),
            getattr(value, "key", "") if key is None else key,
            message,
        )

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        key = f" {self.key}:" if self.key else ""
        return _one_line(f"{where}:{key} {self.message}")


def _one_line(text: str) -> str:
    """Control characters from the input (a key with a line break in it...) shown as escapes, so
    one problem is always one line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)


class BookletError(Exception):
    """Bad input: every problem found in one run. The CLI prints each on one line and exits 2."""

    def __init__(self, problems: Iterable[Problem], later: tuple[str, ...] = ()) -> None:
        """`later`: path prefixes whose problems come after all others, e.g. the translations'
        folders, so the source language's own errors (the cause of many) are read first."""
        self.later = later
        self.problems = sorted(set(problems), key=lambda p: (bool(later) and p.file.startswith(later), p))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[BookletError], tuple[list[Problem], tuple[str, ...]]]:
        # Pickle the problems, not the joined message, so the error survives a worker process.
        return (BookletError, (self.problems, self.later))
