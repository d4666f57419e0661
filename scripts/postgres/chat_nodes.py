"""The demo chat across `duplex serve --broker URL` nodes (docs/topics.md, "Across servers"):
`chat_nodes.py DUPLEX_BIN`, with DUPLEX_POSTGRES_URL set (scripts/postgres-test sets it).

1. Nodes A, B and C start with the same URL; a Python websockets client on A and one on B join
   room `r` and send 1 000 messages each; each must see the other's in order, none twice.
2. C is killed with SIGKILL; A and B go on: 100 messages each way, in order.
3. C is started again; a client on C joins and sees A's next 100 messages in order, as does B's.
A bad URL is refused with exit code 64 before anything else. Prints PASS/FAIL lines; exits 1 on
any failure."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile

from websockets.asyncio.client import connect

BIN = sys.argv[1]
URL = os.environ["DUPLEX_POSTGRES_URL"]
failures = 0


def verdict(ok, what):
    global failures
    print(("PASS " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures += 1


class Node:
    """A `duplex serve --broker` process on a free port."""

    def __init__(self, name):
        self.name = name
        self.log = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(
            [BIN, "serve", "--port", "0", "--broker", URL],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.port = None
        for line in self.process.stdout:
            if line.startswith("listening on ws://"):
                self.port = int(line.strip().rsplit(":", 1)[1].strip("/"))
            if line.startswith("broker: listening through PostgreSQL"):
                break
        if self.port is None:
            self.log.seek(0)
            raise SystemExit(f"node {name} did not start: {self.log.read()}")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


class Client:
    """A chat client named `name` in room `r` on `node`, keeping the texts others sent."""

    def __init__(self, name, node):
        self.name, self.node = name, node

    async def __aenter__(self):
        self.ws = await connect(f"ws://127.0.0.1:{self.node.port}/chat?room=r&name={self.name}",
                                max_size=None, compression=None)
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def send(self, text):
        await self.ws.send(text)

    async def texts_from(self, sender, count, prefix):
        """The next `count` texts from `sender` that start with `prefix` (others are skipped)."""
        got = []
        while len(got) < count:
            post = json.loads(await asyncio.wait_for(self.ws.recv(), 30))
            if post["from"] == sender and post["text"].startswith(prefix):
                got.append(post["text"])
        return got


async def synchronize(clients):
    """Every client sends `sync` until it has seen a `sync` from every other one, so every
    subscription is in place on every node."""
    async def one(client):
        others = {c.name for c in clients} - {client.name}
        seen = set()
        while seen != others:
            await client.send("sync")
            try:
                while True:
                    post = json.loads(await asyncio.wait_for(client.ws.recv(), 0.2))
                    if post["text"] == "sync" and post["from"] != client.name:
                        seen.add(post["from"])
            except asyncio.TimeoutError:
                pass
    await asyncio.wait_for(asyncio.gather(*(one(c) for c in clients)), 60)
    for client in clients:
        await client.send("sync")  # the last word: the others may be waiting on one more


async def exchange(clients, count, prefix):
    """Each client sends `count` numbered texts; each must receive every other's, in order."""
    async def send(client):
        for index in range(count):
            await client.send(f"{prefix}{index}")

    async def receive(client, sender):
        return await client.texts_from(sender.name, count, prefix)

    pairs = [(c, s) for c in clients for s in clients if s is not c]
    results = await asyncio.gather(*(send(c) for c in clients), *(receive(c, s) for c, s in pairs))
    for (client, sender), got in zip(pairs, results[len(clients):]):
        verdict(got == [f"{prefix}{i}" for i in range(count)],
                f"{client.name} on node {client.node.name} got {sender.name}'s {count} messages "
                f"from node {sender.node.name} in order, none twice")


async def main():
    refused = subprocess.run([BIN, "serve", "--port", "0", "--broker", "mysql://u:p@h/db"],
                             capture_output=True, text=True, timeout=30)
    verdict(refused.returncode == 64 and len(refused.stderr.strip().splitlines()) == 1,
            f"a bad --broker URL exits 64 with one line: {refused.stderr.strip()!r}")

    a, b, c = Node("A"), Node("B"), Node("C")
    try:
        async with Client("alice", a) as alice, Client("bob", b) as bob:
            await synchronize([alice, bob])
            await exchange([alice, bob], 1000, "m")

            c.kill()
            await exchange([alice, bob], 100, "after-kill-")

            c = Node("C")
            async with Client("carol", c) as carol:
                await synchronize([alice, bob, carol])
                async def publish():
                    for index in range(100):
                        await alice.send(f"after-restart-{index}")
                results = await asyncio.gather(
                    publish(),
                    carol.texts_from("alice", 100, "after-restart-"),
                    bob.texts_from("alice", 100, "after-restart-"))
                expected = [f"after-restart-{i}" for i in range(100)]
                verdict(results[1] == expected, "carol on the restarted node C got alice's 100 messages in order")
                verdict(results[2] == expected, "bob on node B got alice's 100 messages in order after C's restart")
    finally:
        for node in (a, b, c):
            node.stop()
    print(f"chat_nodes: {failures} failed")
    sys.exit(1 if failures else 0)


asyncio.run(main())
