"""Parallel rendering: worker processes that each import WeasyPrint once and render many targets.

* Workers come from a fork server that imports WeasyPrint and the booklets stages while the main
  process is still loading content and rendering HTML; each worker is then a cheap fork that
  already has them, gets the validated project once (a small pickle) and renders targets until the
  queue is empty. No process starts per target.
* Longest first: jobs are queued by expected render time (last build's time for that target, else
  the size of its HTML), so what is left for the end is short and cores idle little there.
* A worker writes its target's files atomically, then the record (cache.py), so the main process
  only collects outcomes. A failure of one target, or even a worker process dying on it, is
  reported for that target and every other target still finishes.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from booklets import paths
from booklets.engine import cache
from booklets.engine.gallery import describe
from booklets.plan import Target

if TYPE_CHECKING:
    from booklets.content.project import Project


class RenderedFile(Protocol):
    """One file render_target made (render.target.RenderedFile): the booklet's PDF comes first."""

    @property
    def relpath(self) -> PurePosixPath: ...
    @property
    def data(self) -> bytes: ...
    @property
    def pages(self) -> int: ...
    @property
    def kind(self) -> str: ...


# render.target.render_target(project, target, html): the unit of work, passed in by the pipeline.
RenderFn = Callable[["Project", Target, str], Sequence[RenderedFile]]
# Imported by the fork server before any worker is forked from it (see preload.py): WeasyPrint,
# and the schema modules that unpickling the project needs. Without them each worker would import
# them itself, one after another, as the pool hands each its copy of the project.
PRELOAD = ["booklets.render.preload"]


@dataclass(frozen=True)
class Job:
    """One target to render, with its HTML already made (and checked) by the main process."""

    target: Target
    html: str
    inputs: str
    estimate: float  # expected seconds (or HTML size when never built): only the order matters


@dataclass(frozen=True)
class Done:
    """What a worker reports back for one job."""

    target: Target
    record: cache.Record | None
    error: str
    seconds: float
    peak_rss_kb: int


def _peak_rss_kb() -> int:
    try:
        import resource  # POSIX only
    except ImportError:  # pragma: no cover - Windows: not measured
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak // 1024 if sys.platform == "darwin" else peak)  # bytes on macOS, kilobytes elsewhere


def render_job(project: Project, render: RenderFn, out_dir: Path, job: Job) -> Done:
    """Render one target and write its PDF, cover thumbnail and record (in that order); a web
    edition's target writes its page and record."""
    import booklets.render.preload  # noqa: F401  (WeasyPrint, the quick way, when rendering in-process)
    from booklets.errors import BookletError
    from booklets.render.pdf import RenderError
    from booklets.render.thumbnail import cover_png

    start = time.perf_counter()
    t = job.target
    try:
        rendered = render(project, t, job.html)
        files = [cache.write_file(out_dir, f.relpath, f.data, f.kind, f.pages) for f in rendered]
        if rendered[0].kind == "pdf":  # a web page needs no cover thumbnail: its card has a link
            files.append(cache.write_file(out_dir, paths.cover_png(t), cover_png(rendered[0].data), "cover"))
        seconds = time.perf_counter() - start
        record = cache.Record(
            t.name,
            job.inputs,
            tuple(files),
            describe(project, t),
            round(seconds, 3),
            _peak_rss_kb(),
        )
        cache.save(out_dir, record, t)
        return Done(t, record, "", seconds, _peak_rss_kb())
    except RenderError as exc:
        error = str(exc)
    except BookletError as exc:  # bad input found while rendering: a resource a template names,
        error = "; ".join(str(p) for p in exc.problems)  # a character no font has (file:line)
    except OSError as exc:
        error = f"cannot write {exc.filename or out_dir}: {exc.strerror}"
    except Exception as exc:  # a renderer bug on one target must not cost the others their PDFs
        error = f"unexpected {type(exc).__name__} while rendering: {exc}"
    return Done(t, None, error, time.perf_counter() - start, _peak_rss_kb())


# Set once per worker process by _init; the pool then sends only jobs.
_worker: dict[str, Any] = {}


def _init(project: Project, render: RenderFn, out_dir: Path, started: Any) -> None:
    import booklets.render.preload  # noqa: F401  (already there when forked from the fork server)

    _worker.update(project=project, render=render, out_dir=out_dir, started=started)


def _run(job: Job) -> Done:
    _worker["started"].put(job.target)
    return render_job(_worker["project"], _worker["render"], _worker["out_dir"], job)


def context() -> BaseContext:
    """The fork server (preloaded with WeasyPrint) where there is one, else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")  # pragma: no cover - not POSIX


def warm_up() -> None:
    """Start the fork server now, so its imports overlap the main process loading the content."""
    ctx = context()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def render_all(
    project: Project,
    jobs: list[Job],
    render: RenderFn,
    out_dir: Path,
    workers: int,
    started: Callable[[Target], None],
    finished: Callable[[Done], None],
) -> list[Done]:
    """Render every job, longest first; `workers` <= 1 renders in this process.

    A worker that dies (killed, out of memory, a crash in a C library) breaks its pool: the jobs
    it was rendering are then tried again one at a time, so the one that kills its worker is
    found and reported, and every other job is rendered in a fresh pool.
    """
    ordered = sorted(jobs, key=lambda j: (-j.estimate, j.target))
    results: list[Done] = []

    def report(done: Done) -> None:
        results.append(done)
        finished(done)

    if workers <= 1 or len(ordered) <= 1:
        for job in ordered:
            started(job.target)
            report(render_job(project, render, out_dir, job))
        return results

    left = ordered
    while left:
        unfinished, suspects = _pool(project, left, render, out_dir, workers, started, report)
        for job in (j for j in unfinished if j.target in suspects):
            # Alone in its own pool: if the worker dies now, this job is the one that kills it.
            if _pool(project, [job], render, out_dir, 1, lambda t: None, report)[0]:
                report(
                    Done(
                        job.target,
                        None,
                        "its worker process died while rendering it (killed, or out of "
                        "memory?); the other targets were rendered",
                        0.0,
                        0,
                    )
                )
        rest = [j for j in unfinished if j.target not in suspects]
        if rest and not suspects:  # the pool died before any job started: nothing to retry alone
            for job in rest:
                report(Done(job.target, None, "the worker processes could not start", 0.0, 0))
            rest = []
        left = rest
    return results


def _pool(
    project: Project,
    jobs: list[Job],
    render: RenderFn,
    out_dir: Path,
    workers: int,
    started: Callable[[Target], None],
    report: Callable[[Done], None],
) -> tuple[list[Job], set[Target]]:
    """Run jobs in one pool. Returns the jobs left when a worker died, and those it was running."""
    ctx = context()
    started_q = ctx.SimpleQueue()
    running: set[Target] = set()
    unfinished: list[Job] = []
    pool = ProcessPoolExecutor(
        min(workers, len(jobs)),
        mp_context=ctx,
        initializer=_init,
        initargs=(project, render, out_dir, started_q),
    )
    try:
        pending: dict[Future[Done], Job] = {pool.submit(_run, job): job for job in jobs}
        while pending:
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            while not started_q.empty():
                target = started_q.get()
                running.add(target)
                started(target)
            for fut in done:
                job = pending.pop(fut)
                try:
                    outcome = fut.result()
                except BrokenProcessPool:
                    unfinished.append(job)
                    continue
                except Exception as exc:  # e.g. an outcome that could not be sent back
                    outcome = Done(job.target, None, f"worker failed: {type(exc).__name__}: {exc}", 0.0, 0)
                running.discard(job.target)
                report(outcome)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return unfinished, running & {j.target for j in unfinished}
