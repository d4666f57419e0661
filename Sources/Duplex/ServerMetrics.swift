import DuplexCore
import Metrics

/// The swift-metrics instruments of one ``WebSocketServer``, made from its
/// ``WebSocketServerConfiguration/metricsFactory`` (or the global `MetricsSystem`).
///
/// | name | kind | dimensions |
/// |---|---|---|
/// | `duplex_connections_open` | meter | |
/// | `duplex_connections_accepted_total` | counter | |
/// | `duplex_connections_rejected_total` | counter | `reason`: `origin`, `not_found`, `application`, `application_error` (the application threw: answered 500) |
/// | `duplex_handshake_failures_total` | counter | `status`: the HTTP status sent (400, 405, 426, 505 …) |
/// | `duplex_connections_closed_total` | counter | `code`: the close code the connection ended with |
/// | `duplex_messages_received_total`, `duplex_messages_sent_total` | counter | |
/// | `duplex_bytes_received_total`, `duplex_bytes_sent_total` | counter | wire bytes, frames included |
/// | `duplex_topic_messages_dropped_total` | counter | |
struct ServerMetrics: Sendable {
    let factory: any MetricsFactory
    let open: Meter
    let accepted: Counter
    let messagesReceived: Counter
    let messagesSent: Counter
    let bytesReceived: Counter
    let bytesSent: Counter

    init(factory: (any MetricsFactory)?) {
        let factory = factory ?? MetricsSystem.factory
        self.factory = factory
        open = Meter(label: "duplex_connections_open", factory: factory)
        accepted = Counter(label: "duplex_connections_accepted_total", factory: factory)
        messagesReceived = Counter(label: "duplex_messages_received_total", factory: factory)
        messagesSent = Counter(label: "duplex_messages_sent_total", factory: factory)
        bytesReceived = Counter(label: "duplex_bytes_received_total", factory: factory)
        bytesSent = Counter(label: "duplex_bytes_sent_total", factory: factory)
    }

    /// Counts a handshake the server or the application refused.
    func rejected(reason: String) {
        Counter(label: "duplex_connections_rejected_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// Counts a request that was not a valid handshake, by the status it was answered with.
    func handshakeFailed(status: Int) {
        Counter(label: "duplex_handshake_failures_total", dimensions: [("status", "\(status)")], factory: factory)
            .increment()
    }

    /// Counts a WebSocket connection that ended with `code`.
    func closed(code: CloseCode) {
        Counter(label: "duplex_connections_closed_total", dimensions: [("code", "\(code.rawValue)")], factory: factory)
            .increment()
    }
}

/// Traffic of one connection not yet reported to ``ServerMetrics`` (reported once per read burst or
/// flush, so that the hot path makes no metrics call per frame).
struct TrafficCounts {
    var messagesReceived = 0
    var messagesSent = 0
    var bytesReceived = 0
    var bytesSent = 0

    /// Adds the counts to `metrics` and starts again from zero.
    mutating func report(to metrics: ServerMetrics) {
        if messagesReceived > 0 { metrics.messagesReceived.increment(by: messagesReceived) }
        if messagesSent > 0 { metrics.messagesSent.increment(by: messagesSent) }
        if bytesReceived > 0 { metrics.bytesReceived.increment(by: bytesReceived) }
        if bytesSent > 0 { metrics.bytesSent.increment(by: bytesSent) }
        self = TrafficCounts()
    }
}
