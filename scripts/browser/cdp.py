"""A minimal Chrome DevTools Protocol client: headless Chromium, pages, evaluate, screenshot."""

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


class CDPError(Exception):
    """A DevTools command failed, or a page's JavaScript threw."""


def find_chromium() -> str:
    """Returns the path of a Chromium executable, honouring $CHROMIUM."""
    for name in filter(None, (os.environ.get("CHROMIUM"), *CHROMIUM_NAMES)):
        path = shutil.which(name)
        if path:
            return path
    raise CDPError("no Chromium found (install Debian's `chromium` or set $CHROMIUM)")


class Page:
    """One DevTools target (a browser tab) reached over its own WebSocket."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.errors: list[str] = []
        """Uncaught exceptions and console.error calls in the page, once `Runtime.enable` was sent."""
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self._socket:
                message = json.loads(raw)
                self._note_error(message)
                future = self._replies.pop(message.get("id"), None)
                if future is not None and not future.done():
                    future.set_result(message)
        finally:
            for future in self._replies.values():
                if not future.done():
                    future.set_exception(CDPError("DevTools connection closed"))

    def _note_error(self, message: dict[str, Any]) -> None:
        params = message.get("params", {})
        if message.get("method") == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.errors.append(details.get("exception", {}).get("description") or details.get("text", "?"))
        elif message.get("method") == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append(" ".join(str(arg.get("value", arg.get("description"))) for arg in params["args"]))

    async def send(self, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
        """Sends a DevTools command and returns its result."""
        command_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[command_id] = future
        await self._socket.send(json.dumps({"id": command_id, "method": method, "params": params}))
        reply = await asyncio.wait_for(future, timeout)
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error'].get('message')}")
        return reply["result"]

    async def evaluate(self, expression: str, timeout: float = 30) -> Any:
        """Evaluates `expression` in the page, awaits it if it is a promise, and returns its value."""
        result = await self.send("Runtime.evaluate", timeout=timeout, expression=expression,
                                 awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise CDPError(details.get("exception", {}).get("description") or details.get("text"))
        return result["result"].get("value")

    async def navigate(self, url: str, timeout: float = 15) -> None:
        """Loads `url` and waits until the document and its scripts have loaded."""
        await self.send("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        while await self.evaluate("document.readyState") != "complete" or \
                await self.evaluate("location.href") != url:
            if time.monotonic() > deadline:
                raise CDPError(f"{url} did not finish loading within {timeout} s")
            await asyncio.sleep(0.1)

    async def screenshot(self, path: Path) -> int:
        """Saves a PNG of the page at `path`; returns its size in bytes."""
        data = base64.b64decode((await self.send("Page.captureScreenshot", format="png"))["data"])
        path.write_bytes(data)
        return len(data)

    async def close(self) -> None:
        """Closes the DevTools connection; a connection that already broke is not an error here."""
        await self._socket.close()
        with contextlib.suppress(Exception):
            await self._reader


class Chromium:
    """A headless Chromium process with DevTools on a free loopback port."""

    def __init__(self, *, log_path: Path, ignore_certificate_errors: bool) -> None:
        self._profile = tempfile.mkdtemp(prefix="duplex-chromium-")
        arguments = [
            find_chromium(), "--headless=new", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            f"--user-data-dir={self._profile}", "--window-size=1280,900",
        ]
        if os.geteuid() == 0:
            arguments.append("--no-sandbox")
        if ignore_certificate_errors:
            arguments.append("--ignore-certificate-errors")
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen([*arguments, "about:blank"], stdout=self._log, stderr=self._log)
        self._browser: Page | None = None
        self._port = 0

    async def start(self, timeout: float = 30) -> None:
        """Waits for DevTools to listen and connects to the browser target."""
        port_file = Path(self._profile) / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise CDPError(f"Chromium did not start its DevTools server (see {self._log.name})")
            await asyncio.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        self._port = int(port)
        self._browser = Page(await connect(f"ws://127.0.0.1:{port}{path}", max_size=None))

    async def new_page(self) -> Page:
        """Opens a new tab and returns a DevTools session attached to it."""
        assert self._browser is not None, "start() first"
        target = await self._browser.send("Target.createTarget", url="about:blank")
        socket = await connect(f"ws://127.0.0.1:{self._port}/devtools/page/{target['targetId']}", max_size=None)
        page = Page(socket)
        await page.send("Page.enable")
        await page.send("Runtime.enable")
        return page

    async def stop(self) -> None:
        """Closes DevTools, stops this Chromium by its PID and removes its profile."""
        if self._browser is not None:
            await self._browser.close()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
        shutil.rmtree(self._profile, ignore_errors=True)
