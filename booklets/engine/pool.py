"""Worker processes that render PDFs, fed one job at a time over a pipe (see workers.py for the why).

* Each worker is forked from the fork server, which has already imported WeasyPrint (preload.py),
  so a worker costs a fork, not an interpreter and its imports. Workers are started from a
  background thread: starting one waits for the fork server to finish its imports, and the main
  process meanwhile keeps making HTML.
* Main -> worker: `("setup", render, context)` (what every job of this build renders with),
  `("job", stream, Job)`, or `None` (stop). Worker -> main: `("ready",)` once, then per job
  `("started", stream, target)` and `("done", stream, Rendered)`. `stream` numbers the build, so a
  long-running pool (`--watch`) drops what is still coming back from a build that was abandoned.
* A worker that dies (SIGKILL, out of memory, a crash in a C library) is noticed by its process
  sentinel; the job it had said it started is the one it died on. No other job is affected.
* Workers never write into the output folder: they hand the bytes back and the main process
  commits them (workers.commit), so stopping or killing a worker can never leave a file behind.
"""

from __future__ import annotations

import contextlib
import gc
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from booklets.engine.workers import Job, Rendered
    from booklets.plan import Target


@dataclass(eq=False)
class Worker:
    """One worker process as the main process sees it."""

    index: int
    conn: Connection
    process: BaseProcess
    child_conn: Connection | None
    started: bool = False  # its process exists (start() returned)
    ready: bool = False  # it said so; it has every setup sent since
    setup: int = -1  # the build whose setup it has
    busy: tuple[int, Job] | None = None  # (stream, job) sent and not yet done
    began: bool = False  # it said it started `busy`
    failed: bool = False  # its process could not be started
    dead: bool = False


@dataclass(frozen=True)
class Event:
    """Something a worker did: "ready", "started", "done" (with what it made) or "died"."""

    kind: str
    worker: Worker
    stream: int = -1
    target: Target | None = None
    rendered: Rendered | None = None
    job: Job | None = None  # "done": its job; "died": the job it had been sent, if any
    began: bool = False  # "died": ... and had said it started


@dataclass
class Pool:
    """Worker processes kept for a build (or, in watch mode, for every build of the session)."""

    ctx: BaseContext
    workers: list[Worker] = field(default_factory=list)
    _count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closing: bool = False

    def grow(self, wanted: int) -> None:
        """Have `wanted` live workers (started in the background; they report "ready")."""
        new = []
        with self._lock:
            while len(self.alive()) < wanted:
                conn, child = self.ctx.Pipe(duplex=True)
                # Every concrete context has Process; typeshed's BaseContext does not say so.
                process = self.ctx.Process(target=_serve, args=(child,), daemon=True,  # type: ignore[attr-defined]
                                           name=f"booklets-worker-{self._count}")
                worker = Worker(self._count, conn, process, child)
                self._count += 1
                self.workers.append(worker)
                new.append(worker)
        if new:
            threading.Thread(target=self._start, args=(new,), daemon=True).start()

    def _start(self, new: list[Worker]) -> None:
        for worker in new:
            with self._lock:
                if self._closing:
                    return
            try:
                worker.process.start()  # waits for the fork server's imports the first time
            except Exception:  # the worker cannot exist: reported as "died" before it was ready
                worker.failed = True
                continue
            finally:
                if worker.child_conn is not None:
                    worker.child_conn.close()  # the worker's end: closed here, EOF reaches us when it dies
                    worker.child_conn = None
            with self._lock:
                worker.started = True
                if self._closing:
                    worker.process.terminate()

    def alive(self) -> list[Worker]:
        return [w for w in self.workers if not w.dead]

    def events(self, timeout: float) -> list[Event]:
        """What workers did since the last call, waiting at most `timeout` seconds for something."""
        live = self.alive()
        out = [self._died(w) for w in live if w.failed]
        live = [w for w in live if not w.dead]
        waitables: list[Any] = [w.conn for w in live]
        waitables += [w.process.sentinel for w in live if w.started]
        if out or not waitables:
            return out
        ready = set(wait(waitables, timeout))
        for worker in live:
            if worker.conn in ready or (worker.started and worker.process.sentinel in ready):
                out += self._drain(worker)
            if not worker.dead and worker.started and worker.process.sentinel in ready:
                out.append(self._died(worker))
        return out

    def _drain(self, worker: Worker) -> list[Event]:
        out: list[Event] = []
        try:
            while worker.conn.poll():
                message = worker.conn.recv()
                if message[0] == "ready":
                    worker.ready = True
                    out.append(Event("ready", worker))
                elif message[0] == "started":
                    worker.began = True
                    out.append(Event("started", worker, message[1], target=message[2]))
                else:
                    job = worker.busy[1] if worker.busy is not None else None
                    worker.busy, worker.began = None, False
                    out.append(Event("done", worker, message[1], rendered=message[2], job=job))
        except (EOFError, OSError):
            out.append(self._died(worker))
        return out

    def _died(self, worker: Worker) -> Event:
        stream, job = worker.busy if worker.busy is not None else (-1, None)
        event = Event("died", worker, stream, job=job, began=worker.began)
        worker.dead, worker.busy, worker.began = True, None, False
        worker.conn.close()
        if worker.started:
            worker.process.join(timeout=1)
        return event

    def setup(self, worker: Worker, stream: int, render: Callable[..., Any], context: Any) -> None:
        worker.conn.send(("setup", render, context))
        worker.setup = stream

    def send(self, worker: Worker, stream: int, job: Job) -> None:
        worker.busy, worker.began = (stream, job), False
        worker.conn.send(("job", stream, job))

    def close(self, terminate: bool = False) -> None:
        """Stop every worker: at once with `terminate` (a render in progress is dropped), else
        after its current job."""
        with self._lock:
            self._closing = True
        for worker in self.workers:
            if worker.dead:
                continue
            if terminate and worker.started:
                worker.process.terminate()
            else:
                with contextlib.suppress(OSError):  # already gone
                    worker.conn.send(None)
        for worker in self.workers:
            if worker.started and not worker.dead:
                worker.process.join(timeout=5)
                if worker.process.exitcode is None:
                    worker.process.kill()
            worker.dead = True
            if not worker.conn.closed:
                worker.conn.close()


def _serve(conn: Connection) -> None:
    """A worker's life: say ready, then render each job it is sent until told to stop."""
    from booklets.engine.workers import render_only

    # The main process handles Ctrl-C (and stops us); a worker dying on it mid-render would only
    # print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # What the fork server imported lives as long as the process: keep the collector off it.
    gc.freeze()
    conn.send(("ready",))
    render: Callable[..., Any] | None = None
    context: Any = None
    for message in _messages(conn):
        if message[0] == "setup":
            _, render, context = message
            continue
        _, stream, job = message
        assert render is not None
        conn.send(("started", stream, job.target))
        # A render builds a few hundred thousand objects that live until it ends (boxes, styles):
        # the cyclic collector would walk them again and again while they grow. It is off during
        # a render and collects once after it, when the render's objects are garbage: 3% less
        # time a booklet, the same peak memory within a few MB.
        gc.disable()
        try:
            result = render_only(context, render, job)
        finally:
            gc.enable()
        conn.send(("done", stream, result))
        gc.collect()


def _messages(conn: Connection) -> Iterator[Any]:
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the main process is gone
            return
        if message is None:
            return
        yield message
