"""Interop with Node `ws` (Debian's node-ws): its client against `duplex serve`, and
`duplex connect` against its server. The cases themselves live in node_peer.js."""

import asyncio
import os

from harness import Peer, compressible_text, expect_echoed_lines, line_bytes, run_duplex_connect

NODE_PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_peer.js")
NODE_ENV = dict(os.environ, NODE_PATH="/usr/share/nodejs")


async def client_cases(results, url, tls_url, server="duplex server"):
    """Runs node_peer.js's client cases over ws:// and wss://, counting its PASS/FAIL lines (named
    after `server`)."""
    for target in (url, tls_url):
        process = await asyncio.create_subprocess_exec(
            "node", NODE_PEER, "client", target, env=NODE_ENV,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await process.communicate()
        lines = out.decode(errors="replace").splitlines()
        for line in lines:
            if line.startswith("PASS "):
                results.record(line[5:].replace("duplex server", server, 1))
            elif line.startswith("FAIL "):
                name, _, error = line[5:].partition(": ")
                results.record(name.replace("duplex server", server, 1), error)
        if process.returncode != 0 and not any(line.startswith("FAIL ") for line in lines):
            results.record(f"node client -> {server} ({target})",
                           f"node exited {process.returncode}: {err.decode(errors='replace')[-300:]}")


async def server_cases(results):
    """`duplex connect` → the Node echo server (permessage-deflate on, threshold 0)."""
    name = "duplex client -> node server"
    server = Peer(["node", NODE_PEER, "server"], env=NODE_ENV)
    try:
        url = f"ws://127.0.0.1:{server.wait_listening()}/"

        async def echo(lines, *options):
            expect_echoed_lines(lines, *await run_duplex_connect(url, lines, *options))

        binary = line_bytes(20000, 21)
        await results.run(f"{name}: text", echo, [b"hello", "h\u00e9llo \u2713".encode(), b""])
        await results.run(f"{name}: binary", echo, [binary], "--binary")
        await results.run(f"{name}: large compressible", echo, [compressible_text(2 << 20, 22).encode()])
    finally:
        server.terminate()
