"""Real-browser test of the demo page: headless Chromium driven over DevTools, over ws:// and wss://.

Each step prints PASS or FAIL; the last line is `N passed, N failed`; the exit status is 1 on any FAIL.
The server is `duplex serve` ($DUPLEX_BIN), or the Python stand-in when DEMO_SERVER=standin.
"""

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

from cdp import Chromium, Page

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / ".build" / "reports" / "browser"
LISTENING = re.compile(r"listening on wss?://(\[[^\]]+\]|[^\s:/]+):(\d+)")
CLOSE_REASON = "demo finished"


class Results:
    """Counts and prints step outcomes."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    async def step(self, name: str, check: Callable[[], Awaitable[str]]) -> bool:
        """Runs `check`, which returns a detail string or raises; prints PASS or FAIL."""
        try:
            detail = await check()
        except Exception as error:  # every failure, whatever its kind, is a FAIL of this step
            self.failed += 1
            print(f"FAIL {name}: {type(error).__name__}: {error}", flush=True)
            if os.environ.get("BROWSER_TEST_VERBOSE"):
                traceback.print_exc()
            return False
        self.passed += 1
        print(f"PASS {name}" + (f" ({detail})" if detail else ""), flush=True)
        return True


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def server_command(tls_files: tuple[Path, Path] | None) -> list[str]:
    if os.environ.get("DEMO_SERVER") == "standin":
        command = [sys.executable, str(Path(__file__).with_name("standin_server.py"))]
    else:
        command = [os.environ.get("DUPLEX_BIN", str(ROOT / ".build" / "debug" / "duplex")), "serve"]
    command += ["--port", "0"]
    if tls_files:
        command += ["--tls-cert", str(tls_files[0]), "--tls-key", str(tls_files[1])]
    return command


def start_server(tls_files: tuple[Path, Path] | None, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Starts the server; returns it and the host:port parsed from its first stdout line."""
    log = open(log_path, "wb")
    process = subprocess.Popen(server_command(tls_files), stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        output = log_path.read_text(errors="replace")
        if "\n" in output:  # the first line is complete
            first_line = output.split("\n", 1)[0]
            match = LISTENING.search(first_line)
            if not match:
                stop(process)
                raise RuntimeError(f"unexpected first line from the server: {first_line!r}")
            host = "127.0.0.1" if match[1] in ("0.0.0.0", "[::]") else match[1]
            return process, f"{host}:{match[2]}"
        time.sleep(0.1)
    status = process.poll()
    stop(process)
    ending = "timed out" if status is None else f"exited with status {status}"
    raise RuntimeError(f"the server {ending} before printing `listening on ws://HOST:PORT` (see {log_path})")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stops a process this test started, by its PID."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """Makes a throwaway self-signed certificate for localhost and 127.0.0.1."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"],
                   check=True, capture_output=True)
    return cert, key


async def open_demo(chromium: Chromium, url: str) -> Page:
    page = await chromium.new_page()
    await page.navigate(url)
    return page


def call(hook: str, *arguments: object) -> str:
    """The JavaScript calling window.duplexDemo.<hook>(arguments...)."""
    return f"window.duplexDemo.{hook}({', '.join(json.dumps(argument) for argument in arguments)})"


def join_and_send_by_form(room: str, name: str, text: str) -> str:
    """The JavaScript that joins `room` and sends `text` through the page's forms, as a person would."""
    return f"""(async () => {{
        document.getElementById('room').value = {json.dumps(room)};
        document.getElementById('name').value = {json.dumps(name)};
        document.querySelector('#join-form button').click();
        const input = document.getElementById('chat-text');
        for (let tries = 0; input.disabled && tries < 100; tries++) await new Promise((r) => setTimeout(r, 50));
        if (input.disabled) throw new Error('joining through the form did not enable the message input');
        input.value = {json.dumps(text)};
        document.querySelector('#chat-form button').click();
    }})()"""


async def run_scheme(scheme: str, results: Results, workdir: Path) -> None:
    """Runs every step against one server over `scheme` ("ws" or "wss")."""
    tls = scheme == "wss"
    tls_files = make_certificate(workdir) if tls else None
    server, address = start_server(tls_files, REPORTS / f"server-{scheme}.log")
    chromium: Chromium | None = None
    url = f"{'https' if tls else 'http'}://{address}/"
    nonce = f"{os.getpid()}-{time.time_ns()}"
    room = f"lobby-{nonce}"
    pages: dict[str, Page] = {}
    try:
        chromium = Chromium(log_path=REPORTS / f"chromium-{scheme}.log", ignore_certificate_errors=tls)
        await chromium.start()

        async def page_loads() -> str:
            pages["alice"] = await open_demo(chromium, url)
            state = await pages["alice"].evaluate(
                "({title: document.title, hook: typeof window.duplexDemo,"
                " styled: getComputedStyle(document.querySelector('.panel')).borderTopStyle,"
                " scheme: location.protocol})")
            expect(state["title"] == "Duplex demo", f"title is {state['title']!r}")
            expect(state["hook"] == "object", "app.js did not run (no window.duplexDemo)")
            expect(state["styled"] == "solid", "app.css was not applied")
            return f"{url}, {state['scheme']}"

        if not await results.step(f"[{scheme}] page loads", page_loads):
            return
        alice = pages["alice"]

        async def echo_connects() -> str:
            info = await alice.evaluate(call("connectEcho"))
            shown = await alice.evaluate("document.getElementById('echo-extensions').textContent")
            expect("permessage-deflate" in info["extensions"], f"ws.extensions is {info['extensions']!r}")
            expect(shown == info["extensions"], f"the page shows {shown!r}")
            return f"extensions: {info['extensions']}"

        async def text_round_trip() -> str:
            short = await alice.evaluate(call("echoText", f"héllo, wörld ✓ {nonce}"))
            large = await alice.evaluate("window.duplexDemo.echoText('duplex '.repeat(40000))")
            expect(short["ok"], "short text came back different")
            expect(large["ok"], "280 kB text came back different")
            return f"short {short['rtt']:.1f} ms, 280 kB {large['rtt']:.1f} ms"

        async def binary_round_trip() -> str:
            small = await alice.evaluate(call("echoBinary", 16))
            large = await alice.evaluate(call("echoBinary", 256 * 1024 + 7))
            expect(small["ok"], "16 bytes came back different")
            expect(large["ok"], "256 KiB of random bytes came back different")
            return f"16 B {small['rtt']:.1f} ms, 256 KiB {large['rtt']:.1f} ms"

        async def chat_between_pages() -> str:
            pages["bob"] = bob = await open_demo(chromium, url)
            await alice.evaluate(call("joinRoom", room, "alice"))
            text = f"hello from bob {nonce}"
            await bob.evaluate(join_and_send_by_form(room, "bob", text))
            received = await alice.evaluate(call("waitForChat", text, 5000))
            expect(received["from"] == "bob", f"from is {received['from']!r}")
            expect(received["room"] == room, f"room is {received['room']!r}")
            echoed = await bob.evaluate(call("waitForChat", text, 5000))
            expect(echoed["from"] == "bob", "the sender did not receive its own message")
            shown = await alice.evaluate("document.getElementById('chat-log').textContent")
            expect(text in shown, "the message is not shown in alice's chat log")
            return f"room {room!r}, ts {received['ts']!r}"

        async def close_with_code() -> str:
            event = await alice.evaluate(call("closeEcho", 4000, CLOSE_REASON))
            shown = await alice.evaluate("document.getElementById('close-result').textContent")
            expect(event["code"] == 4000, f"close event code is {event['code']}")
            expect(event["reason"] == CLOSE_REASON, f"close event reason is {event['reason']!r}")
            expect(event["wasClean"], "the close was not clean")
            expect("4000" in shown, f"the page shows {shown!r}")
            return f"code {event['code']}, reason {event['reason']!r}, clean"

        async def screenshot() -> str:
            path = REPORTS / f"demo-{scheme}.png"
            size = await alice.screenshot(path)
            expect(size > 10_000, f"the screenshot is only {size} bytes")
            return str(path.relative_to(ROOT))

        await results.step(f"[{scheme}] echo connects with permessage-deflate", echo_connects)
        await results.step(f"[{scheme}] text round trip", text_round_trip)
        await results.step(f"[{scheme}] binary round trip", binary_round_trip)
        await results.step(f"[{scheme}] chat message from a second page", chat_between_pages)
        await results.step(f"[{scheme}] close with code 4000 and a reason", close_with_code)
        async def no_script_errors() -> str:
            errors = [f"{name}: {error}" for name, page in pages.items() for error in page.errors]
            expect(not errors, "; ".join(errors))
            return f"{len(pages)} pages"

        async def graceful_sigterm() -> str:
            # Page A is still in its chat room: the server must close that connection and exit 0.
            server.terminate()
            status = await asyncio.to_thread(server.wait, 15)
            expect(status == 0, f"the server exited with status {status}")
            return "exit status 0"

        await results.step(f"[{scheme}] screenshot", screenshot)
        await results.step(f"[{scheme}] no uncaught script errors", no_script_errors)
        await results.step(f"[{scheme}] SIGTERM stops the server gracefully", graceful_sigterm)
    finally:
        for page in pages.values():
            await page.close()
        if chromium is not None:
            await chromium.stop()
        stop(server)


async def main() -> int:
    REPORTS.mkdir(parents=True, exist_ok=True)
    main_task = asyncio.current_task()
    assert main_task is not None
    for number in (signal.SIGINT, signal.SIGTERM):  # unwind through the `finally`s that stop our processes
        asyncio.get_running_loop().add_signal_handler(number, main_task.cancel)
    results = Results()
    for scheme in ("ws", "wss"):
        with tempfile.TemporaryDirectory(prefix="duplex-browser-") as workdir:
            try:
                await run_scheme(scheme, results, Path(workdir))
            except Exception as error:  # a setup failure (server, browser, certificate) fails the scheme
                results.failed += 1
                print(f"FAIL [{scheme}] setup: {type(error).__name__}: {error}", flush=True)
    print(f"browser: {results.passed} passed, {results.failed} failed", flush=True)
    return 1 if results.failed else 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except asyncio.CancelledError:
        print("browser-test: interrupted; the server and Chromium were stopped", file=sys.stderr)
        sys.exit(130)
