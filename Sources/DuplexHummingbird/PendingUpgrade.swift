#if Hummingbird
import Duplex
import NIOConcurrencyHelpers
import NIOCore

/// The handshake of a connection's first request while the WebSocket router answers it: the
/// `webSocket` route reads it from ``current`` and, when it accepts, leaves what serves the
/// connection here for the upgrader.
final class PendingUpgrade: Sendable {
    /// The handshake being answered, set by ``DuplexWebSocketUpgrader`` around the router's call.
    @TaskLocal static var current: PendingUpgrade?

    /// An accepted handshake and the route's handler, bound to its request and context.
    struct Acceptance: Sendable {
        let upgrade: AcceptedWebSocketUpgrade
        let body: @Sendable (WebSocket) async throws -> Void
    }

    /// The request as Duplex validates it.
    let request: HandshakeRequest
    /// The peer's address.
    let remoteAddress: SocketAddress?
    private let acceptance = NIOLockedValueBox<Acceptance?>(nil)

    init(request: HandshakeRequest, remoteAddress: SocketAddress?) {
        self.request = request
        self.remoteAddress = remoteAddress
    }

    /// The route accepted the handshake.
    func accept(_ upgrade: AcceptedWebSocketUpgrade, body: @escaping @Sendable (WebSocket) async throws -> Void) {
        acceptance.withLockedValue { $0 = Acceptance(upgrade: upgrade, body: body) }
    }

    /// What the route accepted, if it did.
    var accepted: Acceptance? {
        acceptance.withLockedValue { $0 }
    }
}
#endif
