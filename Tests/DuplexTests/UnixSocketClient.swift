import NIOCore
import NIOPosix

/// Sends a request over a Unix domain socket and reads the answer until the blank line that ends an
/// HTTP head.
enum UnixSocketClient {
    static func exchange(path: String, sending request: String) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: path) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            var answer = ""
            for try await chunk in inbound {
                answer += String(buffer: chunk)
                if answer.contains("\r\n\r\n") { break }
            }
            return answer
        }
    }
}
