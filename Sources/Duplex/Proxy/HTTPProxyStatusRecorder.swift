import NIOCore
import NIOHTTP1

/// Passes an HTTP proxy's answer to `CONNECT` on to NIO's `NIOHTTP1ProxyConnectHandler`,
/// remembering its status: that handler's errors do not expose it, and a refusal is reported with
/// it (``WebSocketProxyError/refused(status:)``).
final class HTTPProxyStatusRecorder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias InboundOut = HTTPClientResponsePart

    /// The status of the answer's head, once it arrived.
    private(set) var status: Int?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            status = Int(head.status.code)
        }
        context.fireChannelRead(data)
    }
}
