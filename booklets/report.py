"""Report stage: the summary table at the end of a build (target, status, pages, size, path).

The table lists what this build did (rendered or failed targets); targets that were already up to
date are counted in the closing line rather than listed, so a small edit prints a small table.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from booklets.results import BuildResult


def human_size(size: int) -> str:
    """1234567 -> '1.2 MB'."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


def counts_line(result: BuildResult) -> str:
    """'3 rendered, 27 up to date, 0 failed' (the benchmark and CI logs read this line)."""
    built, fresh, failed = (len(result.with_status(s)) for s in ("built", "up to date", "failed"))
    return f"{built} rendered, {fresh} up to date, {failed} failed"


def print_summary(result: BuildResult, root: Path, console: Console | None = None) -> None:
    """One row per rendered or failed target; failed targets show FAILED instead of a size."""
    # Not a terminal (CI, a log file): never truncate paths to 80 columns.
    console = console or Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    rows = [r for r in result.results if r.status != "up to date"]
    if rows:
        table = Table(title=None, box=None, pad_edge=False, header_style="bold")
        for col, justify in (
            ("target", "left"),
            ("status", "left"),
            ("pages", "right"),
            ("size", "right"),
            ("time", "right"),
            ("path", "left"),
        ):
            table.add_column(col, justify=justify)  # type: ignore[arg-type]
        for r in rows:
            path = r.path.relative_to(root) if r.path.is_relative_to(root) else r.path
            table.add_row(
                r.target.name,
                r.status,
                str(r.pages) if r.ok else "-",
                human_size(r.size) if r.ok else "FAILED",
                f"{r.seconds:.1f} s",
                str(path),
            )
        console.print(table)
    elif result.results:
        console.print("nothing to do: every selected booklet is up to date")
    console.print(counts_line(result))
