@testable import Duplex
import NIOCore
import NIOEmbedded
import Testing

/// How the route through a proxy reports the tunnel's end to the connect: NIO builds a channel for
/// each address it tries (Happy Eyeballs), so a channel that never connected must not fail it.
@Suite("The route through a proxy", .timeLimit(.minutes(1)))
struct ClientRouteTests {
    /// Runs the route's initializer on an embedded channel and returns what the connect saw.
    private func outcome(connecting: Bool) async throws -> (any Error)? {
        let route = try await ClientRoute(
            to: WebSocketURL(validating: "ws://localhost:9/"),
            through: WebSocketProxy(.httpConnect, host: "127.0.0.1", port: 3128))
        let channel = EmbeddedChannel()
        let upgraded = channel.eventLoop.makePromise(of: WebSocket.self)
        let initializer = route.channelInitializer(timeout: .seconds(10), failing: upgraded) {
            $0.eventLoop.makeSucceededVoidFuture()
        }
        try await initializer(channel).get()
        if connecting { try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3128)).get() }
        _ = try? channel.finish()
        // Fails the connect unless the route did first.
        upgraded.fail(NotFailed())
        do {
            _ = try await upgraded.futureResult.get()
            return nil
        } catch {
            return error is NotFailed ? nil : error
        }
    }

    private struct NotFailed: Error {}

    @Test func aChannelThatNeverConnectedLeavesTheConnectAlone() async throws {
        #expect(try await outcome(connecting: false) == nil)
    }

    @Test func aProxyConnectionThatClosesFailsTheConnect() async throws {
        let failure = try await outcome(connecting: true)
        #expect(failure as? WebSocketError == .connectionClosedDuringHandshake)
    }
}
