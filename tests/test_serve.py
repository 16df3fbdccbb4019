"""`serve`: the preview answers on localhost, and an open page reloads when a rebuild finishes."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")


class Server:
    """`python -m booklets serve` in a subprocess, with its log collected line by line."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "booklets",
                "serve",
                "--project",
                str(root),
                "--port",
                "0",
                "--jobs",
                "1",
                "--edition",
                "screen",
            ],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.url = ""
        self.wait_for(
            lambda: any("serving http://" in line for line in self.lines), "the server to start"
        )
        self.url = re.search(r"http://127\.0\.0\.1:\d+/", "\n".join(self.lines)).group(0)  # type: ignore[union-attr]

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, check: Callable[[], bool], what: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            assert self.proc.poll() is None, "serve exited early:\n" + "\n".join(self.lines)
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {what}; log:\n" + "\n".join(self.lines))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=30) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def stamp(self) -> str:
        return str(json.loads(self.get("/_livereload")[1])["id"])

    def requests_for(self, path: str) -> int:
        return sum(f'"GET {path} HTTP' in line for line in self.lines)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)  # serve stops its builder on SIGTERM too
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def server(make_project: Callable[..., Path]) -> Iterator[Server]:
    root = make_project()
    srv = Server(root)
    try:
        srv.wait_for(lambda: srv.stamp() != "0", "the first build")
        yield srv
    finally:
        srv.stop()


def test_preview_answers_on_localhost(server: Server) -> None:
    status, index = server.get("/")
    assert status == 200
    assert (
        'href="north/en/staff-screen.pdf"' in index
        and 'src="north/en/staff-screen.cover.png"' in index
    )
    assert "/_livereload" in index, "served pages get the live-reload script"
    assert "/_livereload" not in (server.root / "dist/index.html").read_text(), (
        "the file on disk stays static"
    )

    status, page = server.get("/html/north/en/staff-screen.html")
    assert status == 200
    assert "<title>Boundaries – Staff</title>" in page and "Zero tolerance for staff" in page
    assert "file://" not in page and 'href="/_files/templates/editions/screen.css"' in page
    assert server.get("/_files/templates/editions/screen.css")[0] == 200
    assert server.get("/_files/templates/../../content/booklet.yaml")[0] == 404
    assert server.get("/_files/templates/%2e%2e/%2e%2e/etc/passwd")[0] == 404
    assert server.get("/html/north/en/nobody-screen.html")[0] == 404
    assert server.get("/north/en/staff-screen.pdf")[1].startswith("%PDF-")


def _chromium(url: str, profile: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _page_titles(profile: Path) -> list[str]:
    """The titles of the browser's open pages, from its DevTools HTTP endpoint."""
    try:
        port = (profile / "DevToolsActivePort").read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
            return [t["title"] for t in json.load(response) if t.get("type") == "page"]
    except (OSError, ValueError, IndexError):
        return []


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)
def test_open_page_reloads_after_a_content_change(server: Server, tmp_path: Path) -> None:
    page = "/html/north/en/staff-screen.html"
    profile = tmp_path / "chromium-profile"
    browser = _chromium(server.url + page.lstrip("/"), profile)
    try:
        server.wait_for(
            lambda: "Boundaries – Staff" in _page_titles(profile), "the page to open", 60
        )
        time.sleep(1.5)  # three polls: nothing changed, so no reload
        assert server.requests_for(page) == 1

        staff = server.root / "content/en/audiences/staff.yaml"
        staff.write_text(
            staff.read_text().replace("title: Boundaries", "title: Boundaries renewed")
        )

        server.wait_for(
            lambda: "Boundaries renewed – Staff" in _page_titles(profile), "the page to reload"
        )
        assert server.requests_for(page) == 2
        assert "changed: content/en/audiences/staff.yaml" in server.lines, (
            "the builder saw the save"
        )
    finally:
        os.killpg(browser.pid, signal.SIGTERM)
        browser.wait(timeout=20)
        shutil.rmtree(profile, ignore_errors=True)


# --- what is served, to whom (issue 12) -----------------------------------------------------------

def _support():  # type: ignore[no-untyped-def]
    import importlib.util

    path = Path(__file__).parent / "bad_input/support.py"
    spec = importlib.util.spec_from_file_location("bad_input_support", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


support = _support()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module's tests, its first build done, with personal data beside it."""
    root = tmp_path_factory.mktemp("served") / "project"
    support.write_project(root)
    srv = Server(root)
    try:
        srv.wait_for(lambda: srv.stamp() != "0", "the first build")
        dist = root / "dist"
        for rel in ("personal/batch-roster.pdf", "personal/roster/02-A12.pdf", "records/scan-001.pdf",
                    "north/en/staff-screen-old.pdf", "notes.txt", ".booklets-cache/packets/font-x.ttf"):
            (dist / rel).parent.mkdir(parents=True, exist_ok=True)
            (dist / rel).write_bytes(b"%PDF-1.7 PERSONAL DATA of A12")
        yield srv
    finally:
        srv.stop()


def _raw(server: Server, request: bytes, wait: float = 10) -> bytes:
    """Send bytes as they are (no client library tidying them) and read the whole answer."""
    import socket

    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


def _get(server: Server, path: str, host: str | None = None) -> int:
    port = server.url.rsplit(":", 1)[1].strip("/")
    host = f"127.0.0.1:{port}" if host is None else host
    return _status(_raw(server, f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()))


PRIVATE_PATHS = [
    "/personal/batch-roster.pdf", "/personal/roster/02-A12.pdf", "/records/scan-001.pdf",
    "/.booklets-cache/north/en/staff-screen.json", "/.booklets-cache/packets/font-x.ttf",
    "/.booklets-cache/last-build.json", "/.lock", "/notes.txt", "/north/en/staff-screen-old.pdf",
    "/%70ersonal/batch-roster.pdf", "/north/../personal/batch-roster.pdf", "//personal/batch-roster.pdf",
    "/north/en/%2e%2e/%2e%2e/personal/batch-roster.pdf", "/personal/", "/personal",
    "/_files/templates/../../dist/personal/batch-roster.pdf", "/_files/assets/../../dist/personal/batch-roster.pdf",
    "/_files/content/en/audiences/staff.yaml", "/_files/templates/../../content/booklet.yaml",
]


@pytest.mark.parametrize("path", PRIVATE_PATHS)
def test_personal_data_build_records_and_unknown_files_are_never_served(served: Server, path: str) -> None:
    assert _get(served, path) == 404


def test_the_report_and_the_booklets_are_served(served: Server) -> None:
    for path in ("/", "/index.html", "/manifest.json", "/north/en/staff-screen.pdf",
                 "/north/en/staff-screen.cover.png", "/html/north/en/staff-screen.html",
                 "/_files/templates/css/booklet.css", "/_files/fonts/SourceSansPro-Regular.ttf"):
        assert _get(served, path) == 200, path


@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1", "127.0.0.1:1",
                                  "localhost.evil.example:{port}", ""])
def test_a_request_for_another_host_is_refused(served: Server, host: str) -> None:
    """DNS rebinding: a page from evil.example whose name now points at 127.0.0.1 sends its own
    host name; the preview answers only requests addressed to it."""
    port = served.url.rsplit(":", 1)[1].strip("/")
    assert _get(served, "/north/en/staff-screen.pdf", host.format(port=port)) == 421
    assert _get(served, "/north/en/staff-screen.pdf", f"localhost:{port}") == 200
    no_host = _raw(served, b"GET /north/en/staff-screen.pdf HTTP/1.0\r\n\r\n")
    assert _status(no_host) == 421


ODD_REQUESTS = [
    b"GET /%00 HTTP/1.1\r\n", b"GET /north/en/%00.pdf HTTP/1.1\r\n", b"GET /html/%ff%fe.html HTTP/1.1\r\n",
    b"GET /%ff HTTP/1.1\r\n", b"GET //[::1 HTTP/1.1\r\n", b"GET http://evil.example/ HTTP/1.1\r\n",
    b"GET * HTTP/1.1\r\n", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n", b"GET /_files/nope/x HTTP/1.1\r\n",
    b"GET /_files/templates/ HTTP/1.1\r\n", b"GET /_files/fonts HTTP/1.1\r\n", b"GET /html/../../x.html HTTP/1.1\r\n",
    b"GET /html/%2e%2e/%2e%2e/x.html HTTP/1.1\r\n", b"GET /html/.html HTTP/1.1\r\n", b"BREW / HTTP/1.1\r\n",
    b"\x00\x01\x02\r\n", b"GET /\r\n", b"GET / HTTP/9.9\r\n", b"GET /x\\..\\y HTTP/1.1\r\n",
    b"GET /north/en/staff-screen.pdf HTTP/1.1\r\nHost: 127.0.0.1\r\nbroken header\r\n",
]


def test_odd_requests_are_answered_without_a_traceback(served: Server) -> None:
    port = served.url.rsplit(":", 1)[1].strip("/")
    before = len(served.lines)
    for request in ODD_REQUESTS:
        if b"Host:" not in request and request.startswith(b"GET /") and request.endswith(b"HTTP/1.1\r\n"):
            request += f"Host: 127.0.0.1:{port}\r\n".encode()
        answer = _raw(served, request + b"Connection: close\r\n\r\n")
        # HTTP/0.9-style requests get a bare error page (no status line), as the standard says.
        assert (_status(answer) in (400, 404, 414, 421, 501, 505) or answer == b""
                or (_status(answer) == 0 and answer.upper().startswith(b"<!DOCTYPE HTML>"))), (
            request[:60], answer[:80])
    time.sleep(0.5)
    log = served.lines[before:]
    assert not any("Traceback" in line or line.startswith(" ") for line in log), "\n".join(log)
    assert sum(line.startswith("serve: ") for line in log) >= len(ODD_REQUESTS)  # one line each
    assert _get(served, "/north/en/staff-screen.pdf") == 200  # and it still serves


def test_an_idle_connection_is_closed_and_holds_no_thread(served: Server) -> None:
    import socket

    port = int(served.url.rsplit(":", 1)[1].strip("/"))
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n")  # ...and then nothing more
        assert sock.recv(65536) == b""  # closed by the server, not by our 30 s
    assert time.monotonic() - started < 20


def test_a_port_out_of_range_is_one_line_and_exit_status_2(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "booklets", "serve", "--project", str(tmp_path), "--port", "99999"],
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=60)
    assert done.stderr.splitlines() == [
        "error: command line: --port 99999: expected a port from 0 to 65535 (0 picks a free one)"]
    assert done.returncode == 2
