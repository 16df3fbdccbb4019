"""When the reader of our output leaves early (`build.py --list | head -1`), stop quietly.

Python ignores SIGPIPE, so a write to a pipe nobody reads any more raises BrokenPipeError (and,
if nothing handles it, a traceback, then "Exception ignored ... BrokenPipeError" when Python
flushes stdout at exit). C tools are ended by SIGPIPE there instead, silently, and a shell reports
status 141 (128 + SIGPIPE) for them. The command line does the same: main() catches the error
wherever it is raised (the target list, the summary table, a progress line, the check report) and
returns reader_left(). Rich (the summary table, the check report) handles the error itself: it
points stdout at /dev/null and raises SystemExit(1); main() recognises that (was_rich_broken_pipe)
and ends the same way. A build stopped that way stops like an interrupted one: each PDF in the
output folder is either complete or as it was.
"""

from __future__ import annotations

import contextlib
import os
import sys

# 128 + SIGPIPE (13): what a shell reports for a program that SIGPIPE ended.
EXIT_READER_LEFT = 141


def reader_left() -> int:
    """Point stdout and stderr at /dev/null (so nothing written later, not even Python's flush at
    exit, can fail again) and return the exit status: 141, without a message."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        # Not a real file (a test's capture): there is no descriptor to protect.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, stream.fileno())
    os.close(devnull)
    return EXIT_READER_LEFT


def was_rich_broken_pipe(exc: SystemExit) -> bool:
    """Whether a SystemExit is rich's answer to a broken pipe (Console.on_broken_pipe): status 1
    with stdout already pointed at /dev/null. Nothing else in a command raises SystemExit."""
    try:
        return exc.code == 1 and os.path.samestat(os.fstat(sys.stdout.fileno()), os.stat(os.devnull))
    except (OSError, ValueError):
        return False
