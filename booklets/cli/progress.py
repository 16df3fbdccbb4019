"""Progress while targets render: a live bar on a terminal, plain log lines elsewhere (CI)."""

from __future__ import annotations

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


class LogProgress:
    """Plain lines, one per finished target, flushed at once so CI logs show them as they happen."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.total = self.done = 0
        self.start = 0.0

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def begin(self, to_render: list[Target], up_to_date: int) -> None:
        self.total, self.start = len(to_render), time.perf_counter()
        if to_render:
            self._print(f"rendering {len(to_render)} booklets ({up_to_date} up to date)")

    def started(self, target: Target) -> None:
        pass  # one line per target is enough for a log

    def finished(self, result: TargetResult) -> None:
        self.done += 1
        self._print(_line(result, self.done, self.total))

    def end(self) -> None:
        if self.total:
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

        mark = ("✓ ", "green") if result.ok else ("✗ ", "bold red")
        # A Text, not markup: target names and error messages may contain [brackets].
        self.bar.console.print(
            Text.assemble(mark, _line(result, self.done, self.total)), highlight=False
        )
        self.bar.advance(self.task)
        self._describe()

    def end(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
