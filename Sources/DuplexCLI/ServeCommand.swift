import ArgumentParser
import Duplex
import Logging
import NIOSSL
import ServiceLifecycle

/// `duplex serve`: an echo server on `/echo` and `/` (on the event loop, or with `--async-echo` from
/// a task per connection), with permessage-deflate, that also serves the
/// browser demo (its page to plain GETs, its chat on `/chat`), until SIGINT or SIGTERM (which shut
/// it down gracefully, through a swift-service-lifecycle `ServiceGroup`).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a WebSocket echo server on /echo and /."
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port = 8080

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain; serves wss:// with --tls-key.")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key for --tls-cert.")
    var tlsKey: String?

    @Option(name: .customLong("max-message-size"), help: "The largest message and frame accepted, in bytes.")
    var maxMessageSize = 64 << 20

    @Flag(help: "Echo from an async task per connection (for ws.messages and ws.send) instead of on the event loop.")
    var asyncEcho = false

    @Option(name: .customLong("ping-interval"), help: "Seconds between keepalive pings; 0 turns them off.")
    var pingInterval = 20

    @Option(name: .customLong("max-connections"), help: "The most connections served at once; more get 503.")
    var maxConnections = WebSocketServerConfiguration().maxConnections

    @Option(name: .customLong("deflate-level"), help: "The zlib level for permessage-deflate, 0 (store) to 9 (smallest).")
    var deflateLevel = 6

    @Option(
        name: .customLong("deflate-window-bits"),
        help: "The largest permessage-deflate window, 8 to 15, for the server's compressor and asked of the client's (default: the library's, 12 and 15)."
    )
    var deflateWindowBits: Int?

    @Option(name: .customLong("deflate-mem-level"), help: "The zlib memory level for permessage-deflate, 1 to 9 (default: the library's, 5).")
    var deflateMemoryLevel: Int?

    @Flag(name: .customLong("deflate-no-context-takeover"), help: "Reset both compression contexts after each message.")
    var deflateNoContextTakeover = false

    @Option(
        help: "postgres://USER:PASSWORD@HOST:PORT/DATABASE: the chat's rooms span every node started with this URL (needs the Postgres trait)."
    )
    var broker: String?

    func validate() throws {
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        if pingInterval < 0 { throw ValidationError("--ping-interval must not be negative") }
        if maxConnections < 1 { throw ValidationError("--max-connections must be positive") }
        _ = try deflate()
        if let broker { try ChatBroker.validate(broker) }
    }

    /// permessage-deflate as the options set it, or the library's error as a usage error.
    private func deflate() throws -> PerMessageDeflate {
        // Compress every message: kosoku misjudges uncompressed messages on deflate connections.
        var deflate = PerMessageDeflate.Configuration()
        deflate.threshold = 0
        deflate.compressionLevel = deflateLevel
        if let deflateWindowBits {
            deflate.serverPolicy.serverMaxWindowBits = deflateWindowBits
            deflate.serverPolicy.clientMaxWindowBits = deflateWindowBits
        }
        if let deflateMemoryLevel { deflate.memoryLevel = deflateMemoryLevel }
        deflate.serverPolicy.serverNoContextTakeover = deflateNoContextTakeover
        deflate.serverPolicy.clientNoContextTakeover = deflateNoContextTakeover
        do {
            return try PerMessageDeflate(configuration: deflate)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        var configuration = WebSocketServerConfiguration(host: host, port: port)
        configuration.session.connection.maxMessageSize = maxMessageSize
        configuration.session.connection.maxFrameSize = maxMessageSize
        configuration.maxConnections = maxConnections
        configuration.session.pingInterval = pingInterval == 0 ? nil : .seconds(Int64(pingInterval))
        configuration.extensions = [try deflate()]
        if let tlsCertificate, let tlsKey {
            configuration.tls = .makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(tlsCertificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: tlsKey, format: .pem))
            )
        }
        let pages = try DemoPages()
        configuration.httpHandler = { pages.respond(to: $0) }
        let server = WebSocketServer(configuration: configuration)
        let address = try await server.bind()
        let scheme = configuration.tls == nil ? "ws" : "wss"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        Console.out("listening on \(scheme)://\(shownHost):\(address.port ?? port)")

        let echo: WebSocketRouter.Route
        if asyncEcho {
            echo = { _ in .accept { ws in for await message in ws.messages { try await ws.send(message) } } }
        } else {
            echo = { _ in .accept(eventHandler: { EchoHandler() }) }
        }
        let (topics, brokerServices) = try ChatBroker.topics(broker)
        let chat = ChatRoom(topics: topics)
        let router = WebSocketRouter()
            .adding("/", echo)
            .adding("/echo", echo)
            .adding("/chat") { request in .accept { ws in try await chat.serve(request, ws) } }
        let group = ServiceGroup(
            // The broker first: the group shuts services down in reverse order, the server before it.
            services: brokerServices + [WebSocketService(server: server, router: router)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: configuration.logger
        )
        try await group.run()
    }
}
