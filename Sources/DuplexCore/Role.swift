/// Which end of a WebSocket connection this side is.
///
/// The role decides the masking rules (RFC 6455 §5.1): a client masks every frame it sends and
/// expects unmasked frames; a server never masks and rejects unmasked frames.
public enum Role: Sendable, Hashable {
    /// The side that opened the connection and sent the handshake request.
    case client
    /// The side that accepted the connection and answered the handshake.
    case server
}
