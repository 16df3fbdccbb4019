"""Report stage: the summary table at the end of a build (target, status, pages, size, path).

The table lists what this build did (rendered or failed targets); targets that were already up to
date are counted in the closing line rather than listed, so a small edit prints a small table.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from booklets.engine.gallery import human_size
from booklets.engine.results import BuildResult

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["counts_line", "human_size", "print_summary"]


def counts_line(result: BuildResult) -> str:
    """'3 rendered, 27 up to date, 0 failed' (the benchmark and CI logs read this line)."""
    built, fresh, failed = (len(result.with_status(s)) for s in ("built", "up to date", "failed"))
    return f"{built} rendered, {fresh} up to date, {failed} failed"


def print_summary(result: BuildResult, root: Path, console: Console | None = None) -> None:
    """One row per rendered or failed target; failed targets show FAILED instead of a size."""
    rows = [r for r in result.results if r.status != "up to date"]
    if not rows:  # plain lines: a build with nothing to do does not even import rich
        lines = ["nothing to do: every selected booklet is up to date"] if result.results else []
        for line in [*lines, counts_line(result)]:
            console.print(line) if console else print(line)
        return
    from rich.console import Console
    from rich.table import Table

    # Not a terminal (CI, a log file): never truncate paths to 80 columns.
    console = console or Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    table = Table(title=None, box=None, pad_edge=False, header_style="bold")
    columns = ("target", "status", "pages", "size", "time", "path")
    for col in columns:
        table.add_column(col, justify="right" if col in ("pages", "size", "time") else "left")

    def shown(path: Path) -> str:
        return str(path.relative_to(root) if path.is_relative_to(root) else path)

    for r in rows:
        size = human_size(r.size) if r.ok else "FAILED"
        pages = str(r.pages) if r.ok else "-"
        table.add_row(r.target.name, r.status, pages, size, f"{r.seconds:.1f} s", shown(r.path))
        for path, extra_pages, extra_size in r.extra:  # made from the same render, on the line below
            table.add_row("", "", str(extra_pages), human_size(extra_size), "", shown(path))
    console.print(table)
    console.print(counts_line(result))
