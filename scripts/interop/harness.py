"""Shared helpers for the interop drivers: the duplex binary, peers started and stopped by PID,
a self-signed certificate, deterministic payloads, and PASS/FAIL bookkeeping."""

import asyncio
import os
import random
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

#: Seconds one case may take before it counts as failed.
CASE_TIMEOUT = 60
#: The `duplex` executable under test (scripts/test exports it from its single build).
DUPLEX = os.environ.get("DUPLEX_BIN", "")
_LISTENING = re.compile(r"listening on (wss?)://(\S+):(\d+)")


def require_duplex():
    """Exits with a clear message when DUPLEX_BIN does not name an executable."""
    if not (DUPLEX and os.access(DUPLEX, os.X_OK)):
        sys.exit(f"DUPLEX_BIN must name the duplex executable (got {DUPLEX!r})")


class Results:
    """Counts cases and prints one `PASS peer: case` or `FAIL peer: case: why` line for each."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, name, error=None):
        """Records one case; `error` is `None` when it passed, else what went wrong."""
        if error is None:
            self.passed += 1
            print(f"PASS {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}: {error}", flush=True)

    def report(self):
        """Prints the totals; returns the exit status (1 when a case failed)."""
        print(f"interop: {self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed else 0

    async def run(self, name, coroutine_function, *args, **options):
        """Runs one async case under CASE_TIMEOUT; an exception or a timeout fails it."""
        started = time.monotonic()
        try:
            await asyncio.wait_for(coroutine_function(*args, **options), CASE_TIMEOUT)
        except asyncio.TimeoutError:
            self.record(name, f"timed out after {CASE_TIMEOUT} s")
        except Exception as error:  # every failure of a case is reported, none stops the run
            self.record(name, f"{type(error).__name__}: {error}")
        else:
            self.record(name)
        if time.monotonic() - started > 5:
            print(f"  ({name} took {time.monotonic() - started:.1f} s)", flush=True)


class CheckFailed(Exception):
    """A case's observed behaviour differed from the expected one."""


def expect(condition, message):
    """Fails the current case with `message` unless `condition` holds."""
    if not condition:
        raise CheckFailed(message)


def describe(value):
    """A short description of a message for failure text (type, length, first bytes)."""
    kind = "text" if isinstance(value, str) else type(value).__name__
    return f"{kind} of {len(value)} ({value[:24]!r}…)"


def expect_same(sent, received):
    """Fails unless `received` has the type and exact content of `sent`."""
    expect(type(sent) is type(received) and sent == received,
           f"sent {describe(sent)}, got back {describe(received)}")


def random_bytes(size, seed):
    """`size` pseudo-random bytes, the same for a given seed."""
    return random.Random(seed).randbytes(size)


def compressible_text(size, seed):
    """`size` ASCII characters of word-like text, which deflate shrinks a lot."""
    words = ["duplex", "frame", "mask", "deflate", "close", "ping", "pong", "echo", "message", "payload"]
    rng = random.Random(seed)
    parts, length = [], 0
    while length < size:
        word = rng.choice(words)
        parts.append(word)
        length += len(word) + 1
    return " ".join(parts)[:size]


def line_bytes(size, seed):
    """About `size` bytes for one stdin line of a `--binary` client: every byte value below 0x80
    but LF and CR, mixed with multi-byte UTF-8 (arbitrary non-UTF-8 bytes are not asked of a
    line-oriented command)."""
    alphabet = [chr(code) for code in range(128) if code not in (10, 13)] + ["\u00e9", "\u2713", "\U0001F389"]
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(size)).encode()


class Peer:
    """A process started for the run (a server, usually), stopped by its PID."""

    def __init__(self, argv, env=None):
        self.argv = argv
        # stderr goes to a file: a pipe nobody reads would block a peer that logs a lot
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.stderr, env=env)

    def wait_listening(self, timeout=30):
        """Reads the first stdout line, `listening on ws[s]://HOST:PORT`, and returns the port."""
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self.process.stdout], [], [], max(remaining, 0))
            if not ready:
                raise CheckFailed(f"{self.argv[0]} printed no 'listening on' line in {timeout} s")
            chunk = os.read(self.process.stdout.fileno(), 1)
            if not chunk:
                self.process.wait()
                raise CheckFailed(self.exited())
            line += chunk
        match = _LISTENING.search(line.decode(errors="replace"))
        if not match:
            raise CheckFailed(f"unexpected first line {line!r}")
        return int(match.group(3))

    def stderr_tail(self):
        """The start of what the process wrote to stderr (where a crash says what happened)."""
        self.stderr.seek(0)
        return first_lines(self.stderr.read().decode(errors="replace"))

    def exited(self):
        """`None` while the process runs, else a sentence with its status and stderr."""
        if self.process.poll() is None:
            return None
        return f"{os.path.basename(self.argv[0])} exited with status {self.process.returncode}: {self.stderr_tail()}"

    def terminate(self, timeout=10):
        """Sends SIGTERM and waits; returns the exit status, or `None` when it had to be killed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.communicate(timeout=timeout)
            return self.process.returncode
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            return None


def make_certificate(directory):
    """Makes a self-signed certificate for localhost/127.0.0.1 in `directory`; returns (cert, key)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", key, "-out", cert, "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True)
    return cert, key


async def pipe_session(argv, data, expected_size, timeout=CASE_TIMEOUT):
    """Runs a line-oriented client (`duplex connect`, websocat): writes `data` to its stdin, reads
    stdout until `expected_size` bytes came back (or it ends), and only then closes stdin, so no
    echo is cut off by the close handshake. Returns (status, stdout, stderr text)."""
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)

    async def feed():
        try:
            process.stdin.write(data)
            await process.stdin.drain()
        except ConnectionError:
            pass  # it exited before reading everything: its status and stderr tell why

    async def exchange():
        writer = asyncio.create_task(feed())
        received = bytearray()
        while len(received) < expected_size:
            chunk = await process.stdout.read(1 << 20)
            if not chunk:
                break
            received += chunk
        await writer
        process.stdin.close()
        rest, err = await asyncio.gather(process.stdout.read(), process.stderr.read())
        await process.wait()
        return process.returncode, bytes(received + rest), err.decode(errors="replace")

    try:
        return await asyncio.wait_for(exchange(), timeout)
    except asyncio.TimeoutError:
        if process.returncode is None:
            process.kill()
        await process.wait()
        raise CheckFailed(f"{os.path.basename(argv[0])} did not finish within {timeout} s")


def first_lines(text, count=2):
    """The first `count` non-empty lines of `text` (where a crash says what happened), joined."""
    return " | ".join([line.strip() for line in text.splitlines() if line.strip()][:count])[:400]


async def run_duplex_connect(url, lines, *options):
    """Runs `duplex connect URL OPTIONS` with `lines` (bytes) on stdin until they are echoed;
    returns (status, stdout, stderr)."""
    data = b"".join(line + b"\n" for line in lines)
    return await pipe_session([DUPLEX, "connect", url, *options], data, len(data))


def expect_echoed_lines(lines, status, out, err):
    """Fails unless `duplex connect` exited 0 and printed exactly `lines`, one per line."""
    expect(status == 0, f"duplex connect exited {status}: {first_lines(err)}")
    received = out.split(b"\n")
    expect(received[-1] == b"", f"output does not end with a newline: {out[-40:]!r}")
    received = received[:-1]
    expect(len(received) == len(lines), f"sent {len(lines)} lines, got {len(received)}")
    for index, (sent, got) in enumerate(zip(lines, received)):
        expect(sent == got, f"line {index}: sent {describe(sent)}, got {describe(got)}")
