#if Postgres
import Duplex
import DuplexPostgres
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// The URL of a PostgreSQL the tests may create tables in (scripts/postgres-test starts one).
private let postgresURL = ProcessInfo.processInfo.environment["DUPLEX_POSTGRES_URL"]
/// A command that restarts that PostgreSQL and returns once it accepts connections again.
private let restartCommand = ProcessInfo.processInfo.environment["DUPLEX_POSTGRES_RESTART"]

// Serialized: the restart test cuts every connection to the shared server.
@Suite("PostgresTopicBroker against a real PostgreSQL", .serialized, .timeLimit(.minutes(1)))
struct PostgresTopicBrokerTests {
    @Test(.enabled(if: postgresURL != nil, "DUPLEX_POSTGRES_URL is not set: scripts/postgres-test starts a PostgreSQL and sets it"))
    func twoNodesSeeEachOthersMessagesInPublishOrder() async throws {
        try await BackplaneNodes.with(count: 2) { nodes in
            try await nodes[0].client { a in
                try await nodes[1].client { b in
                    try await nodes.waitForSubscribers(1)
                    for index in 0..<500 {
                        try await a.send(text: "a\(index)")
                        try await b.send(text: "b\(index)")
                    }
                    let onA = try await a.receive(1000)
                    let onB = try await b.receive(1000)
                    #expect(onA.filter { $0.hasPrefix("b") } == (0..<500).map { "b\($0)" })
                    #expect(onB.filter { $0.hasPrefix("a") } == (0..<500).map { "a\($0)" })
                    #expect(onA.filter { $0.hasPrefix("a") } == (0..<500).map { "a\($0)" })
                }
            }
        }
    }

    @Test(.enabled(if: postgresURL != nil, "DUPLEX_POSTGRES_URL is not set: scripts/postgres-test starts a PostgreSQL and sets it"))
    func aOneMebibyteMessageCrossesIntact() async throws {
        try await BackplaneNodes.with(count: 2) { nodes in
            try await nodes[0].client { a in
                try await nodes[1].client { b in
                    try await nodes.waitForSubscribers(1)
                    let big = ByteBuffer(bytes: (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) })
                    try await a.send(.binary(big))
                    let message = try #require(await b.next())
                    #expect(message == .binary(big))
                }
            }
        }
    }

    @Test(.enabled(
        if: postgresURL != nil && restartCommand != nil,
        "DUPLEX_POSTGRES_URL or DUPLEX_POSTGRES_RESTART is not set: scripts/postgres-test sets both"))
    func aPostgresRestartMidStreamLosesAndDuplicatesNothing() async throws {
        try await BackplaneNodes.with(count: 2) { nodes in
            try await nodes[0].client { a in
                try await nodes[1].client { b in
                    try await nodes.waitForSubscribers(1)
                    var sent = 0
                    for _ in 0..<100 {
                        try await a.send(text: "\(sent)")
                        sent += 1
                    }
                    // Foundation's Process never reports this child's exit here: system() on a thread.
                    let status = NIOLockedValueBox<Int32?>(nil)
                    Thread { status.withLockedValue { $0 = system(restartCommand!) } }.start()
                    // Publishing goes on while PostgreSQL is down: the node queues.
                    while status.withLockedValue({ $0 }) == nil && sent < 5000 {
                        try await a.send(text: "\(sent)")
                        sent += 1
                    }
                    try await eventually("PostgreSQL restarted") { status.withLockedValue { $0 } != nil }
                    #expect(status.withLockedValue { $0 } == 0)
                    for _ in 0..<100 {
                        try await a.send(text: "\(sent)")
                        sent += 1
                    }
                    let received = try await b.receive(sent)
                    #expect(received == (0..<sent).map { "\($0)" })
                    // Local delivery went on during the outage, in order too.
                    #expect(try await a.receive(sent) == (0..<sent).map { "\($0)" })
                    #expect(nodes[0].broker.queuedMessages == 0)
                }
            }
        }
    }

    @Test func badURLsAndSettingsAreSpecificErrors() throws {
        #expect(throws: PostgresBrokerConfigurationError.unsupportedScheme("mysql")) {
            try PostgresTopicBroker.Configuration(url: "mysql://u:p@h/db")
        }
        #expect(throws: PostgresBrokerConfigurationError.missingDatabase) {
            try PostgresTopicBroker.Configuration(url: "postgres://u:p@h:5432/")
        }
        #expect(throws: PostgresBrokerConfigurationError.missingUser) {
            try PostgresTopicBroker.Configuration(url: "postgres://h:5432/db")
        }
        #expect(throws: PostgresBrokerConfigurationError.malformedURL) {
            try PostgresTopicBroker.Configuration(url: "not a url")
        }
        #expect(throws: PostgresBrokerConfigurationError.unsupportedParameter("sslmode")) {
            try PostgresTopicBroker.Configuration(url: "postgres://u@h/db?sslmode=require")
        }
        let parsed = try PostgresTopicBroker.Configuration(url: "postgresql://chat:s%40cret@db.local:6543/rooms")
        #expect(parsed.username == "chat" && parsed.password == "s@cret" && parsed.host == "db.local")
        #expect(parsed.port == 6543 && parsed.database == "rooms")
        var configuration = parsed
        configuration.table = "Robert'); DROP TABLE students;--"
        #expect(throws: PostgresBrokerConfigurationError.self) { try PostgresTopicBroker(configuration: configuration) }
        configuration = parsed
        configuration.maxQueuedMessages = 0
        #expect(throws: PostgresBrokerConfigurationError.invalidSetting(name: "maxQueuedMessages", rule: "must be positive")) {
            try PostgresTopicBroker(configuration: configuration)
        }
    }
}

/// Server nodes in this process sharing one fresh table: each runs a broker and a WebSocket
/// server whose connections subscribe to `room` and publish what they send to it.
struct BackplaneNodes: Sendable {
    struct Node: Sendable {
        let broker: PostgresTopicBroker
        let port: Int

        /// Runs `body` with a client connected to this node.
        func client(_ body: (ChatClient) async throws -> Void) async throws {
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in try await body(ChatClient(ws: ws)) }
        }
    }

    let nodes: [Node]

    subscript(index: Int) -> Node { nodes[index] }

    /// Waits until every node has `count` subscribers of `room`.
    func waitForSubscribers(_ count: Int) async throws {
        try await eventually { nodes.allSatisfy { $0.broker.subscriberCount(of: "room") == count } }
    }

    /// Runs `count` nodes (each listening before `body` starts) while `body` runs.
    static func with(count: Int, _ body: (BackplaneNodes) async throws -> Void) async throws {
        var configuration = try PostgresTopicBroker.Configuration(url: postgresURL!)
        configuration.table = "duplex_test_\(UUID().uuidString.prefix(8).lowercased())"
        var logger = Logger(label: "test")
        logger.logLevel = ProcessInfo.processInfo.environment["DUPLEX_POSTGRES_DEBUG"] != nil ? .debug : .info
        let brokers = try (0..<count).map { _ in try PostgresTopicBroker(configuration: configuration, logger: logger) }
        let servers = brokers.map { broker in
            var server = WebSocketServerConfiguration(host: "127.0.0.1", port: 0)
            server.session.connection.maxMessageSize = 2 << 20
            server.session.connection.maxFrameSize = 2 << 20
            return (broker, WebSocketServer(configuration: server))
        }
        var nodes: [Node] = []
        for (broker, server) in servers { nodes.append(Node(broker: broker, port: try await server.bind().port!)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (broker, server) in servers {
                let topics = WebSocketTopics(broker: broker)
                group.addTask { try await broker.run() }
                group.addTask {
                    try await server.run { _ in
                        .accept { ws in
                            topics.subscribe(ws, to: "room")
                            for await message in ws.messages { topics.publish(message, to: "room") }
                        }
                    }
                }
            }
            defer { group.cancelAll() }
            try await eventually("every node listens") { brokers.allSatisfy(\.isListening) }
            try await body(BackplaneNodes(nodes: nodes))
            for (_, server) in servers { await server.shutdown() }
        }
    }
}

/// A client's connection with what it reads from its room.
struct ChatClient: Sendable {
    let ws: WebSocket

    func send(text: String) async throws { try await ws.send(text: text) }
    func send(_ message: WebSocketMessage) async throws { try await ws.send(message) }

    /// The next message.
    func next() async -> WebSocketMessage? {
        await ws.receive()
    }

    /// The next `count` text messages.
    func receive(_ count: Int) async throws -> [String] {
        var texts: [String] = []
        while texts.count < count, let message = await ws.receive() {
            if case .text(let text) = message { texts.append(text) }
        }
        return texts
    }
}

/// Waits (polling every 10 ms, up to 20 s) until `condition` holds.
func eventually(_ what: String = "the condition", _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(20)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting for \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
#endif
