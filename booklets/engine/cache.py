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
import os
import re
import stat
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import Any

from booklets import paths
from booklets.engine.output import safe_join, write_output
from booklets.errors import BookletError
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
    path = write_output(out_dir, rel, data, durable=kind in BOOKLET_KINDS)
    st = path.stat()
    return FileRecord(
        rel.as_posix(), kind, hashlib.sha256(data).hexdigest(), len(data), st.st_mtime_ns, pages
    )


def save(out_dir: Path, record: Record, target: Target) -> None:
    """Write the record; call only once every file it lists is in place."""
    text = json.dumps(asdict(record), indent=1, sort_keys=True)
    # Not fsynced: the PDF it describes already is, and a record lost in a crash means a rebuild.
    write_output(out_dir, paths.record_file(target), text.encode(), durable=False)


def load(out_dir: Path, target: Target) -> Record | None:
    """The target's record; None when there is none, or it is unreadable, of another format, or
    not a record of this target's own files (a damaged or hand-edited cache is rebuilt, never
    trusted: a record naming any other file would make a build read or trust that file)."""
    try:
        raw = read_plain_file(record_path(out_dir, target), limit=16 * 1024 * 1024)
        return None if raw is None else _valid(json.loads(raw), target)
    except (OSError, ValueError, TypeError, KeyError, BookletError):
        return None


_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_FIELDS = {f.name for f in fields(Record)}
_FILE_FIELDS = {f.name for f in fields(FileRecord)}


def _valid(data: Any, target: Target) -> Record | None:
    """The record in `data` if every field has its type and every file is one of the target's."""
    if not isinstance(data, dict) or set(data) != _FIELDS or data["format"] != FORMAT:
        return None
    if data["target"] != target.name or not isinstance(data["inputs"], str):
        return None
    meta, files = data["meta"], data["files"]
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        return None
    if not _number(data["seconds"]) or not _count(data["peak_rss_kb"]) or not isinstance(files, list):
        return None
    stem = re.escape(paths.booklet_pdf(target).stem)
    own = re.compile(rf"^{stem}(?:-[a-z0-9-]+)?\.pdf$|^{stem}\.cover\.png$")
    folder = paths.booklet_pdf(target).parent
    page = paths.web_page(target).as_posix()  # a web edition's one file
    checked = []
    for f in files:
        if not isinstance(f, dict) or set(f) != _FILE_FIELDS:
            return None
        rel = f["path"]
        if not (isinstance(rel, str) and PurePosixPath(rel).parent == folder
                and ((own.match(PurePosixPath(rel).name) and f["kind"] in ("pdf", "cover"))
                     or (rel == page and f["kind"] == "html"))
                and (f["kind"] == "cover") == rel.endswith(".png")
                and isinstance(f["sha256"], str) and _SHA256.match(f["sha256"])
                and all(_count(f[k]) for k in ("bytes", "mtime_ns", "pages"))):
            return None
        checked.append(FileRecord(**f))
    kinds = [f.kind for f in checked]
    if kinds == ["html"]:
        return Record(**{**data, "files": tuple(checked)})
    pdfs = [f for f in checked if f.kind == "pdf"]
    if "html" in kinds or not pdfs or pdfs[0].path != paths.booklet_pdf(target).as_posix():
        return None
    return Record(**{**data, "files": tuple(checked)})


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


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
    write_output(out_dir, paths.STAMP, data, durable=False)


def stamp_path(out_dir: Path) -> Path:
    return out_dir / paths.STAMP


# The build report (index.html, manifest.json) is rewritten by every build, so it must be ours: its
# SHA-256 as last written is kept here, and a file that does not match is never overwritten.
REPORT_RECORD = PurePosixPath(CACHE_DIR, "report.json")
REPORT_FILES = (paths.GALLERY, paths.MANIFEST)
# Written by a build from before the report record: recognised by what our report always says.
_LEGACY_MARKS = {paths.GALLERY: b"made by booklets ", paths.MANIFEST: b'"generator": "booklets '}


def read_plain_file(path: Path, limit: int = 64 * 1024 * 1024) -> bytes | None:
    """A plain file's bytes, or None if it is anything else (a link, a device, a folder, too big)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(limit + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def has_our_manifest(out_dir: Path) -> bool:
    """Whether out_dir holds a manifest.json a build wrote (a copy of a built folder without its
    hidden cache is still a booklets output folder)."""
    data = read_plain_file(out_dir / paths.MANIFEST, limit=64 * 1024 * 1024)
    return data is not None and _LEGACY_MARKS[paths.MANIFEST] in data[:4096]


def foreign_report_files(out_dir: Path) -> list[Path]:
    """Report files in out_dir that no build wrote (or that were changed since): not to be replaced."""
    try:
        recorded = json.loads((out_dir / REPORT_RECORD).read_bytes())
        if not isinstance(recorded, dict):
            recorded = {}
    except (OSError, ValueError):
        recorded = {}
    foreign = []
    for name in REPORT_FILES:
        path = out_dir / name
        if not os.path.lexists(path):
            continue
        data = read_plain_file(path)
        if data is None:
            foreign.append(path)
        elif name in recorded:
            if hashlib.sha256(data).hexdigest() != recorded[name]:
                foreign.append(path)
        elif _LEGACY_MARKS[name] not in data[:4096]:
            foreign.append(path)
    return foreign


def record_report(out_dir: Path) -> None:
    """Remember the report files as written now (call right after writing them)."""
    hashes = {}
    for name in REPORT_FILES:
        data = read_plain_file(out_dir / name)
        if data is not None:
            hashes[name] = hashlib.sha256(data).hexdigest()
    write_output(out_dir, REPORT_RECORD, json.dumps(hashes, indent=1).encode(), durable=False)
