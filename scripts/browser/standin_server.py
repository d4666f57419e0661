"""A stand-in for `duplex serve`, written on Python websockets, that speaks the demo's contract.

It exists so the browser test can be proven before the Swift server lands, and to tell a page
bug from a server bug. Contract: plain GETs of /, /app.js, /app.css serve the demo files;
WebSocket /echo echoes every message; WebSocket /chat?room=NAME&name=USER publishes each text
message to topic `room:NAME` as JSON {"room", "from", "text", "ts"}; a text message
{"join": "OTHER"} or {"leave": "OTHER"} subscribes to or unsubscribes from another room.
Its first stdout line is `listening on ws://HOST:PORT` (wss:// with TLS), like `duplex serve`.
"""

import argparse
import asyncio
import json
import signal
import ssl
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

DEMO_DIR = Path(__file__).resolve().parents[2] / "Sources" / "DuplexCLI" / "Resources" / "demo"
STATIC_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/app.css": ("app.css", "text/css; charset=utf-8"),
}
WEBSOCKET_PATHS = {"/echo", "/chat"}

subscribers: defaultdict[str, set[ServerConnection]] = defaultdict(set)


def plain_response(status: int, reason: str, body: bytes, content_type: str) -> Response:
    headers = Headers([("Content-Type", content_type), ("Content-Length", str(len(body))),
                       ("Cache-Control", "no-store")])
    return Response(status, reason, headers, body)


def process_request(connection: ServerConnection, request: Request) -> Response | None:
    """Serves the static files for plain GETs; lets WebSocket upgrades of known paths through."""
    path = urlsplit(request.path).path
    if request.headers.get("Upgrade", "").lower() == "websocket":
        return None if path in WEBSOCKET_PATHS else connection.respond(404, "Not Found\n")
    if path not in STATIC_FILES:
        return plain_response(404, "Not Found", b"Not Found\n", "text/plain; charset=utf-8")
    name, content_type = STATIC_FILES[path]
    return plain_response(200, "OK", (DEMO_DIR / name).read_bytes(), content_type)


async def echo(ws: ServerConnection) -> None:
    async for message in ws:
        await ws.send(message)


async def chat(ws: ServerConnection, room: str, name: str) -> None:
    rooms = {room}
    subscribers[f"room:{room}"].add(ws)
    try:
        async for message in ws:
            if not isinstance(message, str):
                continue
            command = parse_command(message)
            if command is not None:
                verb, other = command
                if verb == "join":
                    rooms.add(other)
                    subscribers[f"room:{other}"].add(ws)
                else:
                    rooms.discard(other)
                    subscribers[f"room:{other}"].discard(ws)
                continue
            payload = json.dumps({"room": room, "from": name, "text": message, "ts": int(time.time() * 1000)})
            broadcast(subscribers[f"room:{room}"], payload)
    finally:
        for joined in rooms:
            subscribers[f"room:{joined}"].discard(ws)


def parse_command(message: str) -> tuple[str, str] | None:
    """Returns ("join"|"leave", room) when `message` is a room command, otherwise None."""
    try:
        value = json.loads(message)
    except ValueError:
        return None
    if isinstance(value, dict) and len(value) == 1:
        verb, room = next(iter(value.items()))
        if verb in ("join", "leave") and isinstance(room, str) and room:
            return verb, room
    return None


async def handler(ws: ServerConnection) -> None:
    url = urlsplit(ws.request.path)
    if url.path == "/echo":
        await echo(ws)
        return
    query = parse_qs(url.query)
    room, name = query.get("room", [""])[0], query.get("name", ["anonymous"])[0]
    if not room:
        await ws.close(1008, "room is required")
        return
    await chat(ws, room, name)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    context = None
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
    async with serve(handler, args.host, args.port, process_request=process_request, ssl=context) as server:
        host, port = server.sockets[0].getsockname()[:2]
        host = f"[{host}]" if ":" in host else host
        print(f"listening on {'wss' if context else 'ws'}://{host}:{port}", flush=True)
        stop = asyncio.Event()
        for number in (signal.SIGINT, signal.SIGTERM):  # graceful shutdown, exit status 0, like `duplex serve`
            asyncio.get_running_loop().add_signal_handler(number, stop.set)
        await stop.wait()
        server.close()
        await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
