"""Output stage: paths that cannot escape dist/, and atomic writes that never leave half a file.

A file is written to a temporary file in the same folder and moved into place with a rename, so a
reader (or a crash) sees either the previous complete file or the new complete file, never a mix.

No write ever follows a link. The folders from the output folder down to the file are opened one
by one with O_NOFOLLOW (a link where a folder should be is refused, even one made after the path
was checked); the temporary file is created with O_EXCL|O_NOFOLLOW inside the opened folder; and
the rename replaces whatever is at the final name (a link there is replaced, never written
through).

Temporary files are named `.<name>.<8 random characters>.booklets.tmp`, and their writer holds an
`flock` on each for as long as it lives. A file of that name whose lock is free therefore has no
living writer (the kernel drops the lock when its holder dies, even by SIGKILL): it is provably a
leftover, and remove_stale_temp_files deletes it. One being written (by another build, or a
`packets` run writing a batch) is locked and left alone.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from booklets.errors import BookletError, Problem

_TEMP_SUFFIX = ".booklets.tmp"
_TEMP_NAME = re.compile(r"^\..+\.[a-z0-9]{8}\.booklets\.tmp$")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# Opening, renaming and removing relative to a folder descriptor (POSIX). Tested by feature, not
# by os.supports_dir_fd: os.replace is not listed there (only os.rename), and a test hook may wrap it.
_DIR_FD = os.name == "posix" and _NOFOLLOW != 0 and os.open in os.supports_dir_fd

if sys.platform != "win32":
    import fcntl

    def _lock(fd: int, wait: bool) -> bool:
        """Lock fd exclusively; False when another open file holds it (or locks are unsupported)."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            return True
        except OSError:  # held (EWOULDBLOCK), or a file system without locks
            return False
else:  # pragma: no cover - Windows: no proof of staleness, so no temp file is ever removed
    def _lock(fd: int, wait: bool) -> bool:
        return False


class OutputPathError(BookletError):
    """A target would write outside the output folder (a link inside it points elsewhere)."""

    def __init__(self, out_dir: Path, rel: PurePosixPath, path: Path) -> None:
        msg = (f"would be written to {path}, outside the output folder {out_dir} (a link in it "
               "points elsewhere); remove the link or build into another folder with --out")
        super().__init__([Problem(str(out_dir / rel), message=msg)])


class LinkInTheWay(BookletError):
    """A link (or a file) stands where the output needs a folder: writes never follow links."""

    def __init__(self, path: Path) -> None:
        super().__init__([Problem(str(path), message=(
            "is a link or a file where the build writes a folder; the build never writes through "
            "links: remove it, or build into another folder with --out"))])


def safe_join(out_dir: Path, rel: PurePosixPath) -> Path:
    """`out_dir / rel`, refusing anything that resolves outside out_dir (symlinks included)."""
    base = out_dir.resolve()
    path = (base / rel).resolve()
    if not path.is_relative_to(base) or path == base:
        raise OutputPathError(out_dir, rel, path)
    return path


def _open_folder(base: Path, parts: tuple[str, ...]) -> int:
    """A descriptor of base/parts..., each part opened without following links and made if missing.

    `base` itself is opened as given (the output folder the user named may be reached through a
    link); below it, a link where a folder should be raises LinkInTheWay.
    """
    fd = os.open(base, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        for i, part in enumerate(parts):
            try:
                sub = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
            except FileNotFoundError:
                with suppress(FileExistsError):  # made by a build beside us: fine
                    os.mkdir(part, 0o755, dir_fd=fd)
                sub = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise LinkInTheWay(base.joinpath(*parts[: i + 1])) from None
                raise
            os.close(fd)
            fd = sub
    except BaseException:
        os.close(fd)
        raise
    return fd


def _same_file(fd: int, name: str, folder: int) -> bool:
    """Whether `name` in `folder` is still the file open as `fd`."""
    try:
        there = os.stat(name, dir_fd=folder, follow_symlinks=False)
    except OSError:
        return False
    here = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _temp_name(name: str) -> str:
    return f".{name}.{''.join(secrets.choice(_ALPHABET) for _ in range(8))}{_TEMP_SUFFIX}"


def _new_temp(folder: int, name: str) -> tuple[int, str]:
    """Create and lock a fresh temporary file for `name` in the folder; (descriptor, its name).

    Locked before anything is written to it, so a cleaner never takes it for a leftover; if a
    cleaner removed it in the instant between creating and locking, a new one is made.
    """
    while True:
        tmp = _temp_name(name)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600,
                         dir_fd=folder)
        except FileExistsError:
            continue
        _lock(fd, wait=True)
        if _same_file(fd, tmp, folder):
            return fd, tmp
        os.close(fd)


def cannot_write(exc: OSError, fallback: Path, elsewhere: str = "build into another folder with --out") -> str:
    """A failed write in one line: the path, why, and what to do about it."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        todo = f"free some space there, or {elsewhere}"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        todo = f"make it writable, or {elsewhere}"
    else:
        todo = f"check that folder, or {elsewhere}"
    return f"cannot write {exc.filename or fallback}: {exc.strerror}; {todo}"


@contextmanager
def _naming(path: Path) -> Iterator[None]:
    """An OSError of our own file operations names the file being written (the operations work
    on a folder descriptor and a temporary name, which would mean nothing to the reader)."""
    try:
        yield
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None


@contextmanager
def _atomic(path: Path, base: Path | None, mode: int, durable: bool) -> Iterator[BinaryIO]:
    """The file object of a new temporary file; moved to `path` when the block ends cleanly."""
    if not _DIR_FD:  # pragma: no cover - platforms without dir_fd: the plain, path-based way
        yield from _atomic_by_path(path, mode, durable)
        return
    parts = (Path(os.path.abspath(path.parent)).relative_to(os.path.abspath(base)).parts
             if base is not None else ())
    with _naming(path):
        if base is None:
            path.parent.mkdir(parents=True, exist_ok=True)
        folder = _open_folder(base if base is not None else path.parent, parts)
    try:
        with _naming(path):
            fd, tmp = _new_temp(folder, path.name)
        try:
            fh = os.fdopen(fd, "wb", closefd=False)
            try:
                yield fh
            except BaseException:
                with suppress(OSError):
                    fh.close()
                raise
            with _naming(path):
                fh.close()  # flushes: a full disk may say so only now
                if durable:
                    os.fsync(fd)
                os.fchmod(fd, mode)
                os.replace(tmp, path.name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            # Any failure (full disk, read-only folder, Ctrl-C) removes our temp file and leaves
            # the previous file exactly as it was.
            with suppress(OSError):
                os.unlink(tmp, dir_fd=folder)
            raise
        finally:
            os.close(fd)  # releases the lock
    finally:
        os.close(folder)


def _atomic_by_path(path: Path, mode: int, durable: bool) -> Iterator[BinaryIO]:  # pragma: no cover
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = path.parent / _temp_name(path.name)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_atomic(path: Path, data: bytes, durable: bool = True, base: Path | None = None,
                 mode: int = 0o644) -> None:
    """Write `data` to `path` so that the old file stays intact until the new one is complete.

    `base`: the output folder `path` is inside; every folder below it is opened without following
    links (and made if missing). Without it, only the file's own folder is opened.
    `durable=False` skips the fsync, for files that are checked and re-made when they do not
    match (cover thumbnails, build records): a crash then costs a rebuild, never a wrong file.
    """
    with _atomic(path, base, mode, durable) as fh, _naming(path):
        fh.write(data)


def write_output(out_dir: Path, rel: PurePosixPath, data: bytes, durable: bool = True) -> Path:
    """Write `data` to `rel` inside the output folder: checked to stay inside it (safe_join), and
    written along the path as named, each folder opened without following links. Returns the path."""
    safe_join(out_dir, rel)
    base = out_dir.resolve()
    write_atomic(base / rel, data, durable=durable, base=base)
    return base / rel


@contextmanager
def open_atomic(path: Path, base: Path | None = None, mode: int = 0o644) -> Iterator[BinaryIO]:
    """Like write_atomic, for a file written piece by piece: `path` appears, complete, only when the
    block ends without an exception; otherwise the previous file is left exactly as it was."""
    with _atomic(path, base, mode, durable=True) as fh:
        yield fh


def is_temp_file(name: str) -> bool:
    """Whether a file name is one of write_atomic's temporary files."""
    return bool(_TEMP_NAME.match(name))


def remove_stale_temp_files(out_dir: Path) -> list[Path]:
    """Delete the temporary files in out_dir whose writer is gone; returns what was removed.

    A temporary file is removed only when its lock can be taken (no living process is writing it)
    and it is still the same file once locked; links and anything not named like our temporary
    files are never touched.
    """
    removed: list[Path] = []
    if not _DIR_FD:  # pragma: no cover - no way to prove a file stale: leave everything
        return removed
    for folder, _dirs, files in os.walk(out_dir, followlinks=False):
        names = [n for n in files if is_temp_file(n)]
        if not names:
            continue
        try:
            dir_fd = os.open(folder, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
        except OSError:
            continue
        try:
            for name in names:
                if _remove_if_stale(dir_fd, name):
                    removed.append(Path(folder, name))
        finally:
            os.close(dir_fd)
    return removed


def _remove_if_stale(folder: int, name: str) -> bool:
    try:
        fd = os.open(name, os.O_RDONLY | _NOFOLLOW | os.O_NONBLOCK | _CLOEXEC, dir_fd=folder)
    except OSError:
        return False  # a link (ELOOP), gone already, or unreadable: not ours to judge
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or not _lock(fd, wait=False):
            return False  # being written by a living process
        if not _same_file(fd, name, folder):
            return False
        os.unlink(name, dir_fd=folder)  # still locked: its writer, if any, will see it gone
        return True
    except OSError:
        return False  # a read-only leftover is harmless
    finally:
        os.close(fd)
