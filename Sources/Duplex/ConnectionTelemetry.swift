import Logging

/// Where a server connection reports: a logger carrying the connection's metadata
/// (`duplex.connection`, `duplex.peer`, and once the request is read `duplex.path`), and the
/// server's metrics.
struct ConnectionTelemetry: Sendable {
    /// The connection's logger.
    var logger: Logger
    /// The server's instruments.
    let metrics: ServerMetrics
}
