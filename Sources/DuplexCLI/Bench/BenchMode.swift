import ArgumentParser

/// What `duplex bench` measures.
enum BenchMode: String, ExpressibleByArgument, CaseIterable {
    /// Messages per second, bytes per second and round-trip latency of echoed messages.
    case echo
    /// Opening-and-closing handshakes per second.
    case connect
    /// The server's memory per idle open connection.
    case idle
    /// The client's memory while one large message streams through it (``StreamBenchOptions``).
    case stream
}

/// The kind of echo messages.
enum PayloadKind: String, EnumerableFlag {
    /// Binary messages of pseudo-random bytes.
    case binary
    /// Text messages of JSON-like ASCII.
    case text
}
