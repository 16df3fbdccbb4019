"""`--watch`: build, then build again each time a file under content/ or templates/ is saved.

The rebuild is an ordinary incremental build, so it renders only the targets whose inputs hash the
saved file is part of (one audience file: that audience's targets; shared.yaml: that language's;
a template: all). Bad input is printed and the watcher keeps going, so fixing the file is enough.
Changes to the booklets code itself are not picked up: restart the watcher after editing it.

What makes a rebuild of one target cost little more than its render: this process stays warm
(the content loader, Jinja and the gallery's modules are imported once, and unchanged YAML files
are not parsed again: content/yamlload.py), and so do the worker processes, which are kept between
builds (engine/workers.py keep_warm): a changed target goes straight to a worker that has
rendered before, without starting a process or importing WeasyPrint.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from booklets import paths
from booklets.engine.pipeline import BuildOptions

# How long after the last change of a save the rebuild starts: editors write a file in several
# steps (a temporary file, a rename), all within a few milliseconds.
STEP_MS = 50
# What a rebuild imports in this process: the loader, Jinja, the gallery (Babel).
_WARM = ("booklets.content.load", "booklets.render.html", "booklets.engine.gallery", "babel.core")


def watched_paths(options: BuildOptions) -> list[Path]:
    """The folders whose files a target can read (the output folder is never among them)."""
    return [p for p in (options.root / paths.CONTENT, options.root / paths.TEMPLATES) if p.is_dir()]


def warm(options: BuildOptions) -> None:
    """Get ready for the next rebuild: its modules imported, its worker processes started."""
    from booklets.engine import workers

    for name in _WARM:
        importlib.import_module(name)
    if options.jobs > 1:
        workers.prestart(options.jobs)
    else:
        importlib.import_module("booklets.render.preload")  # one process: it renders here


def watch(
    options: BuildOptions, build_once: Callable[[], int], stop: threading.Event | None = None
) -> int:
    """Run `build_once` now and after every batch of saved files, until Ctrl-C or `stop` is set."""
    import watchfiles

    from booklets.engine import workers

    with workers.keep_warm():
        build_once()
        warm(options)
        folders = watched_paths(options)
        print(
            f"watching {', '.join(str(p) for p in folders)} (Ctrl-C to stop)", file=sys.stderr, flush=True
        )
        # Ctrl-C while waiting ends the loop quietly; during a build it stops that build (exit 130).
        for changes in watchfiles.watch(
            *folders, stop_event=stop, debounce=800, step=STEP_MS, raise_interrupt=False
        ):
            names = sorted({Path(path).relative_to(options.root).as_posix() for _, path in changes})
            print(f"changed: {', '.join(names)}", file=sys.stderr, flush=True)
            build_once()
    return 0
