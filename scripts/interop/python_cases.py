"""Interop with Python `websockets`: its client against `duplex serve`, and `duplex connect`
against its server."""

import asyncio
import http
import logging
import os
import ssl
import tempfile

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve, unix_serve
from websockets.extensions.permessage_deflate import (ClientPerMessageDeflateFactory,
                                                      ServerPerMessageDeflateFactory)

from harness import (DUPLEX, compressible_text, describe, expect, expect_echoed_lines, expect_same, first_lines,
                     line_bytes, pipe_session, random_bytes, run_duplex_connect)

MiB = 1 << 20
# A failing case is reported once, as FAIL; the server's tracebacks would only repeat it.
logging.getLogger("websockets.server").setLevel(logging.CRITICAL)


def client_tls_context():
    """A client context that accepts the test run's self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def negotiated(ws):
    """The names of the extensions negotiated on a websockets connection."""
    return [extension.name for extension in ws.protocol.extensions]


async def echo_session(url, messages, compressed, tls=False):
    """Connects, sends each message (a list sends fragments), checks each echo, closes with 1000."""
    async with connect(url, compression="deflate" if compressed else None, max_size=None,
                       ssl=client_tls_context() if tls else None, open_timeout=20) as ws:
        expect(negotiated(ws) == (["permessage-deflate"] if compressed else []),
               f"negotiated extensions {negotiated(ws)}")
        for message in messages:
            await ws.send(message)
            sent = ("" if isinstance(message[0], str) else b"").join(message) if isinstance(message, list) else message
            expect_same(sent, await ws.recv())
        await ws.close()
    expect(ws.close_code == 1000, f"close code {ws.close_code}, expected 1000")


async def pipelined_session(url, count):
    """Sends `count` messages before reading any echo; the echoes must come back in order."""
    async with connect(url, max_size=None) as ws:
        for index in range(count):
            await ws.send(f"message {index}")
        for index in range(count):
            expect_same(f"message {index}", await ws.recv())


async def ping_session(url):
    """A ping is answered by a pong with the same payload."""
    async with connect(url) as ws:
        latency = await asyncio.wait_for(await ws.ping(b"duplex-ping"), 10)
        expect(latency >= 0, "no pong")


async def client_cases(results, url, tls_url, server="duplex server"):
    """Python websockets client → Duplex server."""
    name = f"python client -> {server}"
    text = "h\u00e9llo w\u00f6rld \u2713 \U0001F389"
    cases = [
        ("text", [text], False),
        ("binary", [random_bytes(4096, 1)], False),
        ("0-byte text and binary", ["", b""], False),
        ("16 MiB binary", [random_bytes(16 * MiB, 2)], False),
        ("fragmented text", [["frag", "ment\u00e9", "", "d \u2713"]], False),
        ("fragmented binary", [[random_bytes(1000, 3), random_bytes(70000, 4)]], False),
        ("compressed text", [compressible_text(100_000, 5), text], True),
        ("compressed binary", [random_bytes(65536, 6), b""], True),
        ("compressed fragmented", [[compressible_text(3000, 7), compressible_text(5000, 8)]], True),
        ("compressed 16 MiB", [compressible_text(16 * MiB, 9).encode()], True),
    ]
    for case, messages, compressed in cases:
        await results.run(f"{name}: {case}", echo_session, url, messages, compressed)
    await results.run(f"{name}: 1000 pipelined messages in order", pipelined_session, url, 1000)
    await results.run(f"{name}: ping answered", ping_session, url)
    await results.run(f"{name}: wss text+binary", echo_session, tls_url, [text, random_bytes(MiB, 10)], False, True)
    await results.run(f"{name}: wss compressed", echo_session, tls_url, [compressible_text(50_000, 11)], True, True)
    for parameters in DEFLATE_COMBINATIONS:
        await results.run(f"{name}: deflate {describe_combination(parameters)}",
                          deflate_parameters_session, url, parameters)


# permessage-deflate parameter combinations (RFC 7692 §7.1): no-context-takeover for either side,
# and window sizes from the smallest zlib can honour to the largest.
DEFLATE_COMBINATIONS = [
    dict(server_no_context_takeover=server_nct, client_no_context_takeover=client_nct,
         server_max_window_bits=server_bits, client_max_window_bits=client_bits)
    for server_nct in (False, True) for client_nct in (False, True)
    for server_bits, client_bits in ((None, None), (None, True), (9, 9), (12, 10), (15, 15))
]


def describe_combination(parameters):
    """A short name for a parameter combination, e.g. `snct cnct s12 c10`."""
    names = [short for key, short in (("server_no_context_takeover", "snct"),
                                      ("client_no_context_takeover", "cnct")) if parameters[key]]
    for key, short in (("server_max_window_bits", "s"), ("client_max_window_bits", "c")):
        value = parameters[key]
        if value is True:
            names.append(f"{short}-offered")
        elif value is not None:
            names.append(f"{short}{value}")
    return " ".join(names) or "defaults"


async def deflate_parameters_session(url, parameters):
    """Offers exactly `parameters`, checks the server's answer honours them, and echoes messages
    that exercise the context (the same text repeated) both ways."""
    factory = ClientPerMessageDeflateFactory(**parameters)
    async with connect(url, compression=None, extensions=[factory], max_size=None, open_timeout=20) as ws:
        expect(negotiated(ws) == ["permessage-deflate"], f"negotiated extensions {negotiated(ws)}")
        agreed = ws.protocol.extensions[0]
        if parameters["server_no_context_takeover"]:
            expect(agreed.remote_no_context_takeover, "server_no_context_takeover not honoured")
        if isinstance(parameters["server_max_window_bits"], int):
            expect(agreed.remote_max_window_bits <= parameters["server_max_window_bits"],
                   f"server window {agreed.remote_max_window_bits}")
        for index in range(4):
            message = compressible_text(20_000, 40 + index % 2)
            await ws.send(message)
            expect_same(message, await ws.recv())
            await ws.send(message.encode())
            expect_same(message.encode(), await ws.recv())
    expect(ws.close_code == 1000, f"close code {ws.close_code}, expected 1000")


def choose_chat(connection, offered):
    """Accepts the `chat` subprotocol when offered, and a client offering none."""
    return "chat" if "chat" in offered else None


class EchoServer:
    """A websockets echo server that records what it received. Paths: `/` echoes each message,
    `/fragmented` echoes it in three fragments, `/fail` closes with 1011 at once."""

    def __init__(self):
        self.received = []
        self.requests = []
        self.closes = []

    async def handler(self, ws):
        self.requests.append((ws.request.path, ws.request.headers, ws.subprotocol, negotiated(ws)))
        if ws.request.path == "/fail":
            await ws.close(1011, "failing on purpose")
            return
        try:
            async for message in ws:
                self.received.append(message)
                if ws.request.path == "/fragmented" and len(message) >= 3:
                    third = len(message) // 3
                    await ws.send([message[:third], message[third:2 * third], message[2 * third:]])
                else:
                    await ws.send(message)
        finally:  # a close code other than 1000 and 1001 ends the loop with an exception
            self.closes.append((ws.close_code, ws.close_reason))


async def server_cases(results, tls_files):
    """`duplex connect` → Python websockets server."""
    name = "duplex client -> python server"
    server = EchoServer()
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(*tls_files)
    async with serve(server.handler, "127.0.0.1", 0, max_size=None, select_subprotocol=choose_chat) as plain, \
            serve(server.handler, "127.0.0.1", 0, max_size=None, ssl=tls) as secure:
        url = f"ws://127.0.0.1:{plain.sockets[0].getsockname()[1]}"
        tls_url = f"wss://127.0.0.1:{secure.sockets[0].getsockname()[1]}"

        async def echo(lines, *options, path="/", base=url, binary=False):
            server.received.clear()
            status, out, err = await run_duplex_connect(base + path, lines, *options)
            expect_echoed_lines(lines, status, out, err)
            kinds = {type(message) for message in server.received}
            expect(kinds <= {bytes if binary else str}, f"server received {kinds}")
            if binary:  # --binary sends stdin's bytes as they are read, not line by line
                sent = b"".join(line + b"\n" for line in lines)
                expect(b"".join(server.received) == sent, f"server got {describe(b''.join(server.received))}")
            else:
                expect(len(server.received) == len(lines), f"server got {len(server.received)} messages")

        async def compressed():
            await echo([compressible_text(200_000, 12).encode(), b"short"])
            expect(server.requests[-1][3] == ["permessage-deflate"], f"negotiated {server.requests[-1][3]}")

        async def header_and_subprotocol():
            await echo([b"hi"], "--header", "X-Duplex-Test:42", "--subprotocol", "chat")
            _, headers, subprotocol, _ = server.requests[-1]
            expect(headers.get("X-Duplex-Test", "").strip() == "42", f"header {headers.get('X-Duplex-Test')!r}")
            expect(subprotocol == "chat", f"subprotocol {subprotocol!r}")

        async def server_failure():
            status, _, err = await run_duplex_connect(url + "/fail", [b"x"])
            expect(status != 0, "exit 0 after a 1011 close")
            expect(err.strip() != "", "no error text on stderr")

        binary_lines = [line_bytes(5000, seed) for seed in (13, 14)]
        await results.run(f"{name}: text", echo, [b"hello", "h\u00e9llo \u2713 \U0001F389".encode()])
        await results.run(f"{name}: binary", echo, binary_lines, "--binary", binary=True)
        await results.run(f"{name}: 0-byte message", echo, [b"a", b"", b"b"])
        await results.run(f"{name}: 16 MiB", echo, [compressible_text(16 * MiB, 15).encode()])
        await results.run(f"{name}: fragmented", echo, [compressible_text(90_000, 16).encode()], path="/fragmented")
        await results.run(f"{name}: compressed", compressed)
        await results.run(f"{name}: header and subprotocol", header_and_subprotocol)
        await results.run(f"{name}: wss (--insecure)", echo, [b"secure", b"hello"], "--insecure", base=tls_url)
        await results.run(f"{name}: 1011 close exits non-zero", server_failure)

        async def over_unix_socket():
            with tempfile.TemporaryDirectory() as directory:
                socket_path = os.path.join(directory, "ws.sock")
                async with unix_serve(server.handler, socket_path, max_size=None):
                    await echo([b"over a unix socket", b"second"], path="/unix?x=1", base=f"ws+unix:{socket_path}:")
            expect(server.requests[-1][0] == "/unix?x=1", f"request path {server.requests[-1][0]!r}")

        await results.run(f"{name}: ws+unix: to unix_serve", over_unix_socket)

        async def exact_bytes():
            data = random_bytes(300_000, 60)  # every byte value: newlines and invalid UTF-8 too
            server.received.clear()
            status, out, err = await pipe_session([DUPLEX, "connect", "--binary", url + "/"], data, len(data))
            expect(status == 0, f"duplex connect exited {status}: {first_lines(err)}")
            expect(out == data, f"sent {describe(data)}, printed {describe(out)}")
            expect(b"".join(server.received) == data, f"server got {describe(b''.join(server.received))}")

        async def close_code():
            status, _, err = await run_duplex_connect(url + "/", [b"x"], "--close", "4001:done")
            expect(status == 0, f"duplex connect exited {status}: {first_lines(err)}")
            for _ in range(100):
                if server.closes and server.closes[-1] == (4001, "done"):
                    return
                await asyncio.sleep(0.01)
            expect(False, f"server saw closes {server.closes[-3:]}")

        async def show_headers():
            status, _, err = await run_duplex_connect(url + "/", [b"x"], "--show-headers")
            expect(status == 0, f"duplex connect exited {status}: {first_lines(err)}")
            expect("Sec-WebSocket-Accept: " in err and "negotiated extensions: permessage-deflate" in err,
                   f"stderr {first_lines(err)}")

        async def untrusted_certificate():
            status, _, err = await run_duplex_connect(tls_url.replace("127.0.0.1", "localhost") + "/", [b"x"])
            expect(status == 2, f"exit {status}, expected 2")
            expect(len(err.strip().splitlines()) == 1 and "not trusted" in err, f"stderr {err!r}")

        async def refused_connection():
            status, _, err = await run_duplex_connect("ws://127.0.0.1:1/", [b"x"])
            expect(status == 2, f"exit {status}, expected 2")
            expect(err.strip() == "could not connect to 127.0.0.1 port 1: Connection refused", f"stderr {err!r}")

        attempts = []

        def busy_once(connection, request):
            attempts.append(request.path)
            if len(attempts) == 1:
                response = connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "busy\n")
                response.headers["Retry-After"] = "0"
                return response
            return None

        async def reconnect_after_503():
            async with serve(server.handler, "127.0.0.1", 0, process_request=busy_once) as flaky:
                await echo([b"after a 503"], "--reconnect", base=f"ws://127.0.0.1:{flaky.sockets[0].getsockname()[1]}")
            expect(len(attempts) == 2, f"{len(attempts)} handshakes, expected 2")

        await results.run(f"{name}: --binary passes bytes exactly", exact_bytes)
        await results.run(f"{name}: --close CODE:REASON", close_code)
        await results.run(f"{name}: --show-headers", show_headers)
        await results.run(f"{name}: wss --ca PEM", echo, [b"pinned"], "--ca", tls_files[0],
                          base=tls_url.replace("127.0.0.1", "localhost"))
        await results.run(f"{name}: untrusted certificate exits 2 with one line", untrusted_certificate)
        await results.run(f"{name}: refused connection exits 2 with one line", refused_connection)
        await results.run(f"{name}: --reconnect after a 503", reconnect_after_503)

    # The server picks the parameters; `duplex connect` offers its default (client_max_window_bits).
    for parameters in DEFLATE_COMBINATIONS:
        if parameters["client_max_window_bits"] is True:
            continue  # a server cannot answer client_max_window_bits without a value
        deflate_server = EchoServer()
        factory = ServerPerMessageDeflateFactory(**parameters)
        async with serve(deflate_server.handler, "127.0.0.1", 0, max_size=None, compression=None,
                         extensions=[factory]) as listening:
            server = deflate_server
            url = f"ws://127.0.0.1:{listening.sockets[0].getsockname()[1]}"

            async def deflate_echo():
                await echo([compressible_text(30_000, 50).encode()] * 3 + [b"x"], base=url)
                expect(server.requests[-1][3] == ["permessage-deflate"], f"negotiated {server.requests[-1][3]}")

            await results.run(f"{name}: deflate chosen by server {describe_combination(parameters)}", deflate_echo)
