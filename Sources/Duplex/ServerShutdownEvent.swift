/// Sent through every connection's pipeline when the server begins a graceful shutdown: a
/// connection still in its handshake is closed, an open WebSocket starts its close handshake with
/// 1001.
struct ServerShutdownEvent: Sendable {}
