@_spi(Core) import DuplexCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

extension WebSocket {
    /// Connects to `url` (`ws://` or `wss://`, e.g. `ws://[::1]:8080/chat?room=1`, or
    /// `ws+unix:/path/to/socket:/chat` for a Unix domain socket), completes the opening handshake
    /// (following redirects: ``WebSocketClientConfiguration/maxRedirects``), runs `body` with the
    /// connection, and closes it when `body` ends: with 1000 when it returns, 1011 when it throws.
    /// Returns what `body` returns.
    ///
    /// Cancelling the calling task starts the close handshake with 1001 (going away); ``messages``
    /// then finishes, and the connection closes once the handshake completes or the close timeout
    /// expires.
    ///
    /// Throws, before opening any connection, ``HTTPFieldError`` when a value cannot be written
    /// into the request (a space, `#`, control or non-ASCII character in `url` (field `URL`); a
    /// ``WebSocketClientConfiguration/origin`` with a control character (`header Origin`); a
    /// subprotocol that is not a token (`subprotocol N`)) and ``WebSocketError/invalidURL(_:)``
    /// when `url` is not a `ws://`, `wss://` or `ws+unix:` URL. Then throws a connection error,
    /// `HandshakeError` when the server's answer is not a valid acceptance of the handshake (e.g.
    /// `.unexpectedStatus` with the server's status, headers and the start of its body,
    /// `.acceptMismatch`, or `.malformedResponse` for a head with an invalid field),
    /// ``WebSocketError/handshakeTimeout``, ``WebSocketError/tooManyRedirects(_:)``,
    /// ``WebSocketError/insecureRedirect(_:)``, ``WebSocketProxyError`` (through a
    /// ``WebSocketClientConfiguration/proxy``), or what `body` throws.
    public static func connect<Result>(
        to url: String,
        configuration: WebSocketClientConfiguration = WebSocketClientConfiguration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (WebSocket) async throws -> Result
    ) async throws -> Result {
        let parsed = try WebSocketURL(validating: url)
        try configuration.session.validate()
        let webSocket = try await open(following: parsed, configuration: configuration, eventLoopGroup: eventLoopGroup)
        let executor = configuration.session.runsTaskOnEventLoop ? webSocket.taskExecutor : nil
        return try await withTaskExecutorPreference(executor) {
            try await webSocket.run(body)
        }
    }

    /// Connects and completes the handshake, following redirects.
    static func open(
        following url: WebSocketURL,
        configuration: WebSocketClientConfiguration,
        eventLoopGroup: any EventLoopGroup
    ) async throws -> WebSocket {
        var url = url
        var configuration = configuration
        var redirects = 0
        while true {
            do {
                return try await open(url, configuration: configuration, eventLoopGroup: eventLoopGroup)
            } catch HandshakeError.unexpectedStatus(let response)
                where WebSocketURL.redirectStatuses.contains(response.status) && configuration.maxRedirects > 0
            {
                guard let location = response.headers.first(name: "Location") else {
                    throw HandshakeError.unexpectedStatus(response)
                }
                let next = try url.resolving(location: location)
                guard redirects < configuration.maxRedirects else { throw WebSocketError.tooManyRedirects(next.description) }
                guard next.isSecure || !url.isSecure else { throw WebSocketError.insecureRedirect(next.description) }
                if !next.isSameOrigin(as: url) {
                    configuration.headers.remove(name: "Authorization")
                    configuration.headers.remove(name: "Cookie")
                }
                configuration.logger.debug("following a \(response.status) redirect from \(url) to \(next)")
                url = next
                redirects += 1
            }
        }
    }

    /// Connects and completes the handshake.
    private static func open(
        _ url: WebSocketURL,
        configuration: WebSocketClientConfiguration,
        eventLoopGroup: any EventLoopGroup
    ) async throws -> WebSocket {
        var logger = configuration.logger
        logger[metadataKey: "duplex.peer"] = "\(url.unixSocketPath ?? "\(url.host):\(url.port)")"
        logger[metadataKey: "duplex.path"] = "\(url.target)"
        if let proxy = configuration.proxy { logger[metadataKey: "duplex.proxy"] = "\(proxy)" }
        let configuration = {
            var configuration = configuration
            configuration.session.telemetry = ConnectionTelemetry(logger: logger, metrics: nil)
            return configuration
        }()
        let handshake = try ClientHandshake(
            host: url.hostHeader,
            target: url.target,
            origin: configuration.origin,
            subprotocols: configuration.subprotocols,
            extensions: configuration.extensions,
            additionalHeaders: configuration.headers
        )
        let sslContext = try url.isSecure ? NIOSSLContext(configuration: configuration.tls) : nil
        let serverHostname = url.tlsServerName
        let route = try await ClientRoute(to: url, through: configuration.proxy)
        let loop = eventLoopGroup.next()
        let upgraded = loop.makePromise(of: WebSocket.self)
        var bootstrap = ClientBootstrap(group: loop).connectTimeout(configuration.connectTimeout)
        if url.unixSocketPath == nil { bootstrap = bootstrap.channelOption(.socketOption(.tcp_nodelay), value: 1) }
        bootstrap = bootstrap
            .channelInitializer(route.channelInitializer(timeout: configuration.handshakeTimeout, failing: upgraded) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext {
                        try pipeline.addHandler(
                            NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname))
                    }
                    let eofHold = UpgradeEOFHold()
                    let encoder = HTTPRequestEncoder()
                    let decoder = ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes))
                    try pipeline.addHandlers([
                        eofHold,
                        encoder,
                        decoder,
                        ClientHTTPHandler(
                            handshake: handshake, url: url.description, configuration: configuration, eofHold: eofHold,
                            encoder: encoder, decoder: decoder, upgraded: upgraded),
                    ])
                }
            })
        do {
            if let path = url.unixSocketPath {
                _ = try await bootstrap.connect(unixDomainSocketPath: path).get()
            } else {
                _ = try await bootstrap.connect(host: route.host, port: route.port).get()
            }
        } catch {
            upgraded.fail(error)
            logger.debug("connect failed: \(error)")
            throw error
        }
        do {
            let webSocket = try await upgraded.futureResult.get()
            logger.debug("handshake accepted")
            return webSocket
        } catch {
            logger.debug("handshake failed: \(error)")
            throw error
        }
    }
}
