"""What a build produced: one outcome per target, and the progress events a front end is sent.

Kept apart from pipeline.py and free of heavy imports, so the progress display, the summary table
and a build with nothing to do can use these types without loading the schema or WeasyPrint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from booklets.errors import Problem
from booklets.plan import Target

Status = Literal["built", "up to date", "failed"]


@dataclass
class TargetResult:
    """The outcome of one target: a PDF written now, one already up to date, or why it failed."""

    target: Target
    path: Path
    pages: int = 0
    size: int = 0
    error: str = ""
    status: Status = "built"
    seconds: float = 0.0
    peak_rss_kb: int = 0
    # Other PDFs made from the same render (e.g. imposed sheets): (path, pages, bytes).
    extra: list[tuple[Path, int, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class BuildResult:
    """Everything a build produced, for the summary table and the exit status."""

    results: list[TargetResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Content warnings, kept as Problems so a front end can group them (one line per file):
    # values still tagged !placeholder, and translation notes (draft fallbacks, extra keys).
    placeholders: list[Problem] = field(default_factory=list)
    content_warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def warning_lines(self) -> list[str]:
        """Every warning, one line each (for front ends that do not group them)."""
        return [*(f"warning: {p}" for p in (*self.placeholders, *self.content_warnings)), *self.warnings]

    def with_status(self, status: Status) -> list[TargetResult]:
        return [r for r in self.results if r.status == status]


class Progress(Protocol):
    """Receives a build's events as they happen (a progress bar, log lines, or nothing)."""

    def begin(self, to_render: list[Target], up_to_date: int) -> None: ...
    def started(self, target: Target) -> None: ...
    def finished(self, result: TargetResult) -> None: ...
    def end(self) -> None: ...


class NoProgress:
    """For callers that only want the BuildResult (tests, the benchmark)."""

    def begin(self, to_render: list[Target], up_to_date: int) -> None:
        pass

    def started(self, target: Target) -> None:
        pass

    def finished(self, result: TargetResult) -> None:
        pass

    def end(self) -> None:
        pass
