#if Vapor
import NIOCore
import NIOPosix

/// A bare TCP client for answers Vapor keeps the connection open after: writes a crafted request
/// to 127.0.0.1 and reads whole responses (a head, then `Content-Length` bytes of body).
enum RawHTTP {
    struct NoCompleteAnswer: Error { let received: String }

    /// Writes `request` and returns the first `responses` responses, once the last one's body is
    /// complete; throws ``NoCompleteAnswer`` when the connection closes first, ``TimedOut`` when
    /// `timeout` passes.
    static func exchange(
        port: Int, _ request: String, responses: Int = 1, timeout: Duration = .seconds(10)
    ) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await within(timeout) {
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: request))
                var received = ""
                for try await chunk in inbound {
                    received += String(buffer: chunk)
                    if let answer = leadingResponses(responses, in: received) { return answer }
                }
                throw NoCompleteAnswer(received: received)
            }
        }
    }

    /// The first `count` responses in `received`, if they are all there.
    private static func leadingResponses(_ count: Int, in received: String) -> String? {
        var rest = Substring(received)
        var answer = ""
        for _ in 0..<count {
            guard let end = rest.range(of: "\r\n\r\n") else { return nil }
            let length = rest[..<end.lowerBound].split(separator: "\r\n").lazy
                .compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].filter { !$0.isWhitespace })
                }.first ?? 0
            let body = rest[end.upperBound...].utf8
            guard body.count >= length else { return nil }
            let bodyEnd = body.index(body.startIndex, offsetBy: length)
            answer += rest[..<bodyEnd]
            rest = rest[bodyEnd...]
        }
        return answer
    }
}
#endif
