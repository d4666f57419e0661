/// Why ``UpgradeRequest/accept(subprotocol:extensions:headers:)`` could not build the 101: the
/// application's choice does not fit what the client asked for. A server answers 500 and logs it.
public enum UpgradeAcceptError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The chosen subprotocol is not one the client offered in `Sec-WebSocket-Protocol`.
    case subprotocolNotOffered

    /// A sentence for logs and error messages.
    public var description: String {
        switch self {
        case .subprotocolNotOffered:
            return "the application chose a subprotocol the client did not offer"
        }
    }
}
