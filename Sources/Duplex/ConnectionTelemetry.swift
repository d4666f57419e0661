import Logging

/// Where a connection reports: a logger carrying the connection's metadata (on a server
/// `duplex.connection`, `duplex.peer`, and once the request is read `duplex.path`), and, on a server,
/// the server's metrics.
struct ConnectionTelemetry: Sendable {
    /// The connection's logger.
    var logger: Logger
    /// The server's instruments; `nil` on a client.
    let metrics: ServerMetrics?
}
