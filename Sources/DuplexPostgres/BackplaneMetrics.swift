#if Postgres
import Metrics

/// The backplane's swift-metrics instruments (docs/topics.md lists them).
struct BackplaneMetrics: Sendable {
    /// Publications of this node committed to PostgreSQL.
    let published: Counter
    /// Publications of other nodes received and delivered to this node's subscribers.
    let received: Counter
    /// Publications not forwarded: dropped from the full queue, or larger than the largest forwarded.
    let dropped: Counter
    /// Publications waiting to be written.
    let queueDepth: Gauge
    /// Their payload bytes.
    let queueBytes: Gauge
    /// Connections made again after one was lost or refused.
    let reconnects: Counter
    /// From publishing on this node to reading it back from PostgreSQL on this node.
    let roundTrip: Timer

    init(factory: any MetricsFactory) {
        published = Counter(label: "duplex_postgres_messages_published_total", factory: factory)
        received = Counter(label: "duplex_postgres_messages_received_total", factory: factory)
        dropped = Counter(label: "duplex_postgres_messages_dropped_total", factory: factory)
        queueDepth = Gauge(label: "duplex_postgres_queue_depth", factory: factory)
        queueBytes = Gauge(label: "duplex_postgres_queue_bytes", factory: factory)
        reconnects = Counter(label: "duplex_postgres_reconnects_total", factory: factory)
        roundTrip = Timer(label: "duplex_postgres_round_trip_seconds", factory: factory)
    }
}
#endif
