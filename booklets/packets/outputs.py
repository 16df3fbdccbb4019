"""Where a packets run writes, and how personal files are put in place without loss or leftovers.

Every roster has its own folder, `OUT/personal/<roster stem>-<8 hex>/`, the hex a hash of the
roster's absolute path: `north/roster.csv` and `south/roster.csv` never share a file, and a run
touches nothing outside its roster's folder. Inside it, each edition has its own names, so print
and large-print batches of one roster coexist:

    batch-<edition>.pdf            everyone, in roster order
    batch-<edition>-imposed.pdf    the same pages as 2-up sheets (editions that impose)
    <edition>/<row>-<id>.pdf       one file per person (--per-person)

Personal data is readable by its owner only: files are created 0600 and folders 0700 (or
stricter, as the umask says).

The per-person folder is replaced in one step: the new files are written to a hidden staging
folder beside it, which is then exchanged with the old folder by a single rename (Linux
renameat2 RENAME_EXCHANGE; elsewhere two renames, so at worst the folder is briefly absent, never
a mix of old and new files). A run holds its roster folder's lock for as long as it writes there,
so any staging folder found while holding it belongs to a run that was killed: it is removed.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from booklets import paths
from booklets.engine.lock import build_lock
from booklets.engine.output import safe_join
from booklets.errors import BookletError, Problem

_STAGING = ".staging-"  # in the names of staging folders: ".<edition>.staging-<random>"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def safe_name(text: str) -> str:
    """A file-name part from free text: letters, digits, dot, hyphen and underscore only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "roster"


@dataclass(frozen=True)
class PacketPaths:
    """The files of one roster and edition."""

    folder: Path  # OUT/personal/<roster>-<hash>/
    edition: str

    @classmethod
    def of(cls, out_dir: Path, roster: Path, edition: str) -> PacketPaths:
        digest = hashlib.sha256(os.fsencode(os.path.abspath(roster))).hexdigest()[:8]
        rel = PurePosixPath(paths.PERSONAL, f"{safe_name(roster.stem)}-{digest}")
        return cls(safe_join(out_dir, rel), edition)

    @property
    def batch(self) -> Path:
        return self.folder / f"batch-{self.edition}.pdf"

    def derived(self, suffix: str) -> Path:
        return self.folder / f"batch-{self.edition}-{suffix}.pdf"

    @property
    def people(self) -> Path:
        return self.folder / self.edition

    def people_files(self) -> list[Path]:
        """The per-person files, in roster order."""
        return sorted(self.people.glob("*.pdf"))


def private_mode(mode: int = 0o600) -> int:
    """`mode` with whatever the umask also takes away (a stricter umask wins)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            umask = next(int(line.split()[1], 8) for line in fh if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError):
        umask = os.umask(0o077)
        os.umask(umask)
    return mode & ~umask


@contextmanager
def roster_lock(folder: Path) -> Iterator[None]:
    """Hold the roster folder's lock (one run per roster at a time; another waits), and remove what
    killed runs left there: staging folders and temporary files."""
    folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with build_lock(folder):
        os.chmod(folder, private_mode(0o700))
        for leftover in folder.iterdir():
            if _STAGING in leftover.name and leftover.name.startswith(".") and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
        yield


class Staged:
    """Per-person files written beside `folder` and swapped in by one rename on success."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.written: list[Path] = []
        self.mode = private_mode()
        self.tmp = folder.parent / f".{folder.name}{_STAGING}{secrets.token_hex(4)}"
        os.mkdir(self.tmp, private_mode(0o700))

    def write(self, filename: str, data: bytes) -> None:
        fd = os.open(self.tmp / filename, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     self.mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        self.written.append(self.folder / filename)

    def commit(self) -> None:
        """Put the new folder in place of the old one in one rename; then remove the old files."""
        for f in (*self.written, self.tmp):  # on disk before the swap makes them the only copy
            with suppress(OSError):
                fd = os.open(f, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        if self.folder.is_symlink() or (self.folder.exists() and not self.folder.is_dir()):
            raise BookletError([Problem(str(self.folder), message="is a link or a file where the personal files "
                                        "go; packets never writes through links: remove it")])
        if not self.folder.exists():
            os.rename(self.tmp, self.folder)
            return
        if not _exchange(self.tmp, self.folder):
            old = self.tmp.with_name(self.tmp.name + "-old")
            os.rename(self.folder, old)
            os.rename(self.tmp, self.folder)
            self.tmp = old
        shutil.rmtree(self.tmp, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):  # kernel or file system without it
        return False
    raise OSError(code, os.strerror(code), str(b))
