#!/usr/bin/env python3
"""Writes the seed corpora under Fuzz/Corpus/<harness>/ (run from anywhere; the files are committed).

Each seed starts with the harness's scenario bytes (see the harness sources), then the data:
frames from RFC 6455 §5.7 and RFC 7692 §7.2.3, Autobahn-like fragment sequences, handshakes from
RFC 6455 §1.3 and extension offers from RFC 7692 §7.1.
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = bytes([0x37, 0xFA, 0x21, 0x3D])


def frame(opcode, payload, fin=True, rsv1=False, masked=False):
    first = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    mask_bit = 0x80 if masked else 0
    n = len(payload)
    if n < 126:
        header = bytes([first, mask_bit | n])
    elif n < 1 << 16:
        header = bytes([first, mask_bit | 126]) + struct.pack("!H", n)
    else:
        header = bytes([first, mask_bit | 127]) + struct.pack("!Q", n)
    if not masked:
        return header + payload
    return header + KEY + bytes(b ^ KEY[i % 4] for i, b in enumerate(payload))


def deflate(data, wbits=15, flush_sync=True):
    c = zlib.compressobj(6, zlib.DEFLATED, -wbits)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    return out[:-4] if out.endswith(b"\x00\x00\xff\xff") else out


def streams(masked):
    """Frame streams as a peer of the given masking sends them."""
    f = lambda *a, **k: frame(*a, masked=masked, **k)
    return {
        "text-hello": f(1, b"Hello"),
        "text-fragmented": f(1, b"Hel", fin=False) + f(0, b"lo"),
        "ping-pong": f(9, b"Hello") + f(10, b"Hello"),
        "binary-256": f(2, bytes(range(256))),
        "binary-64k-header": f(2, b"")[:1] + bytes([0xFF if masked else 0x7F]) + struct.pack("!Q", 65536) + KEY,
        "close-1000": f(8, struct.pack("!H", 1000) + b"bye"),
        "close-empty": f(8, b""),
        "close-1005": f(8, struct.pack("!H", 1005)),
        "ping-between-fragments": f(1, b"fragment", fin=False) + f(9, b"") + f(0, b"ed") + f(0, b" text"),
        "utf8-split-across-fragments": f(1, "κόσμε".encode()[:3], fin=False) + f(0, "κόσμε".encode()[3:]),
        "utf8-invalid": f(1, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64"),
        "continuation-first": f(0, b"orphan"),
        "reserved-opcode": f(3, b""),
        "many-small": b"".join(f(1, b"x" * i) for i in range(20)),
    }


def deflate_streams(masked):
    f = lambda *a, **k: frame(*a, masked=masked, **k)
    hello = bytes.fromhex("f248cdc9c90700")  # RFC 7692 §7.2.3.1
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    first = c.compress(b"Hello") + c.flush(zlib.Z_SYNC_FLUSH)
    second = c.compress(b"Hello") + c.flush(zlib.Z_SYNC_FLUSH)
    return {
        "compressed-hello": f(1, hello, rsv1=True),
        "compressed-fragmented": f(1, hello[:3], fin=False, rsv1=True) + f(0, hello[3:]),
        "context-takeover": f(1, first[:-4], rsv1=True) + f(1, second[:-4], rsv1=True),
        "uncompressed-and-compressed": f(1, b"Hello") + f(2, deflate(bytes(300)), rsv1=True),
        "inflate-bomb": f(2, deflate(bytes(100000)), rsv1=True),
        "rsv1-on-ping": f(9, b"", rsv1=True),
        "far-matches-window-8": f(2, deflate(bytes(range(256)) * 4, wbits=9), rsv1=True),
    }


def write(harness, name, data):
    folder = os.path.join(HERE, harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as out:
        out.write(data)


def main():
    # FuzzFrames: [flags: bit0 client, 0x20 outgoing fragments, 0x40 frame-by-frame delivery] [split] stream. Server role gets masked frames, client unmasked.
    for role_bit, masked in ((0, True), (1, False)):
        role = "client" if role_bit else "server"
        for i, (name, data) in enumerate(streams(masked).items()):
            flags = role_bit | (0x20 if i % 3 == 0 else 0) | (0x40 if i % 4 == 1 else 0) | (0x04 if name == "many-small" else 0)
            write("FuzzFrames", f"{role}-{name}", bytes([flags, 7 if i % 2 else i * 8]) + data)
        for i, (name, data) in enumerate(deflate_streams(masked).items()):
            parameters = [0x00, 0x03, 0xFF, 0x1C][i % 4]  # bits: no_context_takeover x2, window bits
            flags = role_bit | (0x40 if i % 2 else 0)
            write("FuzzFramesDeflate", f"{role}-{name}", bytes([flags, parameters, 7 if i % 2 else 1]) + data)

    request = (
        "GET /chat?room=1 HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n"
        "Sec-WebSocket-Version: 13\r\n"
    )
    offers = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, permessage-deflate; server_max_window_bits=10\r\n"
    write("FuzzServerHandshake", "rfc6455-request", (request + "\r\n").encode())
    write("FuzzServerHandshake", "request-with-deflate-offers", (request + offers + "\r\n").encode())
    write("FuzzServerHandshake", "post", request.replace("GET", "POST", 1).encode())
    write("FuzzServerHandshake", "http10", request.replace("HTTP/1.1", "HTTP/1.0", 1).encode())
    write("FuzzServerHandshake", "version-8", request.replace("Version: 13", "Version: 8").encode())
    write("FuzzServerHandshake", "plain-http", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    # FuzzRequestHead: [split] [limit: 0 = 16 KiB, else 16 * n] bytes.
    heads = {
        "rfc6455-request-and-frame": (request + "\r\n").encode() + bytes([0x81, 0x85, 1, 2, 3, 4]) + b"hello",
        "post-with-body": b"POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody",
        "leading-empty-lines": b"\r\n\r\nGET / HTTP/1.0\r\n\r\n",
        "bare-lf": b"GET / HTTP/1.1\nHost: a\n\n",
        "folded": b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
        "chunked": b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "two-lengths": b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "too-large": b"GET /" + b"a" * 300 + b" HTTP/1.1\r\n\r\n",
    }
    for i, (name, data) in enumerate(heads.items()):
        write("FuzzRequestHead", name, bytes([i * 9 % 256, 16 if name == "too-large" else 0]) + data)

    response = (
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    )
    write("FuzzClientHandshake", "rfc6455-response", (response + "\r\n").encode())
    write("FuzzClientHandshake", "with-subprotocol", (response + "Sec-WebSocket-Protocol: chat\r\n\r\n").encode())
    write("FuzzClientHandshake", "with-deflate", (response + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10; server_no_context_takeover\r\n\r\n").encode())
    write("FuzzClientHandshake", "refused-426", b"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n")
    write("FuzzClientHandshake", "wrong-accept", response.replace("s3p", "x3p").encode())

    message = b"\x00" + bytes(range(32, 127)) * 3
    for i, header in enumerate([
        "permessage-deflate",
        "permessage-deflate; client_max_window_bits",
        "permessage-deflate; client_max_window_bits=8; server_max_window_bits=8",
        'permessage-deflate; server_no_context_takeover; client_max_window_bits="10", permessage-deflate',
        "x-webkit-deflate-frame, permessage-deflate; client_no_context_takeover\npermessage-deflate; server_max_window_bits=9",
        "permessage-deflate; server_max_window_bits=16",
        "foo; bar=\"baz\"; qux, , quux",
    ]):
        write("FuzzExtensions", f"offer-{i}", bytes([0x00, 0x06]) + header.encode() + message)
    write("FuzzExtensions", "strict-policy", bytes([0x03 | 0x08, 0x80]) + b"permessage-deflate; client_max_window_bits" + message)

    # FuzzFields: the first byte picks the field (see FieldFuzzer), the rest is the value.
    for name, selector, value in [
        ("header-name", 0, b"Sec-WebSocket-Protocol"),
        ("header-value", 1, "text/plain; charset=utf-8 \u00e9".encode()),
        ("header-value-injection", 1, b"1\r\nX-Injected: yes"),
        ("reason", 2, b" Switching\tProtocols "),
        ("target", 3, b"/chat?room=1&name=a%20b"),
        ("target-injection", 3, b"/a\r\nX-Injected: yes"),
        ("method", 4, b"GET"),
        ("status", 5, bytes([0x01, 0xF7])),
        ("subprotocol", 6, b"chat.v2"),
        ("extension-value", 7, b'a "quoted" value'),
    ]:
        write("FuzzFields", name, bytes([selector]) + value)


if __name__ == "__main__":
    main()
