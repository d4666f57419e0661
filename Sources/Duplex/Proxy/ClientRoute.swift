@_spi(Core) import DuplexCore
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import NIOSOCKS

/// Where a client connection's TCP goes and how it reaches the server from there: straight, or
/// through a proxy's tunnel (``WebSocketClientConfiguration/proxy``).
///
/// Through a proxy the pipeline starts with the proxy's handlers (NIO's CONNECT handler with an
/// HTTP codec, or NIO's SOCKS client with ``SOCKSUsernamePasswordHandler`` when there are
/// credentials) and a ``ProxyTunnelHandler``; once the tunnel is up they are gone and the
/// WebSocket handlers (TLS with the server's name first, for `wss://`) take their place.
struct ClientRoute: Sendable {
    private enum Tunnel: Sendable {
        /// `targetHost` is the server's host, bracketed when IPv6.
        case httpConnect(targetHost: String, targetPort: Int, headers: HTTPHeaders)
        case socks(SOCKSAddress, username: String?, password: String)
    }

    /// The host the TCP connection goes to: the server's, or the proxy's.
    let host: String
    /// The port the TCP connection goes to.
    let port: Int
    /// `nil` for a direct connection.
    private let tunnel: Tunnel?

    /// The route to `url`, through `proxy` when set. For a `socks5://` proxy the server's name is
    /// resolved here (on NIO's thread pool), and its first address is what the proxy is asked for.
    ///
    /// Throws ``WebSocketProxyError/invalid(_:)`` for a `ws+unix:` URL or a server name too long
    /// for SOCKS5, or the resolver's error.
    init(to url: WebSocketURL, through proxy: WebSocketProxy?) async throws {
        guard let proxy else {
            (host, port, tunnel) = (url.host, url.port, nil)
            return
        }
        guard url.unixSocketPath == nil else {
            throw WebSocketProxyError.invalid("a ws+unix: URL names a local socket, which no proxy can reach")
        }
        (host, port) = (proxy.host, proxy.port)
        switch proxy.kind {
        case .httpConnect:
            let targetHost = url.host.contains(":") ? "[\(url.host)]" : url.host
            var headers = HTTPHeaders([("Host", "\(targetHost):\(url.port)")])
            if let username = proxy.username {
                let credentials = Base64.encode(Array("\(username):\(proxy.password)".utf8))
                headers.add(name: "Proxy-Authorization", value: "Basic \(credentials)")
            }
            tunnel = .httpConnect(targetHost: targetHost, targetPort: url.port, headers: headers)
        case .socks5, .socks5h:
            let target: SOCKSAddress
            if let address = try? SocketAddress(ipAddress: url.host, port: url.port) {
                target = .address(address)
            } else if proxy.kind == .socks5h {
                guard url.host.utf8.count <= 255 else {
                    throw WebSocketProxyError.invalid("the server's name is longer than the 255 bytes SOCKS5 can send")
                }
                target = .domain(url.host, port: url.port)
            } else {
                let (name, port) = (url.host, url.port)
                target = .address(
                    try await NIOThreadPool.singleton.runIfActive {
                        try SocketAddress.makeAddressResolvingHost(name, port: port)
                    })
            }
            tunnel = .socks(target, username: proxy.username, password: proxy.password)
        }
    }

    /// The channel initializer for this route: `webSocketHandlers` itself for a direct connection;
    /// through a proxy, one that adds the proxy's handlers and adds `webSocketHandlers` once the
    /// tunnel is up. A failure before then (the proxy's refusal, `timeout` passing) fails
    /// `upgraded` and closes the channel.
    func channelInitializer(
        timeout: TimeAmount,
        failing upgraded: EventLoopPromise<WebSocket>,
        then webSocketHandlers: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> @Sendable (any Channel) -> EventLoopFuture<Void> {
        guard let tunnel else { return webSocketHandlers }
        return { channel in
            channel.eventLoop.makeCompletedFuture {
                let opened = channel.eventLoop.makePromise(of: Void.self)
                do {
                    try Self.addHandlers(for: tunnel, to: channel, timeout: timeout, tunnel: opened)
                } catch {
                    opened.fail(ProxyTunnelHandler.NeverConnected())
                    throw error
                }
                opened.futureResult.flatMap { webSocketHandlers(channel) }.whenFailure { error in
                    // A channel that never connected is not the connection; NIO reports the
                    // connect's own outcome.
                    guard !(error is ProxyTunnelHandler.NeverConnected) else { return }
                    upgraded.fail(error)
                    channel.close(promise: nil)
                }
            }
        }
    }

    private static func addHandlers(
        for route: Tunnel, to channel: any Channel, timeout: TimeAmount, tunnel: EventLoopPromise<Void>
    ) throws {
        let pipeline = channel.pipeline.syncOperations
        switch route {
        case .httpConnect(let targetHost, let targetPort, let headers):
            let encoder = HTTPRequestEncoder()
            let decoder = ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .fireError))
            let recorder = HTTPProxyStatusRecorder()
            let established = channel.eventLoop.makePromise(of: Void.self)
            // The deadline is the tunnel handler's, which also covers SOCKS.
            let connect = NIOHTTP1ProxyConnectHandler(
                targetHost: targetHost, targetPort: targetPort, headers: headers, deadline: .distantFuture,
                promise: established)
            let handler = ProxyTunnelHandler(
                timeout: timeout, tunnel: tunnel, helpers: [recorder, encoder], decoder: decoder,
                translate: { translateHTTPError($0, status: recorder.status) })
            try pipeline.addHandlers([encoder, decoder, recorder, connect, handler])
            established.futureResult.assumeIsolated().whenSuccess { handler.established() }
        case .socks(let target, let username, let password):
            let socks = SOCKSClientHandler(targetAddress: target)
            let authentication = username.map { SOCKSUsernamePasswordHandler(username: $0, password: password) }
            let helpers: [any RemovableChannelHandler] = (authentication.map { [$0] } ?? []) + [socks]
            let handler = ProxyTunnelHandler(
                timeout: timeout, tunnel: tunnel, helpers: helpers, translate: translateSOCKSError)
            if let authentication { try pipeline.addHandler(authentication) }
            try pipeline.addHandlers([socks, handler])
        }
    }

    /// What the caller gets for an error of the HTTP proxy's handlers; `status` is the answer's.
    static func translateHTTPError(_ error: any Error, status: Int?) -> any Error {
        switch error {
        case let error as NIOHTTP1ProxyConnectHandler.Error:
            if let status, !(200..<300).contains(status) { return WebSocketProxyError.refused(status: status) }
            if error == .invalidProxyResponse() {
                return WebSocketProxyError.malformedResponse("the proxy's 2xx answer to CONNECT has a body")
            }
            if error == .remoteConnectionClosed() || error == .channelUnexpectedlyInactive() {
                return WebSocketError.connectionClosedDuringHandshake
            }
            return error
        case let error as HTTPParserError:
            return WebSocketProxyError.malformedResponse("not an HTTP response (\(error))")
        case ByteToMessageDecoderError.leftoverDataWhenDone:
            return WebSocketProxyError.malformedResponse("bytes after the proxy's answer to CONNECT")
        default:
            return error
        }
    }

    /// What the caller gets for an error of NIO's SOCKS client.
    static func translateSOCKSError(_ error: any Error) -> any Error {
        switch error {
        case let error as SOCKSError.ConnectionFailed:
            return WebSocketProxyError.socksRefused(reply: error.reply.value)
        case let error as SOCKSError.InvalidAuthenticationSelection where error.selection == .noneAcceptable:
            return WebSocketProxyError.socksNoAcceptableMethod
        case is SOCKSError.InvalidAuthenticationSelection, is SOCKSError.InvalidProtocolVersion,
            is SOCKSError.InvalidReservedByte, is SOCKSError.InvalidAddressType, is SOCKSError.UnexpectedRead,
            is SOCKSError.InvalidServerState:
            return WebSocketProxyError.malformedResponse("not a valid SOCKS5 answer (\(error))")
        default:
            return error
        }
    }
}
