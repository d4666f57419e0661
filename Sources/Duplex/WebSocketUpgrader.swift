@_spi(Core) import DuplexCore
import NIOCore
import NIOHTTP1

/// Decides WebSocket handshakes whose HTTP/1.1 upgrade another server performs (Hummingbird,
/// Vapor, a NIO pipeline of your own), with the rules of ``WebSocketServer``, and serves the
/// accepted connections as Duplex ``WebSocket``s.
///
/// ```swift
/// let upgrader = WebSocketUpgrader()
/// switch upgrader.validate(try HandshakeRequest(head), remoteAddress: channel.remoteAddress) {
/// case .failure(let refusal):
///     send(refusal.response)               // 400, 403, 405, 426 with Sec-WebSocket-Version: 13, …
/// case .success(let request):
///     let accepted = try upgrader.accept(request)
///     // hand accepted.headers to the server's upgrader; once the 101 is written and the HTTP
///     // handlers are gone, on the channel's event loop:
///     try accepted.serve(on: channel) { ws in for await message in ws.messages { try await ws.send(message) } }
/// }
/// ```
///
/// The connection honours NIO's `ChannelShouldQuiesceEvent` (what Hummingbird's and other NIO
/// servers send on graceful shutdown): it closes with 1001 and waits for the peer's close frame up
/// to ``SessionConfiguration/closeTimeout``.
public struct WebSocketUpgrader: Sendable {
    /// The extensions accepted when the client offers them, in order. Default: permessage-deflate
    /// with its default policy, as ``WebSocketServerConfiguration/extensions``.
    public var extensions: [any ExtensionNegotiator] = [PerMessageDeflate()]
    /// Which `Origin` headers are accepted; others get 403. Default: same origin only, as
    /// ``WebSocketServerConfiguration/originPolicy``.
    public var originPolicy: OriginPolicy = .sameOrigin()
    /// When set, a handshake must offer at least one of these subprotocols, else 400. Default
    /// `nil`, as ``WebSocketServerConfiguration/requiredSubprotocols``.
    public var requiredSubprotocols: [String]? = nil
    /// Limits and timeouts of each accepted connection.
    public var session = SessionConfiguration()

    /// The defaults of ``WebSocketServerConfiguration``.
    public init() {}

    /// Checks `request` as ``WebSocketServer`` does before asking its application: the handshake
    /// rules of ``ServerHandshake/validate(_:remoteAddress:)`` (405, 505, 400, 426 with
    /// `Sec-WebSocket-Version: 13`), then ``originPolicy`` (403) and ``requiredSubprotocols`` (400).
    /// `remoteAddress` is passed on as ``UpgradeRequest/remoteAddress``.
    public func validate(
        _ request: HandshakeRequest, remoteAddress: SocketAddress? = nil
    ) -> Result<UpgradeRequest, WebSocketUpgradeRefusal> {
        switch ServerHandshake.validate(request, remoteAddress: remoteAddress) {
        case .failure(let rejection):
            return .failure(WebSocketUpgradeRefusal(reason: .invalidHandshake, response: rejection.response))
        case .success(let upgrade):
            if let refusal = Self.policyRefusal(
                of: upgrade, originPolicy: originPolicy, requiredSubprotocols: requiredSubprotocols)
            {
                return .failure(refusal)
            }
            return .success(upgrade)
        }
    }

    /// Accepts a request that ``validate(_:remoteAddress:)`` passed: negotiates ``extensions``
    /// and builds the 101. `subprotocol` must be one of ``UpgradeRequest/subprotocols``; `headers`
    /// are added to the 101. Throws ``HTTPFieldError`` when the 101 cannot be written (a
    /// subprotocol the client did not offer, a negotiator's invalid parameter): answer it with 500.
    public func accept(
        _ request: UpgradeRequest, subprotocol: String? = nil, headers: HeaderFields = HeaderFields()
    ) throws(HTTPFieldError) -> AcceptedWebSocketUpgrade {
        let result = try request.accept(subprotocol: subprotocol, extensions: extensions, headers: headers)
        return AcceptedWebSocketUpgrade(result: result, session: session)
    }

    /// The refusal ``WebSocketServer`` and ``validate(_:remoteAddress:)`` give a valid handshake
    /// that `originPolicy` or `requiredSubprotocols` does not let through, if any.
    static func policyRefusal(
        of upgrade: UpgradeRequest, originPolicy: OriginPolicy, requiredSubprotocols: [String]?
    ) -> WebSocketUpgradeRefusal? {
        guard originPolicy.accepts(origin: upgrade.origin, host: upgrade.host) else {
            return WebSocketUpgradeRefusal(
                reason: .origin, response: HandshakeResponse(status: .forbidden, body: "origin not allowed\n"))
        }
        if let required = requiredSubprotocols, !upgrade.subprotocols.contains(where: required.contains) {
            let body = "no supported subprotocol offered; expected one of: \(required.joined(separator: ", "))\n"
            return WebSocketUpgradeRefusal(
                reason: .subprotocol, response: HandshakeResponse(status: .badRequest, body: body))
        }
        return nil
    }
}
