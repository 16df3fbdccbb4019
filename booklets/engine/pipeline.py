"""The whole build, top to bottom: plan -> what is out of date -> content -> HTML -> PDFs -> report.

Each stage lives in its own module; `build` only sequences them. A target is rendered only when
the hash of everything it reads changed since its last build (inputs.py, cache.py), so a build with
nothing to do reads booklet.yaml, hashes some files and stops, without loading the content schema
or WeasyPrint (both are imported inside the functions that need them, on purpose).

Bad input (content, templates) stops the build before any PDF is written: PDFs start rendering as
soon as the first target's HTML is made, but nothing is written until every stale target's HTML is
made, and so checked (engine/workers.py). Earlier PDFs are never touched by a build that cannot
succeed, and a target that fails to render leaves its previous PDF in place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from booklets import paths
from booklets.engine import cache
from booklets.engine.gallery import write_gallery
from booklets.engine.inputs import input_hashes, read_matrix
from booklets.engine.lock import build_lock
from booklets.engine.output import cannot_write, safe_join
from booklets.engine.results import BuildResult, NoProgress, Progress, Status, TargetResult
from booklets.errors import BookletError, Problem
from booklets.plan import Matrix, Selection, Shard, Target, plan, shard, unknown_selectors

if TYPE_CHECKING:
    from booklets.content.project import Project
    from booklets.engine.release import Release
    from booklets.engine.workers import Done

__all__ = ["BuildOptions", "BuildResult", "TargetResult", "build", "list_targets"]

DEFAULT_TIME_LIMIT = 120.0  # render/limits.py's, kept here too: this module must not import Jinja


@dataclass(frozen=True)
class BuildOptions:
    """What one build run was asked to do."""

    root: Path
    out_dir: Path
    selection: Selection = field(default_factory=Selection)
    release: bool = False
    draft: bool = False  # missing translations fall back to the source language, marked
    force: bool = False
    jobs: int = 1
    shard: Shard = field(default_factory=Shard)
    # Only these targets of the selection (e.g. the booklets a roster needs); empty: all of it.
    only: tuple[Target, ...] = ()
    # Seconds each target's templates may run, and again its PDF render (render/limits.py); 0: none.
    time_limit: float = DEFAULT_TIME_LIMIT

    def render_options(self) -> dict[str, object]:
        """Options that change the bytes a target writes; they are part of every inputs hash.

        `--draft` does (marked fallbacks). `--release` does too: a booklet that shows example
        (!placeholder) values is marked DRAFT on every page in any build but a release (a release
        also refuses placeholders, and is checked on every release build however much is up to
        date), so the mark's state is in the hash and toggling it renders again. An option that
        changes output must be added here.
        """
        return {"draft": self.draft, "release": self.release}


def build(options: BuildOptions, progress: Progress | None = None) -> BuildResult:
    """Build every selected target that is out of date. Raises BookletError for bad input."""
    # One build at a time per output folder: a second build waits for the lock (lock.py).
    with build_lock(options.out_dir) as lock:
        return _build(options, progress, fresh_out=lock.created)


def _build(options: BuildOptions, progress: Progress | None, fresh_out: bool = False) -> BuildResult:
    progress = progress or NoProgress()
    result = BuildResult()

    # 1. Plan from booklet.yaml's lists alone (see _plan); a release is checked before anything.
    project, matrix, targets = _plan(options, result)
    everything = plan(matrix)
    released = _check_release(options, project)

    # 2. What is out of date: each target's inputs hash against its record and files. A draft's
    #    fallback text comes from the source language, so its files count for every language.
    fallback = matrix.source_language if options.draft else None
    inputs = input_hashes(options.root, targets, options.render_options(), fallback)
    records = {t: cache.load(options.out_dir, t) for t in everything}
    stale = [
        t
        for t in targets
        if options.force or not cache.is_fresh(options.out_dir, records[t], inputs[t])
    ]
    outcomes = {t: _up_to_date(options.out_dir, t, records[t]) for t in targets if t not in stale}
    progress.begin(stale, len(outcomes))

    # 3. Render what is stale: content and HTML here, PDFs in worker processes as HTML appears.
    try:
        if stale:
            for done in _render(options, project, stale, inputs, records, result, progress):
                outcomes[done.target] = _outcome(options.out_dir, done)
                records[done.target] = done.record or records[done.target]
    except BookletError as exc:
        # Tell a preview server, which only watches a folder an earlier build wrote: bad input
        # never creates or fills an output folder.
        if not fresh_out and (options.out_dir / cache.CACHE_DIR).is_dir():
            cache.write_stamp(options.out_dir, [], [], [str(p) for p in exc.problems])
        raise
    finally:
        progress.end()

    # 4. Report: the gallery and manifest of the whole output folder; the stamp tells `serve`.
    result.results = [outcomes[t] for t in targets]
    try:
        foreign = cache.foreign_report_files(options.out_dir)
        if foreign:
            result.warnings += [
                f"warning: {path}: not written by booklets (or changed since); it is left as it is "
                "and the gallery and manifest are not written: move it away to get them"
                for path in foreign]
        else:
            write_gallery(options.out_dir, records)
            cache.record_report(options.out_dir)
        cache.write_stamp(
            options.out_dir,
            [r.target.name for r in result.with_status("built")],
            [r.target.name for r in result.with_status("failed")],
            [],
        )
    except OSError as exc:  # a full disk or read-only folder: the PDFs are as the table says
        result.warnings.append(
            f"warning: the gallery and manifest are not up to date: {cannot_write(exc, options.out_dir)}")
    if released is not None and result.ok:  # a revision is recorded once all of it is built
        from booklets.engine import release

        result.warnings += release.record(options.root, released)
    return result


def list_targets(options: BuildOptions) -> list[Target]:
    """The targets a build with these options would consider (for `--list`), in plan order."""
    return _plan(options, BuildResult())[2]


def _plan(options: BuildOptions, result: BuildResult) -> tuple[Project | None, Matrix, list[Target]]:
    """(the project if it had to be loaded, the matrix, the selected shard of it).

    The full content check runs only when booklet.yaml's lists look wrong (it then says why), or
    for a release build, which must be checked however much is up to date.
    """
    project = _load(options, result) if options.release else None
    matrix: Matrix | None = project.booklet if project else read_matrix(options.root)
    if matrix is None:
        project = _load(options, result)
        matrix = project.booklet
    _check_selectors(matrix, options.selection)
    chosen = shard(plan(matrix, options.selection), options.shard)
    if options.only:
        wanted = set(options.only)
        chosen = [t for t in chosen if t in wanted]
    return project, matrix, chosen


def _load(options: BuildOptions, result: BuildResult) -> Project:
    """Load and check the whole project; placeholders and draft fallbacks are warnings."""
    from booklets.content.load import load_project
    from booklets.content.project import placeholders

    project = load_project(options.root, draft=options.draft)
    result.placeholders += placeholders(project)
    result.content_warnings += project.warnings
    return project


def _check_release(options: BuildOptions, project: Project | None) -> Release | None:
    """A release refuses placeholders, --draft, and a released revision made from other files."""
    if not options.release:
        return None
    from booklets.content.project import placeholders
    from booklets.engine import release

    assert project is not None  # _plan loads the whole project for a release
    return release.check(project, placeholders(project), options.draft)


def _check_selectors(matrix: Matrix, selection: Selection) -> None:
    bad = unknown_selectors(matrix, selection, paths.BOOKLET)
    if bad:
        raise BookletError([Problem("command line", message=m) for m in bad])


def _render(
    options: BuildOptions,
    project: Project | None,
    stale: list[Target],
    inputs: dict[Target, str],
    records: dict[Target, cache.Record | None],
    result: BuildResult,
    progress: Progress,
) -> list[Done]:
    from booklets.engine.gallery import describe
    from booklets.engine.workers import Job, Rendered, commit, engine
    from booklets.render.html import render_html
    from booklets.render.target import prepare, render_prepared

    # Longest first needs comparable estimates: last build's times when every stale target has
    # one, else the size of its audience's content file until its HTML exists, then of its HTML.
    known = {t: r.seconds for t in stale if (r := records[t]) is not None}
    timed = len(known) == len(stale)

    def guess(t: Target) -> float:
        return known[t] if timed else float(_size(options.root / paths.audience_file(t.language, t.audience)))

    # Workers start now, while this process loads the content; each target's HTML goes to them as
    # soon as it is made, but nothing is written until every HTML is made (workers.py).
    with engine(options.jobs, len(stale)) as run:
        loaded = project or _load(options, result)

        def jobs() -> Iterator[Job]:
            for t in sorted(stale, key=lambda t: (-guess(t), t)):
                html = render_html(loaded, t, release=options.release, time_limit=options.time_limit)
                yield Job(t, html, inputs[t], known[t] if timed else float(len(html)), options.time_limit)

        def write(job: Job, rendered: Rendered) -> Done:
            return commit(options.out_dir, job, rendered, describe(loaded, job.target))

        return run(prepare(loaded), jobs(), render_prepared, write, progress.started,
                   lambda done: progress.finished(_outcome(options.out_dir, done)))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _from_record(out_dir: Path, target: Target, record: cache.Record, status: Status, seconds: float,
                 peak_rss_kb: int) -> TargetResult:
    """A written target: its booklet PDF (or web page), and any other PDF made from the same render."""
    main, *others = record.booklets()
    extra = [(safe_join(out_dir, PurePosixPath(f.path)), f.pages, f.bytes) for f in others]
    return TargetResult(target, safe_join(out_dir, PurePosixPath(main.path)), main.pages, main.bytes, status=status,
                        seconds=seconds, peak_rss_kb=peak_rss_kb, extra=extra)


def _up_to_date(out_dir: Path, target: Target, record: cache.Record | None) -> TargetResult:
    assert record is not None  # only fresh targets come here
    return _from_record(out_dir, target, record, "up to date", record.seconds, record.peak_rss_kb)


def _outcome(out_dir: Path, done: Done) -> TargetResult:
    if done.record is None:
        return TargetResult(done.target, safe_join(out_dir, paths.booklet_pdf(done.target)), error=done.error,
                            status="failed", seconds=done.seconds, peak_rss_kb=done.peak_rss_kb)
    return _from_record(out_dir, done.target, done.record, "built", done.seconds, done.peak_rss_kb)
