"""Python `websockets` peer: an asyncio echo server on `/` (permessage-deflate offered by default)."""

import argparse
import asyncio

from websockets.asyncio.server import serve


async def echo(connection):
    async for message in connection:
        await connection.send(message)


async def main(port: int) -> None:
    async with serve(echo, "127.0.0.1", port, max_size=1 << 24, ping_interval=None) as server:
        print(f"listening on ws://127.0.0.1:{port}/", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9001)
    asyncio.run(main(parser.parse_args().port))
