"""Real clients against a framework integration's example app (docs/hummingbird.md, "Tests"):
`integration_run.py NAME EXAMPLE_BIN`. The example is started twice with `--echo --port 0`, once
plain and once with TLS, and must print `listening on ws[s]://HOST:PORT/` first, serve `/echo`
(echoes every message, no Origin check), `/health` (`ok`), `POST /api/token` (JSON) and a chat
WebSocket at `/ws/chat` behind a token middleware that answers 401 with a body.

Checks: Python websockets, Node ws and websocat echo through `/echo` over ws:// and wss:// (text,
binary, 16 MiB, compressed: the same cases as against `duplex serve`); the app's HTTP routes answer
alongside; the middleware's 401 and its body reach a WebSocket client; invalid handshakes get the
statuses Duplex's own server gives; a chat message goes from one client to another; SIGTERM closes
an open WebSocket with 1001 and the process exits 0 within the grace period."""

import asyncio
import json
import ssl
import sys
import tempfile
import time

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

import node_cases
import python_cases
import websocat_cases
from harness import Peer, Results, expect, make_certificate


async def http_exchange(port, request):
    """Sends raw `request` to 127.0.0.1:`port`; returns the whole answer (until the server closes
    or 5 s pass)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request.encode())
    await writer.drain()
    answer = b""
    try:
        while chunk := await asyncio.wait_for(reader.read(65536), 5):
            answer += chunk
    except asyncio.TimeoutError:
        pass
    writer.close()
    return answer.decode(errors="replace")


def handshake(port, path, *headers):
    """A handshake request for `path` with the RFC 6455 sample key and `headers` (each `Name: value`)."""
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", *headers]
    return "\r\n".join(lines) + "\r\n\r\n"


async def token(port, name):
    """A chat token from `POST /api/token`."""
    body = json.dumps({"name": name})
    answer = await http_exchange(port, f"POST /api/token HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                                       f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                                       f"Connection: close\r\n\r\n{body}")
    expect(answer.startswith("HTTP/1.1 200"), f"POST /api/token answered {answer[:60]!r}")
    return json.loads(answer.split("\r\n\r\n", 1)[1])["token"]


async def http_routes(port):
    """The app's plain HTTP routes answer next to the WebSocket ones."""
    health = await http_exchange(port, f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
    expect(health.startswith("HTTP/1.1 200") and health.endswith("ok"), f"/health answered {health[-80:]!r}")
    page = await http_exchange(port, f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
    expect(page.startswith("HTTP/1.1 200") and "<html" in page, f"/ answered {page[:80]!r}")
    expect(len(await token(port, "alice")) > 0, "empty token")


async def http_routes_tls(port, cert):
    """Over TLS the page is served too (the same server, wrapped in Hummingbird's or Vapor's TLS)."""
    context = ssl.create_default_context(cafile=cert)
    reader, writer = await asyncio.open_connection("localhost", port, ssl=context)
    writer.write(f"GET /health HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n".encode())
    answer = (await asyncio.wait_for(reader.read(), 10)).decode(errors="replace")
    writer.close()
    expect(answer.startswith("HTTP/1.1 200") and answer.endswith("ok"), f"/health over TLS answered {answer[-80:]!r}")


async def middleware_refusal(port):
    """A chat handshake without a token gets the middleware's 401 and its body."""
    try:
        async with connect(f"ws://127.0.0.1:{port}/ws/chat?room=r"):
            pass
    except InvalidStatus as error:
        expect(error.response.status_code == 401, f"status {error.response.status_code}")
        expect(b"sign in first" in error.response.body, f"body {error.response.body!r}")
    else:
        expect(False, "the handshake was accepted without a token")


async def invalid_handshakes(port):
    """The statuses Duplex's own server gives: 400 without a key, 426 with version 8 or without
    Upgrade (and `Sec-WebSocket-Version: 13`), 403 for a chat handshake from a foreign Origin."""
    chat = f"/ws/chat?room=r&token={await token(port, 'bob')}"
    no_key = handshake(port, chat).replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "")
    version8 = handshake(port, chat).replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8")
    plain = f"GET {chat} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    foreign = handshake(port, chat, "Origin: https://evil.example")
    for request, status in ((no_key, 400), (version8, 426), (plain, 426), (foreign, 403)):
        answer = await http_exchange(port, request)
        expect(answer.startswith(f"HTTP/1.1 {status} "), f"expected {status}, got {answer.splitlines()[:1]}")
        if status == 426:
            expect("sec-websocket-version: 13" in answer.lower(), f"426 without Sec-WebSocket-Version: {answer[:200]!r}")


async def chat_between_clients(port):
    """A message one chat client sends reaches another in the same room, as the app's JSON."""
    alice, bob = await token(port, "alice"), await token(port, "bob")
    origin = f"http://127.0.0.1:{port}"
    async with connect(f"ws://127.0.0.1:{port}/ws/chat?room=lobby&token={alice}", origin=origin) as first, \
            connect(f"ws://127.0.0.1:{port}/ws/chat?room=lobby&token={bob}", origin=origin) as second:
        deadline = time.monotonic() + 10
        while True:  # the second subscription may land a moment after its handshake
            await first.send("hello bob")
            try:
                post = json.loads(await asyncio.wait_for(second.recv(), 0.5))
                break
            except asyncio.TimeoutError:
                expect(time.monotonic() < deadline, "no chat message arrived")
        expect(post == {"from": "alice", "room": "lobby", "text": "hello bob"}, f"got {post}")


async def sigterm_closes_with_1001(argv):
    """SIGTERM with a WebSocket open: the client gets 1001 and the app exits 0 within 15 s."""
    app = Peer(argv)
    port = app.wait_listening()
    async with connect(f"ws://127.0.0.1:{port}/echo") as ws:
        status = await asyncio.to_thread(app.terminate, 15)
        await ws.wait_closed()
    expect(ws.close_code == 1001, f"client saw close code {ws.close_code}, expected 1001")
    expect(status == 0, f"exit status {status} after SIGTERM (None: killed after 15 s)")


async def main(name, binary):
    results = Results()
    with tempfile.TemporaryDirectory() as directory:
        cert, key = make_certificate(directory)
        plain = Peer([binary, "--echo", "--port", "0"])
        secure = Peer([binary, "--echo", "--port", "0", "--tls-cert", cert, "--tls-key", key])
        try:
            port, tls_port = plain.wait_listening(), secure.wait_listening()
            url, tls_url = f"ws://127.0.0.1:{port}/echo", f"wss://127.0.0.1:{tls_port}/echo"
            server = f"duplex in {name}"
            for peer in (python_cases, node_cases, websocat_cases):
                await peer.client_cases(results, url, tls_url, server=server)
            await results.run(f"{server}: HTTP routes alongside", http_routes, port)
            await results.run(f"{server}: middleware's 401 and body reach the client", middleware_refusal, port)
            await results.run(f"{server}: invalid handshakes get Duplex's statuses", invalid_handshakes, port)
            await results.run(f"{server}: chat between two clients", chat_between_clients, port)
            await results.run(f"{server} (TLS): HTTP routes alongside", http_routes_tls, tls_port, cert)
            for peer in (plain, secure):
                if peer.exited():
                    results.record(f"{server}: still running after the cases", peer.exited())
        finally:
            plain.terminate()
            secure.terminate()
        await results.run(f"{server}: SIGTERM closes WebSockets with 1001", sigterm_closes_with_1001,
                          [binary, "--echo", "--port", "0"])
    return results.report()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: integration_run.py NAME EXAMPLE_BIN")
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
