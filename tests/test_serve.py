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
