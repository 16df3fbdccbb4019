"""Build records: what each target was last built from and which files it wrote.

One small JSON file per target under OUT/.booklets-cache/ (one file each, so shards building into
the same folder at once never overwrite each other's records). A record is written atomically and
only after every file of its target is in place, so a build killed at any moment leaves either no
record or one whose files exist; a record whose files are missing or were changed since does not
count, and its target is rebuilt.

A target is up to date when its record's inputs hash equals the one computed now and each file it
lists still has the recorded size and modification time (or, if only the time changed, the same
SHA-256).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from booklets import paths
from booklets.engine.output import safe_join, write_atomic
from booklets.plan import Target

CACHE_DIR = paths.CACHE_DIR
BOOKLET_KINDS = ("pdf", "html")  # what a target renders: a PDF, or a web edition's page
FORMAT = 1  # bump when the record layout changes: old records then simply do not match


@dataclass(frozen=True)
class FileRecord:
    """One file a target wrote, relative to the output folder."""

    path: str
    kind: str  # "pdf", "html" (a web edition's page) or "cover" (the gallery thumbnail)
    sha256: str
    bytes: int
    mtime_ns: int
    pages: int = 0


@dataclass(frozen=True)
class Record:
    """What one target was built from, what it wrote, and what the gallery shows about it."""

    target: str
    inputs: str
    files: tuple[FileRecord, ...]
    meta: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    peak_rss_kb: int = 0
    format: int = FORMAT

    @property
    def pdf(self) -> FileRecord:
        return next(f for f in self.files if f.kind == "pdf")

    def of_kind(self, kind: str) -> list[FileRecord]:
        return [f for f in self.files if f.kind == kind]

    def booklets(self) -> list[FileRecord]:
        """The booklet files: the PDF (then PDFs made from it), or a web edition's page."""
        return [f for f in self.files if f.kind in BOOKLET_KINDS]


def record_path(out_dir: Path, target: Target) -> Path:
    return safe_join(out_dir, paths.record_file(target))


def write_file(
    out_dir: Path, rel: PurePosixPath, data: bytes, kind: str, pages: int = 0
) -> FileRecord:
    """Write one output atomically and describe it for the record.

    Booklets (PDFs, web pages) are fsynced; thumbnails are not: one lost in a crash no longer
    matches its record, so its target is simply rebuilt.
    """
    path = safe_join(out_dir, rel)
    write_atomic(path, data, durable=kind in BOOKLET_KINDS)
    st = path.stat()
    return FileRecord(
        rel.as_posix(), kind, hashlib.sha256(data).hexdigest(), len(data), st.st_mtime_ns, pages
    )


def save(out_dir: Path, record: Record, target: Target) -> None:
    """Write the record; call only once every file it lists is in place."""
    text = json.dumps(asdict(record), indent=1, sort_keys=True)
    # Not fsynced: the PDF it describes already is, and a record lost in a crash means a rebuild.
    write_atomic(record_path(out_dir, target), text.encode(), durable=False)


def load(out_dir: Path, target: Target) -> Record | None:
    """The target's record; None when there is none, or it is unreadable or of another format."""
    try:
        data: dict[str, Any] = json.loads(record_path(out_dir, target).read_bytes())
        if data.get("format") != FORMAT or data.get("target") != target.name:
            return None
        data["files"] = tuple(FileRecord(**f) for f in data["files"])
        return Record(**data)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def file_unchanged(out_dir: Path, f: FileRecord) -> bool:
    """Whether the file is still the one recorded (stat first; hash only when the time moved)."""
    try:
        path = safe_join(out_dir, PurePosixPath(f.path))
        st = path.stat()
    except (OSError, ValueError):
        return False
    if st.st_size != f.bytes:
        return False
    if st.st_mtime_ns == f.mtime_ns:
        return True
    return hashlib.sha256(path.read_bytes()).hexdigest() == f.sha256


def is_fresh(out_dir: Path, record: Record | None, inputs: str) -> bool:
    """Whether the target needs no work: same inputs, and every file it wrote is still there."""
    return (
        record is not None
        and record.inputs == inputs
        and bool(record.booklets())
        and all(file_unchanged(out_dir, f) for f in record.files)
    )


def write_stamp(out_dir: Path, rendered: list[str], failed: list[str], problems: list[str]) -> None:
    """Mark the end of a build, so a preview server knows to reload its pages."""
    stamp = {
        "finished_ns": time.time_ns(),
        "rendered": rendered,
        "failed": failed,
        "problems": problems,
    }
    data = json.dumps(stamp, indent=1).encode()
    write_atomic(safe_join(out_dir, paths.STAMP), data, durable=False)


def stamp_path(out_dir: Path) -> Path:
    return out_dir / paths.STAMP
