import NIOCore
import NIOEmbedded
import NIOHTTP1

/// Reads an HTTP/1.1 head back with NIO's parser (`HTTPRequestDecoder` and `HTTPResponseDecoder`
/// on an `EmbeddedChannel`), an implementation independent of the one that wrote it.
enum HeadReparser {
    /// The request head in `bytes`, or `nil` when NIO refuses it.
    static func request(_ bytes: ByteBuffer) -> HTTPRequestHead? {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder()))
        defer { _ = try? channel.finish() }
        guard (try? channel.writeInbound(bytes)) != nil,
            case .head(let head) = try? channel.readInbound(as: HTTPServerRequestPart.self)
        else { return nil }
        return head
    }

    /// The response head in `bytes`, read as the answer to a `GET /`, or `nil` when NIO refuses it.
    static func response(_ bytes: ByteBuffer) -> HTTPResponseHead? {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        let decoder = HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .forward)
        guard (try? channel.pipeline.syncOperations.addHandlers([HTTPRequestEncoder(), ByteToMessageHandler(decoder)])) != nil,
            (try? channel.writeOutbound(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")))) != nil,
            (try? channel.writeInbound(bytes)) != nil,
            case .head(let head) = try? channel.readInbound(as: HTTPClientResponsePart.self)
        else { return nil }
        return head
    }
}
