#if Hummingbird
import Duplex
import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// The NIO upgrader of one connection: answers its first request with `Upgrade: websocket` by
/// running the WebSocket router (middleware and routes) with the request's ``PendingUpgrade``.
/// When a `webSocket` route accepted, NIO writes the 101 and the route's handler serves the
/// upgraded channel; otherwise the router's response waits in ``refusal`` for
/// ``DuplexHTTP1Channel`` to write, and NIO is told no upgrade happened.
struct DuplexWebSocketUpgrader<Responder: HTTPResponder>: NIOTypedHTTPServerProtocolUpgrader, Sendable
where Responder.Context: RequestContext, Responder.Context.Source == ApplicationRequestContextSource {
    typealias UpgradeResult = DuplexHTTP1Channel.Outcome

    /// Why NIO's upgrade did not happen: the router answered with ``refusal``.
    struct Refused: Error {}

    let supportedProtocol = "websocket"
    /// Duplex checks `Connection` itself, to answer a request without it with its own 400.
    let requiredUpgradeHeaders: [String] = []
    let responder: Responder
    let logger: Logger
    /// The response the router refused the upgrade with.
    let refusal = NIOLockedValueBox<Response?>(nil)
    private let accepted = NIOLockedValueBox<PendingUpgrade.Acceptance?>(nil)

    func buildUpgradeResponse(
        channel: any Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        let promise = channel.eventLoop.makePromise(of: HTTPHeaders.self)
        promise.completeWithTask {
            let response = await route(upgradeRequest, channel: channel)
            guard response.status == .switchingProtocols, accepted.withLockedValue({ $0 }) != nil else {
                refusal.withLockedValue { $0 = response }
                throw Refused()
            }
            var headers = initialResponseHeaders
            for field in response.headers
            where ![.upgrade, .connection, .contentLength].contains(field.name) {
                headers.add(name: field.name.rawName, value: field.value)
            }
            return headers
        }
        return promise.futureResult
    }

    func upgrade(channel: any Channel, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<UpgradeResult> {
        channel.eventLoop.makeCompletedFuture {
            guard let acceptance = accepted.withLockedValue({ $0 }) else { throw Refused() }
            try acceptance.upgrade.serve(on: channel, acceptance.body)
            return .webSocket(channel)
        }
    }

    /// The router's response to the handshake `head`; a thrown error becomes its response (an
    /// `HTTPResponseError`'s own, else 500), as the application's responder does.
    private func route(_ head: HTTPRequestHead, channel: any Channel) async -> Response {
        let handshake: HandshakeRequest
        let request: Request
        do {
            handshake = try HandshakeRequest(head)
            request = Request(head: try HTTPRequest(head, secure: false, splitCookie: false), body: RequestBody(buffer: ByteBuffer()))
        } catch {
            return Response(status: .badRequest)
        }
        let context = Responder.Context(source: ApplicationRequestContextSource(channel: channel, logger: logger))
        let pending = PendingUpgrade(request: handshake, remoteAddress: channel.remoteAddress)
        do {
            let response = try await PendingUpgrade.$current.withValue(pending) {
                try await responder.respond(to: request, context: context)
            }
            accepted.withLockedValue { $0 = pending.accepted }
            return response
        } catch let error as any HTTPResponseError {
            return (try? error.response(from: request, context: context)) ?? Response(status: .internalServerError)
        } catch {
            logger.error("WebSocket route failed: \(type(of: error))")
            return Response(status: .internalServerError)
        }
    }
}
#endif
