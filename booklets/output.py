"""Output stage: paths that cannot escape dist/, and atomic writes that never leave half a file.

A PDF is written to a temporary file in the same folder and moved into place with os.replace, so a
reader (or a crash) sees either the previous complete file or the new complete file, never a mix.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath
from typing import BinaryIO


class OutputPathError(ValueError):
    """A target would write outside the output folder."""


def safe_join(out_dir: Path, rel: PurePosixPath) -> Path:
    """`out_dir / rel`, refusing anything that resolves outside out_dir (symlinks included)."""
    base = out_dir.resolve()
    path = (base / rel).resolve()
    if not path.is_relative_to(base) or path == base:
        raise OutputPathError(f"output path {rel} escapes {out_dir}")
    return path


def write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Write `data` to `path` so that the old file stays intact until the new one is complete.

    `durable=False` skips the fsync, for files that are checked and re-made when they do not
    match (cover thumbnails, build records): a crash then costs a rebuild, never a wrong file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


@contextmanager
def open_atomic(path: Path) -> Iterator[BinaryIO]:
    """Like write_atomic, for a file written piece by piece: `path` appears, complete, only when the
    block ends without an exception; otherwise the previous file is left exactly as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
