"""Release builds: what a release requires, and the record of what each revision released.

A release is what readers get, under document control. `build.py --release`

* refuses any value still tagged !placeholder in a facility (content.placeholders), and --draft;
* requires document control: document number, revision and effective date (the schema requires
  them for every build) and the revision this one supersedes (only a release insists on it);
* refuses a revision that was already released with different content.

The record is content/releases.yaml, kept under version control beside the content it describes:
per released revision, a SHA-256 over every file of content/ and templates/ (the record itself
excepted, line endings normalised so a Windows checkout hashes the same) and over the fonts, code
and libraries the booklets are rendered with (content_hash). Building a released
revision again from the same files is fine (the PDFs come out byte-identical); from different files
it is refused with a message to bump the revision. A new revision is appended to the record only
after every booklet of the release built.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from booklets import paths
from booklets.content import schema as models
from booklets.content.project import Project
from booklets.content.validate import validate
from booklets.content.yamlload import Doc, YMap, load_yaml
from booklets.engine.output import write_atomic
from booklets.errors import BookletError, Problem

RECORD = paths.RELEASES
_HASHED = (paths.CONTENT, paths.TEMPLATES)
_HEADER = """\
# Release record, written by `build.py --release`: one entry per released revision, with a
# SHA-256 of content/ and templates/ as released. Keep it under version control with the content.
# A released revision is never rebuilt from different files: bump `revision` in booklet.yaml.
"""


@dataclass(frozen=True)
class Release:
    """The revision a release build is making, and the content it is made from."""

    revision: str
    content_sha256: str
    document_number: str
    effective_date: str
    supersedes: str


def content_hash(root: Path) -> str:
    """SHA-256 over everything a release's booklets are made from: the path and bytes of every file
    under content/ and templates/ (by the renderer's rule for what it may read: no hidden files or
    editor backups; the record itself excepted; line ends normalised), and what the renderer reads
    from outside the project (fonts, code, library versions: engine/inputs.py). The same revision
    made from anything else would not be the same booklets."""
    from booklets.engine.inputs import environment_inputs, project_files

    files = project_files(root, _HASHED, text=True)
    files.pop(RECORD, None)
    digest = hashlib.sha256()
    for rel, value in sorted(files.items()):
        digest.update(rel.encode() + b"\0" + value.encode() + b"\n")
    for rel, value in sorted(environment_inputs().items()):
        digest.update(b"env:" + rel.encode() + b"\0" + value.encode() + b"\n")
    return digest.hexdigest()


def read_record(root: Path) -> tuple[dict[str, tuple[models.ReleaseEntry, int]], list[Problem]]:
    """Released revisions -> (entry, line in the record); every problem in the file."""
    path = root / RECORD
    if not path.is_file():
        return {}, []
    doc, problems = load_yaml(path, root)
    if doc is None or problems:
        return {}, problems
    if not isinstance(doc.data, YMap):
        return {}, [
            Problem(
                RECORD,
                1,
                1,
                "",
                "expected a mapping of revisions to entries; restore the file from version control",
            )
        ]
    out: dict[str, tuple[models.ReleaseEntry, int]] = {}
    for revision, value in doc.data.items():
        line, col = doc.data.key_pos[revision]
        entry, found = validate(Doc(doc.path, doc.rel, value), models.ReleaseEntry)
        problems += [
            Problem(
                p.file,
                p.line or line,
                p.column or col,
                f"{revision}.{p.key}" if p.key else revision,
                p.message,
            )
            for p in found
        ]
        if entry is not None:
            out[revision] = (entry, line)
    return out, problems


def check(project: Project, placeholders: list[Problem], draft: bool = False) -> Release:
    """Everything a release needs, checked at once; raises BookletError listing every problem."""
    booklet = project.booklet
    problems = list(placeholders)
    if draft:
        problems.append(
            Problem(
                "command line",
                message="--draft cannot make a release: complete every "
                "translation, then build with --release alone",
            )
        )
    if booklet.supersedes is None:
        problems.append(
            Problem.at(
                booklet.revision,
                key="supersedes",
                message=
                "a release must name the revision it "
                'supersedes; add e.g. `supersedes: "1.0"` (for a first issue, '
                '`supersedes: "none (first issue)"`)',
            )
        )
    elif booklet.supersedes.strip() == booklet.revision.strip():
        problems.append(
            Problem.at(
                booklet.supersedes,
                f"names this same revision {booklet.revision!r}; name the revision it replaces",
            )
        )
    record, found = read_record(project.root)
    problems += found
    release = Release(
        booklet.revision,
        content_hash(project.root),
        booklet.document_number,
        booklet.effective_date.isoformat(),
        booklet.supersedes or "",
    )
    previous = record.get(booklet.revision)
    if previous is not None and previous[0].content_sha256 != release.content_sha256:
        problems.append(
            Problem.at(
                booklet.revision,
                f"revision {booklet.revision!r} was already "
                f"released with different content ({RECORD}:{previous[1]}); bump `revision` "
                f'(and set `supersedes: "{booklet.revision}"`) to release the changes, or '
                "restore the released files",
            )
        )
    if problems:
        raise BookletError(problems)
    return release


def record(root: Path, release: Release) -> list[str]:
    """Append a newly released revision to the record (atomically); notes for the build summary."""
    record_now, _ = read_record(root)
    if release.revision in record_now:
        return []
    path = root / RECORD
    text = path.read_text(encoding="utf-8") if path.is_file() else _HEADER
    if text and not text.endswith("\n"):
        text += "\n"

    def q(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar

    text += (
        f"{q(release.revision)}:\n"
        f"  content_sha256: {q(release.content_sha256)}\n"
        f"  document_number: {q(release.document_number)}\n"
        f"  effective_date: {q(release.effective_date)}\n"
        f"  supersedes: {q(release.supersedes)}\n"
    )
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as exc:  # a read-only or full project: the booklets are built, unrecorded
        raise BookletError([Problem(RECORD, message=(
            f"the booklets are built, but revision {release.revision} is not recorded: cannot "
            f"write {path}: {exc.strerror}; make the project writable (or free some space) and run "
            "the release build again"))]) from None
    note = f"released revision {release.revision}: recorded in {RECORD}; commit it with the content"
    return [f"note: {note}"]
