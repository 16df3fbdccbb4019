"""Output stage: paths that cannot escape dist/, and atomic writes that never leave half a file.

A PDF is written to a temporary file in the same folder and moved into place with os.replace, so a
reader (or a crash) sees either the previous complete file or the new complete file, never a mix.
A build killed outright (SIGKILL, power loss) can leave its temporary file behind; the next build
removes such leftovers once it holds the output folder's lock (see lock.py).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from booklets.errors import BookletError, Problem

# write_atomic's temporary files: ".<name>.<8 random characters>.tmp" beside the final file.
_TEMP_SUFFIX = ".tmp"
_TEMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")


class OutputPathError(BookletError):
    """A target would write outside the output folder (a link inside it points elsewhere)."""

    def __init__(self, out_dir: Path, rel: PurePosixPath, path: Path) -> None:
        msg = (f"would be written to {path}, outside the output folder {out_dir} (a link in it "
               "points elsewhere); remove the link or build into another folder with --out")
        super().__init__([Problem(str(out_dir / rel), message=msg)])


def safe_join(out_dir: Path, rel: PurePosixPath) -> Path:
    """`out_dir / rel`, refusing anything that resolves outside out_dir (symlinks included)."""
    base = out_dir.resolve()
    path = (base / rel).resolve()
    if not path.is_relative_to(base) or path == base:
        raise OutputPathError(out_dir, rel, path)
    return path


def write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Write `data` to `path` so that the old file stays intact until the new one is complete.

    `durable=False` skips the fsync, for files that are checked and re-made when they do not
    match (cover thumbnails, build records): a crash then costs a rebuild, never a wrong file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        # Any failure (full disk, read-only folder, Ctrl-C) removes our temp file and leaves the
        # previous PDF exactly as it was.
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def is_temp_file(name: str) -> bool:
    """Whether a file name is one of write_atomic's temporary files."""
    return bool(_TEMP_NAME.match(name))


def remove_stale_temp_files(out_dir: Path) -> list[Path]:
    """Delete temporary files a killed build left in out_dir; returns what was removed.

    Only safe while holding the build lock: then no other build is writing here.
    """
    removed = []
    for folder, _dirs, files in os.walk(out_dir, followlinks=False):
        for name in files:
            path = Path(folder, name)
            if is_temp_file(name) and not path.is_symlink():
                try:
                    path.unlink()
                except OSError:
                    continue  # not ours to fight over: a read-only leftover is harmless
                removed.append(path)
    return removed


@contextmanager
def open_atomic(path: Path, mode: int = 0o644) -> Iterator[BinaryIO]:
    """Like write_atomic, for a file written piece by piece: `path` appears, complete, only when the
    block ends without an exception; otherwise the previous file is left exactly as it was.
    `mode`: the file's permissions (0o600 for personal data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
