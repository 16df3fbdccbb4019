"""The build lock: one build at a time writes into an output folder.

Two builds into the same dist/ (a watcher and a manual build, two coordinators on one shared
drive) would otherwise render and replace PDFs in between each other. The lock is an exclusive
`flock` on `dist/.lock`, taken before the content is even read.

The second build **waits**, then builds: it was started later, so it is the one whose content
should end up in dist/; stopping it instead would leave the older build's PDFs in place and make
a watcher fail for no fault of the user. It says once on stderr that it is waiting and for whom,
and waits at most `timeout` seconds (then stops with a clear message, so a hung build never
blocks CI for ever; `timeout=0` stops at once).

The kernel releases an flock when its holder dies, even by SIGKILL: a killed build never leaves
a stale lock. Holding the lock, we also remove the temporary files a killed run left behind: only
those whose own lock is free (output.py), so a `packets` run writing its batch keeps its file.
The lock file stays in place, except in a folder this build created and left empty (bad input):
then folder and lock file go, and a build that was waiting on the removed file notices (its file
is no longer the one at the path) and locks the new one.

The lock file is opened without following links and must be a plain file with no other name: a
`dist/.lock` that is a link (or a hard link) to a file elsewhere is refused, never truncated or
written. And a build only ever takes over a folder that is empty or that a build made (it has
`.booklets-cache/`, or a build's manifest.json): `--out` naming some other non-empty folder is
refused before anything in it is touched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import platform
import re
import stat
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from booklets import paths
from booklets.engine.cache import has_our_manifest
from booklets.engine.output import remove_stale_temp_files
from booklets.errors import BookletError, Problem

LOCK_NAME = paths.LOCK
DEFAULT_TIMEOUT = 600.0
_POLL_SECONDS = 0.1
# File systems without locks (some network shares) answer with these: warn and build anyway.
_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


def _tell(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Held:
    """A held lock; `created`: this build made the output folder (it is removed again if the
    build leaves nothing in it, so bad input never creates dist/)."""

    created: bool


@contextmanager
def build_lock(
    out_dir: Path, timeout: float = DEFAULT_TIMEOUT, tell: Callable[[str], None] = _tell
) -> Iterator[Held]:
    """Hold the output folder's lock for the body of a build (creating the folder if needed).

    A folder this build created and left empty (bad input stops before any PDF) is removed again.
    """
    created = not out_dir.exists()
    _refuse_a_foreign_folder(out_dir)
    deadline = time.monotonic() + timeout
    while True:
        fd = _open_lock(out_dir)
        try:
            locked = _acquire(fd, out_dir, deadline, timeout, tell)
            if not locked or _still_in_place(fd, out_dir):
                break
        except BaseException:
            os.close(fd)
            raise
        # The build before us removed the lock file (and its empty folder) while we waited:
        # our lock is on a file nobody else will open. Start again on a fresh one.
        os.close(fd)
    try:
        if locked:
            _record_holder(fd)
        remove_stale_temp_files(out_dir)
        yield Held(created)
    finally:
        if created and _only_the_lock_in(out_dir):
            with contextlib.suppress(OSError):
                (out_dir / LOCK_NAME).unlink()
                out_dir.rmdir()
        os.close(fd)  # closing the descriptor releases the lock


def _refuse_a_foreign_folder(out_dir: Path) -> None:
    """Refuse an output folder that holds files but was never a booklets output folder.

    A build writes and deletes files in its output folder; pointed at a folder of other files
    (`--out ~/Documents`), it would overwrite an index.html or take a file for one of its own.
    """
    try:
        names = os.listdir(out_dir)
    except FileNotFoundError:
        return
    except NotADirectoryError:
        raise BookletError([Problem(str(out_dir), message=(
            "is a file, not a folder; build into a folder with --out"))]) from None
    except OSError:
        return  # unreadable: _open_lock says what is wrong with it
    if not names or paths.CACHE_DIR in names or _our_lock(out_dir) or has_our_manifest(out_dir):
        return
    raise BookletError([Problem(str(out_dir), message=(
        f"is not empty and no booklets build wrote it (there is no {paths.CACHE_DIR}/ or "
        f"{paths.MANIFEST} of a build in it); a "
        "build writes and deletes only its own files, so build into a new or empty folder with "
        "--out"))])


# What _record_holder writes: a lock file saying this is a folder a build has written to.
_HOLDER = re.compile(rb"^(?:pid \d+ on .*, since \d\d:\d\d:\d\d\n)?$")


def _our_lock(out_dir: Path) -> bool:
    """Whether out_dir has a build's lock file (the first build there may have been killed before
    it wrote anything else)."""
    try:
        fd = os.open(out_dir / LOCK_NAME, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        st = os.fstat(fd)
        return stat.S_ISREG(st.st_mode) and st.st_size < 300 and bool(_HOLDER.match(os.read(fd, 300)))
    except OSError:
        return False
    finally:
        os.close(fd)


def _open_lock(out_dir: Path) -> int:
    lock = out_dir / LOCK_NAME
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        # O_NOFOLLOW: a link at .lock is refused (ELOOP), never followed and truncated.
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise BookletError([Problem(str(lock), message=(
                "is a link; a build never writes through links, so it cannot lock this folder: "
                "remove the link, or build into another folder with --out"))]) from None
        raise BookletError([Problem(str(out_dir), message=(
            f"cannot write to the output folder ({exc.strerror}); make it writable or build "
            "into another folder with --out"))]) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        os.close(fd)
        what = "is not a plain file" if not stat.S_ISREG(st.st_mode) else (
            "has another name (a hard link), so writing it would change a file elsewhere")
        raise BookletError([Problem(str(lock), message=(
            f"{what}; a build writes only files of its own: remove it, or build into another "
            "folder with --out"))])
    return fd


def _still_in_place(fd: int, out_dir: Path) -> bool:
    try:
        held, there = os.fstat(fd), os.lstat(out_dir / LOCK_NAME)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)


def _only_the_lock_in(out_dir: Path) -> bool:
    try:
        return os.listdir(out_dir) == [LOCK_NAME]
    except OSError:
        return False


def _acquire(fd: int, out_dir: Path, deadline: float, timeout: float,
             tell: Callable[[str], None]) -> bool:
    """Wait for the lock; False if this file system has no locks (the build goes on unlocked)."""
    told = False
    while True:
        try:
            _try_lock(fd)
            return True
        except BlockingIOError:
            pass
        except OSError as exc:
            if exc.errno not in _NO_LOCKS:
                raise BookletError([Problem(str(out_dir), message=(
                    f"cannot lock the output folder ({exc.strerror}); build into another "
                    "folder with --out"))]) from None
            tell(f"warning: {out_dir}: this folder cannot be locked ({exc.strerror}); make sure "
                 "no other build writes to it at the same time")
            return False
        holder = _holder(fd)
        if time.monotonic() >= deadline:
            raise BookletError([Problem(str(out_dir), message=(
                f"another build ({holder}) is still writing to this folder after {timeout:.0f} s; "
                "wait for it to finish or build into another folder with --out"))])
        if not told:
            tell(f"waiting: another build ({holder}) is writing to {out_dir}; this build starts "
                 f"when it finishes (at most {timeout:.0f} s)")
            told = True
        time.sleep(_POLL_SECONDS)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> None:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except PermissionError as exc:  # Windows says "permission denied" for "held by another"
            raise BlockingIOError(str(exc)) from None
else:
    import fcntl

    def _try_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _record_holder(fd: int) -> None:
    """Say in the lock file who holds it, for the message a waiting build prints."""
    since = dt.datetime.now().strftime("%H:%M:%S")
    text = f"pid {os.getpid()} on {platform.node()}, since {since}\n".encode()
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, text)
    except OSError:
        pass  # only informative: a full disk must not stop the build here


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 200).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "unknown process"
