@_spi(Core) import DuplexCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A WebSocket server: listens, validates handshakes, asks the application to accept or refuse
/// each one, and serves the accepted connections.
///
/// ```swift
/// let server = WebSocketServer(configuration: .init(host: "127.0.0.1", port: 0))
/// let address = try await server.bind()       // optional: to learn the port first
/// try await server.run { request in
///     .accept { ws in for await message in ws.messages { try await ws.send(message) } }
/// }
/// ```
///
/// ``run(_:)`` serves until ``shutdown()`` is called or its task is cancelled; both shut down
/// gracefully: stop accepting, send 1001 to every connection, wait for their close handshakes up to
/// ``WebSocketServerConfiguration/shutdownGracePeriod``, then close the rest.
public final class WebSocketServer: Sendable {
    /// The configuration the server was made with.
    public let configuration: WebSocketServerConfiguration
    private let group: any EventLoopGroup
    private let requests: AsyncStream<Work>
    private let requestSink: AsyncStream<Work>.Continuation
    private let state = NIOLockedValueBox(ServerState())
    private let metrics: ServerMetrics

    /// What the task group of ``run(_:)`` gets to do.
    private enum Work: Sendable {
        /// Answer a handshake, in a task of its own.
        case request(IncomingRequest)
        /// Serve an accepted connection with its body, in a fresh task: the handshake's task has
        /// ended, so its stack (which `decide` may have grown) is not held for the connection's life.
        case accepted(WebSocket, @Sendable (WebSocket) async throws -> Void)
    }

    private struct ServerState {
        var listener = Listener.none
        /// Whether ``run(_:)`` was called: the server's requests have one consumer.
        var isRunning = false
        var connections: [ObjectIdentifier: any Channel] = [:]
        /// Set once shutdown began; completes when every connection is closed.
        var shutdownDone: EventLoopFuture<Void>?
        /// The number of connections accepted so far (their ids in logs).
        var connectionsAccepted = 0

        /// The listening socket, made once however many tasks call ``bind()`` at the same time.
        enum Listener {
            case none
            case binding(EventLoopFuture<SocketAddress>)
            case bound(any Channel, SocketAddress)

            var channel: (any Channel)? {
                if case .bound(let channel, _) = self { return channel }
                return nil
            }
        }
    }

    /// Creates a server; nothing listens until ``bind()`` or ``run(_:)``. Connections run on
    /// `eventLoopGroup` (by default the shared NIO group).
    public init(
        configuration: WebSocketServerConfiguration = WebSocketServerConfiguration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.group = eventLoopGroup
        self.metrics = ServerMetrics(factory: configuration.metricsFactory)
        (requests, requestSink) = AsyncStream.makeStream(of: Work.self)
    }

    /// The address the server listens on, once bound (with the actual port when port 0 was asked).
    public var localAddress: SocketAddress? {
        state.withLockedValue { state in
            if case .bound(_, let address) = state.listener { return address }
            return nil
        }
    }

    /// The connections open now (from accept until closed), not counting those refused past
    /// ``WebSocketServerConfiguration/maxConnections``.
    public var connectionCount: Int {
        state.withLockedValue { $0.connections.count }
    }

    /// Starts listening, if not yet listening, and returns the bound address. Connections that
    /// arrive before ``run(_:)`` wait for it. Tasks that call it at the same time share one
    /// listener. Throws ``WebSocketError/serverShutDown`` once the server was shut down.
    @discardableResult
    public func bind() async throws -> SocketAddress {
        enum Step {
            case bind(EventLoopPromise<SocketAddress>)
            case wait(EventLoopFuture<SocketAddress>)
            case bound(SocketAddress)
        }
        try configuration.session.validate()
        let step = try state.withLockedValue { state throws(WebSocketError) -> Step in
            guard state.shutdownDone == nil else { throw .serverShutDown }
            switch state.listener {
            case .none:
                let promise = group.any().makePromise(of: SocketAddress.self)
                state.listener = .binding(promise.futureResult)
                return .bind(promise)
            case .binding(let pending):
                return .wait(pending)
            case .bound(_, let address):
                return .bound(address)
            }
        }
        switch step {
        case .bound(let address):
            return address
        case .wait(let pending):
            return try await pending.get()
        case .bind(let promise):
            do {
                let bound = try await listen()
                let shutDown = state.withLockedValue { state in
                    state.listener = .bound(bound.channel, bound.address)
                    return state.shutdownDone != nil
                }
                if shutDown {
                    // Shutdown began while the socket was being bound, and found nothing to close.
                    try? await bound.channel.close()
                    throw WebSocketError.serverShutDown
                }
                promise.succeed(bound.address)
                return bound.address
            } catch {
                state.withLockedValue { $0.listener = .none }
                promise.fail(error)
                throw error
            }
        }
    }

    /// Binds the listening socket.
    private func listen() async throws -> (channel: any Channel, address: SocketAddress) {
        let sslContext = try configuration.tls.map { try NIOSSLContext(configuration: $0) }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Int32(clamping: configuration.backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // NIO keeps each connection's read buffer between reads; its default first size (2 KiB)
            // would be most of an idle connection's memory. It grows as reads fill it.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 256, maximum: 64 << 10))
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try self.initialize(channel, sslContext: sslContext)
                }
            }
        let listener: any Channel
        switch configuration.address {
        case .host(let host, let port):
            listener = try await bootstrap.bind(host: host, port: port).get()
        case .unixDomainSocket(let path):
            listener = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        }
        guard let address = listener.localAddress else {
            try? await listener.close()
            throw WebSocketError.connectionClosed
        }
        return (listener, address)
    }

    /// Serves until shutdown: for each valid handshake, `decide` (run in its own task) accepts or
    /// refuses it. Every path is a WebSocket path: a request that is not a valid handshake gets the
    /// handshake's rejection (e.g. 426), unless it is plain HTTP and an
    /// ``WebSocketServerConfiguration/httpHandler`` is set. A server runs once: a second call throws
    /// ``WebSocketError/serverAlreadyRunning``, a call after shutdown ``WebSocketError/serverShutDown``.
    ///
    /// When `decide` throws, or its decision cannot be written (an ``HTTPFieldError`` from
    /// building the 101: a subprotocol the client did not offer, or a custom negotiator's invalid
    /// extension parameter), that handshake
    /// is answered 500 and its connection closed; the error is logged at `error` (an
    /// ``HTTPFieldError`` with its field and rule, never the bytes; another error by its type).
    /// Every other connection is served as before.
    public func run(_ decide: @escaping @Sendable (UpgradeRequest) async throws -> UpgradeDecision) async throws {
        try await serve(handles: { _ in true }, decide: decide)
    }

    /// Serves until shutdown, routing handshakes by path with `router`; requests for other paths get
    /// 404. Call once, like ``run(_:)``.
    public func run(router: WebSocketRouter) async throws {
        try await serve(handles: { router.handles(path: $0) }, decide: { try await router.decide($0) })
    }

    /// Shuts down gracefully (see the type's description) and returns when every connection is
    /// closed.
    public func shutdown() async {
        try? await beginShutdown().get()
    }

    private func serve(
        handles: @escaping @Sendable (String) -> Bool,
        decide: @escaping @Sendable (UpgradeRequest) async throws -> UpgradeDecision
    ) async throws {
        let alreadyRunning = state.withLockedValue { state in
            defer { state.isRunning = true }
            return state.isRunning
        }
        guard !alreadyRunning else { throw WebSocketError.serverAlreadyRunning }
        try await bind()
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                let onLoop = configuration.session.runsTaskOnEventLoop
                let sink = requestSink
                for await work in requests {
                    switch work {
                    case .request(let incoming):
                        group.addTask(executorPreference: onLoop ? incoming.taskExecutor : nil) {
                            guard let (webSocket, body) = await self.answer(incoming, handles: handles, decide: decide)
                            else { return }
                            if case .enqueued = sink.yield(.accepted(webSocket, body)) { return }
                            // Shutting down: nothing takes new work any more, so serve it here.
                            _ = try? await webSocket.run(body)
                        }
                    case .accepted(let webSocket, let body):
                        group.addTask(executorPreference: onLoop ? webSocket.taskExecutor : nil) {
                            _ = try? await webSocket.run(body)
                        }
                    }
                }
                try? await state.withLockedValue({ $0.shutdownDone })?.get()
                group.cancelAll()
            }
        } onCancel: {
            _ = self.beginShutdown()
        }
    }

    /// Answers the handshake; returns the connection and the body to serve it with when it was
    /// accepted with an async body.
    private func answer(
        _ incoming: IncomingRequest,
        handles: @Sendable (String) -> Bool,
        decide: @Sendable (UpgradeRequest) async throws -> UpgradeDecision
    ) async -> (WebSocket, @Sendable (WebSocket) async throws -> Void)? {
        var logger = incoming.telemetry?.logger ?? configuration.logger
        logger[metadataKey: "duplex.path"] = "\(incoming.path)"
        guard handles(incoming.path) else {
            metrics.rejected(reason: "not_found")
            logger.debug("handshake refused: no route for the path (404)")
            _ = incoming.respond(.reject(HandshakeResponse(status: .notFound, body: "not found\n")))
            return nil
        }
        let upgrade: UpgradeRequest
        switch incoming.validation {
        case .failure(let rejection):
            metrics.handshakeFailed(status: rejection.response.status)
            logger.debug("invalid handshake refused (\(rejection.response.status))")
            _ = incoming.respond(.reject(rejection.response))
            return nil
        case .success(let request):
            upgrade = request
        }
        if let refusal = WebSocketUpgrader.policyRefusal(
            of: upgrade, originPolicy: configuration.originPolicy,
            requiredSubprotocols: configuration.requiredSubprotocols)
        {
            if refusal.reason == .origin {
                metrics.rejected(reason: "origin")
                logger.info(
                    "handshake refused (403): origin \(upgrade.origin ?? "") is not allowed for host \(upgrade.host)",
                    metadata: ["duplex.origin": "\(upgrade.origin ?? "")"])
            }
            _ = incoming.respond(.reject(refusal.response))
            return nil
        }
        do {
            switch try await decide(upgrade).kind {
            case .reject(let response):
                metrics.rejected(reason: "application")
                logger.debug("handshake refused by the application (\(response.status))")
                _ = incoming.respond(.reject(response))
            case .accept(let subprotocol, let headers, let serve):
                let result = try upgrade.accept(
                    subprotocol: subprotocol, extensions: configuration.extensions, headers: headers)
                logger.debug(
                    "handshake accepted",
                    metadata: [
                        "duplex.subprotocol": "\(subprotocol ?? "")",
                        "duplex.extensions": "\(result.extensions.map(\.responseElement.name).joined(separator: ", "))",
                    ])
                guard let webSocket = try? await incoming.respond(.accept(result, serve)).get(),
                    case .task(let body) = serve
                else { return nil }
                return (webSocket, body)
            }
        } catch {
            // `decide` threw, or its decision cannot be written: only this connection is refused.
            metrics.rejected(reason: "application_error")
            logger.applicationFailed(error, answering: "the handshake")
            _ = incoming.respond(.reject(HandshakeResponse(status: .internalServerError, body: "internal server error\n")))
        }
        return nil
    }

    private func initialize(_ channel: any Channel, sslContext: NIOSSLContext?) throws {
        let limit = configuration.maxConnections
        let admission = state.withLockedValue { state -> (id: Int, isOverCapacity: Bool)? in
            guard state.shutdownDone == nil else { return nil }
            state.connectionsAccepted += 1
            let isOverCapacity = state.connections.count >= limit
            if !isOverCapacity { state.connections[ObjectIdentifier(channel)] = channel }
            return (state.connectionsAccepted, isOverCapacity)
        }
        guard let admission else {
            channel.close(promise: nil)
            return
        }
        var logger = configuration.logger
        logger[metadataKey: "duplex.connection"] = "\(admission.id)"
        logger[metadataKey: "duplex.peer"] = "\(channel.remoteAddress.map { "\($0)" } ?? "unknown")"
        logger.trace("connection opened")
        var connectionConfiguration = configuration
        connectionConfiguration.session.telemetry = ConnectionTelemetry(logger: logger, metrics: metrics)
        if admission.isOverCapacity {
            logger.info("connection refused: \(limit) connections open (maxConnections)")
        } else {
            channel.closeFuture.whenComplete { [state] _ in
                _ = state.withLockedValue { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
            }
        }
        let pipeline = channel.pipeline.syncOperations
        if let sslContext {
            try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
        }
        let sink = requestSink
        try pipeline.addHandler(
            ServerHTTPHandler(configuration: connectionConfiguration, isOverCapacity: admission.isOverCapacity) {
                incoming in
                if case .enqueued = sink.yield(.request(incoming)) { return true }
                return false
            })
    }

    /// Starts the graceful shutdown once; the future completes when every connection is closed.
    private func beginShutdown() -> EventLoopFuture<Void> {
        let loop = group.any()
        let promise = loop.makePromise(of: Void.self)
        let (listener, connections, earlier) = state.withLockedValue {
            state -> ((any Channel)?, [any Channel], EventLoopFuture<Void>?) in
            if let done = state.shutdownDone { return (nil, [], done) }
            state.shutdownDone = promise.futureResult
            return (state.listener.channel, Array(state.connections.values), nil)
        }
        if let earlier {
            promise.succeed()
            return earlier
        }
        requestSink.finish()
        let listenerClosed = listener?.close() ?? loop.makeSucceededVoidFuture()
        for connection in connections {
            connection.pipeline.fireUserInboundEventTriggered(ServerShutdownEvent())
        }
        let allClosed = EventLoopFuture.andAllComplete(connections.map(\.closeFuture), on: loop)
        let deadline = loop.scheduleTask(in: configuration.shutdownGracePeriod) {
            for connection in connections { connection.close(promise: nil) }
        }
        allClosed.and(listenerClosed.recover { _ in }).whenComplete { _ in
            deadline.cancel()
            promise.succeed()
        }
        return promise.futureResult
    }
}
