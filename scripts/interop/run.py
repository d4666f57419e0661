"""The interop stage: Duplex against Python websockets, Node ws and websocat on loopback.

Needs DUPLEX_BIN (the `duplex` executable). Starts `duplex serve` over ws:// and wss:// (a
self-signed certificate made for the run), runs every peer's cases, checks the servers shut down
gracefully on SIGTERM, prints one PASS/FAIL line per case and exits 1 on any FAIL."""

import asyncio
import json
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


async def bench_over_tls_case(url):
    """`duplex bench echo wss://…` measures through TLS: echoes counted, no errors."""
    process = await asyncio.create_subprocess_exec(
        DUPLEX, "bench", "echo", url, "--insecure", "-c", "4", "--duration", "1", "--warmup", "0.2", "--json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    expect(process.returncode == 0, f"duplex bench exited {process.returncode}: {err.decode(errors='replace')[-300:]}")
    report = json.loads(out)
    expect(report["operations"] > 0 and report["errors"] == 0, f"operations {report['operations']}, errors {report['errors']}")


class DuplexServers:
    """`duplex serve` over ws:// and over wss://, restarted when one of them crashed."""

    def __init__(self, cert, key):
        self.tls_options = ["--tls-cert", cert, "--tls-key", key]
        self.start()

    def start(self):
        """Starts both servers and learns their URLs."""
        command = [DUPLEX, "serve", "--host", "127.0.0.1", "--port", "0"]
        self.plain, self.secure = Peer(command), Peer(command + self.tls_options)
        self.url = f"ws://127.0.0.1:{self.plain.wait_listening()}/echo"
        self.tls_url = f"wss://127.0.0.1:{self.secure.wait_listening()}/echo"

    def check_alive(self, results, after):
        """Fails a case for each server that exited during `after`, and starts them anew."""
        crashes = [(name, server.exited()) for name, server in (("ws", self.plain), ("wss", self.secure))]
        crashes = [(name, crash) for name, crash in crashes if crash]
        for name, crash in crashes:
            results.record(f"duplex serve ({name}) still running after the {after} cases", crash)
        if crashes:
            self.stop()
            self.start()

    def stop(self):
        """Stops both servers by PID."""
        self.plain.terminate()
        self.secure.terminate()


async def main():
    require_duplex()
    results = Results()
    with tempfile.TemporaryDirectory() as directory:
        cert, key = make_certificate(directory)
        servers = DuplexServers(cert, key)
        try:
            for peer in (python_cases, node_cases, websocat_cases):
                await peer.client_cases(results, servers.url, servers.tls_url)
                servers.check_alive(results, peer.__name__)
            await python_cases.server_cases(results, (cert, key))
            await node_cases.server_cases(results)
            await results.run("duplex bench echo over wss://", bench_over_tls_case, servers.tls_url)
            await results.run("duplex server: graceful SIGTERM shutdown", shutdown_case, servers.plain, servers.url)
            await results.run("duplex server (wss): graceful SIGTERM shutdown", shutdown_case,
                              servers.secure, servers.tls_url)
        finally:
            servers.stop()
    return results.report()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
