#if Hummingbird
import Duplex
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1 server channel with Duplex WebSocket upgrades: a connection's first request
/// with `Upgrade: websocket` goes to the WebSocket router (see ``DuplexWebSocketUpgrader``); every
/// other request to the application's responder, as with Hummingbird's `HTTP1Channel`. Made by
/// `HTTPServerBuilder.duplexWebSocket(router:configuration:)`.
struct DuplexHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    /// How a connection's first request was answered.
    enum Outcome: Sendable {
        /// Plain HTTP: the application's responder serves the connection.
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// The WebSocket router refused the upgrade with this response.
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, Response)
        /// A Duplex WebSocket serves the channel.
        case webSocket(any Channel)
    }

    /// A connection being set up: its outcome, once known.
    struct Value: ServerChildChannelValue {
        let outcome: EventLoopFuture<Outcome>
        /// The connection's channel.
        let channel: any Channel
    }

    /// The application's responder, for plain HTTP requests.
    let responder: HTTPChannelHandler.Responder
    private let configuration: HTTP1Channel.Configuration
    private let makeUpgrader: @Sendable (Logger) -> any NIOTypedHTTPServerProtocolUpgrader<Outcome>
    private let refusal: @Sendable (any NIOTypedHTTPServerProtocolUpgrader<Outcome>) -> Response?

    init<WebSocketResponder: HTTPResponder>(
        responder: @escaping HTTPChannelHandler.Responder,
        webSocketResponder: WebSocketResponder,
        configuration: HTTP1Channel.Configuration
    ) where WebSocketResponder.Context: RequestContext,
        WebSocketResponder.Context.Source == ApplicationRequestContextSource {
        // A request asking to upgrade that reached the HTTP path (not its connection's first, which
        // NIO's upgrade handler took) was refused by the route: close rather than keep the
        // connection alive for bytes the client may already send as WebSocket frames.
        self.responder = { request, writer, channel in
            try await responder(request, writer, channel)
            if request.headers[.upgrade] != nil { channel.close(promise: nil) }
        }
        self.configuration = configuration
        makeUpgrader = { logger in DuplexWebSocketUpgrader(responder: webSocketResponder, logger: logger) }
        refusal = { upgrader in
            (upgrader as? DuplexWebSocketUpgrader<WebSocketResponder>)?.refusal.withLockedValue { $0 }
        }
    }

    /// Sets up the HTTP/1 pipeline with the WebSocket upgrader in front.
    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let upgrader = makeUpgrader(logger)
            let upgrade = NIOTypedHTTPServerUpgradeConfiguration<Outcome>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { [configuration, refusal] channel in
                    channel.eventLoop.makeCompletedFuture {
                        let operations = channel.pipeline.syncOperations
                        try operations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try operations.addHandlers(configuration.additionalChannelHandlers())
                        try operations.addHandler(
                            HTTPConnectionStateHandler(idleTimeout: configuration.idleTimeout.map { .init($0) }, logger: logger))
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        if let response = refusal(upgrader) { return .refused(http, response) }
                        return .http(http)
                    }
                }
            )
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<Outcome>(upgradeConfiguration: upgrade)
            pipeline.enablePipelining = false
            pipeline.enableErrorHandling = false
            pipeline.enableResponseHeaderValidation = false
            pipeline.decoderConfiguration.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            pipeline.decoderConfiguration.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            pipeline.decoderConfiguration.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            let outcome = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            return Value(outcome: outcome, channel: channel)
        }
    }

    /// Serves the connection: plain HTTP as Hummingbird does, a refusal by writing it and closing,
    /// a WebSocket until its channel closes.
    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.outcome.get() {
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http, let response):
                try await http.executeThenClose { _, outbound in
                    var head = response.head
                    head.headerFields[.connection] = "close"
                    try await ResponseWriter(outbound: outbound).write(response: head, body: response.body)
                }
            case .webSocket(let channel):
                try await channel.closeFuture.get()
            }
        } catch {
            logger.debug("connection ended: \(type(of: error))")
        }
    }
}
#endif
