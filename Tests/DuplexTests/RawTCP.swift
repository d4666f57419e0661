import Foundation
import NIOCore
import NIOPosix

/// A bare TCP client for sending crafted bytes and reading the raw answer.
enum RawTCP {
    /// Connects to 127.0.0.1:`port`, writes `request` (then, with `closingOutput`, closes its
    /// output: the server reads the end of the input), and returns what arrives until the server
    /// closes the connection, `isComplete` says the answer is whole, or `timeout` (stretched by
    /// `DUPLEX_TEST_SLOWDOWN`) passes.
    static func exchange(
        port: Int,
        sending request: [UInt8],
        closingOutput: Bool = false,
        timeout: TimeAmount = .seconds(5),
        until isComplete: @escaping @Sendable (ByteBuffer) -> Bool = { _ in false }
    ) async throws -> ByteBuffer {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let received = loop.makePromise(of: ByteBuffer.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(Collector(done: received, isComplete: isComplete))
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
        } catch {
            received.fail(error)
            throw error
        }
        channel.writeAndFlush(ByteBuffer(bytes: request), promise: nil)
        if closingOutput { channel.close(mode: .output, promise: nil) }
        let timer = loop.scheduleTask(in: timeout * testSlowdown) { channel.close(promise: nil) }
        defer { timer.cancel() }
        let answer = try await received.futureResult.get()
        try? await channel.close()
        return answer
    }

    /// `exchange` for text requests, answering text: returns once a 101 response's head is complete,
    /// or any other response ended with the connection.
    static func exchange(port: Int, sending request: String, timeout: TimeAmount = .seconds(5)) async throws -> String {
        let answer = try await exchange(port: port, sending: Array(request.utf8), timeout: timeout) { received in
            let text = String(buffer: received)
            return text.hasPrefix("HTTP/1.1 101 ") && text.contains("\r\n\r\n")
        }
        return String(buffer: answer)
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let done: EventLoopPromise<ByteBuffer>
        let isComplete: (ByteBuffer) -> Bool
        var buffer = ByteBuffer()
        var finished = false

        init(done: EventLoopPromise<ByteBuffer>, isComplete: @escaping (ByteBuffer) -> Bool) {
            self.done = done
            self.isComplete = isComplete
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            buffer.writeBuffer(&bytes)
            if !finished, isComplete(buffer) {
                finished = true
                done.succeed(buffer)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            if !finished {
                finished = true
                done.succeed(buffer)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

/// A server that answers any request with fixed bytes, for testing how the client judges answers.
enum FakeServer {
    /// Starts listening on a free port; each connection gets `response` after its first read.
    static func start(response: String) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Responder(response: response))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let response: String
        var answered = false

        init(response: String) { self.response = response }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !answered else { return }
            answered = true
            context.writeAndFlush(NIOAny(ByteBuffer(string: response)), promise: nil)
        }
    }
}

/// A valid handshake request for `path` with the RFC 6455 sample key.
func handshakeRequest(path: String = "/", extraHeaders: String = "", host: String = "127.0.0.1") -> String {
    "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\(extraHeaders)\r\n"
}

/// The status code of a raw HTTP response, e.g. 101 from `HTTP/1.1 101 Switching Protocols`.
func statusCode(_ response: String) -> Int? {
    let parts = response.split(separator: " ", maxSplits: 2)
    return parts.count > 1 ? Int(parts[1]) : nil
}

/// Whether a raw HTTP response carries `name: value` (name ignoring case).
func hasHeader(_ response: String, _ name: String, _ value: String) -> Bool {
    let head = response.components(separatedBy: "\r\n\r\n").first ?? ""
    return head.components(separatedBy: "\r\n").dropFirst().contains { line in
        let parts = line.split(separator: ":", maxSplits: 1)
        return parts.count == 2 && parts[0].lowercased() == name.lowercased()
            && parts[1].trimmingCharacters(in: .whitespaces) == value
    }
}
