"""picows peer: a frame-level asyncio echo server on `/` (picows has no permessage-deflate)."""

import argparse
import asyncio

from picows import WSListener, WSMsgType, ws_create_server


class EchoListener(WSListener):
    def on_ws_frame(self, transport, frame):
        if frame.msg_type in (WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CONTINUATION):
            transport.send(frame.msg_type, frame.get_payload_as_memoryview(), frame.fin)
        elif frame.msg_type == WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code())
            transport.disconnect()


async def main(port: int) -> None:
    server = await ws_create_server(lambda _request: EchoListener(), "127.0.0.1", port, max_frame_size=1 << 24)
    print(f"listening on ws://127.0.0.1:{port}/", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9001)
    asyncio.run(main(parser.parse_args().port))
