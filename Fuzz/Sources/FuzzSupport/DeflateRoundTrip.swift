import DuplexCore
import NIOCore

/// Sends messages through a pair of permessage-deflate extensions made from the two sides'
/// agreements, in both directions, and requires each to arrive unchanged. Messages repeat their
/// bytes at distances beyond small windows, which exposes compressor and decompressor windows that
/// do not match. Compressed payloads are split into two frames to exercise streaming inflation.
struct DeflateRoundTrip {
    private let server: any WebSocketExtension
    private let client: any WebSocketExtension

    init(server: any NegotiatedExtension, client: any NegotiatedExtension) {
        self.server = server.makeExtension(role: .server)
        self.client = client.makeExtension(role: .client)
    }

    /// Sends two messages made from `bytes` each way.
    func run(_ bytes: [UInt8]) {
        let seed = Array(bytes.prefix(1024))
        let messages = [seed + seed + seed, Array(seed.reversed()) + seed]
        for message in messages {
            send(message, from: client, to: server)
            send(message, from: server, to: client)
        }
    }

    private func send(_ message: [UInt8], from sender: any WebSocketExtension, to receiver: any WebSocketExtension) {
        let (payload, bits) = sender.encodeMessage(ByteBuffer(bytes: message), opcode: .binary)
        guard bits.contains(.rsv1) else {
            require(payload.readableBytesView.elementsEqual(message), "an uncompressed message was changed")
            return
        }
        let half = payload.readableBytes / 2
        var received: [UInt8] = []
        do {
            for (part, isFinal) in [(payload.getSlice(at: payload.readerIndex, length: half)!, false),
                                    (payload.getSlice(at: payload.readerIndex + half, length: payload.readableBytes - half)!, true)] {
                let output = try receiver.decodeFrame(part, messageBits: bits, isFinal: isFinal, limit: 1 << 20)
                received += output.readableBytesView
            }
        } catch {
            require(false, "a \(message.count)-byte message compressed by \(sender.name) does not decompress: \(error)")
        }
        require(received == message, "a \(message.count)-byte message came back as \(received.count) different bytes")
    }
}
