"""`serve`: a live preview on http://127.0.0.1:PORT/ while a watcher rebuilds what saves affect.

* `/` is the build report (dist/index.html) and everything else under the output folder (PDFs,
  cover thumbnails) is served as built.
* `/html/<facility>/<lang>/<audience>-<edition>.html` is the HTML WeasyPrint receives for that
  booklet, made on request from the current content (cached until its inputs hash changes). Its
  `file://` links to stylesheets, fonts and images are rewritten to `/_files/...`, which serves
  only files inside those folders, as the renderer's own fetcher does.
* Every HTML page served gets a small script that polls `/_livereload` and reloads the page when a
  build finishes (and a banner listing the problems, when the last build stopped on bad input).
  Only served pages get it: the PDFs and dist/index.html on disk never change.

The builder is `build --watch` with the same options, in its own process group, so this threaded
server never forks, and stopping the server stops the builder and its workers with it.
"""

from __future__ import annotations

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
from urllib.parse import unquote, urlsplit

from booklets import paths
from booklets.engine import cache
from booklets.engine.inputs import input_hashes, read_matrix
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
        stamp: dict[str, Any] = json.loads(cache.stamp_path(out_dir).read_bytes())
    except (OSError, ValueError):
        return {"id": "0", "problems": [], "failed": []}
    return {
        "id": str(stamp.get("finished_ns", 0)),
        "problems": stamp.get("problems", []),
        "failed": stamp.get("failed", []),
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
        from booklets.render.fonts import font_dir

        return {
            "templates": self.options.root / paths.TEMPLATES,
            "content": self.options.root / paths.CONTENT,
            "fonts": font_dir(),
        }

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
                page = render_html(self.project, target)
                for name, root in self.roots().items():
                    page = page.replace(root.resolve().as_uri() + "/", f"/_files/{name}/")
                cached = self.pages[target] = (hashes.get(target, ""), page)
            return cached[1]


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD only; every path is checked to stay inside the folder it names."""

    server: PreviewServer

    def log_message(self, format: str, *args: Any) -> None:
        if not self.path.startswith(LIVE):
            sys.stderr.write(f"serve: {format % args}\n")
            sys.stderr.flush()

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _send(self, status: HTTPStatus, body: bytes, mime: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _page(self, status: HTTPStatus, page: str, head: bool) -> None:
        body = inject(page, read_stamp(self.server.out_dir)).encode()
        self._send(status, body, "text/html; charset=utf-8", head)

    def _answer(self, head: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == LIVE:
            self._send(
                HTTPStatus.OK,
                json.dumps(read_stamp(self.server.out_dir)).encode(),
                "application/json",
                head,
            )
        elif path.startswith("/html/") and path.endswith(".html"):
            self._preview(path[len("/html/") : -len(".html")], head)
        elif path.startswith("/_files/"):
            name, _, rel = path[len("/_files/") :].partition("/")
            root = self.server.preview.roots().get(name)
            self._file(root, rel, head)
        else:
            self._file(self.server.out_dir, path.lstrip("/") or "index.html", head)

    def _preview(self, name: str, head: bool) -> None:
        target = self.server.preview.target(name)
        if target is None:
            self._page(
                HTTPStatus.NOT_FOUND,
                "<!DOCTYPE html><title>Not found</title><body><p>No target "
                f"{html.escape(name)}.</p></body>",
                head,
            )
            return
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

    def _file(self, root: Path | None, rel: str, head: bool) -> None:
        base = root.resolve() if root is not None else None
        path = (base / PurePosixPath(rel)).resolve() if base is not None else None
        if path is not None and path.is_dir():
            path = path / "index.html"
        if base is None or path is None or not path.is_relative_to(base) or not path.is_file():
            self._page(
                HTTPStatus.NOT_FOUND,
                "<!DOCTYPE html><title>Not found</title><body><p>Not found.</p></body>",
                head,
            )
            return
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if mime == "text/html":
            self._page(HTTPStatus.OK, path.read_text(encoding="utf-8"), head)
        else:
            self._send(HTTPStatus.OK, path.read_bytes(), mime, head)


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, options: BuildOptions, port: int) -> None:
        self.out_dir = options.out_dir
        self.preview = Preview(options)
        super().__init__(("127.0.0.1", port), Handler)


def serve(options: BuildOptions, port: int, builder_args: list[str]) -> int:
    """Serve until Ctrl-C, with `python -m booklets <builder_args>` rebuilding in the background."""
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
