#if Postgres
import Duplex
import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// A ``TopicBroker`` whose topics span every node (server process) connected to the same
/// PostgreSQL table: a message published on one node reaches the topic's subscribers on all of them.
///
/// ```swift
/// let broker = try PostgresTopicBroker(configuration: .init(url: "postgres://chat:secret@db:5432/chat"))
/// let topics = WebSocketTopics(broker: broker)
/// let group = ServiceGroup(services: [broker, WebSocketService(server: server, router: router)], logger: logger)
/// ```
///
/// The broker delivers a publication to this node's subscribers at once (an `InProcessTopicBroker`,
/// so it is encoded once per encoding) and queues it for PostgreSQL; ``run()`` writes the queue in
/// transactions on one connection, listens for other nodes' publications on a second one, reads
/// them from the table and delivers each once to this node's subscribers, encoded once. What it
/// guarantees, what it drops and the schema are in docs/topics.md ("Across servers").
public final class PostgresTopicBroker: TopicBroker, Service {
    /// Where PostgreSQL is and how the broker queues, batches and cleans up.
    public let configuration: Configuration
    /// This node's identity in the table (a node skips its own rows: it delivered them already).
    public let node = UUID()
    private let local: InProcessTopicBroker
    private let queue: PublicationQueue
    private let sql: BackplaneSQL
    private let metrics: BackplaneMetrics
    private let logger: Logger
    private let connection: PostgresConnection.Configuration
    /// When each written publication of this node was published, until it is read back.
    private let inFlight = NIOLockedValueBox([Int64: ContinuousClock.Instant]())
    private let listening = NIOLockedValueBox(false)
    private let connectionCount = NIOLockedValueBox(0)

    /// Rows read per query.
    private static let pageSize = 256
    /// The most payload bytes written in one transaction (a batch holds at least one message).
    private static let maxBatchBytes = 8 << 20

    /// A broker for `configuration`; it connects when ``run()`` runs. Logs to `logger`; counts in
    /// `metricsFactory` (`nil`: the global `MetricsSystem`).
    public init(
        configuration: Configuration,
        logger: Logger = Logger(label: "duplex.postgres"),
        metricsFactory: (any MetricsFactory)? = nil
    ) throws(PostgresBrokerConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        let factory = metricsFactory ?? MetricsSystem.factory
        local = InProcessTopicBroker(overflowPolicy: configuration.overflowPolicy, metricsFactory: factory)
        queue = PublicationQueue(maxMessages: configuration.maxQueuedMessages, maxBytes: configuration.maxQueuedBytes)
        sql = BackplaneSQL(table: configuration.table)
        metrics = BackplaneMetrics(factory: factory)
        connection = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: .disable)
    }

    // MARK: TopicBroker

    /// Adds `subscriber` (a connection of this node) to `topic`.
    public func subscribe(_ subscriber: TopicSubscriber, to topic: String) {
        local.subscribe(subscriber, to: topic)
    }

    /// Removes `subscriber` from `topic`.
    public func unsubscribe(_ subscriber: TopicSubscriber, from topic: String) {
        local.unsubscribe(subscriber, from: topic)
    }

    /// Removes `subscriber` from every topic.
    public func unsubscribeFromAll(_ subscriber: TopicSubscriber) {
        local.unsubscribeFromAll(subscriber)
    }

    /// How many subscribers `topic` has on this node.
    public func subscriberCount(of topic: String) -> Int {
        local.subscriberCount(of: topic)
    }

    /// Delivers `message` to this node's subscribers of `topic` and queues it for the other nodes.
    /// A message over ``Configuration/maxMessageBytes`` stays on this node (counted and logged).
    public func publish(_ message: WebSocketMessage, to topic: String) {
        local.publish(message, to: topic)
        let bytes = message.payloadCount
        guard bytes <= configuration.maxMessageBytes else {
            metrics.dropped.increment()
            logger.warning(
                "a \(bytes)-byte publication to \(topic) is over maxMessageBytes (\(configuration.maxMessageBytes)): delivered on this node only")
            return
        }
        let (dropped, first) = queue.append(message, bytes: bytes, to: topic)
        if dropped > 0 {
            metrics.dropped.increment(by: dropped)
            if first {
                logger.warning(
                    "the publication queue is full (maxQueuedMessages \(configuration.maxQueuedMessages), maxQueuedBytes \(configuration.maxQueuedBytes)): dropping the oldest until PostgreSQL takes them")
            }
        }
        reportDepth()
    }

    // MARK: State

    /// Whether the listening connection is up and listening: publications of other nodes reach
    /// this node's subscribers from then on.
    public var isListening: Bool {
        listening.withLockedValue { $0 }
    }

    /// How many publications wait to be written to PostgreSQL.
    public var queuedMessages: Int {
        queue.depth.messages
    }

    // MARK: Service

    /// Writes this node's publications and receives the other nodes' until the task is cancelled
    /// or a graceful shutdown begins; reconnects whenever a connection fails. Never throws.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.publishForever() }
                group.addTask { await self.listenForever() }
                group.addTask { await self.cleanUpForever() }
            }
        }
    }

    /// Writes the queue, oldest first, in transactions of up to ``Configuration/maxBatchMessages``.
    private func publishForever() async {
        var arrivals = queue.arrivals.makeAsyncIterator()
        var failedBatch: (sequence: Int64, attempts: Int) = (0, 0)
        await connected(as: "publishing") { connection in
            try await connection.query("SET synchronous_commit = off", logger: logger)
            try await createSchema(on: connection)
            while !Task.isCancelled {
                let batch = queue.peek(configuration.maxBatchMessages, maxBytes: Self.maxBatchBytes)
                guard let first = batch.first else {
                    if await arrivals.next() == nil { return }
                    continue
                }
                // A query on a connection that closed meanwhile would never be answered.
                guard !connection.isClosed else { throw ConnectionClosed() }
                inFlight.withLockedValue { pending in
                    if pending.count > 100_000 { pending.removeAll() }  // never read back: no listener for long
                    for entry in batch { pending[entry.sequence] = entry.published }
                }
                do {
                    try await connection.withTransaction(logger: logger) { transaction in
                        try await transaction.query(sql.lockForPublishing, logger: logger)
                        try await transaction.query(sql.insert(batch, node: node), logger: logger)
                    }
                } catch {
                    failedBatch = failedBatch.sequence == first.sequence ? (first.sequence, failedBatch.attempts + 1) : (first.sequence, 1)
                    if failedBatch.attempts >= 3 {
                        queue.remove(batch)
                        metrics.dropped.increment(by: batch.count)
                        logger.error(
                            "PostgreSQL refused a batch of \(batch.count) publications three times: dropped",
                            metadata: ["error": "\(Self.describe(error))"])
                    }
                    throw error
                }
                queue.remove(batch)
                metrics.published.increment(by: batch.count)
                reportDepth()
                let dropped = queue.takeDropReport()
                if dropped > 0 {
                    logger.warning("\(dropped) publications were dropped from the full queue before PostgreSQL took them")
                }
            }
        }
    }

    /// Listens on the table's channel and delivers the rows of other nodes after the high-water mark.
    private func listenForever() async {
        var cursor: Int64 = -1
        await connected(as: "listening") { connection in
            try await createSchema(on: connection)
            if cursor < 0 {
                let rows = try await connection.query(sql.highestID, logger: logger)
                for try await highest in rows.decode(Int64.self) { cursor = highest }
            }
            try await connection.listen(on: sql.table) { notifications in
                listening.withLockedValue { $0 = true }
                defer { listening.withLockedValue { $0 = false } }
                try await readRows(after: &cursor, on: connection)
                for try await notification in notifications {
                    if let newest = Int64(notification.payload), newest <= cursor { continue }
                    try await readRows(after: &cursor, on: connection)
                }
            }
            throw ListeningEnded()
        }
    }

    /// Delivers every row after `cursor` (moving it on) that another node wrote.
    private func readRows(after cursor: inout Int64, on connection: PostgresConnection) async throws {
        while true {
            let rows = try await connection.query(sql.rows(after: cursor, limit: Self.pageSize), logger: logger)
            var count = 0
            for try await (id, writer, sequence, topic, isBinary, payload) in rows.decode(
                (Int64, UUID, Int64, String, Bool, ByteBuffer).self)
            {
                count += 1
                cursor = id
                if writer == node {
                    if let published = inFlight.withLockedValue({ $0.removeValue(forKey: sequence) }) {
                        metrics.roundTrip.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - published))
                    }
                } else {
                    metrics.received.increment()
                    local.publish(isBinary ? .binary(payload) : .text(String(buffer: payload)), to: topic)
                }
            }
            if count < Self.pageSize { return }
        }
    }

    /// Deletes rows older than ``Configuration/retention`` every ``Configuration/cleanupInterval``,
    /// on a connection of its own for the statement.
    private func cleanUpForever() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.cleanupInterval)
                let connection = try await connect()
                do {
                    try await connection.query(sql.deleteOlder(than: configuration.retention), logger: logger)
                } catch {
                    try? await connection.close()
                    throw error
                }
                try await connection.close()
            } catch {
                if Task.isCancelled { return }
                logger.debug("could not delete old rows", metadata: ["error": "\(Self.describe(error))"])
            }
        }
    }

    // MARK: Connections

    /// Runs `body` on a connection, connecting again (after a growing delay) whenever connecting
    /// or `body` fails, until the task is cancelled.
    private func connected(as role: String, _ body: (PostgresConnection) async throws -> Void) async {
        var delay = configuration.reconnectDelay
        var connectedBefore = false
        var failing = false
        while !Task.isCancelled {
            do {
                logger.debug("connecting", metadata: ["role": "\(role)"])
                let connection = try await connect()
                logger.debug("connected", metadata: ["role": "\(role)"])
                if connectedBefore { metrics.reconnects.increment() }
                if failing { logger.info("the \(role) connection to PostgreSQL is back") }
                connectedBefore = true
                failing = false
                delay = configuration.reconnectDelay
                do {
                    try await body(connection)
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled { return }
                if !failing {
                    logger.warning(
                        "the \(role) connection to PostgreSQL failed; reconnecting (local delivery goes on, publications are queued)",
                        metadata: ["error": "\(Self.describe(error))"])
                }
                failing = true
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    private func connect() async throws -> PostgresConnection {
        let id = connectionCount.withLockedValue { count in
            count += 1
            return count
        }
        return try await PostgresConnection.connect(configuration: connection, id: id, logger: logger)
    }

    private func createSchema(on connection: PostgresConnection) async throws {
        for statement in sql.createSchema { try await connection.query(statement, logger: logger) }
    }

    private func reportDepth() {
        let depth = queue.depth
        metrics.queueDepth.record(depth.messages)
        metrics.queueBytes.record(depth.bytes)
    }

    /// An error as a log value: a server's message, never a query's binds.
    private static func describe(_ error: any Error) -> String {
        if let transaction = error as? PostgresTransactionError,
            let inner = transaction.closureError ?? transaction.commitError ?? transaction.beginError
        {
            return describe(inner)
        }
        if let error = error as? PSQLError {
            return [error.code.description, error.serverInfo?[.sqlState], error.serverInfo?[.message]]
                .compactMap { $0 }.joined(separator: ": ")
        }
        return "\(error)"
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}

/// The listening connection's notifications ended (its connection closed).
private struct ListeningEnded: Error, CustomStringConvertible {
    var description: String { "the notification stream ended" }
}

/// The connection closed while it was idle.
private struct ConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the connection closed" }
}

extension WebSocketMessage {
    /// The payload's size in bytes.
    var payloadCount: Int {
        switch self {
        case .text(let text): text.utf8.count
        case .binary(let bytes): bytes.readableBytes
        }
    }
}
#endif
