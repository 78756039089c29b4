"""Headless Chromium for tests, driven through the DevTools protocol (websocket-client).

API (reusable by any test):

    from headless_chromium import Chromium, chromium_or_skip

    def test_page(tmp_path):
        chromium_or_skip()                      # skip with a reason; FAIL under CI=true
        with Chromium() as browser:             # launches /usr/bin/chromium --headless …
            page = browser.open(path_or_url, width=1280, height=900)   # waits for the load event
            page.evaluate("document.title")     # -> JSON value (returnByValue)
            png = page.screenshot()             # PNG bytes of the viewport (full_page=True: all)
            page.console        # [ConsoleMessage(level, text)] from console.* and the Log domain
            page.exceptions     # [str] from Runtime.exceptionThrown
            page.dialogs        # [str] alert/confirm/prompt messages (dismissed automatically)
            page.errors()       # console errors + exceptions, the usual "is the page clean" check
            page.close()

Tests that live elsewhere import it with
`sys.path.insert(0, str(Path(__file__).resolve().parents[N] / "browser"))`.

Chromium flags are the ones safe in containers and offline CI: no sandbox (root in a
container), no GPU, no QUIC, no background networking/component updates/sync, a throwaway
profile. The DevTools port is chosen by Chromium (`--remote-debugging-port=0`) and read back from
`DevToolsActivePort` in the profile, so parallel test workers never collide.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("PUBLISHER_TEST_CHROMIUM")  # default: /usr/bin/chromium, then PATH
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--no-default-browser-check", "--remote-debugging-port=0", "--remote-allow-origins=*",
]  # fmt: skip


def chromium_path() -> str | None:
    if CHROMIUM:  # an explicit choice is not second-guessed
        found: str | None = CHROMIUM if os.path.isfile(CHROMIUM) else None
    elif os.path.isfile("/usr/bin/chromium"):
        found = "/usr/bin/chromium"
    else:
        found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found if found and os.access(found, os.X_OK) else None


def chromium_or_skip() -> str:
    """The Chromium binary; skip the test when absent, fail under CI=true."""
    path = chromium_path()
    if path is None:
        message = "Chromium not found (apt-get install chromium, or set PUBLISHER_TEST_CHROMIUM)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests need Chromium under CI=true: {message}", pytrace=False)
        pytest.skip(message)
    try:
        import websocket  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("browser tests need websocket-client (pip install -e '.[dev]')", pytrace=False)
        pytest.skip("websocket-client not installed")
    return path


class DevToolsError(RuntimeError):
    pass


@dataclass
class ConsoleMessage:
    level: str  # "log" | "info" | "warning" | "error" | "debug"
    text: str
    source: str = "console"  # "console" (console.* calls) or the Log domain's source ("network", "security", …)


@dataclass
class Page:
    browser: Chromium
    session: str
    target: str
    console: list[ConsoleMessage] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    loaded: bool = False

    def send(self, method: str, params: dict | None = None, timeout: float | None = None) -> dict:
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise DevToolsError(f"evaluate failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def screenshot(self, full_page: bool = False) -> bytes:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        return base64.b64decode(self.send("Page.captureScreenshot", params)["data"])

    def errors(self) -> list[str]:
        return [m.text for m in self.console if m.level == "error"] + self.exceptions

    def close(self) -> None:
        self.browser.send("Target.closeTarget", {"targetId": self.target})

    def on_event(self, method: str, params: dict) -> None:
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            level = {"warning": "warning", "error": "error", "assert": "error"}.get(params["type"], params["type"])
            self.console.append(ConsoleMessage(level, text))
        elif method == "Log.entryAdded":
            entry = params["entry"]
            self.console.append(ConsoleMessage(entry["level"], entry.get("text", ""), entry.get("source", "")))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.exceptions.append(details.get("exception", {}).get("description") or details.get("text", ""))
        elif method == "Page.javascriptDialogOpening":
            self.dialogs.append(params.get("message", ""))
            # Dismiss at once, or the page (and every later command) would hang on the dialog.
            self.browser.post("Page.handleJavaScriptDialog", {"accept": False}, session=self.session)
        elif method == "Page.loadEventFired":
            self.loaded = True


class Chromium:
    def __init__(self, executable: str | None = None, timeout: float = 30.0):
        self.executable = executable or chromium_or_skip()
        self.timeout = timeout
        self.profile = Path(tempfile.mkdtemp(prefix="chromium-test-"))
        self.process: subprocess.Popen | None = None
        self.ws = None
        self._next_id = 0
        self.pages: dict[str, Page] = {}

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> Chromium:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        import websocket

        self.process = subprocess.Popen(
            [self.executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not (port_file.is_file() and len(port_file.read_text().split("\n")) >= 2):
            if self.process.poll() is not None:
                raise DevToolsError(f"Chromium exited with {self.process.returncode} before DevTools was ready")
            if time.monotonic() > deadline:
                self.stop()
                raise DevToolsError("Chromium did not open its DevTools port in time")
            time.sleep(0.05)
        port, path = port_file.read_text().split("\n")[:2]
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=self.timeout,
                                              suppress_origin=True, enable_multithread=True)

    def stop(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):  # the browser may already be gone
                self.post("Browser.close")
            self.ws.close()
            self.ws = None
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None
        shutil.rmtree(self.profile, ignore_errors=True)

    # -- protocol --------------------------------------------------------------------------------
    def post(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        return self._next_id

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float | None = None) -> dict:
        wanted = self.post(method, params, session)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            message = self._receive(deadline, f"answer to {method}")
            if message.get("id") == wanted:
                if "error" in message:
                    raise DevToolsError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})

    def _receive(self, deadline: float, waiting_for: str) -> dict:
        import websocket

        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DevToolsError(f"timed out waiting for {waiting_for}")
            self.ws.settimeout(remaining)
            try:
                message = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                continue
            if "method" in message:
                page = self.pages.get(message.get("sessionId", ""))
                if page is not None:
                    page.on_event(message["method"], message.get("params", {}))
                continue
            return message

    # -- pages -----------------------------------------------------------------------------------
    def open(self, location: str | Path, width: int = 1280, height: int = 900) -> Page:
        """A new tab showing `location` (a URL, or a file path turned into file://), loaded."""
        is_url = not isinstance(location, Path) and re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]+:", location)
        url = str(location) if is_url else Path(location).resolve().as_uri()
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session, target)
        self.pages[session] = page
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            page.send(domain)
        page.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        page.loaded = False  # only the load event of this navigation counts
        answer = page.send("Page.navigate", {"url": url})
        if answer.get("errorText"):
            raise DevToolsError(f"cannot open {url}: {answer['errorText']}")
        deadline = time.monotonic() + self.timeout
        while not page.loaded:
            if time.monotonic() > deadline:
                raise DevToolsError(f"{url} did not finish loading")
            page.send("Runtime.evaluate", {"expression": "1"})  # pumps events while we wait
            time.sleep(0.05)
        return page
