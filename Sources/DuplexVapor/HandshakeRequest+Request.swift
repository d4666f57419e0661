#if Vapor
import Duplex
import NIOHTTP1
import Vapor

extension HandshakeRequest {
    /// The handshake `request` holds, as Vapor's HTTP/1 server parsed it. Throws
    /// ``HTTPFieldError`` for a field, method or target no valid request holds (answered 400).
    init(_ request: Request) throws(HTTPFieldError) {
        try self.init(HTTPRequestHead(
            version: request.version, method: request.method, uri: request.url.string, headers: request.headers))
    }
}
#endif
