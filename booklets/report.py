"""Report stage: the summary table printed at the end of a build (target, pages, size, path)."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from booklets.pipeline import BuildResult


def human_size(size: int) -> str:
    """1234567 -> '1.2 MB'."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


def print_summary(result: BuildResult, root: Path, console: Console | None = None) -> None:
    """One row per target; failed targets show FAILED instead of a size."""
    # Not a terminal (CI, a log file): never truncate paths to 80 columns.
    console = console or Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    table = Table(title=None, box=None, pad_edge=False, header_style="bold")
    for col, justify in (("target", "left"), ("pages", "right"), ("size", "right"), ("path", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in result.results:
        path = r.path.relative_to(root) if r.path.is_relative_to(root) else r.path
        table.add_row(r.target.name, str(r.pages) if r.ok else "-", human_size(r.size) if r.ok else "FAILED", str(path))
    console.print(table)
    built = sum(r.ok for r in result.results)
    console.print(f"{built} of {len(result.results)} booklets built")
