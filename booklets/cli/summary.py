"""Report stage: what a build did, in few lines, ending with where to look.

* The table lists what this build did (rendered or failed targets); targets already up to date are
  counted in the closing line rather than listed, so a small edit prints a small table. A build of
  more than a screenful (a first build: 30 targets) gets one row per output folder instead.
* Content warnings are grouped: one line per file for the values still tagged !placeholder (`check`
  lists them one by one), and one per file for a translation's many draft fallbacks.
* The last line says where the gallery is (`open dist/index.html`), as the path the user can type.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from booklets import paths
from booklets.cli.progress import plural
from booklets.engine.gallery import human_size
from booklets.engine.results import BuildResult, TargetResult
from booklets.errors import Problem

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["counts_line", "gallery_line", "grouped_warnings", "human_size", "print_summary", "shown_path"]

# Above this many rendered or failed targets, one row per output folder instead of per target.
TABLE_ROWS = 10
# A file with more draft fallbacks than this gets one line for them all.
SHOWN_PER_FILE = 3


def counts_line(result: BuildResult) -> str:
    """'3 rendered, 27 up to date, 0 failed' (the benchmark and CI logs read this line)."""
    built, fresh, failed = (len(result.with_status(s)) for s in ("built", "up to date", "failed"))
    return f"{built} rendered, {fresh} up to date, {failed} failed"


def shown_path(path: Path, base: Path | None = None) -> str:
    """A path as the user can type it: relative to the current folder when inside it."""
    base = base or Path.cwd()
    try:
        return os.path.relpath(path, base) if path.is_relative_to(base) else str(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


def _folder_rows(rows: list[TargetResult], shown: Callable[[Path], str]) -> list[tuple[str, ...]]:
    """One row per output folder: how many booklets were built or failed there, their pages, size."""
    folders: dict[str, list[TargetResult]] = {}
    for r in rows:
        folders.setdefault(shown(r.path.parent) + "/", []).append(r)
    out: list[tuple[str, ...]] = []
    for folder, results in folders.items():
        ok = [r for r in results if r.ok]
        pdfs = [r for r in ok if r.path.suffix != ".html"]  # a web edition's page has no paper pages
        web, extra = len(ok) - len(pdfs), sum(len(r.extra) for r in ok)
        pages = sum(r.pages for r in pdfs)  # booklet pages; imposed sheets are counted in `built`
        size = sum(r.size + sum(b for _, _, b in r.extra) for r in ok)
        parts = [plural(len(pdfs), "booklet")] if pdfs or not web else []
        parts += [plural(web, "web page")] if web else []
        parts += [f"{extra} imposed"] if extra else []
        built = " + ".join(parts)
        out.append((folder, built, str(len(results) - len(ok)), str(pages), human_size(size)))
    return out


def print_summary(result: BuildResult, root: Path, console: Console | None = None) -> None:
    """What was rendered (per target, or per folder for a large build) and the counts line."""
    rows = [r for r in result.results if r.status != "up to date"]
    if not rows:  # plain lines: a build with nothing to do does not even import rich
        lines = ["nothing to do: every selected booklet is up to date"] if result.results else []
        for line in [*lines, counts_line(result)]:
            console.print(line) if console else print(line, flush=True)
        return
    from rich.console import Console
    from rich.table import Table

    # Not a terminal (CI, a log file): never truncate paths to 80 columns.
    console = console or Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    table = Table(title=None, box=None, pad_edge=False, header_style="bold")

    def shown(path: Path) -> str:
        return str(path.relative_to(root) if path.is_relative_to(root) else path)

    if len(rows) > TABLE_ROWS:
        for col in ("folder", "built", "failed", "pages", "size"):
            table.add_column(col, justify="left" if col in ("folder", "built") else "right", no_wrap=True)
        for row in _folder_rows(rows, shown):
            table.add_row(*row)
    else:
        columns = ("target", "status", "pages", "size", "time", "path")
        for col in columns:
            table.add_column(col, justify="right" if col in ("pages", "size", "time") else "left",
                             no_wrap=col in ("target", "path"))
        for r in rows:
            size = human_size(r.size) if r.ok else "FAILED"
            pages = str(r.pages) if r.ok else "-"
            table.add_row(r.target.name, r.status, pages, size, f"{r.seconds:.1f} s", shown(r.path))
            for path, extra_pages, extra_size in r.extra:  # made from the same render, on the line below
                table.add_row("", "", str(extra_pages), human_size(extra_size), "", shown(path))
    console.print(table)
    console.print(counts_line(result))


def _check_command(root: Path) -> str:
    project = "" if root == Path.cwd().resolve() else f" --project {shlex.quote(shown_path(root))}"
    return f"python build.py check{project}"


def grouped_warnings(result: BuildResult, root: Path) -> list[str]:
    """Every content warning of a build, grouped: placeholders one line per file, and a file's
    draft fallbacks one line when there are more than a few; then the build's other warnings."""
    lines = []
    by_file: dict[str, list[Problem]] = {}
    # A facility the build did not select is not this build's business (`--facility riverside`).
    facilities = paths.facility_file("").rpartition("/")[0] + "/"
    selected = {paths.facility_file(r.target.facility) for r in result.results}
    for p in result.placeholders:
        if not (selected and p.file.startswith(facilities) and p.file not in selected):
            by_file.setdefault(p.file, []).append(p)
    for file, found in by_file.items():
        lines.append(
            f"warning: {plural(len(found), 'placeholder value')} in {file} — run `{_check_command(root)}` "
            "to list them; `--release` refuses them"
        )
    fallbacks: dict[str, list[Problem]] = {}
    for p in result.content_warnings:
        if "missing translation" in p.message:
            fallbacks.setdefault(p.file, []).append(p)
    for p in result.content_warnings:
        found = fallbacks.get(p.file, [])
        if p not in found or len(found) <= SHOWN_PER_FILE:
            lines.append(f"warning: {p}")
        elif p is found[0]:
            lines.append(
                f"warning: {plural(len(found), 'missing translation')} in {p.file}: the source "
                "language's text stands in, marked in the PDF; translate them before release"
            )
    return lines + result.warnings


def gallery_line(out_dir: Path) -> str:
    """The last line of a build: where every booklet can be seen."""
    return f"see every booklet: open {shown_path(out_dir / paths.GALLERY)}"
