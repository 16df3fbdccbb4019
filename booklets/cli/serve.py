"""`serve`: a live preview on http://127.0.0.1:PORT/ while a watcher rebuilds what saves affect.

What it serves, and nothing else:

* `/` (and `/index.html`, `/manifest.json`): the build report;
* the files the build records list for the current targets: each booklet's PDFs and its cover
  thumbnail. Personal packets (`personal/`), scanned records (`records/`), the build's own cache
  and anything else that happens to lie in the output folder are never served (paths.PRIVATE);
* `/html/<facility>/<lang>/<audience>-<edition>.html`: the HTML WeasyPrint receives for that
  booklet, made on request from the current content (cached until its inputs hash changes). Its
  `file://` links to stylesheets, fonts and images are rewritten to `/_files/...`, which serves
  only what the renderer itself may read there (templates/, content/assets/, the fonts).

A request must name this server as its Host (`127.0.0.1:PORT` or `localhost:PORT`): a web page
that rebinds its own host name to 127.0.0.1 (DNS rebinding) is refused, so it cannot read the
preview. An idle connection is closed after a few seconds, so it never holds a thread; and a
request the server cannot answer is one log line and an error page, never a traceback.

Every HTML page served gets a small script that polls `/_livereload` and reloads the page when a
build finishes (and a banner listing the problems, when the last build stopped on bad input).
Only served pages get it: the PDFs and dist/index.html on disk never change.

The builder is `build --watch` with the same options, in its own process group, so this threaded
server never forks, and stopping the server stops the builder and its workers with it.
"""

from __future__ import annotations

import contextlib
import html
import json
import mimetypes
import os
import signal
import subprocess
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from booklets import paths
from booklets.engine import cache
from booklets.engine.inputs import input_hashes, read_matrix
from booklets.engine.output import safe_join
from booklets.engine.pipeline import BuildOptions
from booklets.errors import BookletError, Problem
from booklets.plan import Target, plan

if TYPE_CHECKING:
    from booklets.content.project import Project

LIVE = "/_livereload"
POLL_MS = 500

_SCRIPT = """<script>
(() => {
  document.documentElement.classList.add("served");
  let seen = %s;
  async function poll() {
    try {
      const response = await fetch("%s", {cache: "no-store"});
      const stamp = await response.json();
      if (stamp.id !== seen) { location.reload(); return; }
    } catch (e) { /* the server is restarting: keep polling */ }
    setTimeout(poll, %d);
  }
  setTimeout(poll, %d);
})();
</script>
"""


def read_stamp(out_dir: Path) -> dict[str, Any]:
    """The last build's stamp, with `id` changing at every build's end (0 before the first)."""
    try:
        raw = cache.read_plain_file(cache.stamp_path(out_dir), limit=4 * 1024 * 1024)
        stamp = json.loads(raw) if raw is not None else None
    except ValueError:
        stamp = None
    if not isinstance(stamp, dict):
        return {"id": "0", "problems": [], "failed": []}
    return {
        "id": str(stamp.get("finished_ns", 0)),
        "problems": [str(p) for p in stamp.get("problems", []) if isinstance(p, str)],
        "failed": [str(p) for p in stamp.get("failed", []) if isinstance(p, str)],
    }


def inject(page: str, stamp: dict[str, Any]) -> str:
    """Add the live-reload script (and the last build's problems) before </body>."""
    extra = _SCRIPT % (json.dumps(stamp["id"]), LIVE, POLL_MS, POLL_MS)
    lines = [*stamp["problems"], *(f"{name}: failed to render" for name in stamp["failed"])]
    if lines:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        extra = (
            '<div style="position:fixed;left:0;right:0;bottom:0;z-index:9;background:#fff3f3;'
            'border-top:3px solid #b00020;padding:.5rem 1rem;font:14px/1.4 monospace">'
            f"<strong>The last build stopped:</strong><ul>{items}</ul></div>\n"
        ) + extra
    at = page.lower().rfind("</body>")
    return page[:at] + extra + page[at:] if at >= 0 else page + extra


class Preview:
    """The HTML WeasyPrint would receive for each target, made on request from current content."""

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self.lock = threading.Lock()
        self.project: Project | None = None
        self.project_key = ""
        self.pages: dict[Target, tuple[str, str]] = {}

    def roots(self) -> dict[str, Path]:
        """The folders the renderer may read (render/target.py allowed_roots), by their URL name."""
        from booklets.render.fonts import font_dir

        return {
            "templates": self.options.root / paths.TEMPLATES,
            "assets": self.options.root / paths.ASSETS,
            "fonts": font_dir(),
        }

    def outputs(self) -> set[str]:
        """The files the build records list for the current targets: the only output files served."""
        matrix = read_matrix(self.options.root)
        found: set[str] = set()
        for target in plan(matrix) if matrix is not None else []:
            record = cache.load(self.options.out_dir, target)
            if record is not None:
                found.update(f.path for f in record.files)
        return {p for p in found if PurePosixPath(p).parts[0] not in paths.PRIVATE}

    def target(self, name: str) -> Target | None:
        matrix = read_matrix(self.options.root)
        found = {t.name: t for t in plan(matrix)} if matrix is not None else {}
        return found.get(name)

    def html(self, target: Target) -> str:
        """The target's HTML with project links rewritten to /_files/; raises BookletError."""
        from booklets.content.load import load_project
        from booklets.render.html import render_html

        with self.lock:
            matrix = read_matrix(self.options.root)
            everything = plan(matrix) if matrix is not None else [target]
            fallback = matrix.source_language if matrix is not None and self.options.draft else None
            hashes = input_hashes(self.options.root, everything, self.options.render_options(), fallback)
            key = "".join(sorted(hashes.values()))
            if key != self.project_key:
                self.project, self.project_key, self.pages = (
                    load_project(self.options.root, draft=self.options.draft),
                    key,
                    {},
                )
            assert self.project is not None
            cached = self.pages.get(target)
            if cached is None or cached[0] != hashes.get(target):
                page = render_html(self.project, target, time_limit=self.options.time_limit)
                for name, root in self.roots().items():
                    page = page.replace(root.resolve().as_uri() + "/", f"/_files/{name}/")
                cached = self.pages[target] = (hashes.get(target, ""), page)
            return cached[1]


class Refused(Exception):
    """A request answered with an error status (and no traceback)."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


_NOT_FOUND = Refused(HTTPStatus.NOT_FOUND, "Not found.")
MAX_SERVED_BYTES = 256 * 1024 * 1024


def _one_line(text: str) -> str:
    """Request lines come from anyone: control characters are shown as escapes, never written."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD only; every path is checked to stay inside the folder it names."""

    server: PreviewServer
    timeout = 5  # seconds a connection may sit idle (or trickle a request) before it is closed

    def log_message(self, format: str, *args: Any) -> None:
        if not str(getattr(self, "path", "")).startswith(LIVE):
            sys.stderr.write(f"serve: {_one_line(format % args)}\n")
            sys.stderr.flush()

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def do_GET(self) -> None:
        self._respond(head=False)

    def _respond(self, head: bool) -> None:
        try:
            self._check_host()
            self._answer(head)
        except Refused as exc:
            body = (f"<!DOCTYPE html><title>{exc.status.phrase}</title><body><p>"
                    f"{html.escape(str(exc))}</p></body>").encode()
            self._send(exc.status, body, "text/html; charset=utf-8", head)
        except (ConnectionError, TimeoutError):
            pass  # the browser went away: nothing to answer
        except Exception as exc:  # a bug must not print a traceback or stop the server
            self.log_message("cannot answer %s: %s: %s", self.path, type(exc).__name__, exc)
            body = b"<!DOCTYPE html><title>Error</title><body><p>The preview failed; see its log.</p></body>"
            with contextlib.suppress(Exception):
                self._send(HTTPStatus.INTERNAL_SERVER_ERROR, body, "text/html; charset=utf-8", head)

    def _check_host(self) -> None:
        """Only requests addressed to this server by name: refuses a DNS-rebound host name."""
        port = self.server.server_port
        if self.headers.get("Host", "").lower() not in (f"127.0.0.1:{port}", f"localhost:{port}"):
            raise Refused(HTTPStatus.MISDIRECTED_REQUEST,
                          f"This preview answers only at http://127.0.0.1:{port}/.")

    def _send(self, status: HTTPStatus, body: bytes, mime: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _page(self, status: HTTPStatus, page: str, head: bool) -> None:
        body = inject(page, read_stamp(self.server.out_dir)).encode()
        self._send(status, body, "text/html; charset=utf-8", head)

    def _answer(self, head: bool) -> None:
        # The path as sent, without query or fragment (not urlsplit: `//x/y` is not a host here).
        try:
            path = unquote(self.path.partition("?")[0].partition("#")[0], errors="strict")
        except UnicodeDecodeError:
            path = ""
        if not path.startswith("/") or not path.isprintable():
            raise Refused(HTTPStatus.BAD_REQUEST, "Bad request.")
        if path == LIVE:
            self._send(HTTPStatus.OK, json.dumps(read_stamp(self.server.out_dir)).encode(),
                       "application/json", head)
        elif path.startswith("/html/") and path.endswith(".html"):
            self._preview(path[len("/html/") : -len(".html")], head)
        elif path.startswith("/_files/"):
            name, _, inside = path[len("/_files/") :].partition("/")
            root = self.server.preview.roots().get(name)
            if root is None:
                raise _NOT_FOUND
            self._project_file(root, _relative(inside), head)
        else:
            rel = _relative(path.lstrip("/") or paths.GALLERY)
            if rel.parts[0] in paths.PRIVATE:
                raise _NOT_FOUND
            if rel.as_posix() not in (paths.GALLERY, paths.MANIFEST, *self.server.preview.outputs()):
                raise _NOT_FOUND
            self._output(rel, head)

    def _preview(self, name: str, head: bool) -> None:
        target = self.server.preview.target(name)
        if target is None:
            raise Refused(HTTPStatus.NOT_FOUND, f"No target {name}.")
        try:
            page = self.server.preview.html(target)
        except BookletError as exc:
            items = "".join(f"<li>{html.escape(str(p))}</li>" for p in exc.problems)
            page = (
                "<!DOCTYPE html><title>Bad input</title><body><h1>Bad input</h1>"
                f"<ul>{items}</ul></body>"
            )
            self._page(HTTPStatus.INTERNAL_SERVER_ERROR, page, head)
            return
        self._page(HTTPStatus.OK, page, head)

    def _project_file(self, root: Path, rel: PurePosixPath, head: bool) -> None:
        """A file of a folder the renderer may read, by the renderer's own rules (links resolved and
        kept inside, no hidden file or editor backup, no device or FIFO)."""
        base = root.resolve()
        path = (base / rel).resolve()
        if not path.is_relative_to(base) or not paths.renderer_may_read(
                PurePosixPath(path.relative_to(base).as_posix())):
            raise _NOT_FOUND
        self._serve_bytes(path, head)

    def _output(self, rel: PurePosixPath, head: bool) -> None:
        try:
            path = safe_join(self.server.out_dir, rel)
        except BookletError:
            raise _NOT_FOUND from None
        self._serve_bytes(path, head)

    def _serve_bytes(self, path: Path, head: bool) -> None:
        data = cache.read_plain_file(path, limit=MAX_SERVED_BYTES)
        if data is None:
            raise _NOT_FOUND
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if mime == "text/html":
            self._page(HTTPStatus.OK, data.decode("utf-8", "replace"), head)
        else:
            self._send(HTTPStatus.OK, data, mime, head)


def _relative(rel: str) -> PurePosixPath:
    """A request path as a relative path: no empty, `.` or `..` parts, nothing hidden."""
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") or p.startswith(".") or "\\" in p for p in parts):
        raise _NOT_FOUND
    return PurePosixPath(*parts)


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, options: BuildOptions, port: int) -> None:
        self.out_dir = options.out_dir
        self.preview = Preview(options)
        super().__init__(("127.0.0.1", port), Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line, never a traceback, for whatever escaped a request (a reset connection...)."""
        kind, exc = sys.exc_info()[:2]
        if kind is not None and not issubclass(kind, (ConnectionError, TimeoutError)):
            sys.stderr.write(f"serve: request from {client_address[0]} failed: "
                             f"{kind.__name__}: {_one_line(str(exc))}\n")
            sys.stderr.flush()


def serve(options: BuildOptions, port: int, builder_args: list[str]) -> int:
    """Serve until Ctrl-C, with `python -m booklets <builder_args>` rebuilding in the background."""
    if not 0 <= port <= 65535:
        raise BookletError([Problem("command line", message=f"--port {port}: expected a port from 0 to "
                                    "65535 (0 picks a free one)")])
    try:
        server = PreviewServer(options, port)
    except OSError as exc:
        raise BookletError([Problem("command line", message=f"--port {port}: cannot listen on 127.0.0.1:{port} "
                                    f"({exc.strerror}); pick another port, or --port 0 for any free one")]) from None
    env = dict(os.environ)
    package_parent = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    builder = subprocess.Popen(
        [sys.executable, "-m", "booklets", *builder_args], env=env, start_new_session=True
    )
    # `kill` (SIGTERM) must stop the builder too, not only Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    print(
        f"serving http://127.0.0.1:{server.server_port}/ (Ctrl-C to stop)",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        _stop(builder)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop(builder: subprocess.Popen[bytes]) -> None:
    """Stop the builder's whole process group (it, its fork server and its workers).

    SIGTERM, not SIGINT: idle workers would print a KeyboardInterrupt traceback each. A PDF being
    written at that moment is lost, never half-written (output.write_atomic).
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(builder.pid, sig)
        except ProcessLookupError:
            return
        try:
            builder.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue
