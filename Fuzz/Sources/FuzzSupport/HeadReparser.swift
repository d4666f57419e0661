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

    /// The code and reason phrase of the status line at the front of `bytes`
    /// (`HTTP/1.1 SP 3DIGIT SP reason CRLF`, RFC 9112 §4), read byte by byte: NIO's parser keeps
    /// only the code.
    static func statusLine(_ bytes: ByteBuffer) -> (code: Int, reason: String)? {
        let view = Array(bytes.readableBytesView)
        let prefix = Array("HTTP/1.1 ".utf8)
        guard view.count >= prefix.count + 6, view.starts(with: prefix) else { return nil }
        let digits = view[prefix.count..<prefix.count + 3]
        guard digits.allSatisfy({ (0x30...0x39).contains($0) }), view[prefix.count + 3] == 0x20 else { return nil }
        let reasonStart = prefix.count + 4
        guard let end = (reasonStart..<view.count - 1).first(where: { view[$0] == 0x0D && view[$0 + 1] == 0x0A }) else {
            return nil
        }
        let code = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        return (code, String(decoding: view[reasonStart..<end], as: UTF8.self))
    }
}
