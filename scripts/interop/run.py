"""The interop stage: Duplex against Python websockets, Node ws and websocat on loopback.

Needs DUPLEX_BIN (the `duplex` executable). Starts `duplex serve` over ws:// and wss:// (a
self-signed certificate made for the run), runs every peer's cases, checks the servers shut down
gracefully on SIGTERM, prints one PASS/FAIL line per case and exits 1 on any FAIL."""

import asyncio
import sys
import tempfile

from websockets.asyncio.client import connect

import node_cases
import python_cases
import websocat_cases
from harness import DUPLEX, Peer, Results, expect, make_certificate, require_duplex


async def shutdown_case(server, url):
    """SIGTERM with a client connected: the client gets a 1000/1001 close and the server exits 0."""
    async with connect(url, ssl=python_cases.client_tls_context() if url.startswith("wss:") else None) as ws:
        status = await asyncio.to_thread(server.terminate)
        await ws.wait_closed()
    expect(ws.close_code in (1000, 1001), f"client saw close code {ws.close_code}, expected 1001")
    expect(status == 0, f"server exit status {status} after SIGTERM (None: killed after 10 s)")


async def main():
    require_duplex()
    results = Results()
    with tempfile.TemporaryDirectory() as directory:
        cert, key = make_certificate(directory)
        plain = Peer([DUPLEX, "serve", "--host", "127.0.0.1", "--port", "0"])
        secure = Peer([DUPLEX, "serve", "--host", "127.0.0.1", "--port", "0", "--tls-cert", cert, "--tls-key", key])
        try:
            url = f"ws://127.0.0.1:{plain.wait_listening()}/echo"
            tls_url = f"wss://127.0.0.1:{secure.wait_listening()}/echo"
            await python_cases.client_cases(results, url, tls_url)
            await node_cases.client_cases(results, url, tls_url)
            await websocat_cases.client_cases(results, url, tls_url)
            await python_cases.server_cases(results, (cert, key))
            await node_cases.server_cases(results)
            await results.run("duplex server: graceful SIGTERM shutdown", shutdown_case, plain, url)
            await results.run("duplex server (wss): graceful SIGTERM shutdown", shutdown_case, secure, tls_url)
        finally:
            plain.terminate()
            secure.terminate()
    print(f"interop: {results.passed} passed, {results.failed} failed", flush=True)
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
