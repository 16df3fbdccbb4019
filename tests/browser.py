"""Headless Chromium for the tests, driven over the DevTools protocol on a pipe.

`--remote-debugging-pipe` makes Chromium read protocol messages (JSON, each ended by a NUL byte)
from its file descriptor 3 and write them to 4: no WebSocket library, no port, no browser
download, nothing but the standard library and Debian's chromium. axe-core (the accessibility
rules engine from npm) is injected into the page as a script.

Where Chromium or axe-core is missing, `CHROMIUM_MISSING` / `AXE_MISSING` say so, for skip
reasons; `.ci/run` installs both.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE_VERSION = "4.14.1"  # the version .ci/run installs
# npm install --prefix . axe-core@<version> (.ci/run), or AXE_CORE=/path/to/axe.min.js
AXE = Path(os.environ.get("AXE_CORE", REPO / "node_modules/axe-core/axe.min.js"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe"]
# axe-core's tags for the WCAG 2.0, 2.1 and 2.2 success criteria at levels A and AA.
WCAG22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

CHROMIUM_MISSING = "" if CHROMIUM.exists() else (
    f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
AXE_MISSING = "" if AXE.is_file() else (
    f"needs axe-core at {AXE.relative_to(REPO) if AXE.is_relative_to(REPO) else AXE} "
    f"(npm install --prefix . axe-core@{AXE_VERSION}, as .ci/run does)")


class BrowserError(Exception):
    """The browser answered a command with an error, or did not answer in time."""


class Browser:
    """One headless Chromium process; `page(url)` opens a tab driven by its own session."""

    def __init__(self, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def pipes_on_3_and_4() -> None:  # in the child, before exec; the rest is closed after it
            # Copies above 9 first, so putting one end on 3 never overwrites the other.
            read, write = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome_r, from_chrome_w))
            os.dup2(read, 3)
            os.dup2(write, 4)

        self.proc = subprocess.Popen(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=pipes_on_3_and_4, pass_fds=(3, 4), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        with suppress(BrowserError, OSError):
            self.send("Browser.close", timeout=10)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        os.close(self._to_chrome)
        os.close(self._from_chrome)

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chrome], [], [], left)[0]:
                raise BrowserError("the browser did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise BrowserError("the browser closed its pipe (did it crash?)")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 60) -> dict[str, Any]:
        """Send one command and wait for its answer; events that arrive meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            if "method" in answer:
                self.events.append(answer)

    def wait_event(self, method: str, session: str, timeout: float = 60) -> dict[str, Any]:
        """The first event `method` of the session (kept from before, or arriving now)."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method and event.get("sessionId") == session:
                    self.events.remove(event)
                    return event
            message = self._read_message(deadline)
            if "method" in message:
                self.events.append(message)

    def page(self, url: str, width: int = 1024, height: int = 768) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        for domain in ("Page", "Network", "Runtime"):
            self.send(f"{domain}.enable", session=session)
        # As if the window had the focus: keyboard focus and :focus-visible behave as for a person.
        self.send("Emulation.setFocusEmulationEnabled", {"enabled": True}, session)
        page.resize(width, height)
        page.goto(url)
        return page


class Page:
    """One tab: evaluate script, press keys, list what it loaded."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser, self.session = browser, session

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, self.session)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (a promise is awaited)."""
        answer = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True})
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            raise BrowserError(details.get("exception", {}).get("description") or details.get("text"))
        return answer["result"].get("value")

    def goto(self, url: str) -> None:
        """Load `url` afresh (focus back at the start of the page)."""
        self.send("Page.navigate", {"url": url})
        self.browser.wait_event("Page.loadEventFired", self.session)

    def resize(self, width: int, height: int) -> None:
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def press(self, key: str) -> None:
        """Press and release Tab or Enter, as a keyboard does."""
        codes = {"Tab": (9, ""), "Enter": (13, "\r")}
        code, text = codes[key]
        down: dict[str, Any] = {"type": "keyDown" if text else "rawKeyDown", "key": key, "code": key,
                                "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code}
        if text:
            down["text"] = down["unmodifiedText"] = text
        self.send("Input.dispatchKeyEvent", down)
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": key,
                                             "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code})

    def requests(self) -> list[str]:
        """Every URL the page asked for so far (the page itself included)."""
        return [e["params"]["request"]["url"] for e in self.browser.events
                if e.get("sessionId") == self.session and e.get("method") == "Network.requestWillBeSent"]

    def axe(self, tags: list[str]) -> list[dict[str, Any]]:
        """axe-core's violations of the rules with these tags, each with the elements at fault."""
        if not self.evaluate("typeof axe !== 'undefined'"):
            self.evaluate(AXE.read_text(encoding="utf-8"))
        script = """axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]})
            .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ") + " -- " + n.failureSummary)})))"""
        violations: list[dict[str, Any]] = self.evaluate(script % json.dumps(tags))
        return violations

    def close(self) -> None:
        target = self.send("Target.getTargetInfo")["targetInfo"]["targetId"]
        self.browser.send("Target.closeTarget", {"targetId": target})


@contextmanager
def chromium(tmp: Path) -> Iterator[Browser]:
    """A headless Chromium with a fresh profile in `tmp`, closed (and its profile removed) after."""
    profile = tmp / "chromium-profile"
    browser = Browser(profile)
    try:
        browser.send("Browser.getVersion", timeout=60)
        yield browser
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
