@_spi(Core) import DuplexCore
import NIOHTTP1

extension HandshakeRequest {
    /// The request that `head` holds, as NIO's HTTP/1 decoder parsed it (for ``WebSocketUpgrader``
    /// in a server of your own). Throws ``HTTPFieldError`` for a field, method or target that no
    /// valid request holds (NIO lets some such bytes through, e.g. a control character in a value);
    /// a server answers that with 400.
    public init(_ head: HTTPRequestHead) throws(HTTPFieldError) {
        try self.init(
            method: head.method.rawValue,
            target: head.uri,
            version: HTTPVersionNumber(major: head.version.major, minor: head.version.minor),
            headers: try HeaderFields(parsedFields: head.headers.lazy.map { (name: $0.name, value: $0.value) })
        )
    }
}
