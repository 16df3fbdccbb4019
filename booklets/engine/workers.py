"""Parallel rendering, streamed: PDFs start rendering as soon as the first target's HTML exists.

* Workers (pool.py) are forked from a fork server that imports WeasyPrint while the main process
  is still loading the content, and they are started before the content is even loaded: the
  first job goes out the moment its HTML is made, and the main process makes the rest of the HTML
  while the workers render. Each worker gets a small plain setup per build (render.target
  RenderSetup), never the validated project, so it does not import the schema either.
* Longest first: a free worker gets the longest job whose HTML exists, by last build's time for
  that target, else by the size of its HTML; the HTML itself is made in the same order (by last
  build's times, else by the size of the audience's content file), so what is left for the end is
  short and cores idle little there.
* Nothing is committed until every HTML is made: bad input (a template error in the last target)
  stops the build before any PDF is written. Workers hand their bytes back; the main process
  writes each target's files atomically, then its record (cache.py), as results arrive once all
  HTML is known good. A worker that dies costs only the job it was rendering (tried once more in
  a fresh worker, in case something else killed it).
* `keep_warm()` (watch mode) keeps the worker processes between builds: a rebuild of one target
  goes to a worker that has rendered before, without a fork or an import.
"""

from __future__ import annotations

import heapq
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from booklets import paths
from booklets.engine import cache
from booklets.engine.pool import Pool
from booklets.plan import Target

if TYPE_CHECKING:
    from booklets.content.project import Project


class RenderedFile(Protocol):
    """One file render_target made (render.target.RenderedFile): the booklet's PDF (or a web
    edition's page) comes first; `kind` is "pdf" or "html"."""

    @property
    def relpath(self) -> PurePosixPath: ...
    @property
    def data(self) -> bytes: ...
    @property
    def pages(self) -> int: ...
    @property
    def kind(self) -> str: ...


# render.target.render_prepared(setup, target, html), or render_target(project, target, html):
# the unit of work, passed in by the caller with the context it takes.
RenderFn = Callable[[Any, Target, str], Sequence[RenderedFile]]
# Imported by the fork server before any worker is forked from it (see preload.py).
PRELOAD = ["booklets.render.preload"]
_DIED = "its worker process died while rendering it (killed, or out of memory?); the other targets were rendered"


@dataclass(frozen=True)
class Job:
    """One target to render, with its HTML already made (and checked) by the main process."""

    target: Target
    html: str
    inputs: str
    estimate: float  # expected seconds (or HTML size when never built): only the order matters
    time_limit: float = 0.0  # seconds the PDF render may take (render/limits.py); 0: no limit


@dataclass(frozen=True)
class Rendered:
    """What a worker hands back for one job: the files to write, or why there are none."""

    files: tuple[RenderedFile, ...]
    cover: bytes  # the gallery thumbnail; none (b"") for a web edition's page: its card has a link
    error: str
    seconds: float
    peak_rss_kb: int


@dataclass(frozen=True)
class Done:
    """The outcome of one job, once committed: its record, or why it failed."""

    target: Target
    record: cache.Record | None
    error: str
    seconds: float
    peak_rss_kb: int


Commit = Callable[[Job, Rendered], Done]


def _peak_rss_kb() -> int:
    try:
        import resource  # POSIX only
    except ImportError:  # pragma: no cover - Windows: not measured
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak // 1024 if sys.platform == "darwin" else peak)  # bytes on macOS, kilobytes elsewhere


def render_only(context: Any, render: RenderFn, job: Job) -> Rendered:
    """Render one target and its cover thumbnail (a PDF's; a web page has none); write nothing (a
    worker's whole job)."""
    import booklets.render.preload  # noqa: F401  (WeasyPrint, the quick way, when rendering in-process)
    from booklets.errors import BookletError
    from booklets.render.limits import RenderTimeout, time_limit
    from booklets.render.pdf import RenderError
    from booklets.render.thumbnail import cover_png

    start = time.perf_counter()
    try:
        with time_limit(job.time_limit):
            files = tuple(render(context, job.target, job.html))
        cover = cover_png(files[0].data) if files[0].kind == "pdf" else b""
        return Rendered(files, cover, "", time.perf_counter() - start, _peak_rss_kb())
    except (RenderError, RenderTimeout) as exc:
        error = str(exc)
    except BookletError as exc:  # bad input found while rendering: a resource a template names,
        error = "; ".join(str(p) for p in exc.problems)  # a character no font has (file:line)
    except Exception as exc:  # a renderer bug on one target must not cost the others their PDFs
        error = f"unexpected {type(exc).__name__} while rendering: {exc}"
    return Rendered((), b"", error, time.perf_counter() - start, _peak_rss_kb())


def commit(out_dir: Path, job: Job, rendered: Rendered, meta: dict[str, str]) -> Done:
    """Write a rendered target's files atomically, then its record (in that order): its PDF (and
    the PDFs made from it) and cover thumbnail, or a web edition's page."""
    from booklets.engine.output import cannot_write
    from booklets.errors import BookletError

    t = job.target
    if rendered.error:
        return Done(t, None, rendered.error, rendered.seconds, rendered.peak_rss_kb)
    try:
        files = [cache.write_file(out_dir, f.relpath, f.data, f.kind, f.pages) for f in rendered.files]
        if rendered.cover:
            files.append(cache.write_file(out_dir, paths.cover_png(t), rendered.cover, "cover"))
        record = cache.Record(t.name, job.inputs, tuple(files), meta, round(rendered.seconds, 3),
                              rendered.peak_rss_kb)
        cache.save(out_dir, record, t)
    except OSError as exc:
        error = cannot_write(exc, out_dir)
    except BookletError as exc:  # an output path that a link inside the output folder redirects
        error = "; ".join(str(p) for p in exc.problems)
    else:
        return Done(t, record, "", rendered.seconds, rendered.peak_rss_kb)
    return Done(t, None, error, rendered.seconds, rendered.peak_rss_kb)


def context() -> BaseContext:
    """The fork server (preloaded with WeasyPrint) where there is one, else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")  # pragma: no cover - not POSIX


# The worker processes of this process's builds: one pool, closed after each build unless a
# watcher asked to keep it warm.
_pool: Pool | None = None
_keep = False


@contextmanager
def keep_warm() -> Iterator[None]:
    """Keep the worker processes between builds until the block ends (watch mode)."""
    global _keep
    _keep = True
    try:
        yield
    finally:
        _keep = False
        _close_pool(terminate=True)


def prestart(jobs: int) -> None:
    """Start `jobs` worker processes now, in the background (watch mode, between builds)."""
    global _pool
    if jobs > 1:
        _pool = _pool or Pool(context())
        _pool.grow(jobs)


def _close_pool(terminate: bool) -> None:
    global _pool
    if _pool is not None:
        _pool.close(terminate=terminate)
        _pool = None


Run = Callable[[Any, Iterable[Job], RenderFn, Commit, Callable[[Target], None], Callable[[Done], None]],
               list[Done]]


@contextmanager
def engine(jobs: int, count: int) -> Iterator[Run]:
    """Render `count` targets with up to `jobs` processes.

    Entering starts the worker processes (when there is more than one target, or a warm pool),
    so their start overlaps whatever the caller does next (loading the content). The block gets
    `run(context, jobs, render, commit, started, finished)`; leaving it stops the workers, unless
    they are kept warm and the block ended normally.
    """
    global _pool
    wanted = min(jobs, count)
    if jobs > 1 and (wanted > 1 or (_keep and _pool is not None)):
        _pool = _pool or Pool(context())
        _pool.grow(max(wanted, 1))
    pool = _pool if jobs > 1 and _pool is not None else None

    def run(ctx: Any, made: Iterable[Job], render: RenderFn, commit_fn: Commit,
            started: Callable[[Target], None], finished: Callable[[Done], None]) -> list[Done]:
        if pool is None:
            return _in_process(ctx, made, render, commit_fn, started, finished)
        return _Stream(pool, max(wanted, 1), ctx, render, commit_fn, started, finished).run(made)

    try:
        yield run
    except BaseException as exc:
        # Bad input in watch mode: the warm workers stay (what they still send back is dropped).
        if not (_keep and isinstance(exc, Exception)):
            _close_pool(terminate=True)  # a render still running is of no use now
        raise
    if not _keep:
        _close_pool(terminate=False)


def _in_process(ctx: Any, made: Iterable[Job], render: RenderFn, commit_fn: Commit,
                started: Callable[[Target], None], finished: Callable[[Done], None]) -> list[Done]:
    """One target after another in this process, once every HTML is made."""
    results = []
    for job in sorted(made, key=lambda j: (-j.estimate, j.target)):
        started(job.target)
        done = commit_fn(job, render_only(ctx, render, job))
        results.append(done)
        finished(done)
    return results


_stream_ids = iter(range(1 << 62))


class _Stream:
    """One build's jobs through the pool: dispatched as their HTML appears, committed once all is."""

    def __init__(self, pool: Pool, wanted: int, ctx: Any, render: RenderFn, commit_fn: Commit,
                 started: Callable[[Target], None], finished: Callable[[Done], None]) -> None:
        self.pool, self.wanted, self.ctx, self.render = pool, wanted, ctx, render
        self.commit_fn, self.started, self.finished = commit_fn, started, finished
        self.id = next(_stream_ids)
        self.pending: list[tuple[float, Target, Job]] = []  # a heap: longest first
        self.held: list[tuple[Job, Rendered]] = []  # rendered before every HTML was made
        self.all_made = False
        self.results: list[Done] = []
        self.tries: dict[Target, int] = {}
        self.failed_starts = 0

    def run(self, made: Iterable[Job]) -> list[Done]:
        it = iter(made)
        while True:
            if not self.all_made:
                job = next(it, None)  # makes one target's HTML; bad input raises from here
                if job is None:
                    self.all_made = True
                    for held in self.held:
                        self._commit(*held)
                    self.held = []
                else:
                    heapq.heappush(self.pending, (-job.estimate, job.target, job))
            elif not self.pending and not self._in_flight():
                return self.results
            committing = self._handle(self.pool.events(0 if not self.all_made else 0.5))
            self._dispatch()
            for job, rendered in committing:
                if self.all_made:
                    self._commit(job, rendered)
                else:
                    self.held.append((job, rendered))

    def _in_flight(self) -> bool:
        return any(w.busy is not None and w.busy[0] == self.id for w in self.pool.alive())

    def _handle(self, events: list[Any]) -> list[tuple[Job, Rendered]]:
        done = []
        for event in events:
            if event.kind == "started" and event.stream == self.id:
                assert event.target is not None
                self.started(event.target)
            elif event.kind == "done" and event.stream == self.id:
                assert event.rendered is not None and event.job is not None
                done.append((event.job, event.rendered))
            elif event.kind == "died":
                self._died(event.worker.ready, event.job if event.stream == self.id else None, event.began)
        return done

    def _died(self, was_ready: bool, job: Job | None, began: bool) -> None:
        self.failed_starts += not was_ready
        if job is not None:
            tries = self.tries[job.target] = self.tries.get(job.target, 0) + began
            if tries >= 2:  # it killed a second worker too: it is the cause, not a bystander
                self._report(Done(job.target, None, _DIED, 0.0, 0))
            else:
                heapq.heappush(self.pending, (-job.estimate, job.target, job))
        if self.failed_starts > 2 * self.wanted and not any(w.ready for w in self.pool.alive()):
            error = "the worker processes could not start"
            while self.pending:
                self._report(Done(heapq.heappop(self.pending)[2].target, None, error, 0.0, 0))
            return
        if self.pending or not self.all_made:
            self.pool.grow(self.wanted)

    def _dispatch(self) -> None:
        for worker in self.pool.alive():
            if not self.pending:
                return
            if worker.ready and worker.busy is None:
                if worker.setup != self.id:
                    self.pool.setup(worker, self.id, self.render, self.ctx)
                self.pool.send(worker, self.id, heapq.heappop(self.pending)[2])

    def _commit(self, job: Job, rendered: Rendered) -> None:
        self._report(self.commit_fn(job, rendered))

    def _report(self, done: Done) -> None:
        self.results.append(done)
        self.finished(done)


def render_all(
    project: Project,
    jobs: list[Job],
    render: RenderFn,
    out_dir: Path,
    workers: int,
    started: Callable[[Target], None],
    finished: Callable[[Done], None],
) -> list[Done]:
    """Render every job with `render(project, target, html)` and write it to out_dir, longest
    first; `workers` <= 1 renders in this process."""
    from booklets.engine.gallery import describe

    with engine(workers, len(jobs)) as run:
        return run(project, jobs, render, lambda job, r: commit(out_dir, job, r, describe(project, job.target)),
                   started, finished)
