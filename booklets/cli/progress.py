"""Progress while targets render: a live bar on a terminal, plain log lines elsewhere (CI).

Both stay short whatever the size of the matrix (a first build is read by someone new to the tool):
the bar prints only failures, the log a line per target for a small build and otherwise about five
milestone lines, plus every failure. Nothing is printed about rendering until a target has started,
so a build stopped by bad input (found while the HTML is made) never claims to be rendering.
"""

from __future__ import annotations

import math
import sys
import time
from typing import IO, TYPE_CHECKING, Any

from booklets.engine.results import Progress, TargetResult
from booklets.plan import Target

if TYPE_CHECKING:
    from rich.progress import Progress as RichBar


def for_stream(stream: IO[str] | None = None) -> Progress:
    """A live bar when `stream` is a terminal, else one log line per event."""
    stream = stream or sys.stdout
    return LiveProgress(stream) if stream.isatty() else LogProgress(stream)


def _line(result: TargetResult, done: int, total: int) -> str:
    if result.ok:
        return (
            f"[{done}/{total}] built {result.target.name} "
            f"({result.pages} pages, {result.seconds:.1f} s)"
        )
    return f"[{done}/{total}] FAILED {result.target.name}: {result.error}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 booklet', '2 booklets' (`many` for irregular plurals)."""
    return f"{count} {word if count == 1 else many or word + 's'}"


# A log lists every target up to this many; above it, milestones only (and every failure).
EVERY_TARGET_UP_TO = 10
MILESTONES = 5


class LogProgress:
    """Plain lines, flushed at once so CI logs show them as they happen."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.total = self.done = self.fresh = 0
        self.start = 0.0
        self.announced = False

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def begin(self, to_render: list[Target], up_to_date: int) -> None:
        self.total, self.fresh, self.start = len(to_render), up_to_date, time.perf_counter()
        self.done, self.announced = 0, False

    def _announce(self) -> None:
        if not self.announced and self.total:
            self.announced = True
            self._print(f"rendering {plural(self.total, 'booklet')} ({self.fresh} up to date)")

    def started(self, target: Target) -> None:
        self._announce()

    def _shown(self, result: TargetResult) -> bool:
        if not result.ok or self.total <= EVERY_TARGET_UP_TO or self.done == self.total:
            return True
        step = math.ceil(self.total / MILESTONES)
        return self.done % step == 0

    def finished(self, result: TargetResult) -> None:
        self._announce()
        self.done += 1
        if self._shown(result):
            self._print(_line(result, self.done, self.total))

    def end(self) -> None:
        if self.done:
            self._print(f"rendered in {time.perf_counter() - self.start:.1f} s")


class LiveProgress:
    """A rich progress bar naming the targets being rendered; each finished target prints a line."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.bar: RichBar | None = None
        self.task: Any = None
        self.running: list[str] = []
        self.total = self.done = 0

    def begin(self, to_render: list[Target], up_to_date: int) -> None:
        if not to_render:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.total = len(to_render)
        self.bar = Progress(
            TextColumn("rendering"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=Console(file=self.stream),
            transient=True,
        )
        self.bar.start()
        self.task = self.bar.add_task("", total=self.total)

    def _describe(self) -> None:
        assert self.bar is not None
        shown = ", ".join(self.running[:3]) + (" …" if len(self.running) > 3 else "")
        self.bar.update(self.task, description=shown)

    def started(self, target: Target) -> None:
        if self.bar is not None:
            self.running.append(target.name)
            self._describe()

    def finished(self, result: TargetResult) -> None:
        if self.bar is None:
            return
        self.done += 1
        if result.target.name in self.running:
            self.running.remove(result.target.name)
        from rich.text import Text

        if not result.ok:  # the bar shows the rest; the summary lists what was built
            # A Text, not markup: target names and error messages may contain [brackets].
            self.bar.console.print(
                Text.assemble(("✗ ", "bold red"), _line(result, self.done, self.total)), highlight=False
            )
        self.bar.advance(self.task)
        self._describe()

    def end(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
