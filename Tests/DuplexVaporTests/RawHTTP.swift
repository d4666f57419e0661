#if Vapor
import NIOCore
import NIOPosix

/// A bare TCP client for answers Vapor keeps the connection open after: writes a crafted request
/// to 127.0.0.1 and reads one whole response (its head, then `Content-Length` bytes of body).
enum RawHTTP {
    struct NoCompleteAnswer: Error { let received: String }

    /// Writes `request` and returns the first response, once its body is complete; throws
    /// ``NoCompleteAnswer`` when the connection closes first or `timeout` passes.
    static func exchange(port: Int, _ request: String, timeout: Duration = .seconds(10)) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: request))
                    var received = ""
                    for try await chunk in inbound {
                        received += String(buffer: chunk)
                        if let answer = firstResponse(in: received) { return answer }
                    }
                    throw NoCompleteAnswer(received: received)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw NoCompleteAnswer(received: "(timed out)")
            }
            defer { group.cancelAll() }
            return try await group.next() ?? ""
        }
    }

    /// The first complete response in `received`, if it is all there.
    private static func firstResponse(in received: String) -> String? {
        guard let end = received.range(of: "\r\n\r\n") else { return nil }
        let length = received[..<end.lowerBound].split(separator: "\r\n").lazy
            .compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                return Int(parts[1].filter { !$0.isWhitespace })
            }.first ?? 0
        let body = received[end.upperBound...]
        guard body.utf8.count >= length else { return nil }
        return String(received[..<end.upperBound]) + String(decoding: body.utf8.prefix(length), as: UTF8.self)
    }
}
#endif
