"""`--watch`: build, then build again each time a file under content/ or templates/ is saved.

The rebuild is an ordinary incremental build, so it renders only the targets whose inputs hash the
saved file is part of (one audience file: that audience's targets; shared.yaml: that language's;
a template: all). Bad input is printed and the watcher keeps going, so fixing the file is enough.
Changes to the booklets code itself are not picked up: restart the watcher after editing it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path

from booklets import paths
from booklets.engine.pipeline import BuildOptions


def watched_paths(options: BuildOptions) -> list[Path]:
    """The folders whose files a target can read (the output folder is never among them)."""
    return [p for p in (options.root / paths.CONTENT, options.root / paths.TEMPLATES) if p.is_dir()]


def watch(
    options: BuildOptions, build_once: Callable[[], int], stop: threading.Event | None = None
) -> int:
    """Run `build_once` now and after every batch of saved files, until Ctrl-C or `stop` is set."""
    import watchfiles

    build_once()
    paths = watched_paths(options)
    print(
        f"watching {', '.join(str(p) for p in paths)} (Ctrl-C to stop)", file=sys.stderr, flush=True
    )
    # Ctrl-C while waiting ends the loop quietly; during a build it stops that build (exit 130).
    for changes in watchfiles.watch(
        *paths, stop_event=stop, debounce=800, step=100, raise_interrupt=False
    ):
        names = sorted({Path(path).relative_to(options.root).as_posix() for _, path in changes})
        print(f"changed: {', '.join(names)}", file=sys.stderr, flush=True)
        build_once()
    return 0
