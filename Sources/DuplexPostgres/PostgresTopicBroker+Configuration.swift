#if Postgres
import Duplex
import Foundation

extension PostgresTopicBroker {
    /// Where the backplane's PostgreSQL is and how the broker queues, batches and cleans up.
    public struct Configuration: Sendable, Hashable {
        /// The server's host name or address.
        public var host: String
        /// The server's port.
        public var port: Int
        /// The user to log in as.
        public var username: String
        /// The user's password (`nil`: none, e.g. `trust` authentication).
        public var password: String?
        /// The database holding the broker's table.
        public var database: String
        /// The broker's table (created when missing); its name is also the LISTEN/NOTIFY channel.
        /// Nodes that share a table share topics. Lower-case letters, digits and `_`, not starting
        /// with a digit, at most 63 characters.
        public var table = "duplex_topic_messages"
        /// The most publications kept while PostgreSQL is unreachable (or slower than the
        /// publishers); past it (or past ``maxQueuedBytes``) the oldest are dropped, counted and logged.
        public var maxQueuedMessages = 10_000
        /// The most payload bytes kept in the queue (see ``maxQueuedMessages``).
        public var maxQueuedBytes = 64 << 20
        /// The largest payload forwarded to other nodes; a larger one reaches this node's
        /// subscribers only, and is counted as dropped and logged.
        public var maxMessageBytes = 16 << 20
        /// The most publications written in one transaction.
        public var maxBatchMessages = 256
        /// How long a row stays in the table: a node whose listening connection is down for longer
        /// misses what was published meanwhile.
        public var retention: Duration = .seconds(300)
        /// How often rows older than ``retention`` are deleted.
        public var cleanupInterval: Duration = .seconds(60)
        /// The first wait before reconnecting; it doubles after each failed attempt up to five seconds.
        public var reconnectDelay: Duration = .milliseconds(100)
        /// What happens to this node's subscribers that do not keep up.
        public var overflowPolicy: TopicOverflowPolicy = .default

        /// A configuration for the server at `host`.
        public init(host: String, port: Int = 5432, username: String, password: String?, database: String) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
        }

        /// A configuration from `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (or `postgresql://`;
        /// the password and the port, 5432, may be left out; user and password are percent-decoded).
        public init(url: String) throws(PostgresBrokerConfigurationError) {
            guard let components = URLComponents(string: url), let scheme = components.scheme else {
                throw .malformedURL
            }
            guard scheme == "postgres" || scheme == "postgresql" else { throw .unsupportedScheme(scheme) }
            guard let host = components.host, !host.isEmpty else { throw .missingHost }
            guard let user = components.user, !user.isEmpty else { throw .missingUser }
            if let port = components.port, !(1...65535).contains(port) { throw .invalidPort }
            let database = String(components.path.drop(while: { $0 == "/" }))
            guard !database.isEmpty else { throw .missingDatabase }
            for item in components.queryItems ?? [] where !(item.name == "sslmode" && item.value == "disable") {
                throw .unsupportedParameter(item.name)
            }
            self.init(
                host: host, port: components.port ?? 5432,
                username: user.removingPercentEncoding ?? user,
                password: components.password.map { $0.removingPercentEncoding ?? $0 },
                database: database.removingPercentEncoding ?? database
            )
        }

        /// Throws the first setting out of its range.
        func validate() throws(PostgresBrokerConfigurationError) {
            func require(_ holds: Bool, _ name: String, _ rule: String) throws(PostgresBrokerConfigurationError) {
                if !holds { throw .invalidSetting(name: name, rule: rule) }
            }
            try require(!host.isEmpty, "host", "must not be empty")
            try require((1...65535).contains(port), "port", "must be from 1 to 65535")
            try require(!username.isEmpty, "username", "must not be empty")
            try require(!database.isEmpty, "database", "must not be empty")
            let identifier = table.utf8.count <= 63 && table.first.map { $0 == "_" || ("a"..."z").contains($0) } == true
                && table.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
            try require(identifier, "table", "must be lower-case letters, digits and _, not starting with a digit, at most 63 characters")
            try require(maxQueuedMessages > 0, "maxQueuedMessages", "must be positive")
            try require(maxQueuedBytes > 0, "maxQueuedBytes", "must be positive")
            try require(maxMessageBytes > 0, "maxMessageBytes", "must be positive")
            try require(maxBatchMessages > 0, "maxBatchMessages", "must be positive")
            try require(retention > .zero, "retention", "must be positive")
            try require(cleanupInterval > .zero, "cleanupInterval", "must be positive")
            try require(reconnectDelay > .zero, "reconnectDelay", "must be positive")
        }
    }
}
#endif
