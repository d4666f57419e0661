"""Real-browser test of a framework integration's chat example (docs/hummingbird.md, "Tests"):
`integration_chat_test.py NAME APP_BIN`. Starts `APP_BIN --port 0`, opens its page in two headless
Chromium tabs, joins one room in each (a token from `POST /api/token`, then the WebSocket with the
page's own Origin) and checks that a message typed in one appears in the other, both ways.

Each step prints PASS or FAIL; the last line is `N passed, N failed`; exit status 1 on any FAIL."""

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from browser_test import REPORTS, Results, expect
from cdp import Chromium, Page

LISTENING = re.compile(r"listening on ws://([^\s:/]+):(\d+)")


def start_app(binary: str, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Starts the app on a free port; returns it and its `host:port`."""
    app = subprocess.Popen([binary, "--port", "0"], stdout=subprocess.PIPE, stderr=open(log_path, "wb"))
    assert app.stdout is not None
    line = app.stdout.readline().decode(errors="replace")
    match = LISTENING.search(line)
    if not match:
        app.kill()
        raise RuntimeError(f"{binary} printed {line!r} instead of its address")
    return app, f"{match.group(1)}:{match.group(2)}"


def join(name: str, room: str) -> str:
    """The JavaScript that signs in as `name` and joins `room` through the page, as a person would,
    and waits until the page says it is connected."""
    return f"""(async () => {{
        document.getElementById('name').value = {json.dumps(name)};
        document.getElementById('room').value = {json.dumps(room)};
        document.getElementById('join').click();
        for (let tries = 0; tries < 200; tries++) {{
            if (document.getElementById('status').textContent === 'connected') return 'connected';
            await new Promise((resolve) => setTimeout(resolve, 25));
        }}
        return document.getElementById('status').textContent;
    }})()"""


def send(text: str) -> str:
    """The JavaScript that types `text` and presses Send."""
    return f"""(() => {{
        document.getElementById('text').value = {json.dumps(text)};
        document.getElementById('send').click();
    }})()"""


def wait_for(line: str) -> str:
    """The JavaScript that waits up to 5 s for `line` in the page's log; returns whether it came."""
    return f"""(async () => {{
        for (let tries = 0; tries < 200; tries++) {{
            if (document.getElementById('log').textContent.includes({json.dumps(line)})) return true;
            await new Promise((resolve) => setTimeout(resolve, 25));
        }}
        return false;
    }})()"""


async def main(name: str, binary: str) -> int:
    REPORTS.mkdir(parents=True, exist_ok=True)
    results = Results()
    app, address = start_app(binary, REPORTS / f"{name}-app.log")
    chromium = Chromium(log_path=REPORTS / f"{name}-chromium.log", ignore_certificate_errors=False)
    room = f"room-{os.getpid()}-{time.time_ns()}"
    pages: dict[str, Page] = {}
    try:
        await chromium.start()

        async def both_pages_join() -> str:
            for person in ("alice", "bob"):
                pages[person] = page = await chromium.new_page()
                await page.navigate(f"http://{address}/")
                status = await page.evaluate(join(person, room))
                expect(status == "connected", f"{person}'s page says {status!r}")
            return f"room {room!r}"

        async def a_message_crosses_both_ways() -> str:
            await pages["alice"].evaluate(send("hello from alice"))
            expect(await pages["bob"].evaluate(wait_for("alice: hello from alice")), "bob did not see alice's message")
            await pages["bob"].evaluate(send("hi alice"))
            expect(await pages["alice"].evaluate(wait_for("bob: hi alice")), "alice did not see bob's message")
            return ""

        if await results.step(f"[{name}] two pages join a room", both_pages_join):
            await results.step(f"[{name}] a message typed in one page appears in the other", a_message_crosses_both_ways)
        for person, page in pages.items():
            if page.errors:
                results.failed += 1
                print(f"FAIL [{name}] script errors in {person}'s page: {page.errors[:3]}", flush=True)
    finally:
        await chromium.stop()
        app.terminate()
        try:
            app.wait(15)
        except subprocess.TimeoutExpired:
            app.kill()
    print(f"browser ({name}): {results.passed} passed, {results.failed} failed", flush=True)
    return 1 if results.failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: integration_chat_test.py NAME APP_BIN")
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
